"""Pricing rules: the rules table and each shop's rules revision token.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "cg_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["cg_shops.id"], name=op.f("fk_cg_rules_shop_id_cg_shops"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cg_rules")),
        sa.UniqueConstraint("shop_id", "rule_id", name=op.f("uq_cg_rules_shop_id_rule_id")),
    )
    with op.batch_alter_table("cg_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cg_rules_shop_id"), ["shop_id"], unique=False)
    with op.batch_alter_table("cg_shops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rules_revision", sa.String(length=32), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("cg_shops", schema=None) as batch_op:
        batch_op.drop_column("rules_revision")
    with op.batch_alter_table("cg_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cg_rules_shop_id"))
    op.drop_table("cg_rules")
