"""Data-subject requests, their history, attachments, verification tokens, reminders, throttle."""

import sqlalchemy as sa
from alembic import op

revision = "0003_requests"
down_revision = "0002_consent"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("ref", sa.String(20), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("procedure", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("subject_id", BigId, sa.ForeignKey("subjects.id", name="fk_requests_subject_id_subjects"),
                  nullable=False),
        sa.Column("subject_ref", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("identities", sa.JSON, nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("details", sa.Text, nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("deadline_period", sa.String(16), nullable=False),
        sa.Column("extension_period", sa.String(16), nullable=True),
        sa.Column("extended_due", sa.Date, nullable=True),
        sa.Column("extension_reason", sa.Text, nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.String(120), nullable=True),
        sa.Column("assignee", sa.String(120), nullable=True),
        sa.Column("fee", sa.String(120), nullable=True),
        sa.Column("refusal_reason", sa.Text, nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("ref", name="uq_requests_ref"),
    )
    op.create_index("ix_requests_status", "requests", ["status"])
    op.create_index("ix_requests_subject_id", "requests", ["subject_id"])
    op.create_index("ix_requests_due", "requests", ["due"])
    op.create_table(
        "request_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("request_id", BigId, sa.ForeignKey("requests.id", ondelete="CASCADE",
                                                     name="fk_request_events_request_id_requests"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("details", sa.JSON, nullable=True),
    )
    op.create_index("ix_request_events_request_id", "request_events", ["request_id"])
    op.create_table(
        "request_attachments",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("request_id", BigId, sa.ForeignKey("requests.id", ondelete="CASCADE",
                                                     name="fk_request_attachments_request_id_requests"),
                  nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("stored_as", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(120), nullable=False),
    )
    op.create_index("ix_request_attachments_request_id", "request_attachments", ["request_id"])
    op.create_table(
        "verification_tokens",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("request_id", BigId, sa.ForeignKey("requests.id", ondelete="CASCADE",
                                                     name="fk_verification_tokens_request_id_requests"),
                  nullable=False),
        sa.Column("link_digest", sa.String(64), nullable=False),
        sa.Column("code_digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("link_digest", name="uq_verification_tokens_link_digest"),
    )
    op.create_index("ix_verification_tokens_request_id", "verification_tokens", ["request_id"])
    op.create_table(
        "request_reminders",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("request_id", BigId, sa.ForeignKey("requests.id", ondelete="CASCADE",
                                                     name="fk_request_reminders_request_id_requests"),
                  nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_to", sa.String(120), nullable=False),
        sa.UniqueConstraint("request_id", "deadline", name="uq_request_reminders_request_id"),
    )
    op.create_table(
        "request_throttle",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("bucket", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_request_throttle_bucket_at", "request_throttle", ["bucket", "at"])


def downgrade() -> None:
    for table in ("request_throttle", "request_reminders", "verification_tokens", "request_attachments",
                  "request_events", "requests"):
        op.drop_table(table)
