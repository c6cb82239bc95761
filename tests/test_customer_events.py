"""Registration: by event or in-process hook, idempotent on external_id, joining the default group."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from plugin.db import session
from plugin.errors import PlanRequired, ValidationFailed
from plugin.models import Customer, MembershipEvent
from plugin.signals import customer_registered


def test_registration_event_stores_the_customer_in_the_default_group(shop):
    response = shop.post("/events/customers", json={
        "external_id": "u-1", "first_name": "Ioana", "email": "ioana@example.com", "tags": ["vip", "newsletter"],
    })
    assert response.status_code == 201
    assert response.json["created"] is True
    assert response.json["groups"] == ["standard"]
    assert response.json["customer"]["tags"] == ["newsletter", "vip"]
    assert shop.get("/groups/standard").json["size"] == 1


def test_the_same_event_twice_changes_nothing(shop):
    body = {"external_id": "u-1", "first_name": "Ioana"}
    shop.post("/events/customers", json=body)
    again = shop.post("/events/customers", json=body)
    assert again.status_code == 200 and again.json["created"] is False
    assert session().scalar(select(func.count()).select_from(Customer)) == 1
    assert session().scalar(select(func.count()).select_from(MembershipEvent)) == 1
    assert shop.get("/groups/standard").json["size"] == 1


def test_an_update_changes_only_the_fields_sent(shop):
    shop.post("/events/customers", json={"external_id": "u-1", "first_name": "Ioana", "city": "Cluj"})
    response = shop.post("/events/customers", json={"external_id": "u-1", "city": "Iasi"})
    assert response.json["customer"]["first_name"] == "Ioana"
    assert response.json["customer"]["city"] == "Iasi"


def test_an_update_does_not_put_a_customer_back_in_the_default_group(shop, make_group):
    make_group(shop.shop, "VIP")
    shop.post("/events/customers", json={"external_id": "u-1"})
    shop.post("/groups/vip/members", json={"customer_ids": ["u-1"]})
    shop.delete("/groups/standard/members/u-1")
    response = shop.post("/events/customers", json={"external_id": "u-1", "city": "Iasi"})
    assert response.json["groups"] == ["vip"]


@pytest.mark.parametrize("body, field", [
    ({}, "external_id"),
    ({"external_id": ""}, "external_id"),
    ({"external_id": "u", "email": "not-an-email"}, "email"),
    ({"external_id": "u", "gender": "robot"}, "gender"),
    ({"external_id": "u", "birthday": "1990-13-01"}, "birthday"),
    ({"external_id": "u", "registered_at": "2026-01-01T10:00:00"}, "registered_at"),
    ({"external_id": "u", "nickname": "x"}, "nickname"),
    # text no database can store: a NUL (a 500 on PostgreSQL, kept on SQLite), a lone surrogate (a 500 on both)
    ({"external_id": "u\x00"}, "external_id"),
    ({"external_id": "u", "first_name": "Ana\ud800"}, "first_name"),
    ({"external_id": "u", "tags": ["ok", "v\x00ip"]}, "tags[1]"),
])
def test_bad_customer_events_are_refused_and_store_nothing(shop, body, field):
    response = shop.post("/events/customers", json=body)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert session().scalar(select(func.count()).select_from(Customer)) == 0


def test_in_process_hook_registers_and_signals(app, shop):
    received = []
    with customer_registered.connected_to(lambda shop_id, customer: received.append((shop_id, customer.external_id))):
        registration = app.extensions["customer_groups"].register_customer(shop.shop.id, external_id="h-1", first_name="Dan")
        app.extensions["customer_groups"].register_customer(shop.shop.id, external_id="h-1", first_name="Dan")
    assert registration.created and registration.groups == ["standard"]
    assert received == [(shop.shop.id, "h-1")]


def test_in_process_hook_validates_like_the_api(app, shop):
    with pytest.raises(ValidationFailed) as error:
        app.extensions["customer_groups"].register_customer(shop.shop.id, external_id="h-1", gender="robot")
    assert "gender" in error.value.fields


@pytest.mark.parametrize("fields, field", [
    ({"external_id": "h-\x00"}, "external_id"),
    ({"external_id": "h-1", "tags": ["vip", "a\ud800"]}, "tags[1]"),
])
def test_in_process_hook_refuses_what_no_database_stores_by_its_field(app, shop, fields, field):
    hooks = app.extensions["customer_groups"]
    with pytest.raises(ValidationFailed) as error:
        hooks.register_customer(shop.shop.id, **fields)
    assert field in error.value.fields
    assert hooks.register_customer(shop.shop.id, external_id="h-2").groups == ["standard"]


def test_in_process_hook_respects_the_plan(app, make_shop):
    free = make_shop("Free", plan="free")
    with pytest.raises(PlanRequired):
        app.extensions["customer_groups"].register_customer(free.shop.id, external_id="h-1")


def test_a_new_customer_joins_the_dynamic_groups_they_match_and_no_others(shop):
    # The values a condition compares with are written into the SQL of the statement reused all
    # day (PostgreSQL): quotes and percent signs must reach the database as they were sent.
    for name, condition in {
        "Odd city": {"metric": "city", "op": "=", "value": "O'Hare 100%"},
        "Tagged": {"metric": "tags", "op": "in", "value": ["50% off", "it's"]},
    }.items():
        assert shop.post("/groups", json={"name": name, "kind": "dynamic", "condition": condition}).status_code == 201
    matching = shop.post("/events/customers", json={"external_id": "u-1", "city": "O'Hare 100%", "tags": ["it's"]})
    other = shop.post("/events/customers", json={"external_id": "u-2", "city": "O'Hare 100", "tags": ["50 off"]})
    assert matching.json["groups"] == ["odd-city", "standard", "tagged"]
    assert other.json["groups"] == ["standard"]
    assert shop.get("/groups/tagged").json["size"] == 1



def test_the_hook_sees_a_condition_changed_in_the_same_unfinished_transaction(app, shop):
    from plugin.services.groups import create_group

    group = create_group(shop.shop, {"name": "Town", "kind": "dynamic",
                                     "condition": {"metric": "city", "op": "=", "value": "Cluj"}})
    session().commit()
    session().refresh(shop.shop)  # loaded now: the hook finds it without a query that would autoflush
    group.condition = {"metric": "city", "op": "=", "value": "Iasi"}  # not flushed yet
    registration = app.extensions["customer_groups"].register_customer(shop.shop.id, external_id="h-1", city="Iasi")
    assert registration.groups == ["standard", "town"]


def test_an_activity_event_answers_the_activity_with_its_customer_and_is_idempotent(shop, make_group):
    # given
    shop.post("/events/customers", json={"external_id": "u-1"})
    make_group(shop.shop, "Buyers", kind="dynamic", condition={"metric": "past_count", "op": ">=", "value": 1})
    booked = {"external_id": "o-1", "customer_external_id": "u-1", "kind": "appointment", "status": "booked",
              "occurred_at": "2020-03-01T10:00:00+00:00", "amount": "25.50", "location": "Centre",
              "channel": "online", "product_ids": ["p1"], "category_ids": ["c1"], "staff": ["s1"]}
    # when
    first = shop.post("/events/activities", json=booked)
    again = shop.post("/events/activities", json=booked)
    completed = shop.post("/events/activities", json={**booked, "status": "completed"})
    # then
    assert (first.status_code, again.status_code, completed.status_code) == (201, 200, 200)
    assert first.json["activity"] == {
        "external_id": "o-1", "customer_external_id": "u-1", "kind": "appointment", "status": "booked",
        "occurred_at": "2020-03-01T10:00:00+00:00", "amount": "25.50", "currency": "EUR", "location": "Centre",
        "channel": "online", "product_ids": ["p1"], "category_ids": ["c1"], "staff": ["s1"],
    }
    assert again.json["activity"] == first.json["activity"] and again.json["created"] is False
    assert (first.json["groups"], completed.json["groups"]) == (["standard"], ["buyers", "standard"])
    assert shop.get("/customers?q=u-1").json["items"][0]["visits"] == 1


def test_the_customer_json_exposes_the_rfm_scores(shop):
    # given: a new customer is outside the RFM population
    registered = shop.post("/events/customers", json={"external_id": "u-1"}).json["customer"]
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    # when: their first completed order makes a population of one, where each score is ceil(5 × 1/1)
    shop.post("/events/activities", json={"external_id": "o-1", "customer_external_id": "u-1",
                                          "occurred_at": yesterday, "amount": "10.00"})
    # then
    assert [registered[name] for name in ("rfm_r", "rfm_f", "rfm_m", "rfm_tier")] == [None, None, None, "prospect"]
    found = shop.get("/customers?q=u-1").json["items"][0]
    assert [found[name] for name in ("rfm_r", "rfm_f", "rfm_m", "rfm_tier")] == [5, 5, 5, "high_value"]
