"""Each shop's customer count, kept by triggers on cg_customers.

A group's share of all customers then reads one row instead of counting the shop's customers
on every admin page. Triggers, not Python, keep it: every path that adds or removes customers
(registration, imports, a shop's cascade, plain SQL) counts, in the same transaction. On
PostgreSQL one trigger per statement over its transition table (an import of a million rows
updates the count once per statement, not once per row); SQLite has row triggers only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


POSTGRESQL_TRIGGERS = (
    """
    CREATE FUNCTION cg_count_customers() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO cg_customer_counts AS kept (shop_id, customers)
            SELECT shop_id, count(*) FROM added_customers GROUP BY shop_id
            ON CONFLICT (shop_id) DO UPDATE SET customers = kept.customers + excluded.customers;
        ELSE
            UPDATE cg_customer_counts AS kept SET customers = kept.customers - gone.customers
            FROM (SELECT shop_id, count(*) AS customers FROM removed_customers GROUP BY shop_id) AS gone
            WHERE kept.shop_id = gone.shop_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER cg_customers_count_added AFTER INSERT ON cg_customers
    REFERENCING NEW TABLE AS added_customers FOR EACH STATEMENT EXECUTE FUNCTION cg_count_customers()
    """,
    """
    CREATE TRIGGER cg_customers_count_removed AFTER DELETE ON cg_customers
    REFERENCING OLD TABLE AS removed_customers FOR EACH STATEMENT EXECUTE FUNCTION cg_count_customers()
    """,
)
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER cg_customers_count_added AFTER INSERT ON cg_customers BEGIN
        INSERT INTO cg_customer_counts (shop_id, customers) VALUES (NEW.shop_id, 1)
        ON CONFLICT (shop_id) DO UPDATE SET customers = customers + 1;
    END
    """,
    """
    CREATE TRIGGER cg_customers_count_removed AFTER DELETE ON cg_customers BEGIN
        UPDATE cg_customer_counts SET customers = customers - 1 WHERE shop_id = OLD.shop_id;
    END
    """,
)


def upgrade() -> None:
    op.create_table('cg_customer_counts',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.CheckConstraint('customers >= 0', name=op.f('ck_cg_customer_counts_customers')),
    sa.ForeignKeyConstraint(['shop_id'], ['cg_shops.id'], name=op.f('fk_cg_customer_counts_shop_id_cg_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_cg_customer_counts'))
    )
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        # No customer is added or removed between the count and the triggers.
        op.execute("LOCK TABLE cg_customers IN SHARE MODE")
    op.execute(
        "INSERT INTO cg_customer_counts (shop_id, customers)"
        " SELECT shop_id, count(*) FROM cg_customers GROUP BY shop_id"
    )
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for trigger in ('cg_customers_count_removed', 'cg_customers_count_added'):
        op.execute(f"DROP TRIGGER {trigger} ON cg_customers" if postgresql else f"DROP TRIGGER {trigger}")
    if postgresql:
        op.execute("DROP FUNCTION cg_count_customers()")
    op.drop_table('cg_customer_counts')
