"""The demo seed: a PRO shop with a few hundred customers and groups, identical on every run."""
from __future__ import annotations

from sqlalchemy import func, select

from examples.demo_shop.seed import CUSTOMERS, GROUPS, seed
from plugin.db import session
from plugin.models import Customer
from plugin.services.groups import list_groups


def test_seed_is_deterministic_and_idempotent(app):
    shop, api_key = seed("Demo Shop")
    again, second_key = seed("Demo Shop")
    assert api_key and second_key is None and again.id == shop.id
    assert shop.plan == "pro"
    assert session().scalar(select(func.count()).select_from(Customer)) == CUSTOMERS
    sizes = {group.name: group.member_count for group in list_groups(shop)}
    assert sizes["Standard"] == CUSTOMERS
    assert {name: sizes[name] for name, *_ in GROUPS} == {name: size for name, _, _, size in GROUPS}
    first = session().scalar(select(Customer).order_by(Customer.id))
    assert (first.external_id, first.card_number) == ("demo-0001", "DS-000001")
