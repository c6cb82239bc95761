"""Updating known customers takes no shop-wide lock: only a batch with new customers holds the
default group's row (before the shop's count, as a registration does)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from plugin.db import session
from plugin.models import Customer
from plugin.services import customers, members


def test_a_batch_of_known_customers_does_not_wait_for_the_default_group(app, shop, make_customer):
    # given: another transaction (an import, a registration) holding the default group's row
    if session().get_bind().dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")
    ana = make_customer(shop.shop, "c0", first_name="Ana")
    group_id = members.default_group(shop.shop).id
    with app.extensions["sqlalchemy"].engine.connect() as other:
        other.execute(sa.text("SELECT id FROM cg_groups WHERE id = :id FOR NO KEY UPDATE"), {"id": group_id})
        session().execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        # when: a batch updates only known customers
        stored = customers.register_customers(shop.shop, [{"external_id": "c0", "first_name": "Anca"}])
        session().commit()
        other.rollback()
    # then: it went through without waiting for the row
    assert stored == [(ana.id, False)]
    assert session().get(Customer, ana.id, populate_existing=True).first_name == "Anca"
