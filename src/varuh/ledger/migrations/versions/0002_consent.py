"""Consent events and proofs (issue: consent): the append-only log and the state per holder.

See varuh/ledger/consent.py for what each column means.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_consent"
down_revision = "0001_core"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "consent_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("receipt_id", sa.String(36), nullable=False),
        sa.Column("subject_id", BigId, sa.ForeignKey("subjects.id", name="fk_consent_events_subject_id_subjects"),
                  nullable=True),
        sa.Column("consent_id", sa.String(64), nullable=True),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("given", sa.Boolean, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("notice_version", sa.String(40), nullable=True),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("wording", sa.Text, nullable=True),
        sa.Column("given_by", sa.String(8), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(400), nullable=True),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.UniqueConstraint("receipt_id", name="uq_consent_events_receipt_id"),
        sa.CheckConstraint("subject_id IS NOT NULL OR consent_id IS NOT NULL", name="ck_consent_events_holder"),
    )
    op.create_index("ix_consent_events_subject", "consent_events", ["subject_id", "purpose", "id"])
    op.create_index("ix_consent_events_consent_id", "consent_events", ["consent_id", "purpose", "id"])
    op.create_table(
        "consent_state",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject_id", BigId, sa.ForeignKey("subjects.id", name="fk_consent_state_subject_id_subjects"),
                  nullable=True),
        sa.Column("consent_id", sa.String(64), nullable=True),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("given", sa.Boolean, nullable=False),
        sa.Column("event_id", BigId,
                  sa.ForeignKey("consent_events.id", name="fk_consent_state_event_id_consent_events"),
                  nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("subject_id", "purpose", name="uq_consent_state_subject_id"),
        sa.UniqueConstraint("consent_id", "purpose", name="uq_consent_state_consent_id"),
        sa.CheckConstraint("(subject_id IS NULL) <> (consent_id IS NULL)", name="ck_consent_state_holder"),
    )
    op.create_index("ix_consent_state_ended", "consent_state", ["purpose", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_consent_state_ended", table_name="consent_state")
    op.drop_table("consent_state")
    op.drop_index("ix_consent_events_consent_id", table_name="consent_events")
    op.drop_index("ix_consent_events_subject", table_name="consent_events")
    op.drop_table("consent_events")
