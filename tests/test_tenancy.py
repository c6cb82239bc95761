"""One shop never sees or changes another's data: every route answers 404 and nothing moves."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from plugin.db import session
from plugin.models import Customer, Group, Membership

from .conftest import api_path


@pytest.fixture
def two_shops(make_shop, make_group, make_customer):
    a, b = make_shop("Shop A"), make_shop("Shop B")
    make_group(a.shop, "VIP")
    make_group(b.shop, "VIP")
    make_group(b.shop, "B only")
    make_customer(a.shop, "shared-id")
    make_customer(b.shop, "shared-id")
    make_customer(b.shop, "b-customer")
    b.post("/groups/b-only/members", json={"customer_ids": ["b-customer"]})
    return a, b


def _snapshot_of(shop):
    groups = session().execute(
        select(Group.key, Group.name, Group.colour, Group.is_default, Group.member_count)
        .where(Group.shop_id == shop.id).order_by(Group.key)
    ).all()
    memberships = session().execute(
        select(Membership.group_id, Membership.customer_id).where(Membership.shop_id == shop.id)
        .order_by(Membership.group_id, Membership.customer_id)
    ).all()
    customers = session().execute(
        select(Customer.external_id, Customer.first_name).where(Customer.shop_id == shop.id).order_by(Customer.id)
    ).all()
    return groups, memberships, customers


@pytest.mark.parametrize("method, path, body", [
    ("get", "/groups/b-only", None),
    ("patch", "/groups/b-only", {"name": "Mine now"}),
    ("patch", "/groups/b-only", {"is_default": True}),
    ("delete", "/groups/b-only", None),
    ("get", "/groups/b-only/members", None),
    ("post", "/groups/b-only/members", {"customer_ids": ["shared-id"]}),
    ("post", "/groups/vip/members", {"customer_ids": ["b-customer"]}),
    ("delete", "/groups/b-only/members/b-customer", None),
    ("delete", "/groups/standard/members/b-customer", None),
    ("get", "/groups/b-only/members/b-customer/why", None),
    ("get", "/groups/standard/members/b-customer/why", None),
    ("get", "/customers?group=b-only", None),
    ("post", "/events/activities", {"external_id": "o-1", "customer_external_id": "b-customer"}),
    ("post", "/groups/b-only/members", {"customer_ids": ["b-customer"]}),
])
def test_shop_a_cannot_reach_shop_b(two_shops, method, path, body):
    a, b = two_shops
    before = _snapshot_of(b.shop)
    # when
    response = getattr(a, method)(path, **({"json": body} if body is not None else {}))
    # then
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    session().expire_all()
    assert _snapshot_of(b.shop) == before


def test_same_keys_and_ids_resolve_to_each_shops_own_rows(two_shops):
    a, b = two_shops
    a.post("/groups/vip/members", json={"customer_ids": ["shared-id"]})
    assert a.get("/groups/vip").json["size"] == 1
    assert b.get("/groups/vip").json["size"] == 0
    assert [c["external_id"] for c in a.get("/customers").json["items"]] == ["shared-id"]
    assert a.get("/customers?q=b-customer").json["items"] == []


def test_a_registration_event_lands_in_the_callers_shop(two_shops):
    a, b = two_shops
    a.post("/events/customers", json={"external_id": "b-customer", "first_name": "Other"})
    assert b.get("/customers?q=b-customer").json["items"][0]["first_name"] == ""
    assert a.get("/customers?q=b-customer").json["items"][0]["first_name"] == "Other"


@pytest.mark.parametrize("method, path, status", [
    ("get", "/nowhere", 404),
    ("get", "/groups/vip/nowhere/why/not", 404),
    ("get", "/groups/vip/members/shared-id/why/not", 405),  # customer "shared-id/why/not": DELETE only
    ("put", "/groups", 405),
    ("post", "/groups/vip", 405),
    ("get", "/events/customers", 405),
])
def test_a_wrong_path_or_method_answers_the_error_shape_too(two_shops, method, path, status):
    a, _b = two_shops
    response = a.client.open(api_path(path), method=method.upper(), headers=a.headers)
    assert response.status_code == status
    assert set(response.json["error"]) == {"code", "message", "fields"}
    assert response.json["error"]["code"] == {404: "not_found", 405: "method_not_allowed"}[status]
