"""Groups foundation: shops, API keys, customers, tags, groups, memberships and their history.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('cg_shops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('plan', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("plan IN ('free', 'pro', 'enterprise')", name=op.f('ck_cg_shops_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cg_shops')),
    sa.UniqueConstraint('name', name=op.f('uq_cg_shops_name'))
    )
    op.create_table('cg_api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['cg_shops.id'], name=op.f('fk_cg_api_keys_shop_id_cg_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cg_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_cg_api_keys_key_hash'))
    )
    with op.batch_alter_table('cg_api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cg_api_keys_shop_id'), ['shop_id'], unique=False)

    op.create_table('cg_customers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('first_name', sa.String(length=128), nullable=False),
    sa.Column('last_name', sa.String(length=128), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('gender', sa.String(length=8), nullable=False),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('city', sa.String(length=128), nullable=False),
    sa.Column('card_number', sa.String(length=64), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('email_opt_in', sa.Boolean(), nullable=False),
    sa.Column('sms_opt_in', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("gender IN ('female', 'male', 'other', 'unknown')", name=op.f('ck_cg_customers_gender')),
    sa.ForeignKeyConstraint(['shop_id'], ['cg_shops.id'], name=op.f('fk_cg_customers_shop_id_cg_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cg_customers')),
    sa.UniqueConstraint('shop_id', 'external_id', name=op.f('uq_cg_customers_shop_id_external_id'))
    )
    with op.batch_alter_table('cg_customers', schema=None) as batch_op:
        batch_op.create_index('ix_cg_customers_shop_card', ['shop_id', 'card_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_cg_customers_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index('ix_cg_customers_shop_phone', ['shop_id', 'phone'], unique=False)
        batch_op.create_index('ix_cg_customers_shop_email', ['shop_id', sa.text('lower(email)')], unique=False)
        batch_op.create_index(
            'ix_cg_customers_shop_name', ['shop_id', sa.text('lower(last_name)'), sa.text('lower(first_name)')],
            unique=False,
        )

    op.create_table('cg_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('name_folded', sa.String(length=256), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('condition', sa.JSON(), nullable=True),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("NOT is_default OR (kind = 'static' AND NOT builtin)", name=op.f('ck_cg_groups_default_is_static')),
    sa.CheckConstraint("kind IN ('static', 'dynamic')", name=op.f('ck_cg_groups_kind')),
    sa.CheckConstraint('member_count >= 0', name=op.f('ck_cg_groups_member_count')),
    sa.ForeignKeyConstraint(['shop_id'], ['cg_shops.id'], name=op.f('fk_cg_groups_shop_id_cg_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cg_groups')),
    sa.UniqueConstraint('shop_id', 'key', name=op.f('uq_cg_groups_shop_id_key')),
    sa.UniqueConstraint('shop_id', 'name_folded', name=op.f('uq_cg_groups_shop_id_name_folded'))
    )
    with op.batch_alter_table('cg_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cg_groups_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index('uq_cg_groups_one_default', ['shop_id'], unique=True, postgresql_where=sa.text('is_default'), sqlite_where=sa.text('is_default'))

    op.create_table('cg_customer_tags',
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tag', sa.String(length=64), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['cg_customers.id'], name=op.f('fk_cg_customer_tags_customer_id_cg_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['cg_shops.id'], name=op.f('fk_cg_customer_tags_shop_id_cg_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'tag', name=op.f('pk_cg_customer_tags'))
    )
    with op.batch_alter_table('cg_customer_tags', schema=None) as batch_op:
        batch_op.create_index('ix_cg_customer_tags_shop_tag', ['shop_id', 'tag'], unique=False)

    op.create_table('cg_membership_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('change', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("change IN ('entered', 'left')", name=op.f('ck_cg_membership_events_change')),
    sa.ForeignKeyConstraint(['customer_id'], ['cg_customers.id'], name=op.f('fk_cg_membership_events_customer_id_cg_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['cg_groups.id'], name=op.f('fk_cg_membership_events_group_id_cg_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['cg_shops.id'], name=op.f('fk_cg_membership_events_shop_id_cg_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cg_membership_events'))
    )
    with op.batch_alter_table('cg_membership_events', schema=None) as batch_op:
        batch_op.create_index('ix_cg_membership_events_customer', ['customer_id'], unique=False)
        batch_op.create_index('ix_cg_membership_events_group_at', ['group_id', 'at'], unique=False, postgresql_include=['change'])
        batch_op.create_index(batch_op.f('ix_cg_membership_events_shop_id'), ['shop_id'], unique=False)

    op.create_table('cg_memberships',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('default', 'manual', 'import', 'api', 'condition')", name=op.f('ck_cg_memberships_source')),
    sa.ForeignKeyConstraint(['customer_id'], ['cg_customers.id'], name=op.f('fk_cg_memberships_customer_id_cg_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['cg_groups.id'], name=op.f('fk_cg_memberships_group_id_cg_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['cg_shops.id'], name=op.f('fk_cg_memberships_shop_id_cg_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'customer_id', name=op.f('pk_cg_memberships'))
    )
    with op.batch_alter_table('cg_memberships', schema=None) as batch_op:
        batch_op.create_index('ix_cg_memberships_customer', ['customer_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('cg_memberships', schema=None) as batch_op:
        batch_op.drop_index('ix_cg_memberships_customer')

    op.drop_table('cg_memberships')
    with op.batch_alter_table('cg_membership_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cg_membership_events_shop_id'))
        batch_op.drop_index('ix_cg_membership_events_group_at')
        batch_op.drop_index('ix_cg_membership_events_customer')

    op.drop_table('cg_membership_events')
    with op.batch_alter_table('cg_customer_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_cg_customer_tags_shop_tag')

    op.drop_table('cg_customer_tags')
    with op.batch_alter_table('cg_groups', schema=None) as batch_op:
        batch_op.drop_index('uq_cg_groups_one_default', postgresql_where=sa.text('is_default'), sqlite_where=sa.text('is_default'))
        batch_op.drop_index(batch_op.f('ix_cg_groups_shop_id'))

    op.drop_table('cg_groups')
    with op.batch_alter_table('cg_customers', schema=None) as batch_op:
        batch_op.drop_index('ix_cg_customers_shop_name')
        batch_op.drop_index('ix_cg_customers_shop_email')
        batch_op.drop_index('ix_cg_customers_shop_phone')
        batch_op.drop_index(batch_op.f('ix_cg_customers_shop_id'))
        batch_op.drop_index('ix_cg_customers_shop_card')

    op.drop_table('cg_customers')
    with op.batch_alter_table('cg_api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cg_api_keys_shop_id'))

    op.drop_table('cg_api_keys')
    op.drop_table('cg_shops')
