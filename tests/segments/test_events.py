"""Activity events keep a customer's dynamic groups up to date at once, idempotently; the
segment routes never cross shops."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from plugin.db import session
from plugin.models import Activity, Customer, Group, MembershipEvent
from plugin.models._columns import utcnow

from ..conftest import group_keys
from .conftest import done, members

LEAF = {"metric": "past_count", "op": ">=", "value": 1}


# --- activity events keep dynamic groups up to date ---------------------------------------------

@pytest.fixture
def planner(salon, make_customer):
    """Two dynamic groups, "booked" (something upcoming) and "visited" (a past visit), and ana."""
    for name, condition in (("Booked", {"metric": "upcoming_count", "op": ">=", "value": 1}), ("Visited", LEAF)):
        assert salon.post("/groups", json={"name": name, "kind": "dynamic", "condition": condition}).status_code == 201
    make_customer(salon.shop, "ana")
    return salon


def event(planner, *, occurred_at, external_id="apt-1", **fields):
    return planner.post("/events/activities", json={
        "external_id": external_id, "customer_external_id": "ana", "kind": "appointment",
        "occurred_at": occurred_at.isoformat(), **fields,
    })


def history_of(shop, key) -> list[tuple[str, str, str]]:
    group_id = session().scalar(select(Group.id).where(Group.shop_id == shop.id, Group.key == key))
    return list(session().execute(
        select(MembershipEvent.change, MembershipEvent.source, MembershipEvent.actor)
        .where(MembershipEvent.group_id == group_id).order_by(MembershipEvent.id)
    ).all())


def test_booked_then_completed_moves_the_customer_at_once(planner):
    shop = planner.shop
    # when an appointment is booked for tomorrow
    response = event(planner, status="booked", occurred_at=utcnow() + timedelta(days=1), amount="30.00")
    # then ana is in "booked" at once, and not in "visited" nor in the follow-ups
    assert response.status_code == 201
    assert response.json["created"] is True
    assert "booked" in response.json["groups"]
    assert not {"visited", "first-visit-follow-ups"} & set(response.json["groups"])
    # when the same appointment is sent again, completed (it took place an hour ago)
    response = event(planner, status="completed", occurred_at=utcnow() - timedelta(hours=1), amount="35.00")
    # then it replaced the booking: she left "booked" and entered "visited" and the follow-ups
    assert response.status_code == 200
    assert response.json["created"] is False
    assert response.json["activity"]["status"] == "completed"
    assert "booked" not in response.json["groups"]
    assert {"visited", "first-visit-follow-ups"} <= set(response.json["groups"])
    assert session().scalar(select(func.count()).select_from(Activity).where(Activity.shop_id == shop.id)) == 1
    assert history_of(shop, "booked") == [("entered", "condition", "refresh"), ("left", "condition", "refresh")]
    assert history_of(shop, "visited") == [("entered", "condition", "refresh")]


def test_an_order_sent_the_moment_it_is_completed_counts_at_once(planner):
    # given the first tenth of a second, so the request is handled within the same second
    while utcnow().microsecond > 100_000:
        time.sleep(0.005)
    # when an order completed just now is sent
    response = event(planner, status="completed", occurred_at=utcnow())
    # then she is a visitor, and a first-time one
    assert response.status_code == 201
    assert {"visited", "first-visit-follow-ups"} <= set(response.json["groups"])


def test_booked_then_cancelled_leaves_the_groups(planner):
    event(planner, status="booked", occurred_at=utcnow() + timedelta(days=2))
    response = event(planner, status="cancelled", occurred_at=utcnow() + timedelta(days=2))
    assert response.status_code == 200
    assert not {"booked", "visited"} & set(response.json["groups"])
    assert members(planner.shop, "booked") == set()


def test_resending_the_same_event_changes_nothing(planner):
    # given a completed visit, recorded once
    at = utcnow() - timedelta(days=1)
    first = event(planner, status="completed", occurred_at=at, amount="12.50", product_ids=["p1"])
    assert first.status_code == 201
    shop = planner.shop
    events_before = session().scalar(select(func.count()).select_from(MembershipEvent))
    # when the host sends it again
    again = event(planner, status="completed", occurred_at=at, amount="12.50", product_ids=["p1"])
    # then it is the same activity, the same groups, and no membership was touched
    assert again.status_code == 200
    assert again.json["created"] is False
    assert again.json["groups"] == first.json["groups"]
    assert again.json["activity"] == first.json["activity"]
    assert session().scalar(select(func.count()).select_from(Activity).where(Activity.shop_id == shop.id)) == 1
    assert session().scalar(select(func.count()).select_from(MembershipEvent)) == events_before


def test_an_activity_of_an_unknown_customer_is_refused(planner):
    response = planner.post("/events/activities", json={
        "external_id": "x", "customer_external_id": "nobody", "occurred_at": utcnow().isoformat(),
    })
    assert response.status_code == 404
    assert session().scalar(select(func.count()).select_from(Activity)) == 0


def test_a_customer_event_refreshes_their_dynamic_groups(salon, make_customer):
    # given a dynamic group of VIPs and ana, not tagged yet
    assert salon.post("/groups", json={"name": "VIP", "kind": "dynamic", "condition": {
        "metric": "tags", "op": "=", "value": "vip"}}).status_code == 201
    make_customer(salon.shop, "ana")
    # when the host tags her
    response = salon.post("/events/customers", json={"external_id": "ana", "tags": ["vip"]})
    # then she is in the group at once
    assert response.status_code == 200
    assert "vip" in response.json["groups"]


# --- tenancy --------------------------------------------------------------------------------------

@pytest.fixture
def two_shops(make_shop, make_customer, history):
    a, b = make_shop("Shop A", timezone="Europe/Bucharest"), make_shop("Shop B")
    ana = make_customer(a.shop, "ana-a")
    history.add(a.shop, ana, [done(utcnow() - timedelta(days=1), "10.00")])
    make_customer(b.shop, "bob-b")
    assert a.post("/groups", json={"name": "A visitors", "kind": "dynamic", "condition": LEAF}).status_code == 201
    assert a.post("/events/activities", json={
        "external_id": "o-1", "customer_external_id": "ana-a", "occurred_at": (utcnow() - timedelta(hours=2)).isoformat(),
        "amount": "5.00",
    }).status_code == 201
    return a, b


def test_why_does_not_cross_shops(two_shops):
    a, b = two_shops
    assert a.get("/groups/a-visitors/members/ana-a/why").status_code == 200
    assert b.get("/groups/a-visitors/members/ana-a/why").status_code == 404      # A's group key
    assert b.get("/groups/first-visit-follow-ups/members/ana-a/why").status_code == 404   # A's customer
    assert a.get("/groups/first-visit-follow-ups/members/bob-b/why").status_code == 404   # B's customer


def test_preview_counts_only_the_shops_own_customers(two_shops):
    a, b = two_shops
    assert a.post("/groups/preview", json={"condition": LEAF}).json["count"] == 1
    response = b.post("/groups/preview", json={"condition": LEAF})
    assert response.json == {"count": 0, "share": 0.0, "sample": []}


def test_an_event_cannot_touch_another_shops_customer_or_activity(two_shops, make_customer):
    a, b = two_shops
    activities_before = session().scalars(select(Activity.id).where(Activity.shop_id == a.shop.id)).all()
    a_members = members(a.shop, "a-visitors")
    # when shop B sends an activity for A's customer
    response = b.post("/events/activities", json={
        "external_id": "o-1", "customer_external_id": "ana-a", "occurred_at": utcnow().isoformat(), "status": "cancelled",
    })
    # then it is not found, and nothing of A's changes
    assert response.status_code == 404
    # when B sends its own o-1 (the same external id as A's), it is B's own activity
    make_customer(b.shop, "ana-a")
    response = b.post("/events/activities", json={
        "external_id": "o-1", "customer_external_id": "ana-a", "occurred_at": utcnow().isoformat(), "status": "cancelled",
    })
    assert response.status_code == 201
    assert session().scalars(select(Activity.id).where(Activity.shop_id == a.shop.id)).all() == activities_before
    assert session().scalar(select(Activity.status).where(Activity.shop_id == a.shop.id,
                                                          Activity.external_id == "o-1")) == "completed"
    assert members(a.shop, "a-visitors") == a_members == {"ana-a"}


def test_a_dynamic_group_holds_only_its_own_shops_customers(two_shops):
    a, b = two_shops
    response = b.post("/groups", json={"name": "B visitors", "kind": "dynamic", "condition": {"not": LEAF}})
    assert response.status_code == 201
    assert response.json["size"] == 1
    assert members(b.shop, "b-visitors") == {"bob-b"}


def test_a_dynamic_group_key_of_another_shop_is_a_404(two_shops):
    a, b = two_shops
    assert b.get("/groups/a-visitors").status_code == 404
    assert b.patch("/groups/a-visitors", json={"condition": LEAF}).status_code == 404
    assert b.get("/groups/a-visitors/members").status_code == 404
    assert members(a.shop, "a-visitors") == {"ana-a"}


def test_group_keys_helper_sees_dynamic_groups(two_shops):
    a, _ = two_shops
    ana = session().scalar(select(Customer).where(Customer.shop_id == a.shop.id))
    assert "a-visitors" in group_keys(a.shop, ana)
