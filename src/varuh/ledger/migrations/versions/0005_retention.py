"""Retention runs, the deletion log and the sweep lock (issue: retention)."""

import sqlalchemy as sa
from alembic import op

revision = "0005_retention"
down_revision = "0004_fulfilment"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "retention_runs",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(40), nullable=False),
        sa.Column("host", sa.String(120), nullable=True),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint("ref", name="uq_retention_runs_ref"),
    )
    op.create_table(
        "retention_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("run_id", BigId, sa.ForeignKey("retention_runs.id", ondelete="CASCADE",
                                                 name="fk_retention_log_run_id_retention_runs"), nullable=False),
        sa.Column("rule", sa.String(120), nullable=False),
        sa.Column("store", sa.String(80), nullable=False),
        sa.Column("table_name", sa.String(160), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("cutoff", sa.String(40), nullable=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
    )
    op.create_index("ix_retention_log_run_id", "retention_log", ["run_id"])
    op.create_table(
        "retention_locks",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("holder", sa.String(160), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("retention_locks")
    op.drop_index("ix_retention_log_run_id", table_name="retention_log")
    op.drop_table("retention_log")
    op.drop_table("retention_runs")
