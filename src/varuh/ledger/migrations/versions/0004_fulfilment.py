"""Fulfilment runs and their steps (issue: fulfilment)."""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_fulfilment"
down_revision = "0003_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
