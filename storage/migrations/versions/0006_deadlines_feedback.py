"""deadlines of appeals (ЦУР target, 59-ФЗ date, extensions), the citizen's verdict;
message pairs found from the group's side (edits and replies mirrored)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("law_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("extensions", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("verdict", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_appeals_due_at"), ["due_at"], unique=False)
    op.create_index("ix_links_group", "message_links", ["group_chat_id", "group_message_id"])


def downgrade() -> None:
    op.drop_index("ix_links_group", table_name="message_links")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_due_at"))
        for column in ("rating", "verdict", "extensions", "law_due_at", "due_at"):
            batch_op.drop_column(column)
