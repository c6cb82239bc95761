"""Each group's entries and exits per 15-minute UTC slot, kept by the database on every path that
writes or deletes membership events, and the size chart read from them: on both databases."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from admin_ui.charts import size_series
from examples.demo_shop import create_app
from plugin import migrate
from plugin.db import session
from plugin.imports import import_customers
from plugin.models import Customer, Group, MembershipEvent, MembershipTally
from plugin.services import groups, members

from .test_imports import csv_text
from .test_migrations import empty_database_url  # noqa: F401  (a fixture)


def _utc(day: int, hour: int, minute: int = 0, second: int = 0, microsecond: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, microsecond, tzinfo=timezone.utc)


def _event(shop, group, customer_id: int, change: str, at: datetime) -> None:
    session().add(MembershipEvent(shop_id=shop.id, group_id=group.id, customer_id=customer_id, change=change,
                                  source="manual", actor="test", at=at))


def _tallies() -> dict[tuple[int, int], tuple[int, int]]:
    session().expire_all()
    rows = session().execute(sa.select(MembershipTally.group_id, MembershipTally.slot, MembershipTally.entered,
                                       MembershipTally.left)).all()
    return {(group_id, slot): (entered, left) for group_id, slot, entered, left in rows}


def _from_events() -> dict[tuple[int, int], tuple[int, int]]:
    """The tallies computed here from every stored event: the slot is floor(epoch seconds / 900)."""
    counted: Counter = Counter()
    for group_id, change, at in session().execute(
            sa.select(MembershipEvent.group_id, MembershipEvent.change, MembershipEvent.at)).all():
        counted[(group_id, int(at.timestamp()) // 900, change)] += 1
    keys = {(group_id, slot) for group_id, slot, _change in counted}
    return {key: (counted[(*key, "entered")], counted[(*key, "left")]) for key in keys}


def _group(shop, key: str) -> Group:
    return groups.get_group(shop, key)


def test_events_are_tallied_per_quarter_hour_and_change(shop, make_group, make_customer):
    # given: a group and customers with entries and exits on both sides of 15:00 UTC
    club = make_group(shop.shop, "Club")
    ids = [make_customer(shop.shop, f"c{number}").id for number in range(3)]
    session().execute(sa.delete(MembershipEvent))  # registrations' own entries to Standard: not this test's
    session().commit()
    _event(shop.shop, club, ids[0], "entered", _utc(16, 14, 59, 59, 999_999))
    _event(shop.shop, club, ids[1], "entered", _utc(16, 15))
    _event(shop.shop, club, ids[2], "entered", _utc(16, 15, 14, 59))
    _event(shop.shop, club, ids[1], "left", _utc(16, 15, 7))
    session().commit()
    # then: 14:45-15:00 holds one entry; 15:00-15:15 two entries and one exit
    slot = int(_utc(16, 15).timestamp()) // 900
    assert _tallies() == {(club.id, slot - 1): (1, 0), (club.id, slot): (2, 1)}


def test_registrations_and_member_changes_are_tallied(shop, make_group, make_customer):
    # given: registrations (into Standard), a static group's adds and removes (one lands in Standard)
    vip = make_group(shop.shop, "VIP")
    ids = [make_customer(shop.shop, f"c{number}").id for number in range(5)]
    members.add_members(shop.shop, vip, ids, source="manual", actor="test")
    members.remove_members(shop.shop, _group(shop.shop, "standard"), ids[:2], source="manual", actor="test")
    members.remove_members(shop.shop, vip, ids[3:], source="manual", actor="test")
    session().commit()
    # then
    tallies = _tallies()
    assert sum(entered for entered, _left in tallies.values()) == 5 + 5 + 0  # registrations, VIP, no rehoming
    assert sum(left for _entered, left in tallies.values()) == 2 + 2
    assert tallies == _from_events()


def _delete_customers(ids: list[int]) -> None:
    session().execute(sa.delete(Customer).where(Customer.id.in_(ids)))
    if session().get_bind().dialect.name == "sqlite":  # which enforces no foreign key here: no cascade
        session().execute(sa.delete(MembershipEvent).where(MembershipEvent.customer_id.in_(ids)))
    session().commit()


def test_deleting_customers_untallies_their_events(make_shop, make_group, make_customer):
    # given: two shops, the customers in two groups each
    mine, theirs = make_shop("Mine").shop, make_shop("Theirs").shop
    vip = make_group(mine, "VIP")
    ids = [make_customer(mine, f"m{number}").id for number in range(4)]
    make_customer(theirs, "t0")
    members.add_members(mine, vip, ids, source="manual", actor="test")
    members.remove_members(mine, vip, ids[:1], source="manual", actor="test")
    session().commit()
    # when: one statement deletes three of them (their events go by the foreign keys' cascade)
    _delete_customers(ids[:3])
    # then: what is left is one registration in each shop and m3's entry to VIP
    tallies = _tallies()
    assert tallies == _from_events()
    assert sum(entered for entered, _left in tallies.values()) == 3
    assert all(left == 0 for _entered, left in tallies.values())
    # when: the last of my customers goes, so do the slots their events were in
    _delete_customers(ids[3:])
    assert set(group_id for group_id, _slot in _tallies()) == {_group(theirs, "standard").id}


def test_deleting_a_group_drops_its_tallies_and_tallies_the_rehomed(shop, make_group, make_customer):
    # given: two customers only in VIP (Standard left), VIP's history
    vip = make_group(shop.shop, "VIP")
    ids = [make_customer(shop.shop, f"c{number}").id for number in range(2)]
    members.add_members(shop.shop, vip, ids, source="manual", actor="test")
    members.remove_members(shop.shop, _group(shop.shop, "standard"), ids, source="manual", actor="test")
    session().commit()
    vip_id = vip.id
    assert any(group_id == vip_id for group_id, _slot in _tallies())
    # when
    moved = groups.delete_group(shop.shop, vip, actor="test")
    session().commit()
    # then: nothing of VIP is left; Standard took them back (two entries more)
    tallies = _tallies()
    assert sorted(moved) == sorted(ids)
    assert all(group_id != vip_id for group_id, _slot in tallies)
    assert sum(entered for entered, _left in tallies.values()) == 4 and tallies == _from_events()


def test_an_import_is_tallied(shop, make_customer):
    # given: one customer already there
    make_customer(shop.shop, "c1")
    # when: the import creates three more (on PostgreSQL, one statement inserts all their entries)
    import_customers(shop.shop, csv_text(["external_id"], ["c1"], ["c2"], ["c3"], ["c4"]))
    session().commit()
    # then
    tallies = _tallies()
    assert sum(entered for entered, _left in tallies.values()) == 4 and tallies == _from_events()


def test_backdated_history_moves_to_its_new_slots(shop, make_group, make_customer):
    # given: entries recorded now (a seed then spreads them over the past, as the browser tests' does)
    vip = make_group(shop.shop, "VIP")
    ids = [make_customer(shop.shop, f"c{number}").id for number in range(3)]
    members.add_members(shop.shop, vip, ids, source="manual", actor="test")
    session().commit()
    # when: one statement moves VIP's entries to 16 November, 09:00 UTC; another turns one into an exit
    session().execute(sa.update(MembershipEvent).where(MembershipEvent.group_id == vip.id).values(at=_utc(16, 9, 5)))
    session().execute(sa.update(MembershipEvent).where(MembershipEvent.group_id == vip.id,
                                                       MembershipEvent.customer_id == ids[0]).values(change="left"))
    session().commit()
    # then: VIP's only slot is that quarter hour; the registrations did not move
    tallies = _tallies()
    assert {key: value for key, value in tallies.items() if key[0] == vip.id} == {
        (vip.id, int(_utc(16, 9).timestamp()) // 900): (2, 1)}
    assert tallies == _from_events()


@pytest.mark.parametrize("zone", ["Asia/Kathmandu", "Pacific/Chatham", "America/New_York"])
def test_the_chart_from_tallies_counts_each_event_on_its_local_day(make_shop, make_group, make_customer, zone):
    # given: entries and exits a second either side of each local midnight of a week spanning
    # New York's change from summer time (1 November 2026)
    shop = make_shop("Zoned", timezone=zone).shop
    group = make_group(shop, "Club")
    customer_id = make_customer(shop, "z0").id
    local = ZoneInfo(zone)
    now = datetime(2026, 11, 4, 12, tzinfo=local)
    events = []
    for offset in range(-6, 1):
        midnight = datetime.combine((now + timedelta(days=offset)).date(), datetime.min.time(), local)
        events += [("entered", midnight - timedelta(seconds=1)), ("entered", midnight), ("left", midnight),
                   ("entered", midnight + timedelta(minutes=14, seconds=59))]
    for change, at in events:
        _event(shop, group, customer_id, change, at.astimezone(timezone.utc))
    group.member_count = 20
    session().commit()
    # when
    series = size_series(shop, group, days=5, now=now.astimezone(timezone.utc))
    # then: the same as counting the events by their local date
    days = [point.day for point in series]
    entered = Counter(at.astimezone(local).date() for change, at in events if change == "entered")
    left = Counter(at.astimezone(local).date() for change, at in events if change == "left")
    assert [(point.entered, point.left) for point in series] == [(entered[day], left[day]) for day in days]
    assert [(point.entered, point.left) for point in series] == [(3, 1)] * 4 + [(2, 1)]
    assert [point.size for point in series] == [13, 15, 17, 19, 20]


def test_a_window_with_midnights_off_the_quarter_hour_counts_its_events(make_shop, make_group, make_customer):
    # given: Monrovia in 1971, 44 minutes 30 seconds behind UTC (midnight at 00:44:30 UTC)
    shop = make_shop("Monrovia", timezone="Africa/Monrovia").shop
    group = make_group(shop, "Club")
    customer_id = make_customer(shop, "z0").id
    midnight = datetime(1971, 6, 2, 0, 44, 30, tzinfo=timezone.utc)
    _event(shop, group, customer_id, "entered", midnight - timedelta(seconds=1))  # 1 June, local
    _event(shop, group, customer_id, "entered", midnight)                         # 2 June
    group.member_count = 2
    session().commit()
    # when
    series = size_series(shop, group, days=2, now=midnight + timedelta(hours=1))
    # then: the two entries are a slot apart yet on two days
    assert [(point.day.isoformat(), point.size, point.entered) for point in series] == [
        ("1971-06-01", 1, 1), ("1971-06-02", 2, 1)]


def test_the_migration_tallies_the_events_already_there(empty_database_url):  # noqa: F811
    # given: a database at the revision before the tallies, with events of two groups
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        migrate.upgrade("0008")
        with engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO cg_shops (id, name, currency, timezone, plan, rules_revision, created_at)"
                " VALUES (1, 's1', 'EUR', 'UTC', 'pro', 'r', CURRENT_TIMESTAMP)"))
            for group_id in (1, 2):
                connection.execute(sa.text(
                    "INSERT INTO cg_groups (id, shop_id, key, name, name_folded, colour, description, is_default,"
                    " kind, builtin, member_count, created_at, updated_at) VALUES (:id, 1, :key, :key, :key,"
                    " '#000000', '', false, 'static', false, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                    {"id": group_id, "key": f"g{group_id}"})
            connection.execute(sa.text(
                "INSERT INTO cg_customers (id, shop_id, external_id, first_name, last_name, email, phone, gender,"
                " city, card_number, email_opt_in, sms_opt_in, registered_at, created_at, updated_at)"
                " VALUES (1, 1, 'c1', '', '', '', '', 'unknown', '', '', false, false,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            history = sa.table("cg_membership_events", *(sa.column(name) for name in (
                "shop_id", "group_id", "customer_id", "change", "source", "actor")), sa.column("at", sa.DateTime))
            connection.execute(history.insert(), [
                {"shop_id": 1, "group_id": group_id, "customer_id": 1, "change": change, "source": "manual",
                 "actor": "", "at": at.replace(tzinfo=None) if engine.dialect.name == "sqlite" else at}
                for group_id, change, at in ((1, "entered", _utc(16, 14, 59, 59)), (1, "entered", _utc(16, 15)),
                                             (1, "left", _utc(16, 15, 14, 59)), (2, "entered", _utc(16, 15)))])
        # when
        migrate.upgrade()
        # then: and the triggers keep them from here on
        with engine.begin() as connection:
            before = connection.execute(sa.text('SELECT group_id, slot, entered, "left" FROM cg_membership_tallies'
                                                " ORDER BY group_id, slot")).all()
            connection.execute(sa.text("DELETE FROM cg_membership_events WHERE group_id = 1 AND change = 'left'"))
            after = connection.execute(sa.text('SELECT group_id, slot, entered, "left" FROM cg_membership_tallies'
                                               " ORDER BY group_id, slot")).all()
        engine.dispose()
    slot = int(_utc(16, 15).timestamp()) // 900
    assert [tuple(row) for row in before] == [(1, slot - 1, 1, 0), (1, slot, 1, 1), (2, slot, 1, 0)]
    assert [tuple(row) for row in after] == [(1, slot - 1, 1, 0), (1, slot, 1, 0), (2, slot, 1, 0)]
