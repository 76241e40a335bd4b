"""analytics: facts per appeal (the dashboard's statistics), one-time sign-in links and
sessions of the web dashboard

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appeal_facts",
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=True),
        sa.Column("municipality", sa.String(length=64), nullable=True),
        sa.Column("authority", sa.String(length=64), nullable=True),
        sa.Column("executor_id", sa.BigInteger(), nullable=True),
        sa.Column("executor_name", sa.String(length=256), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_wd", sa.Float(), nullable=True),
        sa.Column("resolution_wd", sa.Float(), nullable=True),
        sa.Column("allowed_wd", sa.Float(), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("reopens", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("appeal_id"),
    )
    op.create_index("ix_appeal_facts_day", "appeal_facts", ["day"])
    op.create_index("ix_appeal_facts_authority_day", "appeal_facts", ["authority", "day"])
    op.create_index("ix_appeal_facts_sector_day", "appeal_facts", ["sector", "day"])
    op.create_index("ix_appeal_facts_municipality_day", "appeal_facts", ["municipality", "day"])
    op.create_index("ix_appeal_facts_open_due", "appeal_facts", ["is_open", "due_at"])
    op.create_table(
        "dashboard_links",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("tg_user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("nonce"),
    )
    op.create_table(
        "dashboard_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("tg_user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index(op.f("ix_dashboard_sessions_tg_user_id"), "dashboard_sessions", ["tg_user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_dashboard_sessions_tg_user_id"), table_name="dashboard_sessions")
    op.drop_table("dashboard_sessions")
    op.drop_table("dashboard_links")
    for name in ("open_due", "municipality_day", "sector_day", "authority_day", "day"):
        op.drop_index(f"ix_appeal_facts_{name}", table_name="appeal_facts")
    op.drop_table("appeal_facts")
