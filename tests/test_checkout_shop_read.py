"""The checkout's own read of the key's shop: the shop comes back as a query would load it, detached."""
from __future__ import annotations

from sqlalchemy import inspect, select

from plugin.db import session
from plugin.models import Shop
from plugin.services.checkout import shop_and_groups_for_api_key


def test_the_shop_read_with_the_key_is_the_stored_shop_detached_with_nothing_pending(make_shop, make_customer):
    handle = make_shop("Kyoto", plan="enterprise", currency="JPY", timezone="Asia/Tokyo")
    make_customer(handle.shop, "ana")
    stored = session().scalars(select(Shop).where(Shop.id == handle.shop.id)).one()
    columns = Shop.__mapper__.column_attrs.keys()

    shop, groups = shop_and_groups_for_api_key(handle.api_key, "ana")

    state = inspect(shop)
    assert state.detached and state.key == inspect(stored).key
    assert not state.modified and not state.expired_attributes
    assert {name: getattr(shop, name) for name in columns} == {name: getattr(stored, name) for name in columns}
    assert groups == ["standard"]
    merged = session().merge(shop, load=False)  # as a host's receiver of prices_evaluated might
    assert not session().dirty and merged.plan == "enterprise"
