"""labeled examples (sector corrections kept for retraining the classifier)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "labeled_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column("predicted", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("labeled_examples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_labeled_examples_sector"), ["sector"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_labeled_examples_appeal_id"), ["appeal_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("labeled_examples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labeled_examples_appeal_id"))
        batch_op.drop_index(batch_op.f("ix_labeled_examples_sector"))
    op.drop_table("labeled_examples")
