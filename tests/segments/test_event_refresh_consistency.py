"""Random event sequences through the public paths, all at one fixed ``now``: the memberships the
per-event refreshes leave are what a full refresh computes (RFM as docs/segments.md promises it
between full refreshes), the history alternates entry and exit, an identical event sent again
changes nothing, and refreshes never touch a static group.

RFM is population-relative, and docs/segments.md "RFM" says what holds between full refreshes:
an activity event re-scores its customer alone against the breakpoints (per score, the highest
value that earned it) the last full refresh stored; everyone else keeps their score. The test
keeps that model and asserts the stored scores equal it exactly; a full refresh must then agree
with the per-event memberships on every group that reads no RFM score, and on the RFM groups
change only the customers whose score it changed.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select

from plugin.db import session
from plugin.models import Customer, Group, Membership, MembershipEvent
from plugin.segments.clock import ShopClock
from plugin.segments.compiler import matching_customers
from plugin.segments.conditions import parse_condition
from plugin.segments.refresh import refresh_shop

from . import reference
from .conftest import TZ

ZONE = ZoneInfo(TZ)
#: Event times are the end of a second (``event_time``); local instants: mid-month, a month's
#: end, and the second time 03:30 comes round on the night summer time ends. Kept in UTC: an
#: aware time with fold=1 never equals one in another zone (PEP 495), even at the same instant.
NOWS = tuple(local.astimezone(timezone.utc) for local in (
    datetime(2026, 6, 15, 12, 0, 0, 999_999, tzinfo=ZONE), datetime(2026, 3, 31, 9, 30, 0, 999_999, tzinfo=ZONE),
    datetime(2026, 10, 25, 3, 30, 0, 999_999, tzinfo=ZONE, fold=1),
))
CUSTOMERS = ("c0", "c1", "c2", "c3")
ACTIVITIES = ("a0", "a1", "a2", "a3")
STATUSES = ("completed", "completed", "completed", "booked", "cancelled", "no_show")
AMOUNTS = ("0", "10", "30.5", "50.000", "100", "12.5000")
LOCATIONS = ("", "Centru", "Nord")
CATEGORIES = ("hair", "nails")
TAGS = ("vip", "o'neil", "50%")
GENDERS = ("female", "male", "other", "unknown")
WINDOWS = ((30, "days"), (2, "months"), (12, "months"), (7, "days"))
#: Dates conditions name: the local days of both ``now``s and the window edges around them.
DATES = ("2025-03-31", "2025-06-15", "2026-01-31", "2026-03-01", "2026-03-31", "2026-04-15", "2026-05-16",
         "2026-06-08", "2026-06-15", "2026-06-25", "2026-09-25", "2026-10-18", "2026-10-25", "2026-11-05")
RFM_METRICS = {"rfm_tier", "rfm_r", "rfm_f", "rfm_m"}
STATIC_KEY = "vip-list"
STATIC_KEYS = ("standard", STATIC_KEY)
SHOP_NAMES = itertools.count(1)


# --- the sequence -----------------------------------------------------------------------------------

#: Offsets from ``now`` an activity may be sent at (None: left out, so it happens at ``now``).
OFFSETS = (None, timedelta(0), -timedelta(seconds=1), timedelta(seconds=1), timedelta(days=10), -timedelta(days=400))


def occurred_at(now: datetime, choice: int) -> datetime | None:
    """``choice`` picks an offset, or a window's edge on the shop's calendar (-1 s, on it, +1 s)."""
    if choice < len(OFFSETS):
        offset = OFFSETS[choice]
        return None if offset is None else now + offset
    last, unit = WINDOWS[(choice - len(OFFSETS)) // 3]
    edge = reference.moved(now, -last, unit, ZONE)
    return edge + timedelta(seconds=(choice - len(OFFSETS)) % 3 - 1)


OCCURRED_CHOICES = len(OFFSETS) + 3 * len(WINDOWS)


@st.composite
def leaves(draw) -> dict:
    metric = draw(st.sampled_from(("past_count", "past_count", "total_spent", "upcoming_count", "online_count",
                                   "average_spent", "last_activity_at", "first_activity_at", "tags", "gender",
                                   "rfm_tier", "email_opt_in", "birthday_within_days")))
    if metric in ("past_count", "upcoming_count", "online_count"):
        op = draw(st.sampled_from((">=", "=", "<", "between")))
        value = sorted(draw(st.lists(st.integers(0, 3), min_size=2, max_size=2))) if op == "between" else draw(st.integers(0, 3))
    elif metric == "birthday_within_days":
        op = draw(st.sampled_from(("<=", "=", "between")))
        value = [0, 30] if op == "between" else draw(st.sampled_from((0, 1, 30)))
    elif metric in ("total_spent", "average_spent"):
        op = draw(st.sampled_from((">=", "<", "between")))
        value = (sorted(draw(st.lists(st.sampled_from(("0", "30.5", "50", "100")), min_size=2, max_size=2)), key=float)
                 if op == "between" else draw(st.sampled_from(("0", "10", "30.5", "50", "100.5"))))
    elif metric in ("last_activity_at", "first_activity_at"):
        op = draw(st.sampled_from(("<", ">=", "<=", ">")))
        last, unit = draw(st.sampled_from(WINDOWS))
        value = draw(st.sampled_from(({"ago": last, "unit": unit}, *DATES)))
    elif metric == "tags":
        op = draw(st.sampled_from(("=", "!=", "in")))
        value = draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=2, unique=True)) if op == "in" else draw(st.sampled_from(TAGS))
    elif metric == "gender":
        op = draw(st.sampled_from(("=", "in")))
        value = draw(st.lists(st.sampled_from(GENDERS), min_size=1, max_size=2, unique=True)) if op == "in" else draw(st.sampled_from(GENDERS))
    elif metric == "rfm_tier":
        op = "in"
        value = draw(st.lists(st.sampled_from(("high_value", "regular", "potential", "prospect", "lapsed")),
                              min_size=1, max_size=2, unique=True))
    else:
        op, value = "=", draw(st.booleans())
    leaf = {"metric": metric, "op": op, "value": value}
    if metric in ("past_count", "total_spent", "upcoming_count", "online_count", "average_spent"):
        within = draw(st.integers(0, 3))
        if within == 1:
            last, unit = draw(st.sampled_from(WINDOWS))
            leaf["within"] = {"last": last, "unit": unit}
        elif within == 2:
            start, end = sorted(draw(st.lists(st.sampled_from(DATES), min_size=2, max_size=2)))
            leaf["within"] = {"from": start, "to": end}
        if draw(st.integers(0, 3)) == 0:
            leaf["location"] = draw(st.sampled_from(LOCATIONS[1:]))
        if draw(st.integers(0, 3)) == 0:
            leaf["category"] = draw(st.sampled_from(CATEGORIES))
    return leaf


@st.composite
def conditions(draw, depth: int = 2) -> dict:
    shape = draw(st.sampled_from(("leaf", "leaf", "all", "any", "not"))) if depth else "leaf"
    if shape == "leaf":
        return draw(leaves())
    if shape == "not":
        return {"not": draw(conditions(depth - 1))}
    return {shape: draw(st.lists(conditions(depth - 1), min_size=1, max_size=3))}


@st.composite
def customer_fields(draw) -> dict:
    fields = {}
    for name, values in (("tags", st.lists(st.sampled_from(TAGS), max_size=2, unique=True)),
                         ("gender", st.sampled_from(GENDERS)), ("email_opt_in", st.booleans()),
                         ("sms_opt_in", st.booleans()),
                         ("birthday", st.sampled_from((None, -1, 0, 1, 30, 31, 200)))):
        if draw(st.integers(0, 2)) == 0:
            fields[name] = draw(values)
    return fields


CUSTOMER_INDEX = st.sampled_from(range(len(CUSTOMERS)))
ACTIVITY_INDEX = st.sampled_from(range(len(ACTIVITIES)))
KNOWN = st.integers(0, 20)   # picks among what exists at that point (modulo)

STEPS = {
    "activity": st.tuples(
        st.just("activity"), ACTIVITY_INDEX, CUSTOMER_INDEX, st.sampled_from(STATUSES),
        st.sampled_from(range(OCCURRED_CHOICES)), st.sampled_from(AMOUNTS), st.sampled_from(LOCATIONS),
        st.lists(st.sampled_from(CATEGORIES), max_size=1), st.sampled_from(("online", "offline")),
    ),
    "status": st.tuples(st.just("status"), KNOWN, st.sampled_from(("completed", "cancelled", "no_show", "booked"))),
    "amount": st.tuples(st.just("amount"), KNOWN, st.sampled_from(AMOUNTS)),
    "move": st.tuples(st.just("move"), KNOWN, CUSTOMER_INDEX),
    "resend": st.tuples(st.just("resend"), KNOWN),
    "refresh": st.tuples(st.just("refresh")),
    "customer": st.tuples(st.just("customer"), CUSTOMER_INDEX, customer_fields()),
    "batch": st.tuples(st.just("batch"), st.lists(st.tuples(CUSTOMER_INDEX, customer_fields()), min_size=1, max_size=3)),
    "static-add": st.tuples(st.just("static-add"), KNOWN, st.sampled_from(range(len(STATIC_KEYS)))),
    "static-remove": st.tuples(st.just("static-remove"), KNOWN, st.sampled_from(range(len(STATIC_KEYS)))),
    "default-switch": st.tuples(st.just("default-switch"), st.sampled_from(range(len(STATIC_KEYS)))),
    "static-delete": st.tuples(st.just("static-delete")),
}
#: How often each step comes, relatively: mostly activities, as in a shop's day.
WEIGHTS = {"activity": 8, "status": 3, "amount": 2, "move": 1, "resend": 3, "refresh": 2, "customer": 2, "batch": 1,
           "static-add": 2, "static-remove": 2, "default-switch": 1, "static-delete": 1}
steps = st.sampled_from([name for name, weight in WEIGHTS.items() for _ in range(weight)]).flatmap(STEPS.__getitem__)
#: Every customer but the last is registered first (one batch); the last may come later, or
#: never (its activities are then refused).
FIRST_REGISTERED = len(CUSTOMERS) - 1
#: A history to start from (completed visits of the first customers, in the last year or
#: earlier), so that a full refresh ranks a population before the random steps.
HISTORY = st.lists(st.tuples(st.sampled_from(range(FIRST_REGISTERED)), st.sampled_from(range(OCCURRED_CHOICES)),
                             st.sampled_from(AMOUNTS)), max_size=6)


# --- what the database holds ------------------------------------------------------------------------

def memberships(shop) -> set[tuple[str, str, str]]:
    return set(session().execute(
        select(Group.key, Customer.external_id, Membership.source)
        .join(Group, Group.id == Membership.group_id).join(Customer, Customer.id == Membership.customer_id)
        .where(Group.shop_id == shop.id)
    ).all())


def history(shop) -> list[tuple]:
    return list(session().execute(
        select(MembershipEvent.id, Group.key, Group.kind, Customer.external_id, MembershipEvent.change,
               MembershipEvent.source, MembershipEvent.actor)
        .join(Group, Group.id == MembershipEvent.group_id).join(Customer, Customer.id == MembershipEvent.customer_id)
        .where(MembershipEvent.shop_id == shop.id).order_by(MembershipEvent.id)
    ).all())


def stored_rfm(shop) -> dict[str, tuple]:
    return {row[0]: tuple(row[1:]) for row in session().execute(
        select(Customer.external_id, Customer.rfm_r, Customer.rfm_f, Customer.rfm_m, Customer.rfm_tier)
        .where(Customer.shop_id == shop.id)
    )}


def stored_totals(shop) -> dict[str, tuple]:
    """What the Customers page shows and sorts by: past visits, their amount, the last one."""
    return {row[0]: tuple(row[1:]) for row in session().execute(
        select(Customer.external_id, Customer.visits, Customer.spent_milli, Customer.last_visit_at)
        .where(Customer.shop_id == shop.id)
    )}


def dynamic_groups(shop) -> dict[str, dict]:
    return dict(session().execute(
        select(Group.key, Group.condition).where(Group.shop_id == shop.id, Group.kind == "dynamic")
    ).all())


def reads_rfm(condition: dict) -> bool:
    if "metric" in condition:
        return condition["metric"] in RFM_METRICS
    parts = condition.get("all") or condition.get("any") or [condition["not"]]
    return any(reads_rfm(part) for part in parts)


def matching(shop, condition: dict, now: datetime) -> set[str]:
    ids = list(session().scalars(matching_customers(parse_condition(condition), shop.id, ShopClock.at(now, TZ))))
    return set(session().scalars(select(Customer.external_id).where(Customer.id.in_(ids)))) if ids else set()


# --- the model ---------------------------------------------------------------------------------------

class Model:
    """What the events said, and the RFM scores docs/segments.md promises between full refreshes."""

    def __init__(self, now: datetime):
        self.now = now
        self.registered: list[str] = []
        self.customer_events: dict[str, dict] = {}      # the last event about each customer
        self.activities: dict[str, dict] = {}           # the last payload of each activity
        self.times: dict[str, datetime] = {}            # and when it happened
        self.static: dict[str, set[str]] = {key: set() for key in STATIC_KEYS}
        self.default = "standard"
        self.rfm: dict[str, tuple] = {}
        self.breakpoints: dict[int, dict[int, object]] = {0: {}, 1: {}, 2: {}}
        self.breakpoints_set = False    # a full refresh has run

    def acts_of(self, external_id: str) -> list[reference.Act]:
        return [reference.Act(at=self.times[key], status=payload["status"], amount_milli=milli(payload["amount"]))
                for key, payload in self.activities.items() if payload["customer_external_id"] == external_id]

    def record(self, payload: dict) -> None:
        """An activity without a time happens when first recorded, and keeps its time after."""
        key = payload["external_id"]
        if "occurred_at" in payload:
            self.times[key] = datetime.fromisoformat(payload["occurred_at"])
        else:
            self.times.setdefault(key, self.now)
        self.activities[key] = payload

    def values(self, external_id: str) -> tuple | str:
        """(R, F, M) of a customer in the RFM population, else their tier outside it."""
        year_ago = reference.moved(self.now, -12, "months", ZONE)
        past = [act for act in self.acts_of(external_id) if act.status == "completed" and act.at <= self.now]
        recent = [act for act in past if act.at > year_ago]
        if not recent:
            return "lapsed" if past else "prospect"
        return max(act.at for act in past), len(recent), sum(act.amount_milli for act in recent)

    def totals(self) -> dict[str, tuple]:
        """Past visits of all time, their amount and the last one, per customer (every event and
        refresh keeps them)."""
        result = {}
        for external_id in self.registered:
            past = [act for act in self.acts_of(external_id) if act.status == "completed" and act.at <= self.now]
            result[external_id] = (len(past), sum(act.amount_milli for act in past),
                                   max((act.at for act in past), default=None))
        return result

    def rescore(self, external_id: str) -> None:
        """An activity event: this customer alone, against the last full refresh's breakpoints."""
        values = self.values(external_id)
        if isinstance(values, str):
            self.rfm[external_id] = (None, None, None, values)
            return
        scores = tuple(self._score(dimension, value) for dimension, value in enumerate(values))
        if self.breakpoints_set and min(scores) < 5:
            event("an event scored below 5 against stored breakpoints")
        self.rfm[external_id] = (*scores, tier(sum(scores)))

    def _score(self, dimension: int, value) -> int:
        for score in sorted(self.breakpoints[dimension]):
            if value <= self.breakpoints[dimension][score]:
                return score
        return 5

    def full_refresh(self) -> None:
        people = [reference.Person(external_id=external_id, registered_at=self.now, activities=self.acts_of(external_id))
                  for external_id in self.registered]
        self.rfm = reference.rfm(people, self.now, ZONE)
        self.breakpoints = {0: {}, 1: {}, 2: {}}
        for external_id in self.registered:
            values, scores = self.values(external_id), self.rfm[external_id]
            if isinstance(values, str):
                continue
            for dimension in range(3):
                points = self.breakpoints[dimension]
                score = scores[dimension]
                points[score] = max(points.get(score, values[dimension]), values[dimension])


def tier(total: int) -> str:
    return "high_value" if total >= 12 else "regular" if total >= 8 else "potential"


def milli(amount: str) -> int:
    return int(Decimal(amount) * 1000)


# --- running a sequence ------------------------------------------------------------------------------

class Run:
    def __init__(self, handle, now: datetime, group_conditions: list[dict]):
        self.handle, self.shop, self.now = handle, handle.shop, now
        self.model = Model(now)
        self.activities_since_refresh = False
        response = handle.post("/groups", json={"name": "VIP list", "key": STATIC_KEY})
        assert response.status_code == 201, response.json
        for number, condition in enumerate(group_conditions):
            response = handle.post("/groups", json={"name": f"Segment {number}", "kind": "dynamic", "condition": condition})
            assert response.status_code == 201, (condition, response.json)

    def apply(self, step: tuple) -> None:
        getattr(self, "do_" + step[0].replace("-", "_"))(*step[1:])

    # customers
    def customer_payload(self, index: int, fields: dict) -> dict:
        payload = {"external_id": CUSTOMERS[index], **fields}
        if "birthday" in payload and payload["birthday"] is not None:
            today = self.now.astimezone(ZONE).date()
            payload["birthday"] = self._birthday(today, payload["birthday"]).isoformat()
        return payload

    @staticmethod
    def _birthday(today: date, days: int) -> date:
        day = today + timedelta(days=days)
        return day.replace(year=1990) if not (day.month == 2 and day.day == 29) else date(1992, 2, 29)

    def do_customer(self, index: int, fields: dict) -> None:
        payload = self.customer_payload(index, fields)
        response = self.handle.post("/events/customers", json=payload)
        assert response.status_code in (200, 201), response.json
        self._registered(payload)
        self._answers_groups(payload["external_id"], response.json["groups"])

    def do_batch(self, events: list) -> None:
        payloads = [self.customer_payload(index, fields) for index, fields in events]
        response = self.handle.post("/events/customers/batch", json={"customers": payloads})
        assert response.status_code in (200, 201), response.json
        for payload in payloads:
            self._registered(payload)
        last = {payload["external_id"]: registration["groups"]
                for payload, registration in zip(payloads, response.json["registrations"])}
        for external_id, groups in last.items():
            self._answers_groups(external_id, groups)

    def _registered(self, payload: dict) -> None:
        external_id = payload["external_id"]
        if external_id not in self.model.registered:
            self.model.registered.append(external_id)
            self.model.static[self.model.default].add(external_id)
            self.model.rfm[external_id] = (None, None, None, "prospect")
        self.model.customer_events[external_id] = payload

    def _answers_groups(self, external_id: str, groups: list[str]) -> None:
        """An event's answer lists the customer's groups as stored once it is done."""
        stored = sorted(key for key, customer, _source in memberships(self.shop) if customer == external_id)
        assert sorted(groups) == stored, f"{external_id}: answered {groups}, stored {stored}"

    # activities
    def do_activity(self, index, customer, status, when, amount, location, categories, channel) -> None:
        self.send_activity(self.activity_payload(ACTIVITIES[index], customer, status, when, amount, location, categories,
                                                 channel))

    def activity_payload(self, external_id, customer, status, when, amount, location, categories, channel) -> dict:
        payload = {"external_id": external_id, "customer_external_id": CUSTOMERS[customer], "kind": "appointment",
                   "status": status, "amount": amount, "location": location, "category_ids": categories,
                   "channel": channel}
        at = occurred_at(self.now, when)
        if at is not None:
            payload["occurred_at"] = at.isoformat()
        return payload

    def known_activity(self, pick: int) -> dict | None:
        if not self.model.activities:
            return None
        return dict(list(self.model.activities.values())[pick % len(self.model.activities)])

    def do_status(self, pick: int, status: str) -> None:
        payload = self.known_activity(pick)
        if payload is not None:
            self.send_activity({**payload, "status": status})

    def do_amount(self, pick: int, amount: str) -> None:
        payload = self.known_activity(pick)
        if payload is not None:
            self.send_activity({**payload, "amount": amount})

    def do_move(self, pick: int, customer: int) -> None:
        payload = self.known_activity(pick)
        if payload is not None:
            self.send_activity({**payload, "customer_external_id": CUSTOMERS[customer]})

    def send_activity(self, payload: dict) -> None:
        response = self.handle.post("/events/activities", json=payload)
        customer = payload["customer_external_id"]
        if customer not in self.model.registered:
            assert response.status_code == 404, response.json
            return
        assert response.status_code in (200, 201), response.json
        previous = self.model.activities.get(payload["external_id"])
        self.model.record(payload)
        self.model.rescore(customer)
        if previous is not None and previous["customer_external_id"] != customer:
            event("an activity moved to another customer")
            self.model.rescore(previous["customer_external_id"])
        self.activities_since_refresh = True
        self._answers_groups(customer, response.json["groups"])

    # the same event again
    def do_resend(self, pick: int) -> None:
        sent = [("activity", payload) for payload in self.model.activities.values()]
        sent += [("customer", payload) for payload in self.model.customer_events.values()]
        if not sent:
            return
        kind, payload = sent[pick % len(sent)]
        event(f"{kind} event sent again")
        before = (memberships(self.shop), len(history(self.shop)), stored_rfm(self.shop), stored_totals(self.shop))
        path = "/events/activities" if kind == "activity" else "/events/customers"
        response = self.handle.post(path, json=payload)
        assert response.status_code == 200, response.json
        after = (memberships(self.shop), len(history(self.shop)), stored_rfm(self.shop), stored_totals(self.shop))
        assert after == before, f"sending {payload} again changed {describe_change(before, after)}"

    # static groups
    def known_customer(self, pick: int) -> str | None:
        return self.model.registered[pick % len(self.model.registered)] if self.model.registered else None

    def do_static_add(self, pick: int, group: int) -> None:
        customer, key = self.known_customer(pick), STATIC_KEYS[group]
        if customer is not None:
            response = self.handle.post(f"/groups/{key}/members", json={"customer_ids": [customer]})
            assert response.status_code == 200, response.json
            assert (response.json["added"] == [customer]) is (customer not in self.model.static[key])
            self.model.static[key].add(customer)

    def do_static_remove(self, pick: int, group: int) -> None:
        customer, key = self.known_customer(pick), STATIC_KEYS[group]
        if customer is None:
            return
        response = self.handle.delete(f"/groups/{key}/members/{customer}")
        static, default = self.model.static, self.model.default
        others = {other for other, members in static.items() if other != key and customer in members}
        if customer not in static[key]:
            assert response.status_code == 404, response.json
        elif key == default and not others:
            assert response.status_code == 409, response.json   # a customer keeps a static group
        else:
            assert response.status_code == 200, response.json
            static[key].discard(customer)
            assert response.json["moved_to_default"] is not others
            if not others:
                static[default].add(customer)

    def do_default_switch(self, group: int) -> None:
        key = STATIC_KEYS[group]
        response = self.handle.patch(f"/groups/{key}", json={"is_default": True})
        assert response.status_code == 200, response.json
        self.model.default = key

    def do_static_delete(self) -> None:
        """Delete the second static group (its members with no other static group go to the
        default, its history with it), then create it again, empty."""
        response = self.handle.delete(f"/groups/{STATIC_KEY}")
        static = self.model.static
        if self.model.default == STATIC_KEY:
            assert response.status_code == 409, response.json
            return
        assert response.status_code == 200, response.json
        orphans = static[STATIC_KEY] - static["standard"]
        assert response.json["moved_to_default"] == len(orphans)
        static["standard"] |= orphans
        static[STATIC_KEY] = set()
        response = self.handle.post("/groups", json={"name": "VIP list", "key": STATIC_KEY})
        assert response.status_code == 201, response.json

    # the full refresh, and what must hold around it
    def do_refresh(self) -> None:
        self.check()

    def check(self) -> None:
        session().expire_all()
        groups = dynamic_groups(self.shop)
        # (a) the per-event refreshes left each group equal to its condition over what is stored
        held = memberships(self.shop)
        for key, condition in groups.items():
            members = {customer for group, customer, _source in held if group == key}
            expected = matching(self.shop, condition, self.now)
            assert members == expected, f"{key} {condition}: members {sorted(members)}, condition {sorted(expected)}"
            assert {source for group, _customer, source in held if group == key} <= {"condition"}
        # (a) RFM between full refreshes: the event's customer re-scored against the stored breakpoints
        assert stored_rfm(self.shop) == self.model.rfm, "RFM stored between full refreshes differs from docs/segments.md"
        assert stored_totals(self.shop) == self.model.totals(), "visits, spent or last visit differ"
        self.check_static(held)
        # the full refresh at the same now
        before_rfm, before_history = stored_rfm(self.shop), history(self.shop)
        refresh_shop(self.shop, self.now)
        session().expire_all()
        self.model.full_refresh()
        event(f"a full refresh over {sum(1 for values in self.model.rfm.values() if values[0])} scored customers")
        after_rfm = stored_rfm(self.shop)
        assert after_rfm == self.model.rfm, "RFM of the full refresh differs from the reference"
        assert stored_totals(self.shop) == self.model.totals(), "visits, spent or last visit differ after the refresh"
        rescored = {customer for customer in after_rfm if after_rfm[customer] != before_rfm[customer]}
        changes = history(self.shop)[len(before_history):]
        if changes:
            event("the full refresh moved someone in an RFM group")
        for _id, key, kind, customer, _change, source, actor in changes:
            assert kind == "dynamic" and (source, actor) == ("condition", "refresh")
            assert reads_rfm(groups[key]) and customer in rescored, (
                f"the full refresh changed {customer} in {key} {groups[key]} (RFM rescored: {sorted(rescored)})")
        if not self.activities_since_refresh and self.model.breakpoints_set:
            assert not rescored and not changes
        self.model.breakpoints_set = True
        self.activities_since_refresh = False
        self.check_static(memberships(self.shop))

    def check_static(self, held: set) -> None:
        """(d) static groups hold what people and registrations put there, every customer has one."""
        for key, expected in self.model.static.items():
            assert {customer for group, customer, _source in held if group == key} == expected, key
        in_static = {customer for group, customer, _source in held if group in self.model.static}
        assert in_static == set(self.model.registered)

    def check_history(self) -> None:
        """(b) per (customer, group): entered, left, entered, ... ending as the membership is now."""
        held = {(key, customer) for key, customer, _source in memberships(self.shop)}
        changes: dict[tuple[str, str], list[str]] = {}
        for _id, key, kind, customer, change, source, actor in history(self.shop):
            changes.setdefault((key, customer), []).append(change)
            if actor == "refresh":
                assert kind == "dynamic", f"a refresh changed static group {key}"
            if kind == "dynamic":
                assert (source, actor) == ("condition", "refresh"), (key, customer, source, actor)
        for pair, seen in changes.items():
            expected = ["entered", "left"] * (len(seen) // 2) + ["entered"] * (len(seen) % 2)
            assert seen == expected, f"{pair}: {seen}"
            assert (len(seen) % 2 == 1) is (pair in held), f"{pair}: history {seen}, member {pair in held}"
        assert held <= changes.keys(), f"members without history: {sorted(held - changes.keys())}"


def describe_change(before: tuple, after: tuple) -> str:
    return (f"memberships +{sorted(after[0] - before[0])} -{sorted(before[0] - after[0])}, "
            f"history rows {before[1]} -> {after[1]}, "
            f"RFM {({key: (before[2].get(key), value) for key, value in after[2].items() if before[2].get(key) != value})}")


@settings(max_examples=15, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(now=st.sampled_from(NOWS), group_conditions=st.lists(conditions(), min_size=1, max_size=3),
       first_fields=st.lists(customer_fields(), min_size=FIRST_REGISTERED, max_size=FIRST_REGISTERED),
       first_history=HISTORY, refresh_first=st.booleans(), sequence=st.lists(steps, min_size=6, max_size=24))
def test_event_refreshes_agree_with_the_full_refresh(make_shop, now, group_conditions, first_fields, first_history,
                                                     refresh_first, sequence):
    handle = make_shop(f"Shop {next(SHOP_NAMES)}", timezone=TZ)
    note(f"now {now.isoformat()}; groups {group_conditions}")
    with mock.patch("plugin.hooks.event_time", return_value=now), \
            mock.patch("plugin.services.activities.event_time", return_value=now):
        run = Run(handle, now, group_conditions)
        run.do_batch(list(enumerate(first_fields)))
        for number, (customer, when, amount) in enumerate(first_history):
            run.send_activity(run.activity_payload(f"h{number}", customer, "completed", when, amount, "", [], "offline"))
        if refresh_first:
            run.do_refresh()
        for step in sequence:
            note(repr(step))
            run.apply(step)
        run.check()
        run.check_history()


def test_an_activity_sent_again_without_a_time_keeps_the_time_it_was_recorded(salon):
    """docs/imports.md: an activity without ``occurred_at`` happens when it is recorded (an
    event's arrival) and, once stored, keeps its time; so a retried event changes nothing."""
    shop, recorded, retried = salon.shop, NOWS[0], NOWS[0] + timedelta(days=40)
    order = {"external_id": "o-1", "customer_external_id": "ana", "amount": "20.00"}
    # given ana's order, sent without a time on 15 June: her first visit, so a follow-up
    with mock.patch("plugin.hooks.event_time", return_value=recorded), \
            mock.patch("plugin.services.activities.event_time", return_value=recorded):
        assert salon.post("/events/customers", json={"external_id": "ana"}).status_code == 201
        assert salon.post("/events/activities", json=order).status_code == 201
    assert "first-visit-follow-ups" in {key for key, customer, _source in memberships(shop) if customer == "ana"}
    # and 40 days later the full refresh: the visit is past the 30 days
    refresh_shop(shop, retried)
    before = (memberships(shop), len(history(shop)), stored_rfm(shop))
    # when the host sends the same event again (a retry)
    with mock.patch("plugin.services.activities.event_time", return_value=retried):
        response = salon.post("/events/activities", json=order)
    # then the order keeps the time it was recorded at, and nothing moves
    assert response.status_code == 200
    assert datetime.fromisoformat(response.json["activity"]["occurred_at"]) == recorded
    after = (memberships(shop), len(history(shop)), stored_rfm(shop))
    assert after == before, describe_change(before, after)
