"""Differential property: the SQL members of a random condition over a random shop equal the
plain-Python reference's (tests/segments/reference.py), on SQLite and PostgreSQL alike.

Times are drawn around the edges that matter: the window starts the conditions can ask for
(±1 second, and the wrong "N × 24 hours" edge too), local midnights of the dates they name, the
DST changes of the shop's zone, and ``now`` itself.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from plugin.db import session
from plugin.models import Activity, ActivityItem, Customer, CustomerTag, Delivery, Membership, MembershipEvent
from plugin.segments import compiler
from plugin.segments.clock import ShopClock
from plugin.segments.conditions import parse_condition
from plugin.segments.rfm import refresh_scores

from . import reference
from .reference import UTC, Act, Person, Sent, moved, wall_to_instant

ZONES = ("Europe/Bucharest", "Europe/Bucharest", "America/New_York", "America/Santiago")
WINDOWS = ((1, "days"), (7, "days"), (30, "days"), (31, "days"), (365, "days"),
           (1, "months"), (2, "months"), (12, "months"), (13, "months"))
STATUSES = ("completed", "completed", "completed", "booked", "cancelled", "no_show")
LOCATIONS = ("Centru", "Nord", "Sud")
PRODUCTS, CATEGORIES, STAFF = ("p1", "p2", "p3"), ("hair", "nails"), ("maria", "ioana")
TAGS = ("vip", "new", "staff", "gold")
CAMPAIGNS = ("spring", "summer", "autumn")
CITIES = ("Cluj", "Iasi", "cluj")
GENDERS = ("female", "male", "other", "unknown")
TIERS = ("high_value", "regular", "potential", "prospect", "lapsed")
COUNT_OPS = ("=", "!=", "<", "<=", ">", ">=", "in", "between")
MONEY_OPS = ("=", "!=", "<", "<=", ">", ">=", "between")
TIME_OPS = ("<", "<=", ">", ">=", "between")
ACTIVITY_METRICS = ("past_count", "upcoming_count", "online_count", "total_spent", "average_spent",
                    "last_activity_at", "first_activity_at")
ATTRIBUTES = ("gender", "city", "tags", "registered_at", "birthday_within_days", "email_opt_in", "sms_opt_in",
              "received_campaign", "rfm_tier", "rfm_r", "rfm_f", "rfm_m")
SECOND, MICRO = timedelta(seconds=1), timedelta(microseconds=1)
UTC_ZONE = ZoneInfo("UTC")
#: Amounts (thousandths) conditions compare with, besides random ones.
MONEY = (0, 1, 5, 999, 10_005, 25_000, 30_250, 50_000, 100_000)


@lru_cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """The instants the zone's UTC offset changes, 2025–2028 (found by bisection)."""
    zone = ZoneInfo(zone_name)
    found = []
    start, end, step = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()), int(datetime(2029, 1, 1, tzinfo=UTC).timestamp()), 6 * 3600

    def offset(seconds: int):
        return datetime.fromtimestamp(seconds, UTC).astimezone(zone).utcoffset()

    for low in range(start, end, step):
        high = low + step
        if offset(low) != offset(high):
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == offset(low) else (low, middle)
            found.append(datetime.fromtimestamp(high, UTC))
    return tuple(found)


@lru_cache
def candidate_nows(zone_name: str) -> tuple[datetime, ...]:
    zone = ZoneInfo(zone_name)
    walls = [
        datetime(2026, 6, 15, 12), datetime(2026, 3, 31, 12), datetime(2028, 3, 31, 9, 15), datetime(2028, 2, 29, 23, 30),
        datetime(2027, 2, 28, 23, 59, 59), datetime(2027, 1, 1), datetime(2026, 11, 10, 0, 10),
        datetime(2026, 12, 31, 23, 59, 59, 999999), datetime(2026, 4, 30, 12), datetime(2028, 4, 30, 0, 5),
        datetime(2027, 1, 29, 12), datetime(2027, 2, 27, 8), datetime(2028, 1, 30, 12), datetime(2028, 1, 29, 23, 30),
    ]
    nows = [wall_to_instant(wall, zone) for wall in walls]
    for change in transitions(zone_name):
        if change.year in (2026, 2027):
            for delta in (timedelta(0), -SECOND, SECOND, timedelta(minutes=30), -timedelta(minutes=30),
                          timedelta(days=1), timedelta(days=1, minutes=30), timedelta(days=30, hours=1)):
                nows.append(change + delta)
            nows.append(moved(change, 1, "months", zone))
            nows.append(moved(change, 12, "months", zone) + timedelta(minutes=20))
    return tuple(sorted(set(nows)))


def candidate_dates(now: datetime, zone: ZoneInfo) -> list[date]:
    today = now.astimezone(zone).date()
    dates = [today + timedelta(days=days) for days in (-400, -366, -365, -61, -60, -31, -30, -29, -7, -1, 0, 1, 7, 30)]
    dates += [change.astimezone(zone).date() for change in transitions(zone.key)]
    dates += [date(2028, 2, 29), date(2027, 2, 28), date(2027, 3, 1), date(2026, 1, 1)]
    return sorted(set(dates))


def edge_instants(now: datetime, zone: ZoneInfo, focus_windows, focus_dates) -> list[datetime]:
    """The edges the scenario's conditions can have, each with its neighbours."""
    edges = [now]
    for last, unit in focus_windows:
        edges += [moved(now, -last, unit, zone), moved(now, last, unit, zone)]
        if unit == "days":   # where a wrong, fixed-length window would end
            edges += [now - timedelta(days=last), now + timedelta(days=last)]
        else:                # where a window computed in UTC would end
            edges += [moved(now, -last, unit, UTC_ZONE), moved(now, last, unit, UTC_ZONE)]
    for day in focus_dates:
        edges += [reference.day_start(day, zone), reference.day_start(day + timedelta(days=1), zone),
                  reference.day_start(day, UTC_ZONE), reference.day_start(day + timedelta(days=1), UTC_ZONE)]
    edges += list(transitions(zone.key))
    instants = []
    for edge in edges:
        instants += [edge, edge - SECOND, edge + SECOND, edge - MICRO]
    instants += [change + timedelta(hours=hours) for change in transitions(zone.key) for hours in (-1, 1)]
    return sorted(set(instants))


@st.composite
def instants(draw, ctx) -> datetime:
    if draw(st.integers(0, 3)) < 3:
        return draw(st.sampled_from(ctx["instants"]))
    return ctx["now"] + timedelta(seconds=draw(st.integers(-420 * 86400, 60 * 86400)))


def condition_edges(condition: dict, now: datetime, zone: ZoneInfo) -> tuple[set[datetime], set[datetime], set[int]]:
    """The instants where ``condition`` changes its mind, those where a wrong reading of its
    windows and dates would (fixed-length days, months or days counted in UTC), and the amounts
    it compares with, in thousandths."""
    edges: set[datetime] = set()
    wrong: set[datetime] = set()
    money: set[int] = set()

    def window(last: int, unit: str, ahead: bool = False) -> None:
        sign = 1 if ahead else -1
        edges.add(moved(now, sign * last, unit, zone))
        wrong.add(moved(now, sign * last, unit, UTC_ZONE))
        if unit == "days":
            wrong.add(now + sign * timedelta(days=last))

    def whole_day(day: date) -> None:
        for start in (day, day + timedelta(days=1)):
            edges.add(reference.day_start(start, zone))
            wrong.update({reference.day_start(start, UTC_ZONE), reference.day_start(start, zone) + timedelta(hours=1)})

    def visit(node: dict) -> None:
        for combinator in ("all", "any"):
            if combinator in node:
                for part in node[combinator]:
                    visit(part)
                return
        if "not" in node:
            visit(node["not"])
            return
        within = node.get("within")
        if within and "last" in within:
            window(within["last"], within["unit"], ahead=node["metric"] == "upcoming_count")
        elif within:
            whole_day(date.fromisoformat(within["from"]))
            whole_day(date.fromisoformat(within["to"]))
        values = node["value"] if isinstance(node["value"], list) else [node["value"]]
        if node["metric"] in ("last_activity_at", "first_activity_at", "registered_at"):
            for value in values:
                if isinstance(value, dict):
                    window(value["ago"], value["unit"])
                parsed = reference.time_value(value, now, zone)
                if reference.is_day(parsed):
                    whole_day(parsed)
                else:
                    edges.add(parsed)
        if node["metric"] in ("total_spent", "average_spent"):
            money.update(int(Decimal(value) * 1000) for value in values)

    visit(condition)
    return edges, wrong - edges, money


NEIGHBOURS = (timedelta(0), timedelta(0), timedelta(0), timedelta(0), -MICRO, -SECOND, SECOND)


@st.composite
def activity_instants(draw, ctx) -> datetime:
    """Mostly on or next to an edge of the scenario's conditions."""
    choice = draw(st.integers(0, 9))
    if choice < 6 and ctx["edges"]:
        return draw(st.sampled_from(ctx["edges"])) + draw(st.sampled_from(NEIGHBOURS))
    if choice < 7 and ctx["wrong"]:
        return draw(st.sampled_from(ctx["wrong"])) + draw(st.sampled_from(NEIGHBOURS))
    return draw(instants(ctx))


@st.composite
def amounts_milli(draw, ctx) -> int:
    """Often a compared amount, or a share of it, so that sums and averages land on it."""
    if ctx["money"] and draw(st.booleans()):
        return draw(st.sampled_from(ctx["money"])) // draw(st.sampled_from((1, 1, 2, 3)))
    return draw(st.sampled_from((0, 1, 5, 999, 10_005, 50_000, 100_000)) | st.integers(0, 200_000))


@st.composite
def activities(draw, ctx) -> Act:
    return Act(
        at=draw(activity_instants(ctx)), status=draw(st.sampled_from(STATUSES)),
        amount_milli=draw(amounts_milli(ctx)),
        location=draw(st.sampled_from(("", *LOCATIONS))), channel=draw(st.sampled_from(("online", "offline"))),
        kind=draw(st.sampled_from(("order", "appointment"))),
        products=frozenset(draw(st.sets(st.sampled_from(PRODUCTS), max_size=2))),
        categories=frozenset(draw(st.sets(st.sampled_from(CATEGORIES), max_size=2))),
        staff=frozenset(draw(st.sets(st.sampled_from(STAFF), max_size=1))),
    )


@st.composite
def birthdays(draw, ctx) -> date | None:
    today = ctx["now"].astimezone(ctx["zone"]).date()
    choices = [date(1992, 2, 29), date(1992, 2, 29), date(1990, 2, 28), date(1991, 3, 1), date(1985, 12, 31),
               date(1985, 1, 1)]
    choices += [(today + timedelta(days=days)).replace(year=1992) for days in (0, 1, 29, 30, 31, 364, 365)]
    return draw(st.none() | st.sampled_from(choices) | st.dates(date(1940, 1, 1), date(2010, 12, 31)))


@st.composite
def people(draw, ctx) -> list[Person]:
    crowd = []
    for index in range(len(ctx["birthdays"])):
        crowd.append(Person(
            external_id=f"c{index}",
            registered_at=draw(activity_instants(ctx)),
            gender=draw(st.sampled_from(GENDERS)),
            city=draw(st.sampled_from(("", *CITIES))),
            tags=frozenset(draw(st.sets(st.sampled_from(TAGS), max_size=3))),
            email_opt_in=draw(st.booleans()), sms_opt_in=draw(st.booleans()),
            birthday=ctx["birthdays"][index],
            activities=[draw(activities(ctx)) for _ in range(draw(st.integers(0, 6)))],
            deliveries=[Sent(draw(st.sampled_from(CAMPAIGNS)), draw(activity_instants(ctx)))
                        for _ in range(draw(st.integers(0, 2)))],
        ))
    return crowd


def money_text(milli: int, style: int) -> str:
    value = Decimal(milli) / 1000
    return f"{value:.3f}" if style == 0 else f"{value.normalize():f}" if style == 1 else f"{value:f}"


@st.composite
def time_values(draw, ctx):
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.sampled_from(ctx["dates"])).isoformat()
    if kind == 1:
        last, unit = draw(st.sampled_from(((0, "days"), *ctx["windows"])))
        return {"ago": last, "unit": unit}
    instant = draw(instants(ctx))
    if kind == 2:
        return instant.astimezone(draw(st.sampled_from((UTC, ctx["zone"])))).isoformat()
    return instant.astimezone(ctx["zone"]).replace(tzinfo=None).isoformat()   # local, no offset


@st.composite
def windows(draw, ctx):
    if draw(st.integers(0, 2)):
        last, unit = draw(st.sampled_from(ctx["windows"]) if draw(st.integers(0, 4)) else st.sampled_from(WINDOWS))
        return {"last": last, "unit": unit}
    start, end = sorted(draw(st.lists(st.sampled_from(ctx["dates"]), min_size=2, max_size=2)))
    return {"from": start.isoformat(), "to": end.isoformat()}


@st.composite
def leaves(draw, ctx) -> dict:
    metric = draw(st.sampled_from(ACTIVITY_METRICS + ACTIVITY_METRICS[:4] + ATTRIBUTES))
    if metric in ("past_count", "upcoming_count", "online_count", "birthday_within_days", "rfm_r", "rfm_f", "rfm_m"):
        op = draw(st.sampled_from(COUNT_OPS))
        numbers = {"birthday_within_days": st.sampled_from(ctx["birthday_days"]),
                   "rfm_r": st.integers(0, 6), "rfm_f": st.integers(0, 6), "rfm_m": st.integers(0, 6)}.get(
            metric, st.integers(0, 4))
        value = _shaped(draw, op, numbers)
    elif metric in ("total_spent", "average_spent"):
        op = draw(st.sampled_from(MONEY_OPS))
        amounts = st.builds(money_text, st.sampled_from(MONEY) | st.integers(0, 400_000), st.integers(0, 2))
        value = _shaped(draw, op, amounts)
    elif metric in ("last_activity_at", "first_activity_at", "registered_at"):
        op = draw(st.sampled_from(TIME_OPS))
        value = _shaped(draw, op, time_values(ctx))
    elif metric in ("gender", "city", "rfm_tier"):
        op = draw(st.sampled_from(("=", "!=", "in")))
        value = _shaped(draw, op, st.sampled_from({"gender": GENDERS, "city": CITIES, "rfm_tier": TIERS}[metric]))
    elif metric == "tags":
        op = draw(st.sampled_from(("=", "!=", "in")))
        value = _shaped(draw, op, st.sampled_from(TAGS))
    elif metric in ("email_opt_in", "sms_opt_in"):
        op, value = draw(st.sampled_from(("=", "!="))), draw(st.booleans())
    else:   # received_campaign
        op, value = draw(st.sampled_from(("=", "!="))), draw(st.sampled_from(("*", *CAMPAIGNS)))
    leaf = {"metric": metric, "op": op, "value": value}
    if (metric in ACTIVITY_METRICS or metric == "received_campaign") and draw(st.integers(0, 2)) > 0:
        leaf["within"] = draw(windows(ctx))
    if metric in ACTIVITY_METRICS:
        for key, choices in (("location", LOCATIONS), ("product", PRODUCTS), ("category", CATEGORIES), ("staff", STAFF)):
            if draw(st.integers(0, 11)) == 0:
                leaf[key] = draw(st.sampled_from(choices))
    return leaf


def _shaped(draw, op: str, values):
    if op == "between":
        return draw(st.lists(values, min_size=2, max_size=2))
    if op == "in":
        return draw(st.lists(values, min_size=1, max_size=3))
    return draw(values)


@st.composite
def conditions(draw, ctx, depth: int = 3) -> dict:
    shape = draw(st.sampled_from(("leaf", "leaf", "leaf", "all", "any", "not"))) if depth else "leaf"
    if shape == "leaf":
        return draw(leaves(ctx))
    if shape == "not":
        return {"not": draw(conditions(ctx, depth - 1))}
    return {shape: draw(st.lists(conditions(ctx, depth - 1), min_size=1, max_size=3))}


@st.composite
def scenarios(draw):
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    now = draw(st.sampled_from(candidate_nows(zone_name)))
    # a few windows and dates the conditions will mostly use, and activity times at their edges
    focus_windows = draw(st.lists(st.sampled_from(WINDOWS), min_size=1, max_size=2, unique=True))
    dst_days = sorted({change.astimezone(zone).date() for change in transitions(zone_name)})
    focus_dates = draw(st.lists(st.sampled_from(dst_days) | st.sampled_from(candidate_dates(now, zone)),
                                min_size=1, max_size=3, unique=True))
    ctx = {"zone": zone, "now": now, "windows": focus_windows, "dates": focus_dates,
           "instants": edge_instants(now, zone, focus_windows, focus_dates)}
    # birthdays first, so that birthday conditions can ask about the days they are away
    ctx["birthdays"] = [draw(birthdays(ctx)) for _ in range(draw(st.integers(1, 6)))]
    ctx["birthday_days"] = sorted({
        max(0, reference.days_to_birthday(born, now.astimezone(zone).date()) + shift)
        for born in ctx["birthdays"] if born for shift in (-1, 0, 1)
    } | {0, 30, 31})
    condition_list = draw(st.lists(conditions(ctx), min_size=1, max_size=3))
    edges, wrong, money = set(), set(), set()
    for condition in condition_list:
        more = condition_edges(condition, now, zone)
        edges, wrong, money = edges | more[0], wrong | more[1], money | more[2]
    ctx["edges"], ctx["wrong"], ctx["money"] = sorted(edges), sorted(wrong), sorted(money)
    return zone_name, now, draw(people(ctx)), condition_list


# --- the database side ----------------------------------------------------------------------------

def reload(shop, crowd: list[Person]) -> dict[str, int]:
    """Empty the shop's customers and activities and write ``crowd`` in their place."""
    db = session()
    for model in (ActivityItem, Activity, Delivery, CustomerTag, MembershipEvent, Membership, Customer):
        db.execute(delete(model).where(model.shop_id == shop.id))
    ids = {}
    for person in crowd:
        customer = Customer(
            shop_id=shop.id, external_id=person.external_id, registered_at=person.registered_at,
            gender=person.gender, city=person.city, email_opt_in=person.email_opt_in, sms_opt_in=person.sms_opt_in,
            birthday=person.birthday,
        )
        db.add(customer)
        db.flush()
        ids[person.external_id] = customer.id
        for tag in person.tags:
            db.add(CustomerTag(customer_id=customer.id, tag=tag, shop_id=shop.id))
        for number, act in enumerate(person.activities):
            activity = Activity(
                shop_id=shop.id, customer_id=customer.id, external_id=f"{person.external_id}-{number}",
                kind=act.kind, status=act.status, occurred_at=act.at, amount_milli=act.amount_milli,
                currency=shop.currency, location=act.location, channel=act.channel,
            )
            db.add(activity)
            db.flush()
            for item_type, values in (("product", act.products), ("category", act.categories), ("staff", act.staff)):
                for value in values:
                    db.add(ActivityItem(activity_id=activity.id, item_type=item_type, value=value, shop_id=shop.id))
        for sent in person.deliveries:
            db.add(Delivery(shop_id=shop.id, customer_id=customer.id, campaign=sent.campaign, channel="email",
                            sent_at=sent.at))
    db.commit()
    return ids


def stored_rfm(shop) -> dict[str, tuple]:
    return {
        row[0]: tuple(row[1:]) for row in session().execute(
            select(Customer.external_id, Customer.rfm_r, Customer.rfm_f, Customer.rfm_m, Customer.rfm_tier)
            .where(Customer.shop_id == shop.id)
        )
    }


def describe(crowd: list[Person], keys: set[str]) -> str:
    return "\n".join(repr(person) for person in crowd if person.external_id in keys)


def check(shop, zone_name: str, now: datetime, crowd: list[Person], condition_list: list[dict]) -> None:
    zone = ZoneInfo(zone_name)
    clock = ShopClock.at(now, zone_name)
    ids = reload(shop, crowd)
    by_id = {customer_id: external_id for external_id, customer_id in ids.items()}
    _note(f"zone {zone_name}, now {now.isoformat()} (local {now.astimezone(zone).isoformat()})")

    # RFM first: the rfm_* leaves read what the refresh stored
    refresh_scores(shop, clock)
    session().commit()
    expected_rfm = reference.rfm(crowd, now, zone)
    got_rfm = stored_rfm(shop)
    differing = {key for key in expected_rfm if expected_rfm[key] != got_rfm[key]}
    assert not differing, (
        f"RFM differs: stored {({key: got_rfm[key] for key in differing})} "
        f"reference {({key: expected_rfm[key] for key in differing})}\n{describe(crowd, differing)}"
    )
    for person in crowd:
        person.rfm_r, person.rfm_f, person.rfm_m, person.rfm_tier = expected_rfm[person.external_id]

    customer_filter = getattr(compiler, "customer_filter", None)
    for condition in condition_list:
        _note(f"condition {json.dumps(condition)}")
        parsed = parse_condition(condition)
        expected = {person.external_id for person in crowd if reference.holds(condition, person, now, zone)}
        got = {by_id[i] for i in session().scalars(compiler.matching_customers(parsed, shop.id, clock))}
        assert got == expected, (
            f"{json.dumps(condition)} at {now.isoformat()} in {zone_name}: SQL {sorted(got)}, "
            f"reference {sorted(expected)}\n{describe(crowd, got ^ expected)}"
        )
        # narrowed to one customer, as after an event
        first = crowd[0].external_id
        narrowed = set(session().scalars(compiler.matching_customers(parsed, shop.id, clock, [ids[first]])))
        assert narrowed == ({ids[first]} if first in expected else set())
        if customer_filter is not None:   # the Customers page's correlated form
            filtered = set(session().scalars(
                select(Customer.external_id).where(Customer.shop_id == shop.id, customer_filter(parsed, shop.id, clock))
            ))
            assert filtered == expected, f"customer_filter: {sorted(filtered)} vs reference {sorted(expected)}"
        check_leaves(shop, clock, condition, parsed, crowd, ids, now, zone)


def check_leaves(shop, clock, condition, parsed, crowd, ids, now, zone) -> None:
    """Leaf by leaf, for each customer: what ``explain_customer`` measured and decided (the
    values an admin sees in "why") equals the reference's, so no leaf hides behind another."""
    written = [leaf for leaf in subconditions(condition) if "metric" in leaf]
    for person in crowd:
        row = session().execute(compiler.explain_customer(parsed, shop.id, clock, ids[person.external_id])).one()
        count = len(written)
        values, verdicts, matched = row[:count], row[count:2 * count], row[2 * count]
        for leaf, value, verdict in zip(written, values, verdicts):
            where = f"{json.dumps(leaf)} for {person!r}"
            assert bool(verdict) is reference.holds(leaf, person, now, zone), f"verdict of {where}"
            if leaf["metric"] in reference.ACTIVITY_METRICS:
                mine = reference.activity_value(leaf, person, now, zone)
                if leaf["metric"] == "average_spent":   # its scale is why's business; None or not is ours
                    assert (value is None) is (mine is None), f"value {value!r} != {mine!r} of {where}"
                else:
                    assert value == mine, f"value {value!r} != {mine!r} of {where}"
        assert bool(matched) is reference.holds(condition, person, now, zone)


@settings(max_examples=60, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenario=scenarios())
def test_sql_members_equal_the_reference(salon, scenario):
    zone_name, now, crowd, condition_list = scenario
    check(salon.shop, zone_name, now, crowd, condition_list)


def subconditions(condition: dict):
    """The condition and every part of it, outermost first."""
    yield condition
    for combinator in ("all", "any"):
        for part in condition.get(combinator, ()):
            yield from subconditions(part)
    if "not" in condition:
        yield from subconditions(condition["not"])


def _note(text: str) -> None:
    """Hypothesis's note, also when ``check`` runs outside a property (a shrunk case)."""
    from hypothesis.control import currently_in_test_context
    if currently_in_test_context():
        note(text)
