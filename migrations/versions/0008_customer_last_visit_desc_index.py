"""Customers: an index for the "last visit, latest first" sort, on PostgreSQL.

The Customers page sorts by ``last_visit_at DESC NULLS LAST, id DESC`` (customers never seen
last). ``ix_cg_customers_shop_last_visit`` read backwards gives NULLS FIRST, so PostgreSQL sorted
the whole shop for each page (233 ms for "booked online" at 100k customers; 3.6 ms with this
index, read in the page's order). SQLite cannot put NULLS LAST in an index: PostgreSQL only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_cg_customers_shop_last_visit_desc ON cg_customers "
                   "(shop_id, last_visit_at DESC NULLS LAST, id DESC)")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_cg_customers_shop_last_visit_desc', 'cg_customers')
