"""forum topics of appeals in authority groups; links between relayed messages

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appeal_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_appeal_topics_appeal_id"), "appeal_topics", ["appeal_id"])
    op.create_index("ix_appeal_topics_chat_thread", "appeal_topics", ["chat_id", "thread_id"])
    op.create_table(
        "message_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("citizen_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("citizen_message_id", sa.BigInteger(), nullable=False),
        sa.Column("group_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("group_message_id", sa.BigInteger(), nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeals.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("citizen_chat_id", "citizen_message_id", name="uq_links_citizen"),
    )
    op.create_index(op.f("ix_message_links_appeal_id"), "message_links", ["appeal_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_message_links_appeal_id"), table_name="message_links")
    op.drop_table("message_links")
    op.drop_index("ix_appeal_topics_chat_thread", table_name="appeal_topics")
    op.drop_index(op.f("ix_appeal_topics_appeal_id"), table_name="appeal_topics")
    op.drop_table("appeal_topics")
