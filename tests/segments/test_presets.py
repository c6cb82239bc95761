"""The preset dynamic groups of SPEC §3 on hand-made histories at their edges, in Bucharest.

Every time below is written out by hand on Bucharest's wall clock (EET +02:00 in winter, EEST
+03:00 from the last Sunday of March to the last Sunday of October), so the expected window
edges come from the calendar, not from the code's own arithmetic.
"""
from __future__ import annotations

import pytest

from plugin.db import session
from plugin.segments.refresh import refresh_shop
from plugin.services.groups import create_group

from .conftest import birthday, booked, cancelled, done, local, members, no_show, utc

#: Monday 15 June 2026, 12:00 EEST (09:00 UTC).
NOW = local(2026, 6, 15, 12)


def in_preset(salon, make_customer, history, key, visits, now, **customer_fields) -> bool:
    """One customer with ``visits``, a full refresh at ``now``: is the customer in ``key``?"""
    customer = make_customer(salon.shop, "ana", **customer_fields)
    history.add(salon.shop, customer, visits)
    refresh_shop(salon.shop, now)
    return "ana" in members(salon.shop, key)


# Lapsing regulars: >= 3 past in the last 12 months, none in the last 2 months, none upcoming.
OLDER_TWO = [done(local(2025, 12, 1, 10)), done(local(2026, 2, 1, 10))]


@pytest.mark.parametrize("visits, expected", [
    pytest.param([*OLDER_TWO, done(local(2026, 3, 1, 10))], True, id="exactly 3 visits in 12 months"),
    pytest.param(OLDER_TWO, False, id="only 2 visits"),
    pytest.param([*OLDER_TWO, done(local(2025, 6, 15, 12))], False,
                 id="a visit exactly 12 months ago is outside the window"),
    pytest.param([*OLDER_TWO, done(local(2025, 6, 15, 12, 0, 1))], True,
                 id="a visit 12 months minus 1 s ago is inside"),
    pytest.param([*OLDER_TWO, done(utc("2025-06-15T09:00:00"))], False,
                 id="exactly 12 months ago, written in UTC"),
    pytest.param([*OLDER_TWO, done(local(2026, 4, 15, 12))], True,
                 id="a visit exactly 2 months ago is not in the last 2 months"),
    pytest.param([*OLDER_TWO, done(local(2026, 4, 15, 12, 0, 1))], False,
                 id="one second later it is"),
    pytest.param([*OLDER_TWO, done(local(2026, 3, 1)), done(local(2026, 6, 15, 11, 59, 59))], False,
                 id="a visit a second ago"),
    pytest.param([*OLDER_TWO, done(local(2026, 3, 1)), done(NOW)], False, id="a visit at now is past"),
    pytest.param([*OLDER_TWO, cancelled(local(2026, 3, 1))], False, id="a cancelled visit does not count"),
    pytest.param([*OLDER_TWO, no_show(local(2026, 3, 1))], False, id="a no-show does not count"),
    pytest.param([*OLDER_TWO, done(local(2026, 3, 1)), cancelled(local(2026, 6, 10))], True,
                 id="a recent cancelled visit does not make them recent"),
    pytest.param([*OLDER_TWO, done(local(2026, 3, 1)), no_show(local(2026, 6, 10))], True,
                 id="nor does a recent no-show"),
    pytest.param([*OLDER_TWO, done(local(2026, 3, 1)), booked(local(2026, 6, 20))], False,
                 id="a future booking"),
    pytest.param([*OLDER_TWO, done(local(2026, 3, 1)), booked(local(2026, 6, 15, 12, 0, 1))], False,
                 id="a booking one second from now"),
    pytest.param([*OLDER_TWO, done(local(2026, 3, 1)), booked(NOW)], True,
                 id="a booking at now is not upcoming"),
    pytest.param([*OLDER_TWO, done(local(2026, 3, 1)), cancelled(local(2026, 6, 20))], True,
                 id="a cancelled future booking"),
    pytest.param([*OLDER_TWO, done(local(2026, 3, 1)), booked(local(2026, 6, 1))], True,
                 id="a booking left in the past is neither past nor upcoming"),
    pytest.param([*OLDER_TWO, booked(local(2026, 3, 1))], False, id="a past booking is not a visit"),
    pytest.param([*OLDER_TWO, done(local(2026, 6, 20))], False, id="a completed one in the future is not past"),
    pytest.param([*OLDER_TWO, done(local(2026, 3, 1)), done(local(2026, 6, 20))], True,
                 id="nor upcoming"),
    pytest.param([], False, id="no history"),
])
def test_lapsing_regulars(salon, make_customer, history, visits, expected):
    assert in_preset(salon, make_customer, history, "lapsing-regulars", visits, NOW) is expected


@pytest.mark.parametrize("now, visits, expected", [
    # 30 April − 2 months = 30 February, which is 28 February in 2026 (12:00 EET = 10:00 UTC).
    pytest.param(local(2026, 4, 30, 12), [*OLDER_TWO[:1], done(local(2026, 1, 10)), done(local(2026, 2, 28, 12))],
                 True, id="2026: exactly 28 Feb 12:00 is outside the last 2 months"),
    pytest.param(local(2026, 4, 30, 12), [*OLDER_TWO[:1], done(local(2026, 1, 10)), done(local(2026, 2, 28, 12, 0, 1))],
                 False, id="2026: 28 Feb 12:00:01 is inside"),
    pytest.param(local(2026, 4, 30, 12), [*OLDER_TWO[:1], done(local(2026, 1, 10)), done(local(2026, 3, 1))],
                 False, id="2026: 1 March is inside"),
    # The wall clock, not UTC: 12:00 EEST on 30 April is 09:00 UTC, but the window starts at
    # 12:00 EET on 28 February (10:00 UTC), so 11:30 EET (09:30 UTC) is before it.
    pytest.param(local(2026, 4, 30, 12), [*OLDER_TWO[:1], done(local(2026, 1, 10)), done(local(2026, 2, 28, 11, 30))],
                 True, id="2026: months counted on the wall clock across DST"),
    pytest.param(local(2028, 4, 30, 12), [done(local(2027, 12, 1)), done(local(2028, 1, 10)), done(local(2028, 2, 29, 12))],
                 True, id="2028: exactly 29 Feb 12:00 is outside the last 2 months"),
    pytest.param(local(2028, 4, 30, 12), [done(local(2027, 12, 1)), done(local(2028, 1, 10)), done(local(2028, 2, 29, 12, 0, 1))],
                 False, id="2028: 29 Feb 12:00:01 is inside"),
    pytest.param(local(2028, 4, 30, 12), [done(local(2027, 12, 1)), done(local(2028, 1, 10)), done(local(2028, 2, 28, 12, 0, 1))],
                 True, id="2028: 28 Feb 12:00:01 is before the window"),
])
def test_lapsing_regulars_at_month_ends(salon, make_customer, history, now, visits, expected):
    assert in_preset(salon, make_customer, history, "lapsing-regulars", visits, now) is expected


@pytest.mark.parametrize("now, visit, expected", [
    # 31 March − 1 month = 31 February: 28 February in 2026, 29 February in 2028 (12:00 EET).
    pytest.param(local(2026, 3, 31, 12), local(2026, 2, 28, 12), False, id="2026: 28 Feb 12:00 is the excluded edge"),
    pytest.param(local(2026, 3, 31, 12), local(2026, 2, 28, 12, 0, 1), True, id="2026: 28 Feb 12:00:01"),
    pytest.param(local(2026, 3, 31, 12), local(2026, 2, 28, 11, 30), False, id="2026: 28 Feb 11:30 EET (the UTC edge)"),
    pytest.param(local(2028, 3, 31, 12), local(2028, 2, 29, 12), False, id="2028: 29 Feb 12:00 is the excluded edge"),
    pytest.param(local(2028, 3, 31, 12), local(2028, 2, 29, 12, 0, 1), True, id="2028: 29 Feb 12:00:01"),
    pytest.param(local(2028, 3, 31, 12), local(2028, 2, 28, 23, 59), False, id="2028: 28 Feb is a month and a day ago"),
    pytest.param(local(2026, 3, 1, 12), local(2026, 2, 1, 12, 0, 1), True, id="1 March − 1 month = 1 February"),
    pytest.param(local(2026, 3, 1, 12), local(2026, 2, 1, 12), False, id="1 February 12:00 is the edge"),
])
def test_a_one_month_window_at_month_ends(salon, make_customer, history, now, visit, expected):
    # given a group of customers who came in the last month
    create_group(salon.shop, {"name": "Last month", "kind": "dynamic", "condition": {
        "metric": "past_count", "within": {"last": 1, "unit": "months"}, "op": ">=", "value": 1,
    }}, now=now)
    session().commit()
    # when, then
    assert in_preset(salon, make_customer, history, "last-month", [done(visit)], now) is expected


# First-visit follow-ups: exactly one past ever, within the last 30 days, none upcoming.
@pytest.mark.parametrize("visits, expected", [
    pytest.param([done(local(2026, 6, 5, 12))], True, id="one visit 10 days ago"),
    pytest.param([done(local(2026, 6, 5, 12)), done(local(2026, 6, 1, 12))], False, id="two visits"),
    pytest.param([done(local(2026, 6, 5, 12)), done(local(2024, 6, 1, 12))], False, id="one recent, one years ago"),
    pytest.param([done(local(2026, 5, 15, 12))], False, id="one visit 31 days ago"),
    pytest.param([done(local(2026, 5, 16, 12))], False, id="one visit exactly 30 days ago"),
    pytest.param([done(local(2026, 5, 16, 12, 0, 1))], True, id="30 days minus 1 s"),
    pytest.param([done(NOW)], True, id="a visit at now"),
    pytest.param([done(local(2026, 6, 5, 12)), booked(local(2026, 6, 20, 12))], False, id="one visit and a booking"),
    pytest.param([done(local(2026, 6, 5, 12)), cancelled(local(2026, 6, 1, 12))], True, id="one visit and a cancelled one"),
    pytest.param([done(local(2026, 6, 5, 12)), no_show(local(2026, 6, 1, 12))], True, id="one visit and a no-show"),
    pytest.param([done(local(2026, 6, 5, 12)), cancelled(local(2026, 6, 20, 12))], True,
                 id="one visit and a cancelled booking"),
    pytest.param([done(local(2026, 6, 5, 12)), booked(local(2026, 6, 1, 12))], True,
                 id="one visit and a booking left in the past"),
    pytest.param([done(local(2026, 6, 5, 12)), done(local(2026, 6, 20, 12))], True,
                 id="one visit and a completed one in the future"),
    pytest.param([booked(local(2026, 6, 20, 12))], False, id="only a booking"),
    pytest.param([cancelled(local(2026, 6, 5, 12))], False, id="only a cancelled visit"),
    pytest.param([], False, id="no history"),
])
def test_first_visit_follow_ups(salon, make_customer, history, visits, expected):
    assert in_preset(salon, make_customer, history, "first-visit-follow-ups", visits, NOW) is expected


@pytest.mark.parametrize("now, visit, expected", [
    # 10 November 12:00 EET (10:00 UTC) − 30 days = 11 October 12:00 EEST (09:00 UTC): across the
    # end of summer time on Sunday 25 October the 30 days last 30 × 24 + 1 hours.
    pytest.param(local(2026, 11, 10, 12), utc("2026-10-11T09:30:00"), True, id="October: 09:30 UTC is inside"),
    pytest.param(local(2026, 11, 10, 12), utc("2026-10-11T09:00:00"), False, id="October: 09:00 UTC is the edge"),
    pytest.param(local(2026, 11, 10, 12), utc("2026-10-11T09:00:01"), True, id="October: 09:00:01 UTC"),
    # 10 April 12:00 EEST (09:00 UTC) − 30 days = 11 March 12:00 EET (10:00 UTC): 30 × 24 − 1 hours.
    pytest.param(local(2026, 4, 10, 12), utc("2026-03-11T09:30:00"), False, id="March: 09:30 UTC is outside"),
    pytest.param(local(2026, 4, 10, 12), utc("2026-03-11T10:00:00"), False, id="March: 10:00 UTC is the edge"),
    pytest.param(local(2026, 4, 10, 12), utc("2026-03-11T10:00:01"), True, id="March: 10:00:01 UTC"),
    # Now just after local midnight (15 June 00:30 EEST is 14 June 21:30 UTC).
    pytest.param(local(2026, 6, 15, 0, 30), local(2026, 5, 16, 0, 31), True, id="midnight: 16 May 00:31 local"),
    pytest.param(local(2026, 6, 15, 0, 30), local(2026, 5, 16, 0, 30), False, id="midnight: 16 May 00:30 local"),
    pytest.param(local(2026, 6, 15, 0, 30), local(2026, 5, 15, 23, 59), False, id="midnight: 15 May 23:59 local"),
    # Now in the repeated hour: 25 October 03:30 EET (the second 03:30, 01:30 UTC).
    pytest.param(local(2026, 10, 25, 3, 30, fold=1), utc("2026-09-25T00:30:01"), True, id="repeated hour: inside"),
    pytest.param(local(2026, 10, 25, 3, 30, fold=1), utc("2026-09-25T00:30:00"), False, id="repeated hour: the edge"),
])
def test_first_visit_follow_ups_across_dst_and_midnight(salon, make_customer, history, now, visit, expected):
    assert in_preset(salon, make_customer, history, "first-visit-follow-ups", [done(visit)], now) is expected


# Birthdays soon: days until the next birthday <= 30, counted in the shop's local days.
@pytest.mark.parametrize("now, born, expected", [
    pytest.param(NOW, "1990-06-15", True, id="today"),
    pytest.param(NOW, "1990-06-16", True, id="tomorrow"),
    pytest.param(NOW, "1990-07-15", True, id="in 30 days"),
    pytest.param(NOW, "1990-07-16", False, id="in 31 days"),
    pytest.param(NOW, "1990-06-14", False, id="yesterday"),
    pytest.param(NOW, None, False, id="no birthday"),
    # 15 June 01:30 EEST is still 14 June in UTC: the local date decides.
    pytest.param(utc("2026-06-14T22:30:00"), "1990-07-15", True, id="after local midnight: 15 July is 30 days"),
    pytest.param(utc("2026-06-14T22:30:00"), "1990-06-14", False, id="after local midnight: 14 June is past"),
    pytest.param(utc("2026-06-15T20:59:59"), "1990-06-15", True, id="23:59:59 local: still today"),
    pytest.param(utc("2026-06-15T21:00:00"), "1990-06-15", False, id="local midnight: yesterday now"),
    pytest.param(utc("2026-06-15T21:00:00"), "1990-07-16", True, id="local midnight: 16 July is 30 days"),
    # New Year: 20 December to 19 January.
    pytest.param(local(2026, 12, 20, 12), "1985-01-19", True, id="across New Year: 30 days"),
    pytest.param(local(2026, 12, 20, 12), "1985-01-20", False, id="across New Year: 31 days"),
    # 29 February falls on 28 February in common years.
    pytest.param(local(2027, 1, 29, 12), "2000-02-29", True, id="common year: 29 Feb is on the 28th, 30 days"),
    pytest.param(local(2027, 1, 29, 12), "1990-03-01", False, id="common year: 1 March is 31 days"),
    pytest.param(local(2027, 2, 28, 12), "2000-02-29", True, id="common year: on 28 Feb it is today"),
    pytest.param(local(2027, 3, 1, 12), "2000-02-29", False, id="common year: on 1 March it is 365 days away"),
    pytest.param(local(2028, 1, 29, 12), "2000-02-29", False, id="leap year: 29 Feb is 31 days"),
    pytest.param(local(2028, 1, 30, 12), "2000-02-29", True, id="leap year: 29 Feb is 30 days"),
    pytest.param(local(2028, 1, 29, 12), "1990-02-28", True, id="leap year: 28 Feb is 30 days"),
    pytest.param(local(2028, 2, 29, 12), "2000-02-29", True, id="leap day itself"),
])
def test_birthdays_soon(salon, make_customer, history, now, born, expected):
    fields = {"birthday": birthday(born)} if born else {}
    assert in_preset(salon, make_customer, history, "birthdays-soon", [], now, **fields) is expected


TIER_GROUPS = ("high-value", "regular", "potential")


def test_tier_presets_follow_rfm(salon, make_customer, history):
    # given five customers whose last visit, visit count and spending all rank 1..5 (no ties:
    # k = rank, n = 5, so each score is (5k + 4) div 5 = k and R + F + M = 3k), a lapsed
    # customer (last visit 13 months ago) and a prospect (only a booking and a cancellation)
    shop = salon.shop
    for rank in range(1, 6):
        customer = make_customer(shop, f"c{rank}")
        history.add(shop, customer, [
            done(local(2026, 1, rank, 10), f"{rank}0.00") for _ in range(rank)
        ])
    history.add(shop, make_customer(shop, "lapsed"), [done(local(2025, 5, 15, 12), "500.00")])
    history.add(shop, make_customer(shop, "prospect"), [booked(local(2026, 6, 20)), cancelled(local(2026, 6, 1))])
    # when
    refresh_shop(shop, NOW)
    # then: 3, 6 potential; 9 regular; 12, 15 high value; lapsed and prospect in no tier group
    assert members(shop, "potential") == {"c1", "c2"}
    assert members(shop, "regular") == {"c3"}
    assert members(shop, "high-value") == {"c4", "c5"}


def test_tier_presets_move_customers_at_the_next_refresh(salon, make_customer, history):
    # given one customer, alone in the population: every score is (5·1 + 0) div 1 = 5
    shop = salon.shop
    ana = make_customer(shop, "ana")
    history.add(shop, ana, [done(local(2026, 6, 1), "10.00")])
    refresh_shop(shop, NOW)
    assert members(shop, "high-value") == {"ana"}
    # when a year and a day later she has not come back, she is lapsed
    changes = refresh_shop(shop, local(2027, 6, 2, 12))
    # then she leaves the tier group, and the refresh says so
    assert members(shop, "high-value") == set()
    assert {change.key: (change.added, change.removed) for change in changes}["high-value"] == (0, 1)
    assert all(members(shop, key) == set() for key in TIER_GROUPS)


def test_a_second_refresh_at_the_same_now_changes_nothing(salon, make_customer, history):
    shop = salon.shop
    history.add(shop, make_customer(shop, "ana"), [done(local(2026, 6, 5, 12), "10.00")])
    first = refresh_shop(shop, NOW)
    second = refresh_shop(shop, NOW)
    assert {change.key for change in first if change.added} == {"first-visit-follow-ups", "high-value"}
    assert all(change.added == change.removed == 0 for change in second)
