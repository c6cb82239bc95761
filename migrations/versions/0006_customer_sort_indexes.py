"""Customers: the spent and visits indexes end with the id, as the Customers page sorts.

The page orders by ``spent_milli`` or ``visits`` and then ``id`` (a stable order), so with the
id in the index PostgreSQL walks it in the page's order and stops at the first page of matches
(probing each customer's filter) instead of filtering and sorting every customer of the shop.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = {'ix_cg_customers_shop_spent': 'spent_milli', 'ix_cg_customers_shop_visits': 'visits'}


def upgrade() -> None:
    for name, column in COLUMNS.items():
        op.drop_index(name, 'cg_customers')
        op.create_index(name, 'cg_customers', ['shop_id', column, 'id'])


def downgrade() -> None:
    for name, column in COLUMNS.items():
        op.drop_index(name, 'cg_customers')
        op.create_index(name, 'cg_customers', ['shop_id', column])
