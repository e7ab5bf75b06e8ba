"""Fulfilment runs and their steps, suppressions, restrictions, download tokens (issue: fulfilment)."""

import sqlalchemy as sa
from alembic import op

revision = "0004_fulfilment"
down_revision = "0003_requests"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fulfilment_runs",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("request_ref", sa.String(20), nullable=True),
        sa.Column("request_type", sa.String(32), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("finished_at", When, nullable=True),
        sa.Column("summary", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint("ref", name="uq_fulfilment_runs_ref"),
    )
    op.create_index("ix_fulfilment_runs_request_ref", "fulfilment_runs", ["request_ref"])
    op.create_table(
        "fulfilment_steps",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("run_id", BigId, sa.ForeignKey("fulfilment_runs.id", ondelete="CASCADE",
                                                 name="fk_fulfilment_steps_run_id_fulfilment_runs"), nullable=False),
        sa.Column("request_ref", sa.String(20), nullable=True),
        sa.Column("store", sa.String(80), nullable=False),
        sa.Column("table_name", sa.String(160), nullable=True),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON, nullable=True),
        sa.Column("at", When, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_fulfilment_steps_run_id", "fulfilment_steps", ["run_id"])
    op.create_index("ix_fulfilment_steps_request_store", "fulfilment_steps", ["request_ref", "store"])
    op.create_table(
        "suppressions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("activity", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("request_ref", sa.String(20), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.UniqueConstraint("activity", "kind", "digest", name="uq_suppressions_activity"),
    )
    op.create_table(
        "restrictions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("store", sa.String(80), nullable=False),
        sa.Column("table_name", sa.String(160), nullable=False),
        sa.Column("row_key", sa.String(120), nullable=False),
        sa.Column("request_ref", sa.String(20), nullable=True),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("until", sa.Date, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("lifted_at", When, nullable=True),
        sa.UniqueConstraint("store", "table_name", "row_key", "reason", name="uq_restrictions_store"),
    )
    op.create_index("ix_restrictions_request_ref", "restrictions", ["request_ref"])
    op.create_table(
        "download_tokens",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("request_ref", sa.String(20), nullable=True),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("downloads", sa.Integer, nullable=False),
        sa.UniqueConstraint("digest", name="uq_download_tokens_digest"),
    )


def downgrade() -> None:
    op.drop_table("download_tokens")
    op.drop_index("ix_restrictions_request_ref", table_name="restrictions")
    op.drop_table("restrictions")
    op.drop_table("suppressions")
    op.drop_index("ix_fulfilment_steps_request_store", table_name="fulfilment_steps")
    op.drop_index("ix_fulfilment_steps_run_id", table_name="fulfilment_steps")
    op.drop_table("fulfilment_steps")
    op.drop_index("ix_fulfilment_runs_request_ref", table_name="fulfilment_runs")
    op.drop_table("fulfilment_runs")
