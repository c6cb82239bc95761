"""Refreshing dynamic groups (docs/segments.md "Refresh"): set differences, recorded, at once,
one customer at a time after an event, and a failed group keeping its old members."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from plugin.db import session
from plugin.models import Activity, Customer, Group, MembershipEvent
from plugin.models._columns import utcnow
from plugin.segments import refresh
from plugin.segments.clock import ShopClock
from plugin.services.groups import create_group

from .conftest import booked, cancelled, done, local, members, utc

NOW = local(2026, 6, 15, 12)
VISITED = {"metric": "past_count", "op": ">=", "value": 1}


def visitors_group(shop, key_name: str = "Visitors") -> Group:
    group = create_group(shop, {"name": key_name, "kind": "dynamic", "condition": VISITED}, now=NOW)
    session().commit()
    return group


def test_a_new_dynamic_group_is_computed_at_once(salon, make_customer, history):
    shop = salon.shop
    history.add(shop, make_customer(shop, "ana"), [done(local(2026, 6, 1))])
    make_customer(shop, "bob")
    visitors_group(shop)
    assert members(shop, "visitors") == {"ana"}


def test_a_changed_condition_is_computed_at_once(salon, make_customer, history):
    # given a group of visitors with ana in it, and bob who only cancelled
    shop = salon.shop
    history.add(shop, make_customer(shop, "ana"), [done(utcnow() - timedelta(days=3))])
    history.add(shop, make_customer(shop, "bob"), [cancelled(utcnow() - timedelta(days=3))])
    visitors_group(shop)
    # when the condition is changed to "no visit"
    response = salon.patch("/groups/visitors", json={"condition": {"metric": "past_count", "op": "=", "value": 0}})
    # then the members follow at once
    assert response.status_code == 200
    assert members(shop, "visitors") == {"bob"}


def test_refresh_writes_only_the_differences_and_records_them(salon, make_customer, history):
    # given visitors ana and cid, and bob with nothing
    shop = salon.shop
    ana, bob, cid = (make_customer(shop, name) for name in ("ana", "bob", "cid"))
    history.add(shop, ana, [done(local(2026, 6, 1))])
    history.add(shop, cid, [done(local(2026, 6, 2))])
    group = visitors_group(shop)
    # when ana's visit is cancelled and bob comes
    session().scalar(select(Activity).where(Activity.customer_id == ana.id)).status = "cancelled"
    history.add(shop, bob, [done(local(2026, 6, 10))])
    changes = {change.key: change for change in refresh.refresh_shop(shop, NOW)}
    # then ana left, bob entered, cid stayed: one exit and one entry, by the refresh
    assert members(shop, "visitors") == {"bob", "cid"}
    assert (changes["visitors"].added, changes["visitors"].removed) == (1, 1)
    rows = session().execute(
        select(Customer.external_id, MembershipEvent.change, MembershipEvent.source, MembershipEvent.actor)
        .join(Customer, Customer.id == MembershipEvent.customer_id)
        .where(MembershipEvent.group_id == group.id).order_by(MembershipEvent.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("ana", "entered", "condition", "refresh"), ("cid", "entered", "condition", "refresh"),
        ("bob", "entered", "condition", "refresh"), ("ana", "left", "condition", "refresh"),
    ]


def test_refresh_group_enters_and_removes_only_the_differences_narrowed_or_not(salon, make_customer, history):
    # given visitors ana, cid and eve (members), and bob, dan and fay who never came; every one
    # of them is also in the default group, whose memberships must not count as this group's
    shop = salon.shop
    ana, bob, cid, dan, eve, fay = (make_customer(shop, name) for name in ("ana", "bob", "cid", "dan", "eve", "fay"))
    for customer in (ana, cid, eve):
        history.add(shop, customer, [done(local(2026, 6, 1))])
    group = visitors_group(shop)
    assert members(shop, "visitors") == {"ana", "cid", "eve"}
    # when ana's and eve's visits are cancelled, bob and fay come, and only ana to dan are refreshed
    for customer in (ana, eve):
        session().scalar(select(Activity).where(Activity.customer_id == customer.id)).status = "cancelled"
    for customer in (bob, fay):
        history.add(shop, customer, [done(local(2026, 6, 10))])
    clock = ShopClock.at(NOW, shop.timezone)
    narrowed = refresh.refresh_group(shop, group, clock, [ana.id, bob.id, cid.id, dan.id])
    session().commit()
    # then ana left and bob entered; cid stayed, dan stayed out, eve and fay were not touched
    assert (narrowed.added, narrowed.removed) == (1, 1)
    assert members(shop, "visitors") == {"bob", "cid", "eve"}
    # and what is left to change is eve's exit and fay's entry, in customer-id order
    statement = refresh.membership_changes(refresh.parse_condition(VISITED), shop.id, group.id, clock)
    assert [tuple(row) for row in session().execute(statement)] == [(eve.id, False), (fay.id, True)]
    # when the whole group is refreshed
    full = refresh.refresh_group(shop, group, clock)
    session().commit()
    # then eve left and fay entered, each change recorded once, and nothing is left to change
    assert (full.added, full.removed) == (1, 1)
    assert members(shop, "visitors") == {"bob", "cid", "fay"}
    assert session().execute(statement).all() == []
    again = refresh.refresh_group(shop, group, clock)
    assert (again.added, again.removed) == (0, 0)
    rows = session().execute(
        select(Customer.external_id, MembershipEvent.change)
        .join(Customer, Customer.id == MembershipEvent.customer_id)
        .where(MembershipEvent.group_id == group.id).order_by(MembershipEvent.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("ana", "entered"), ("cid", "entered"), ("eve", "entered"),
        ("bob", "entered"), ("ana", "left"), ("fay", "entered"), ("eve", "left"),
    ]


def test_refresh_customer_touches_that_customer_only(salon, make_customer, history):
    # given two visitors whose visits are then both cancelled behind the groups' back
    shop = salon.shop
    ana, bob = make_customer(shop, "ana"), make_customer(shop, "bob")
    history.add(shop, ana, [done(local(2026, 6, 1))])
    history.add(shop, bob, [done(local(2026, 6, 1))])
    visitors_group(shop)
    for activity in session().scalars(select(Activity).where(Activity.shop_id == shop.id)):
        activity.status = "cancelled"
    # when only ana is refreshed
    refresh.refresh_customer(shop, ana, NOW)
    session().commit()
    # then only ana leaves
    assert members(shop, "visitors") == {"bob"}


def test_an_activity_moved_to_another_customer_refreshes_both(salon, make_customer):
    # given a visitors group and ana's order o-1
    shop = salon.shop
    make_customer(shop, "ana")
    make_customer(shop, "bob")
    visitors_group(shop)
    body = {"external_id": "o-1", "customer_external_id": "ana", "occurred_at": (utcnow() - timedelta(hours=1)).isoformat()}
    assert salon.post("/events/activities", json=body).status_code == 201
    assert members(shop, "visitors") == {"ana"}
    # when the host corrects the order: it was bob's
    response = salon.post("/events/activities", json={**body, "customer_external_id": "bob"})
    # then bob is in and ana is out, both at once
    assert response.status_code == 200
    assert members(shop, "visitors") == {"bob"}


def test_a_group_whose_refresh_fails_keeps_its_old_members(salon, make_customer, history, monkeypatch):
    # given visitors {ana}; then ana's visit is cancelled and bob visits
    shop = salon.shop
    ana, bob = make_customer(shop, "ana"), make_customer(shop, "bob")
    history.add(shop, ana, [done(local(2026, 6, 1))])
    visitors_group(shop)
    session().scalar(select(Activity).where(Activity.customer_id == ana.id)).status = "cancelled"
    history.add(shop, bob, [done(local(2026, 6, 10), "10.00")])
    # when the refresh of the visitors fails half way (after adding bob, while removing ana)
    real_remove = refresh.remove_members

    def failing_remove(shop_, group, customer_ids, **kwargs):
        if group.key == "visitors":
            raise RuntimeError("database went away")
        return real_remove(shop_, group, customer_ids, **kwargs)

    monkeypatch.setattr(refresh, "remove_members", failing_remove)
    with pytest.raises(RuntimeError):
        refresh.refresh_shop(shop, NOW)
    session().rollback()
    # then the group keeps its old members, bob's entry included: nothing half-done
    assert members(shop, "visitors") == {"ana"}
    # and the groups refreshed before it were committed each in its own transaction
    assert members(shop, "first-visit-follow-ups") == {"bob"}


def test_a_failing_group_does_not_stop_the_others(salon, make_customer, history, monkeypatch):
    # given a group that sorts first ("a-visitors") and whose refresh fails
    shop = salon.shop
    history.add(shop, make_customer(shop, "bob"), [done(local(2026, 6, 10), "10.00")])
    visitors_group(shop, "A visitors")
    real_matching = refresh.matching_customers

    def failing_matching(condition, shop_id, clock, customer_ids=None):
        if condition == refresh.parse_condition(VISITED):
            raise RuntimeError("statement timeout")
        return real_matching(condition, shop_id, clock, customer_ids)

    monkeypatch.setattr(refresh, "matching_customers", failing_matching)
    # when the shop is refreshed
    try:
        refresh.refresh_shop(shop, NOW)
    except RuntimeError:
        session().rollback()
    # then the other groups are refreshed all the same
    assert members(shop, "first-visit-follow-ups") == {"bob"}


def test_refresh_shop_scores_rfm_before_the_tier_groups(salon, make_customer, history):
    shop = salon.shop
    history.add(shop, make_customer(shop, "ana"), [done(local(2026, 6, 1), "10.00")])
    refresh.refresh_shop(shop, NOW)
    assert members(shop, "high-value") == {"ana"}


def test_per_customer_refresh_uses_its_own_now_to_the_microsecond(salon, make_customer, history):
    # given a "booked" group and ana's booking at 12:00:00.5
    shop = salon.shop
    create_group(shop, {"name": "Booked", "kind": "dynamic",
                        "condition": {"metric": "upcoming_count", "op": ">=", "value": 1}}, now=NOW)
    ana = make_customer(shop, "ana")
    history.add(shop, ana, [booked(NOW + timedelta(microseconds=500_000))])
    # when her groups are refreshed at 12:00:00.1 (the booking is upcoming)
    refresh.refresh_customer(shop, ana, NOW + timedelta(microseconds=100_000))
    session().commit()
    assert members(shop, "booked") == {"ana"}
    # and again at 12:00:00.9, the same second (the booking is now in the past: not upcoming)
    refresh.refresh_customer(shop, ana, NOW + timedelta(microseconds=900_000))
    session().commit()
    # then she has left the group
    assert members(shop, "booked") == set()


def test_per_customer_refresh_follows_a_change_of_timezone(salon, make_customer):
    # given a group of customers registered on 15 June or later, and ana who registered at
    # 01:30 on 15 June in Bucharest (22:30 UTC on 14 June)
    shop = salon.shop
    create_group(shop, {"name": "June 15", "kind": "dynamic",
                        "condition": {"metric": "registered_at", "op": ">=", "value": "2026-06-15"}}, now=NOW)
    ana = make_customer(shop, "ana", registered_at=utc("2026-06-14T22:30:00"))
    refresh.refresh_customer(shop, ana, NOW)
    session().commit()
    assert members(shop, "june-15") == {"ana"}
    # when the shop moves to UTC, and her groups are refreshed at the same now
    shop.timezone = "UTC"
    session().commit()
    refresh.refresh_customer(shop, ana, NOW)
    session().commit()
    # then 15 June starts at 00:00 UTC, after she registered
    assert members(shop, "june-15") == set()


def test_a_preset_can_be_deleted_and_is_then_left_alone(salon, make_customer, history):
    shop = salon.shop
    history.add(shop, make_customer(shop, "ana"), [done(local(2026, 6, 1))])
    assert salon.delete("/groups/first-visit-follow-ups").status_code == 200
    changes = refresh.refresh_shop(shop, NOW)
    assert "first-visit-follow-ups" not in {change.key for change in changes}
    assert salon.get("/groups/first-visit-follow-ups").status_code == 404


def test_a_group_deleted_after_the_list_was_read_is_passed_over(salon, make_customer, history):
    # given a visitor, and the shop's dynamic groups as an event read them (Visitors among them)
    shop = salon.shop
    ana = make_customer(shop, "ana")
    history.add(shop, ana, [done(local(2026, 6, 1))])
    group = visitors_group(shop)
    listed = [(group.id, VISITED)]
    # when Visitors is deleted before the event writes its changes
    assert salon.delete("/groups/visitors").status_code == 200
    entered = refresh.refresh_customer_groups(shop, [ana.id], ShopClock.at(NOW, shop.timezone), listed)
    # then the event goes on without it, and says nobody entered it
    assert entered == {}
    assert session().scalar(select(Group).where(Group.id == group.id)) is None
