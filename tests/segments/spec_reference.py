"""SPEC §1 and §3 (windows, RFM, presets) as plain Python, written from SPEC.md alone.

An outside checker's evaluator: customers and activities in, each preset's members and each
customer's RFM scores and tier out. No database, no plugin code. Where SPEC can be read two
ways the comment names both and says which one is taken here.
"""
from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

PRESET_KEYS = (
    "lapsing-regulars",
    "first-visit-follow-ups",
    "high-value",
    "regular",
    "potential",
    "birthdays-soon",
)
TIER_PRESETS = {"high-value": "high_value", "regular": "regular", "potential": "potential"}


@dataclass(frozen=True)
class Customer:
    external_id: str
    birthday: date | None = None


@dataclass(frozen=True)
class Activity:
    customer_external_id: str
    status: str  # completed, booked, cancelled, no_show
    occurred_at: datetime  # aware
    amount: Decimal | None = None


@dataclass(frozen=True)
class Rfm:
    r: int | None
    f: int | None
    m: int | None
    tier: str


@dataclass(frozen=True)
class Result:
    members: dict[str, set[str]]  # preset key -> customer external ids
    rfm: dict[str, Rfm]  # customer external id -> scores and tier


# -- §1: past and upcoming ---------------------------------------------------------------

def is_past(activity: Activity, now: datetime) -> bool:
    """§1: `occurred_at <= now` and status `completed` (so cancelled/no-show never count)."""
    return activity.status == "completed" and activity.occurred_at <= now


def is_upcoming(activity: Activity, now: datetime) -> bool:
    """§1: `occurred_at > now` and status `booked`."""
    return activity.status == "booked" and activity.occurred_at > now


# -- §3: windows -------------------------------------------------------------------------

def wall_clock(moment: datetime, tz: ZoneInfo) -> datetime:
    """The shop's wall clock at an instant (through UTC: an aware time already in ``tz`` but
    written inside the spring-forward gap would otherwise keep its impossible wall time)."""
    return moment.astimezone(timezone.utc).astimezone(tz)


def _local_wall(naive: datetime, tz: ZoneInfo) -> datetime:
    # A wall time that falls in the spring-forward gap or the autumn repeat: SPEC is silent.
    # Taken here: Python's fold=0 (the earlier offset; a gap time reads as the offset before
    # the change). The other reading (fold=1) moves such a start by one hour.
    return naive.replace(tzinfo=tz, fold=0)


def months_before(now: datetime, months: int, tz: ZoneInfo) -> datetime:
    """`now − N months` on the shop's calendar: same wall time and day, N months back.

    SPEC says "calendar months, in the shop's timezone" but not what happens when the day
    does not exist in the target month (31 May − 3 months). Readings: clamp to the month's
    last day (28/29 Feb; what dateutil's relativedelta does) or overflow into the next month
    (3 Mar). Taken here: clamp.
    """
    local = wall_clock(now, tz)
    index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return _local_wall(local.replace(tzinfo=None, year=year, month=month + 1, day=day), tz)


def days_before(now: datetime, days: int, tz: ZoneInfo) -> datetime:
    """`now − N days`.

    SPEC's parenthetical "(calendar months, in the shop's timezone)" may bind to months only
    (then a day is 24 hours of absolute time) or to both units (then N days back is the same
    wall time N calendar days earlier, 23 or 25 hours apart across a DST change). Taken here:
    the shop's calendar for both units, the same wall time N days earlier.
    """
    local = wall_clock(now, tz).replace(tzinfo=None)
    return _local_wall(local - timedelta(days=days), tz)


def window_start(now: datetime, last: int, unit: str, tz: ZoneInfo) -> datetime:
    start = months_before(now, last, tz) if unit == "months" else days_before(now, last, tz)
    return start.astimezone(timezone.utc)


def in_window(occurred_at: datetime, now: datetime, last: int, unit: str, tz: ZoneInfo) -> bool:
    """§3: `now − N units < occurred_at <= now`."""
    return window_start(now, last, unit, tz) < occurred_at <= now


# -- §3: RFM -----------------------------------------------------------------------------

def scores(values: dict[str, object]) -> dict[str, int]:
    """`ceil(5 × cume_dist)` over the values ascending; equal values share a score.

    cume_dist(v) = (number of values <= v) / n, the SQL window function's definition, which
    is what makes ties share the higher score.
    """
    ordered = sorted(values.values())
    n = len(ordered)
    out = {}
    for key, value in values.items():
        at_or_below = sum(1 for other in ordered if other <= value)
        # Exact: 5 × k / n as a fraction, so 5 × 3/5 is 3, never 3.0000000001 -> 4.
        out[key] = math.ceil(Decimal(5 * at_or_below) / Decimal(n))
    return out


def tier_of(total: int) -> str:
    if total >= 12:
        return "high_value"
    if total >= 8:
        return "regular"
    return "potential"


def rfm(customers, activities, tz: ZoneInfo, now: datetime) -> dict[str, Rfm]:
    past = [a for a in activities if is_past(a, now)]
    recent = [a for a in past if in_window(a.occurred_at, now, 12, "months", tz)]
    population = {a.customer_external_id for a in recent}
    ever = {a.customer_external_id for a in past}

    r = {c: max(a.occurred_at for a in past if a.customer_external_id == c) for c in population}
    f = {c: sum(1 for a in recent if a.customer_external_id == c) for c in population}
    # A missing amount: SPEC is silent; an activity without an amount adds nothing to M.
    m = {c: sum((a.amount or Decimal(0) for a in recent if a.customer_external_id == c),
                Decimal(0)) for c in population}
    r_s, f_s, m_s = scores(r), scores(f), scores(m)

    out = {}
    for customer in customers:
        cid = customer.external_id
        if cid in population:
            out[cid] = Rfm(r_s[cid], f_s[cid], m_s[cid], tier_of(r_s[cid] + f_s[cid] + m_s[cid]))
        else:
            out[cid] = Rfm(None, None, None, "lapsed" if cid in ever else "prospect")
    return out


# -- §3: presets -------------------------------------------------------------------------

def days_to_birthday(birthday: date, today: date) -> int:
    """Days from `today` to the next birthday (0 when it is today).

    29 February in a year without one: SPEC is silent. Readings: 28 February or 1 March.
    Taken here: 28 February (the day's last chance in that month).
    """
    def in_year(year: int) -> date:
        if birthday.month == 2 and birthday.day == 29 and not calendar.isleap(year):
            return date(year, 2, 28)
        return birthday.replace(year=year)

    upcoming = in_year(today.year)
    if upcoming < today:
        upcoming = in_year(today.year + 1)
    return (upcoming - today).days


def evaluate(customers, activities, shop_timezone: str, now: datetime) -> Result:
    """Each preset's members and each customer's RFM, as SPEC §3 defines them."""
    tz = ZoneInfo(shop_timezone)
    # Instants in UTC: Python compares two times of one zone by their wall clocks, fold ignored.
    now = now.astimezone(timezone.utc)
    activities = [replace(a, occurred_at=a.occurred_at.astimezone(timezone.utc)) for a in activities]
    by_customer = {c.external_id: [] for c in customers}
    for activity in activities:
        by_customer[activity.customer_external_id].append(activity)

    def past_count(cid, last=None, unit=None):
        return sum(1 for a in by_customer[cid] if is_past(a, now)
                   and (last is None or in_window(a.occurred_at, now, last, unit, tz)))

    def upcoming_count(cid):
        return sum(1 for a in by_customer[cid] if is_upcoming(a, now))

    scored = rfm(customers, activities, tz, now)
    today = wall_clock(now, tz).date()
    members = {key: set() for key in PRESET_KEYS}
    for customer in customers:
        cid = customer.external_id
        if past_count(cid, 12, "months") >= 3 and past_count(cid, 2, "months") == 0 \
                and upcoming_count(cid) == 0:
            members["lapsing-regulars"].add(cid)
        if past_count(cid) == 1 and past_count(cid, 30, "days") == 1 and upcoming_count(cid) == 0:
            members["first-visit-follow-ups"].add(cid)
        for key, tier in TIER_PRESETS.items():
            if scored[cid].tier == tier:
                members[key].add(cid)
        # "within the next 30 days": read as 0 (today) to 30 days ahead, both ends included.
        # The other reading leaves out today or day 30.
        if customer.birthday is not None and days_to_birthday(customer.birthday, today) <= 30:
            members["birthdays-soon"].add(cid)
    return Result(members, scored)
