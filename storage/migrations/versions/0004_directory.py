"""the authority directory (municipalities, authorities, officials, routes); an appeal's
municipality and responsible authority

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "municipalities",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("boundary", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "authorities",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("municipality", sa.String(length=64), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "officials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("tg_user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=256), nullable=False),
        sa.Column("position", sa.String(length=256), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(["authority"], ["authorities.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("authority", "tg_user_id", name="uq_officials_authority_user"),
    )
    op.create_index(op.f("ix_officials_authority"), "officials", ["authority"], unique=False)
    op.create_index(op.f("ix_officials_tg_user_id"), "officials", ["tg_user_id"], unique=False)
    op.create_table(
        "routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column("municipality", sa.String(length=64), nullable=True),
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["authority"], ["authorities.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_routes_sector"), "routes", ["sector"], unique=False)
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("municipality", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("authority", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_appeals_municipality"), ["municipality"])
        batch_op.create_index(batch_op.f("ix_appeals_authority"), ["authority"])


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_authority"))
        batch_op.drop_index(batch_op.f("ix_appeals_municipality"))
        batch_op.drop_column("authority")
        batch_op.drop_column("municipality")
    op.drop_index(op.f("ix_routes_sector"), table_name="routes")
    op.drop_table("routes")
    op.drop_index(op.f("ix_officials_tg_user_id"), table_name="officials")
    op.drop_index(op.f("ix_officials_authority"), table_name="officials")
    op.drop_table("officials")
    op.drop_table("authorities")
    op.drop_table("municipalities")
