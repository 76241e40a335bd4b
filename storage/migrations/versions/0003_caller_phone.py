"""the number a phone appeal came from, to match it with a citizen's shared contact

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("caller_phone", sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_appeals_caller_phone"), ["caller_phone"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_caller_phone"))
        batch_op.drop_column("caller_phone")
