"""Activities: the per-customer index also keys on status, and carries amount and channel on PostgreSQL.

Every per-customer aggregate and "at least one" probe of a segment filters on status and a time
range (the Customers page's filters, one customer's refresh): with status in the key the index
reads only the rows counted, and on PostgreSQL sums and online counts come from the index alone.
It replaces ``ix_cg_activities_customer_time``, whose leading columns it repeats for every status.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_cg_activities_customer_status_time', 'cg_activities', ['customer_id', 'status', 'occurred_at'],
                    postgresql_include=['amount_milli', 'channel'])
    op.drop_index('ix_cg_activities_customer_time', 'cg_activities')


def downgrade() -> None:
    op.create_index('ix_cg_activities_customer_time', 'cg_activities', ['customer_id', 'occurred_at'])
    op.drop_index('ix_cg_activities_customer_status_time', 'cg_activities')
