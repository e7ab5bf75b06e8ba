"""Data-subject requests, tasks, tokens (issue: requests)."""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_requests"
down_revision = "0002_consent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
