"""Drop the ``shop_id`` indexes that a unique constraint leading with ``shop_id`` duplicates.

``cg_customers``, ``cg_activities``, ``cg_groups`` and ``cg_rules`` each have a unique
``(shop_id, …)`` constraint, whose index serves every lookup by shop and the shop's cascade
delete as well. The lone ``shop_id`` index only cost each insert one more index entry: an
import of 10,000,000 activities wrote 10,000,000 of them for nothing.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("cg_customers", "cg_activities", "cg_groups", "cg_rules")


def upgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_shop_id", table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_shop_id", table, ["shop_id"])
