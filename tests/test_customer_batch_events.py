"""Customer events in batches: the same outcome as sending them one by one, in one transaction."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from plugin import hooks
from plugin.db import session
from plugin.errors import ValidationFailed
from plugin.models import Customer, CustomerTag, Group, MembershipEvent
from plugin.signals import customer_registered

BATCH = "/events/customers/batch"


def count(model) -> int:
    return session().scalar(select(func.count()).select_from(model))


def default_member_count(shop) -> int:
    return session().scalar(select(Group.member_count).where(Group.shop_id == shop.id, Group.is_default))


def test_a_batch_registers_each_customer_in_the_default_group(shop):
    response = shop.post(BATCH, json={"customers": [
        {"external_id": "u-1", "first_name": "Ioana", "tags": ["vip"]},
        {"external_id": "u-2", "first_name": "Dan", "city": "Cluj"},
    ]})
    assert response.status_code == 201
    registrations = response.json["registrations"]
    assert [item["customer"]["external_id"] for item in registrations] == ["u-1", "u-2"]
    assert [item["created"] for item in registrations] == [True, True]
    assert [item["groups"] for item in registrations] == [["standard"], ["standard"]]
    assert registrations[0]["customer"]["tags"] == ["vip"]
    assert registrations[1]["customer"]["city"] == "Cluj"
    assert default_member_count(shop.shop) == 2
    assert count(MembershipEvent) == 2


def test_a_batch_sent_again_changes_nothing(shop):
    body = {"customers": [{"external_id": "u-1", "tags": ["vip"]}, {"external_id": "u-2"}]}
    shop.post(BATCH, json=body)
    again = shop.post(BATCH, json=body)
    assert again.status_code == 200
    assert [item["created"] for item in again.json["registrations"]] == [False, False]
    assert (count(Customer), count(MembershipEvent), count(CustomerTag)) == (2, 2, 1)
    assert default_member_count(shop.shop) == 2


def test_events_of_one_customer_in_a_batch_apply_in_order(shop):
    # given the first event registers u-1 and the next two update her
    response = shop.post(BATCH, json={"customers": [
        {"external_id": "u-1", "first_name": "Ioana", "city": "Cluj", "tags": ["a"]},
        {"external_id": "u-1", "city": "Iasi", "tags": ["b"]},
        {"external_id": "u-1", "email": "ioana@example.com"},
    ]})
    # then only the first registered her, and she has every later field and the last tags
    assert [item["created"] for item in response.json["registrations"]] == [True, False, False]
    customer = response.json["registrations"][-1]["customer"]
    assert (customer["first_name"], customer["city"], customer["email"]) == ("Ioana", "Iasi", "ioana@example.com")
    assert customer["tags"] == ["b"]
    assert (count(Customer), count(MembershipEvent)) == (1, 1)


def test_a_batch_mixes_registrations_and_updates(shop):
    shop.post("/events/customers", json={"external_id": "old", "first_name": "Ana", "city": "Cluj"})
    response = shop.post(BATCH, json={"customers": [{"external_id": "new"}, {"external_id": "old", "city": "Iasi"}]})
    assert [item["created"] for item in response.json["registrations"]] == [True, False]
    old = response.json["registrations"][1]["customer"]
    assert (old["first_name"], old["city"]) == ("Ana", "Iasi")
    assert default_member_count(shop.shop) == 2


def test_a_batch_joins_matching_dynamic_groups(shop):
    assert shop.post("/groups", json={"name": "VIP", "kind": "dynamic", "condition": {
        "metric": "tags", "op": "=", "value": "vip"}}).status_code == 201
    response = shop.post(BATCH, json={"customers": [
        {"external_id": "u-1", "tags": ["vip"]}, {"external_id": "u-2"},
    ]})
    assert [item["groups"] for item in response.json["registrations"]] == [["standard", "vip"], ["standard"]]
    # and an update that drops the tag takes her out again
    again = shop.post(BATCH, json={"customers": [{"external_id": "u-1", "tags": []}]})
    assert again.json["registrations"][0]["groups"] == ["standard"]


@pytest.mark.parametrize("body", [
    {"customers": []},
    {"customers": [{"external_id": "u-1"}, {"external_id": "u-2", "email": "not-an-email"}]},
    {"customers": [{"first_name": "no id"}]},
    {},
])
def test_a_batch_with_a_bad_event_stores_nothing(shop, body):
    response = shop.post(BATCH, json=body)
    assert response.status_code == 422
    assert "customers" in response.json["error"]["fields"]
    assert count(Customer) == 0


def test_a_failure_while_storing_leaves_nothing_half_written(app, shop, monkeypatch):
    def failing_refresh(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(hooks, "refresh_customer_groups", failing_refresh)
    with pytest.raises(RuntimeError):
        hooks.customers_registered(shop.shop.id, [{"external_id": "u-1"}, {"external_id": "u-2"}])
    session().rollback()
    assert (count(Customer), count(MembershipEvent), default_member_count(shop.shop)) == (0, 0, 0)


def test_the_bulk_hook_validates_each_event_and_signals_each_registration(shop):
    with pytest.raises(ValidationFailed) as error:
        hooks.customers_registered(shop.shop.id, [{"external_id": "h-1"}, {"external_id": "h-2", "gender": "robot"}])
    assert "gender" in error.value.fields[1]
    received = []
    with customer_registered.connected_to(lambda shop_id, customer: received.append(customer.external_id)):
        hooks.customers_registered(shop.shop.id, [{"external_id": "h-1"}, {"external_id": "h-1"}, {"external_id": "h-2"}])
    assert received == ["h-1", "h-2"]


def test_the_batch_route_is_documented(client):
    document = client.get("/api/customer-groups/v1/openapi.json").json
    operation = document["paths"]["/events/customers/batch"]["post"]
    assert "requestBody" in operation
