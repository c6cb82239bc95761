"""A plain-Python reading of docs/segments.md: one customer, one condition, one ``now``.

Written from the documentation alone, for the differential test: it imports nothing from
``plugin.segments`` and takes the condition as JSON, so neither the parser, the compiler nor the
shop clock is trusted. Money is compared exactly (``Fraction``), times as instants.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

UTC = timezone.utc


@dataclass(frozen=True)
class Act:
    """An order or appointment as the documentation describes it."""

    at: datetime
    status: str
    amount_milli: int
    location: str = ""
    channel: str = "offline"
    kind: str = "order"
    products: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    staff: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Sent:
    campaign: str
    at: datetime


@dataclass
class Person:
    """A customer with everything a condition can read."""

    external_id: str
    registered_at: datetime
    gender: str = "unknown"
    city: str = ""
    tags: frozenset[str] = frozenset()
    email_opt_in: bool = False
    sms_opt_in: bool = False
    birthday: date | None = None
    activities: list[Act] = field(default_factory=list)
    deliveries: list[Sent] = field(default_factory=list)
    # As stored by the last full refresh (see ``rfm``).
    rfm_r: int | None = None
    rfm_f: int | None = None
    rfm_m: int | None = None
    rfm_tier: str = "prospect"


# --- the shop's clock ---------------------------------------------------------------------------

def wall_to_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall time as an instant (a repeated or skipped time takes fold 0)."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def moved(now: datetime, amount: int, unit: str, zone: ZoneInfo) -> datetime:
    """``now`` plus ``amount`` calendar days or months on the local wall clock (a month end
    clamps: 31 March − 1 month = 28/29 February)."""
    wall = now.astimezone(zone).replace(tzinfo=None, fold=0)
    if unit == "days":
        wall = datetime.combine(wall.date() + timedelta(days=amount), wall.time())
    else:
        months = wall.year * 12 + (wall.month - 1) + amount
        year, month = divmod(months, 12)
        month += 1
        wall = wall.replace(year=year, month=month, day=min(wall.day, calendar.monthrange(year, month)[1]))
    return wall_to_instant(wall, zone)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return wall_to_instant(datetime.combine(day, time()), zone)


def days_to_birthday(born: date, today: date) -> int:
    """0 on the day; 29 February is kept on 28 February in common years."""
    def in_year(year: int) -> date:
        if born.month == 2 and born.day == 29 and not calendar.isleap(year):
            return date(year, 2, 28)
        return date(year, born.month, born.day)

    this_year = in_year(today.year)
    upcoming = this_year if this_year >= today else in_year(today.year + 1)
    return (upcoming - today).days


# --- values written in a condition ----------------------------------------------------------------

def amount(text: str) -> Fraction:
    return Fraction(Decimal(text))


def time_value(value: Any, now: datetime, zone: ZoneInfo) -> date | datetime:
    """A date stays a date (a whole local day); anything else becomes an instant."""
    if isinstance(value, dict):
        return moved(now, -value["ago"], value["unit"], zone)
    if len(value) == 10:
        return date.fromisoformat(value)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        return wall_to_instant(parsed, zone)
    return parsed.astimezone(UTC)


def is_day(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def compare_time(instant: datetime, op: str, raw: Any, now: datetime, zone: ZoneInfo) -> bool:
    def lower_bound_holds(value) -> bool:       # instant >= start of value
        return instant >= (day_start(value, zone) if is_day(value) else value)

    def upper_bound_holds(value) -> bool:       # instant <= end of value
        return instant < day_start(value + timedelta(days=1), zone) if is_day(value) else instant <= value

    if op == "between":
        low, high = (time_value(item, now, zone) for item in raw)
        return lower_bound_holds(low) and upper_bound_holds(high)
    value = time_value(raw, now, zone)
    if is_day(value):
        start, end = day_start(value, zone), day_start(value + timedelta(days=1), zone)
        return {"<": instant < start, "<=": instant < end, ">": instant >= end, ">=": instant >= start}[op]
    return {"<": instant < value, "<=": instant <= value, ">": instant > value, ">=": instant >= value}[op]


def compare(value, op: str, target) -> bool:
    """``value OP target`` for numbers (and strings with = != in)."""
    if op == "in":
        return value in target
    if op == "between":
        return target[0] <= value <= target[1]
    return {
        "=": value == target, "!=": value != target, "<": value < target, "<=": value <= target,
        ">": value > target, ">=": value >= target,
    }[op]


# --- evaluation -----------------------------------------------------------------------------------

ACTIVITY_METRICS = {
    "past_count", "upcoming_count", "online_count", "total_spent", "average_spent",
    "last_activity_at", "first_activity_at",
}


def holds(condition: dict, person: Person, now: datetime, zone: ZoneInfo) -> bool:
    if "all" in condition:
        return all(holds(part, person, now, zone) for part in condition["all"])
    if "any" in condition:
        return any(holds(part, person, now, zone) for part in condition["any"])
    if "not" in condition:
        return not holds(condition["not"], person, now, zone)
    if condition["metric"] in ACTIVITY_METRICS:
        return _activity_leaf(condition, person, now, zone)
    return _attribute_leaf(condition, person, now, zone)


def _in_scope(leaf: dict, act: Act, now: datetime, zone: ZoneInfo) -> bool:
    upcoming = leaf["metric"] == "upcoming_count"
    if upcoming:
        if not (act.status == "booked" and act.at > now):
            return False
    elif not (act.status == "completed" and act.at <= now):
        return False
    within = leaf.get("within")
    if within and "from" in within:
        start = day_start(date.fromisoformat(within["from"]), zone)
        end = day_start(date.fromisoformat(within["to"]) + timedelta(days=1), zone)
        if not start <= act.at < end:
            return False
    elif within and upcoming:
        if not act.at <= moved(now, within["last"], within["unit"], zone):
            return False
    elif within:
        if not act.at > moved(now, -within["last"], within["unit"], zone):
            return False
    if leaf["metric"] == "online_count" and act.channel != "online":
        return False
    if "location" in leaf and act.location != leaf["location"]:
        return False
    for key, values in (("product", act.products), ("category", act.categories), ("staff", act.staff)):
        if key in leaf and leaf[key] not in values:
            return False
    return True


def activity_value(leaf: dict, person: Person, now: datetime, zone: ZoneInfo):
    """What an activity leaf measures: a count, a total in thousandths, a mean (as a
    ``Fraction`` of thousandths, ``None`` without activity) or an instant (``None`` without)."""
    acts = [act for act in person.activities if _in_scope(leaf, act, now, zone)]
    metric = leaf["metric"]
    if metric in ("past_count", "upcoming_count", "online_count"):
        return len(acts)
    if metric == "total_spent":
        return sum(act.amount_milli for act in acts)
    if not acts:
        return None
    if metric == "average_spent":
        return Fraction(sum(act.amount_milli for act in acts), len(acts))
    return max(act.at for act in acts) if metric == "last_activity_at" else min(act.at for act in acts)


def _activity_leaf(leaf: dict, person: Person, now: datetime, zone: ZoneInfo) -> bool:
    metric, op, value = leaf["metric"], leaf["op"], leaf["value"]
    mine = activity_value(leaf, person, now, zone)
    if metric in ("past_count", "upcoming_count", "online_count"):
        return compare(mine, op, value)
    if metric in ("total_spent", "average_spent"):
        if mine is None:
            return False
        target = [amount(item) for item in value] if op == "between" else amount(value)
        return compare(Fraction(mine) / 1000, op, target)
    if mine is None:
        return False
    return compare_time(mine, op, value, now, zone)


def _attribute_leaf(leaf: dict, person: Person, now: datetime, zone: ZoneInfo) -> bool:
    metric, op, value = leaf["metric"], leaf["op"], leaf["value"]
    if metric == "registered_at":
        return compare_time(person.registered_at, op, value, now, zone)
    if metric == "tags":
        if op == "in":
            return bool(person.tags & set(value))
        return (value in person.tags) is (op == "=")
    if metric == "birthday_within_days":
        if person.birthday is None:
            return False
        return compare(days_to_birthday(person.birthday, now.astimezone(zone).date()), op, value)
    if metric == "received_campaign":
        received = any(
            sent.at <= now and value in ("*", sent.campaign) and _sent_within(leaf.get("within"), sent.at, now, zone)
            for sent in person.deliveries
        )
        return received if op == "=" else not received
    if metric in ("rfm_r", "rfm_f", "rfm_m"):
        score = getattr(person, metric)
        return score is not None and compare(score, op, value)
    mine = {"gender": person.gender, "city": person.city, "email_opt_in": person.email_opt_in,
            "sms_opt_in": person.sms_opt_in, "rfm_tier": person.rfm_tier}[metric]
    return compare(mine, op, value)


def _sent_within(within: dict | None, at: datetime, now: datetime, zone: ZoneInfo) -> bool:
    if not within:
        return True
    if "from" in within:
        start = day_start(date.fromisoformat(within["from"]), zone)
        end = day_start(date.fromisoformat(within["to"]) + timedelta(days=1), zone)
        return start <= at < end
    return at > moved(now, -within["last"], within["unit"], zone)


# --- RFM ------------------------------------------------------------------------------------------

def rfm(people: list[Person], now: datetime, zone: ZoneInfo) -> dict[str, tuple[int | None, int | None, int | None, str]]:
    """Scores and tier per external id, as a full refresh at ``now`` should store them."""
    year_ago = moved(now, -12, "months", zone)
    values = {}
    outside = {}
    for person in people:
        past = [act for act in person.activities if act.status == "completed" and act.at <= now]
        recent = [act for act in past if act.at > year_ago]
        if recent:
            values[person.external_id] = (
                max(act.at for act in past), len(recent), sum(act.amount_milli for act in recent),
            )
        else:
            outside[person.external_id] = "lapsed" if past else "prospect"
    n = len(values)

    def score(dimension: int, mine) -> int:
        k = sum(1 for other in values.values() if other[dimension] <= mine)
        return (5 * k + n - 1) // n

    result: dict[str, tuple] = {key: (None, None, None, tier) for key, tier in outside.items()}
    for key, mine in values.items():
        r, f, m = (score(dimension, mine[dimension]) for dimension in range(3))
        total = r + f + m
        result[key] = (r, f, m, "high_value" if total >= 12 else "regular" if total >= 8 else "potential")
    return result
