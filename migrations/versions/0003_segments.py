"""Segments: activities and their items, deliveries, RFM scores, and the preset dynamic groups.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import json
from datetime import datetime, timezone
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


#: The presets as they were at this revision (later edits of plugin/segments/presets.py do not
#: change what this migration installs).
PRESETS = json.loads(r'''
[
    {
        "key": "lapsing-regulars",
        "name": "Lapsing regulars",
        "colour": "#EA580C",
        "description": "3 or more visits in the last 12 months, none in the last 2 months, none booked.",
        "condition": {
            "all": [
                {
                    "metric": "past_count",
                    "within": {
                        "last": 12,
                        "unit": "months"
                    },
                    "op": ">=",
                    "value": 3
                },
                {
                    "metric": "past_count",
                    "within": {
                        "last": 2,
                        "unit": "months"
                    },
                    "op": "=",
                    "value": 0
                },
                {
                    "metric": "upcoming_count",
                    "op": "=",
                    "value": 0
                }
            ]
        }
    },
    {
        "key": "first-visit-follow-ups",
        "name": "First-visit follow-ups",
        "colour": "#0891B2",
        "description": "Exactly one visit ever, within the last 30 days, and nothing booked.",
        "condition": {
            "all": [
                {
                    "metric": "past_count",
                    "op": "=",
                    "value": 1
                },
                {
                    "metric": "past_count",
                    "within": {
                        "last": 30,
                        "unit": "days"
                    },
                    "op": "=",
                    "value": 1
                },
                {
                    "metric": "upcoming_count",
                    "op": "=",
                    "value": 0
                }
            ]
        }
    },
    {
        "key": "high-value",
        "name": "High value",
        "colour": "#CA8A04",
        "description": "RFM tier high value: R + F + M of 12 or more.",
        "condition": {
            "metric": "rfm_tier",
            "op": "=",
            "value": "high_value"
        }
    },
    {
        "key": "regular",
        "name": "Regular",
        "colour": "#16A34A",
        "description": "RFM tier regular: R + F + M from 8 to 11.",
        "condition": {
            "metric": "rfm_tier",
            "op": "=",
            "value": "regular"
        }
    },
    {
        "key": "potential",
        "name": "Potential",
        "colour": "#9333EA",
        "description": "RFM tier potential: R + F + M of 7 or less.",
        "condition": {
            "metric": "rfm_tier",
            "op": "=",
            "value": "potential"
        }
    },
    {
        "key": "birthdays-soon",
        "name": "Birthdays soon",
        "colour": "#DB2777",
        "description": "Birthday today or within the next 30 days.",
        "condition": {
            "metric": "birthday_within_days",
            "op": "<=",
            "value": 30
        }
    }
]
''')


SEARCH_INDEXES = {
    "email": "lower(email)", "last_name": "lower(last_name)",
    "full_name": "lower((first_name || ' ') || last_name)", "phone": "phone",
}


def upgrade() -> None:
    """Upgrade schema, then give every existing shop the preset groups whose key and name are free."""
    op.create_table('cg_activities',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('amount_milli', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('location', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('online', 'offline')", name=op.f('ck_cg_activities_channel')),
    sa.CheckConstraint("kind IN ('order', 'appointment')", name=op.f('ck_cg_activities_kind')),
    sa.CheckConstraint("status IN ('completed', 'booked', 'cancelled', 'no_show')", name=op.f('ck_cg_activities_status')),
    sa.CheckConstraint('amount_milli >= 0', name=op.f('ck_cg_activities_amount_milli')),
    sa.ForeignKeyConstraint(['customer_id'], ['cg_customers.id'], name=op.f('fk_cg_activities_customer_id_cg_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['cg_shops.id'], name=op.f('fk_cg_activities_shop_id_cg_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cg_activities')),
    sa.UniqueConstraint('shop_id', 'external_id', name=op.f('uq_cg_activities_shop_id_external_id'))
    )
    with op.batch_alter_table('cg_activities', schema=None) as batch_op:
        batch_op.create_index('ix_cg_activities_customer_time', ['customer_id', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cg_activities_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index('ix_cg_activities_shop_time', ['shop_id', 'occurred_at'], unique=False)

    op.create_table('cg_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('campaign', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['cg_customers.id'], name=op.f('fk_cg_deliveries_customer_id_cg_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['cg_shops.id'], name=op.f('fk_cg_deliveries_shop_id_cg_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cg_deliveries'))
    )
    with op.batch_alter_table('cg_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_cg_deliveries_customer', ['customer_id', 'campaign', 'sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cg_deliveries_shop_id'), ['shop_id'], unique=False)

    op.create_table('cg_activity_items',
    sa.Column('activity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_type', sa.String(length=8), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("item_type IN ('product', 'category', 'staff')", name=op.f('ck_cg_activity_items_item_type')),
    sa.ForeignKeyConstraint(['activity_id'], ['cg_activities.id'], name=op.f('fk_cg_activity_items_activity_id_cg_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['cg_shops.id'], name=op.f('fk_cg_activity_items_shop_id_cg_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('activity_id', 'item_type', 'value', name=op.f('pk_cg_activity_items'))
    )
    with op.batch_alter_table('cg_activity_items', schema=None) as batch_op:
        batch_op.create_index('ix_cg_activity_items_lookup', ['shop_id', 'item_type', 'value', 'activity_id'], unique=False)

    # Plain ALTERs, not batch mode: a batch copy of cg_customers on SQLite would lose its
    # expression indexes (SQLite cannot reflect them).
    op.add_column('cg_customers', sa.Column('rfm_r', sa.SmallInteger(), nullable=True))
    op.add_column('cg_customers', sa.Column('rfm_f', sa.SmallInteger(), nullable=True))
    op.add_column('cg_customers', sa.Column('rfm_m', sa.SmallInteger(), nullable=True))
    op.add_column('cg_customers', sa.Column('rfm_tier', sa.String(length=16), nullable=False, server_default='prospect'))
    op.add_column('cg_customers', sa.Column('visits', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('cg_customers', sa.Column('spent_milli', sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('cg_customers', sa.Column('last_visit_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_cg_customers_shop_visits', 'cg_customers', ['shop_id', 'visits'])
    op.create_index('ix_cg_customers_shop_spent', 'cg_customers', ['shop_id', 'spent_milli'])
    op.create_index('ix_cg_customers_shop_last_visit', 'cg_customers', ['shop_id', 'last_visit_at'])
    op.add_column('cg_shops', sa.Column('rfm_breakpoints', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        # Prefix search (LIKE 'ana%') uses an index on PostgreSQL only with text_pattern_ops.
        for name, expression in SEARCH_INDEXES.items():
            op.execute(f"CREATE INDEX ix_cg_customers_search_{name} ON cg_customers ({expression} text_pattern_ops)")

    _install_presets()


def _install_presets() -> None:
    groups = sa.table(
        "cg_groups", sa.column("shop_id", sa.Integer), sa.column("key", sa.String), sa.column("name", sa.String),
        sa.column("name_folded", sa.String), sa.column("colour", sa.String), sa.column("description", sa.Text),
        sa.column("is_default", sa.Boolean), sa.column("kind", sa.String), sa.column("condition", sa.JSON),
        sa.column("builtin", sa.Boolean), sa.column("member_count", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)), sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    now = datetime.now(timezone.utc)
    for shop_id, in connection.execute(sa.text("SELECT id FROM cg_shops")):
        taken = connection.execute(
            sa.select(groups.c.key, groups.c.name_folded).where(groups.c.shop_id == shop_id)
        ).all()
        keys, names = {key for key, _ in taken}, {name for _, name in taken}
        rows = [
            {**preset, "shop_id": shop_id, "name_folded": preset["name"].casefold(), "is_default": False,
             "kind": "dynamic", "builtin": False, "member_count": 0, "created_at": now, "updated_at": now}
            for preset in PRESETS if preset["key"] not in keys and preset["name"].casefold() not in names
        ]
        if rows:
            connection.execute(groups.insert(), rows)


def downgrade() -> None:
    """Drop the segment tables and columns; preset groups stay, as groups an admin may have edited."""
    if op.get_bind().dialect.name == 'postgresql':
        for name in SEARCH_INDEXES:
            op.drop_index(f"ix_cg_customers_search_{name}", 'cg_customers')
    op.drop_column('cg_shops', 'rfm_breakpoints')
    for index in ('ix_cg_customers_shop_last_visit', 'ix_cg_customers_shop_spent', 'ix_cg_customers_shop_visits'):
        op.drop_index(index, 'cg_customers')
    for column in ('last_visit_at', 'spent_milli', 'visits', 'rfm_tier', 'rfm_m', 'rfm_f', 'rfm_r'):
        op.drop_column('cg_customers', column)

    with op.batch_alter_table('cg_activity_items', schema=None) as batch_op:
        batch_op.drop_index('ix_cg_activity_items_lookup')

    op.drop_table('cg_activity_items')
    with op.batch_alter_table('cg_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cg_deliveries_shop_id'))
        batch_op.drop_index('ix_cg_deliveries_customer')

    op.drop_table('cg_deliveries')
    with op.batch_alter_table('cg_activities', schema=None) as batch_op:
        batch_op.drop_index('ix_cg_activities_shop_time')
        batch_op.drop_index(batch_op.f('ix_cg_activities_shop_id'))
        batch_op.drop_index('ix_cg_activities_customer_time')

    op.drop_table('cg_activities')
