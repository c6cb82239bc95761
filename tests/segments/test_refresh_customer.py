"""The per-customer refresh after an event reuses one statement for a whole local day, its clock
bound at each run: at every instant it must decide exactly as the whole-group refresh does."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from plugin.db import session
from plugin.models import Customer, Group
from plugin.segments import refresh
from plugin.segments.clock import ShopClock
from plugin.segments.compiler import matching_customers
from plugin.segments.conditions import parse_condition
from plugin.services.groups import create_group

from .conftest import birthday, booked, done, local, members

#: Instants of one local day (15 June, Bucharest), then the next day: each crosses an edge below.
DAY = [local(2026, 6, 15, 0, 0, 1), local(2026, 6, 15, 9, 59, 59), local(2026, 6, 15, 10, 0, 1),
       local(2026, 6, 15, 23, 59, 59)]
NEXT_DAY = local(2026, 6, 16, 10)
#: Conditions whose windows move with ``now``: days, months, upcoming, campaigns.
CONDITIONS = {
    "Last 10 days": {"metric": "past_count", "op": ">=", "value": 1, "within": {"last": 10, "unit": "days"}},
    "Upcoming": {"metric": "upcoming_count", "op": ">=", "value": 1},
    "Last visit": {"metric": "last_activity_at", "op": "<", "value": {"ago": 1, "unit": "months"}},
}


def shop_with_edges(salon, make_customer, history):
    """The salon's presets and three moving windows, and customers whose visits, bookings and
    birthdays sit at the edges that the instants above cross."""
    shop = salon.shop
    for name, condition in CONDITIONS.items():
        create_group(shop, {"name": name, "kind": "dynamic", "condition": condition}, now=DAY[0])
    session().commit()
    people = {
        "ten-days": [done(local(2026, 6, 5, 10))],
        "booked-at-ten": [booked(local(2026, 6, 15, 10))],
        "month-ago": [done(local(2026, 5, 15, 12)), done(local(2026, 4, 1)), done(local(2026, 3, 1))],
        "regular": [done(local(2026, month, 1), "80.00") for month in range(1, 7)],
        "birthday-tomorrow": [],
        "no-history": [],
    }
    for external_id, visits in people.items():
        born = birthday("1990-06-16") if external_id == "birthday-tomorrow" else None
        history.add(shop, make_customer(shop, external_id, birthday=born), visits)
    return shop


def expected_members(shop, clock: ShopClock) -> dict[str, set[str]]:
    """Each dynamic group's members as the whole-group refresh decides them at ``clock``."""
    result = {}
    for group in refresh.dynamic_groups(shop):
        ids = session().scalars(matching_customers(parse_condition(group.condition), shop.id, clock))
        result[group.key] = set(session().scalars(select(Customer.external_id).where(Customer.id.in_(list(ids)))))
    return result


def test_one_customer_at_a_time_agrees_with_the_whole_group_refresh_at_each_instant(salon, make_customer, history):
    shop = shop_with_edges(salon, make_customer, history)
    customer_ids = list(session().scalars(select(Customer.id).where(Customer.shop_id == shop.id)))
    statements = set()
    for now in [*DAY, NEXT_DAY]:
        clock = ShopClock.at(now, shop.timezone)
        for customer_id in customer_ids:
            refresh.refresh_customer_groups(shop, [customer_id], clock)
        session().commit()
        statements.add(id(refresh._verdict_statements[shop.id][1]))
        expected = expected_members(shop, clock)
        assert {key: members(shop, key) for key in expected} == expected, now.isoformat()
    # one statement served the whole day; the next day built another
    assert len(statements) == 2


def test_the_windows_move_within_the_day(salon, make_customer, history):
    shop = shop_with_edges(salon, make_customer, history)
    ids = list(session().scalars(select(Customer.id).where(Customer.shop_id == shop.id)))
    seen = []
    for now in DAY:
        refresh.refresh_customer_groups(shop, ids, ShopClock.at(now, shop.timezone))
        session().commit()
        seen.append((members(shop, "last-10-days"), members(shop, "upcoming")))
    # the 10-day window drops the visit of 5 June 10:00 at 15 June 10:00; the booking at 10:00 stops being upcoming
    assert seen[1] == ({"ten-days"}, {"booked-at-ten"})
    assert seen[2] == (set(), set())


def test_a_changed_condition_gets_a_new_statement(salon, make_customer, history):
    shop = shop_with_edges(salon, make_customer, history)
    ids = list(session().scalars(select(Customer.id).where(Customer.shop_id == shop.id)))
    clock = ShopClock.at(DAY[1], shop.timezone)
    refresh.refresh_customer_groups(shop, ids, clock)
    group = session().scalar(select(Group).where(Group.shop_id == shop.id, Group.key == "upcoming"))
    group.condition = {"metric": "past_count", "op": ">=", "value": 6}
    session().commit()
    refresh.refresh_customer_groups(shop, ids, clock)
    session().commit()
    assert members(shop, "upcoming") == {"regular"}
