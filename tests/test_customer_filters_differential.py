"""The Customers page, its exports and ``GET /customers`` against a plain-Python reading of
docs/segments.md, on random shops: every filter of the page, random combinations and sorts.

The reading (docs/segments.md, "Activities", "Periods", "Customers page"): a visit is a *past*
activity (status ``completed``, ``occurred_at <= now``); a period is whole local days of the
shop, both ends included, an empty start reaching back to 1900-01-01, an empty end up to today
(or to the start, if later); "spent" sums past amounts (exact thousandths); "birthday within N
days" counts from the shop's local today (0 on the day, 29 February on 28 February in common
years); a campaign counts once sent (``sent_at <= now``); tags match any of those given; a
location is compared exactly. Search finds name, email and phone prefixes (case aside; on SQLite
only ASCII folds), card numbers and external ids. Sorts read the stored totals of the last
refresh (taken here at the clock, with no activity near it); ties go by id, descending with the
sort, and customers without a last visit come last either way. The page shows amounts as kept,
the API in the currency's minor unit.

Each example builds its own shop from a seed (``SEEDS``); run more by hand with
``CG_DIFF_SEEDS=200`` (seeds 0..199)."""
from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import string
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa

from plugin.db import session
from plugin.exports import COLUMNS
from plugin.models import Activity, Delivery
from plugin.models._columns import utcnow
from plugin.segments.refresh import refresh_shop
from plugin.services import customer_search
from plugin.sql import dialect_name
from plugin.services import customers as customer_service
from plugin.services import groups as group_service
from plugin.services import members
from tests.segments.spec_reference import days_to_birthday

PAGE = "/admin/crm/groups/customers/"
EXPORT = "/admin/crm/groups/customers/export"
SEEDS = range(int(os.environ.get("CG_DIFF_SEEDS", "5")))
#: Filter combinations tried on each shop.
COMBINATIONS = 4
TIMEZONES = ["UTC", "Europe/Bucharest", "America/Santiago", "Pacific/Kiritimati", "Pacific/Pago_Pago",
             "America/New_York", "Asia/Kathmandu"]
CURRENCIES = {"EUR": 2, "JPY": 0, "KWD": 3}
LAST_NAMES = ["Pop", "Popa", "Popescu", "pop", "Ionescu", "Marin", "Stan", "Brâncuși", "O'Neil", "Van Dam", "Ng",
              "Ávila", "ávila", "ÁVILA", "Zamfir", "Ștefănescu", "de_la"]
FIRST_NAMES = ["Ana", "ana", "Bob", "Cora", "Dan", "Ionuț", "Eve", "Al", "Ștefan", "ȘTEFAN", "Élodie", "=Cmd"]
LOCATIONS = ["Mall", "Centre", "Airport", "mall"]
TAGS = ["vip", "press", "Vip", "loyalty"]
CAMPAIGNS = ["spring", "summer"]
SORTS = ["name", "-name", "spent", "-spent", "visits", "-visits", "last_visit", "-last_visit", "registered",
         "-registered"]
GENDERS = ["female", "male", "other", "unknown"]
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@dataclass
class Person:
    external_id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    card_number: str
    gender: str
    birthday: date | None
    tags: list[str]
    registered_at: datetime
    id: int = 0


@dataclass
class Visit:
    customer: str
    status: str
    channel: str
    location: str
    occurred_at: datetime
    amount_milli: int


@dataclass
class World:
    zone: ZoneInfo
    currency: str
    people: list[Person]
    visits: list[Visit]
    deliveries: list[tuple[str, str, datetime]]
    groups: dict[str, set[str]]
    days: list[date] = field(default_factory=list)

    def person(self, external_id: str) -> Person:
        return next(person for person in self.people if person.external_id == external_id)


# ---- the shop ------------------------------------------------------------------------------------

def local_today(zone: ZoneInfo, now: datetime) -> date:
    return now.astimezone(zone).date()


def day_start(zone: ZoneInfo, day: date) -> datetime:
    """The instant a local day starts (a skipped local midnight takes the offset before the change)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def clock_changes(zone: ZoneInfo, first: date, last: date) -> list[date]:
    """The days between ``first`` and ``last`` on which the zone's offset changes."""
    days, day = [], first
    while day < last:
        after = day + timedelta(days=1)
        if datetime.combine(after, time(12), zone).utcoffset() != datetime.combine(day, time(12), zone).utcoffset():
            days.append(after)
        day = after
    return days


def interesting_days(zone: ZoneInfo, today: date) -> list[date]:
    """Recent days, the zone's clock changes of the last two years (and the days before them),
    29 February 2024, and days before 1970 (times go back to 1900)."""
    days = {today - timedelta(days=back) for back in (0, 1, 2, 7, 30, 31, 45, 400)}
    for change in clock_changes(zone, today - timedelta(days=730), today):
        days |= {change - timedelta(days=1), change}
    return sorted(days | {date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1), date(1965, 6, 1), date(1900, 1, 2)})


def money(milli: int, digits: int) -> str:
    """The API's amounts: the currency's minor unit, half-up."""
    return str((Decimal(milli) / 1000).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def kept(milli: int, digits: int) -> str:
    """The page's amounts: as kept, with at least the currency's decimals (docs/segments.md)."""
    exact = Decimal(milli) / 1000
    return money(milli, digits) if Decimal(money(milli, digits)) == exact else format(exact.normalize(), "f")


def build_world(rng: random.Random, now: datetime, *, exact: bool = False) -> World:
    """A random shop around ``now``; ``exact``: ``now`` is fixed (not the clock), so activities,
    deliveries and birthdays may fall on it exactly."""
    zone = ZoneInfo(rng.choice(TIMEZONES))
    currency = rng.choice(list(CURRENCIES))
    digits = CURRENCIES[currency]
    today = local_today(zone, now)
    days = interesting_days(zone, today)
    people = []
    for number in range(rng.randint(20, 36)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        birthday = rng.choice([
            None, date(1992, 2, 29), date(1990, 2, 28), date(1988, 3, 1),
            (today + timedelta(days=rng.randint(-3, 40))).replace(year=2000),  # 2000 is a leap year
            (today + timedelta(days=rng.randint(-2, 3))).replace(year=2000),
        ])
        people.append(Person(
            external_id=f"c{number:02d}", first_name=first, last_name=last,
            email=f"{first}{rng.choice(['.', '_', '%'])}{number}@Example.com",
            phone=rng.choice(["", f"+40 72{number % 10} 000 {number:03d}"]),
            card_number=rng.choice(["", f"CARD-{number}"]), gender=rng.choice(GENDERS), birthday=birthday,
            tags=rng.sample(TAGS, rng.randint(0, 2)),
            registered_at=now - timedelta(days=rng.randint(1, 900), seconds=rng.randint(0, 86_399)),
        ))
    visits = []
    for person in people:
        for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
            if rng.random() < 0.2:  # hours away from now, either side
                occurred = now + timedelta(hours=rng.choice([-30, -3, -2, 2, 5, 50]))
            else:
                edge = rng.choice([timedelta(0), timedelta(seconds=1), timedelta(seconds=-1),
                                   timedelta(microseconds=-1), timedelta(hours=12), timedelta(hours=23, minutes=59)])
                occurred = day_start(zone, rng.choice(days)) + edge
            if exact and rng.random() < 0.15:
                occurred = now + rng.choice([timedelta(0), timedelta(microseconds=1), timedelta(microseconds=-1)])
            elif abs(occurred - now) < timedelta(minutes=30):
                occurred -= timedelta(hours=1)
            amount = rng.choice([0, rng.randint(1, 400) * 10 ** (3 - digits) * rng.choice([1, 7, 100])])
            amount += rng.choice([0, 0, 0, 5]) if digits < 3 else 0  # amounts keep 3 decimals
            visits.append(Visit(person.external_id, rng.choice(["completed"] * 3 + ["booked", "cancelled", "no_show"]),
                                rng.choice(["online", "offline"]), rng.choice(LOCATIONS), occurred, amount))
    sent = [timedelta(days=-3), timedelta(days=2)] + ([timedelta(0), timedelta(microseconds=1)] if exact else [])
    deliveries = [(person.external_id, rng.choice(CAMPAIGNS), now + rng.choice(sent))
                  for person in people if rng.random() < 0.3]
    groups = {key: {person.external_id for person in people if rng.random() < share}
              for key, share in (("club", 0.3), ("friends", 0.6))}
    return World(zone, currency, people, visits, deliveries, groups, days)


def store(world: World, make_shop, now: datetime, *, refresh_at: datetime | None = None):
    handle = make_shop(currency=world.currency, timezone=world.zone.key)
    shop = handle.shop
    customer_service.register_customers(shop, [{
        "external_id": person.external_id, "first_name": person.first_name, "last_name": person.last_name,
        "email": person.email, "phone": person.phone, "card_number": person.card_number, "gender": person.gender,
        "birthday": person.birthday, "tags": person.tags, "registered_at": person.registered_at,
    } for person in world.people])
    ids = customer_service.customers_by_external_id(shop, [person.external_id for person in world.people])
    for person in world.people:
        person.id = ids[person.external_id]
    session().execute(Activity.__table__.insert(), [{
        "shop_id": shop.id, "external_id": f"a{number}", "customer_id": ids[visit.customer], "kind": "order",
        "status": visit.status, "occurred_at": visit.occurred_at, "amount_milli": visit.amount_milli,
        "currency": world.currency, "location": visit.location, "channel": visit.channel,
        "created_at": now, "updated_at": now,
    } for number, visit in enumerate(world.visits)])
    for customer, campaign, sent_at in world.deliveries:
        session().add(Delivery(shop_id=shop.id, customer_id=ids[customer], campaign=campaign, channel="email",
                               sent_at=sent_at))
    for key, external_ids in world.groups.items():
        group = group_service.create_group(shop, {"name": key.capitalize()})
        assert group.key == key
        if external_ids:
            members.add_members(shop, group, sorted(ids[external_id] for external_id in external_ids), source="manual")
    world.groups["standard"] = {person.external_id for person in world.people}
    session().commit()
    refresh_shop(shop, refresh_at or utcnow())
    session().commit()
    return handle


# ---- filters -------------------------------------------------------------------------------------

def random_filters(rng: random.Random, world: World, now: datetime | None = None) -> dict[str, str]:
    def day() -> str:
        return (rng.choice(world.days) + timedelta(days=rng.choice([-1, 0, 0, 1]))).isoformat()

    def amount() -> str:
        totals = [totals_of(world, person, now or utcnow())[1] for person in world.people]
        milli = rng.choice(totals) + rng.choice([0, 0, -10, 10])
        return money(max(milli, 0), 3).rstrip("0").rstrip(".") if rng.random() < 0.5 else money(max(milli, 0), 3)

    makers = {
        "visited": lambda: {"visited_from": rng.choice([day(), ""]), "visited_to": day()}
        if rng.random() < 0.7 else {"visited_from": day()},
        "absent": lambda: {"absent_from": rng.choice([day(), ""]), "absent_to": day()}
        if rng.random() < 0.7 else {"absent_from": day()},
        "spent_min": lambda: {"spent_min": amount()},
        "spent_max": lambda: {"spent_max": amount()},
        "visits_min": lambda: {"visits_min": str(rng.randint(0, 4))},
        "visits_max": lambda: {"visits_max": str(rng.randint(0, 4))},
        "gender": lambda: {"gender": rng.choice(GENDERS)},
        "locations": lambda: {"locations": ", ".join(rng.sample(LOCATIONS, rng.randint(1, 2)))},
        "online": lambda: {"online": "y"},
        "birthday_days": lambda: {"birthday_days": str(rng.choice([0, 1, 3, 7, 30, 366]))},
        "campaign": lambda: {"campaign": rng.choice([*CAMPAIGNS, "*", "winter"])},
        "tags": lambda: {"tags": ",".join(rng.sample(TAGS, rng.randint(1, 2)))},
        "group": lambda: {"group": rng.choice(sorted(world.groups))},
        "q": lambda: {"q": search_text(rng, world)},
    }
    chosen: dict[str, str] = {}
    for name in rng.sample(sorted(makers), rng.choice([0, 1, 1, 2, 2, 3])):
        chosen.update(makers[name]())
    chosen["sort"] = rng.choice(SORTS if code_point_collation() else [sort for sort in SORTS if "name" not in sort])
    # Periods must not end before they start: bad ones are checked on their own.
    for period in ("visited", "absent"):
        start, end = chosen.get(f"{period}_from"), chosen.get(f"{period}_to")
        if start and end and end < start:
            chosen[f"{period}_from"], chosen[f"{period}_to"] = end, start
    return chosen


def code_point_collation() -> bool:
    """Whether the database orders text by code point, as the reading here does (docs/segments.md,
    "Sorts"): SQLite always, PostgreSQL under C or C.UTF-8."""
    if dialect_name() != "postgresql":
        return True
    collation = session().scalar(sa.text("SELECT datcollate FROM pg_database WHERE datname = current_database()"))
    return collation.lower().replace("-", "") in ("c", "posix", "c.utf8")


def search_text(rng: random.Random, world: World) -> str:
    person = rng.choice(world.people)
    options = [
        person.last_name[: rng.randint(1, len(person.last_name))],
        person.first_name[: rng.randint(1, len(person.first_name))].upper(),
        f"{person.first_name} {person.last_name}"[: rng.randint(1, len(person.first_name) + 3)],
        person.email[: rng.randint(2, 8)].upper(), person.external_id, "nobody", "%", "_", "a_", "\\",
        f"{person.last_name} {person.first_name}", f"{person.last_name.lower()} {person.first_name.upper()}",
    ]
    if person.phone:
        options += [person.phone[:7], person.phone.replace(" ", "")[:9]]
    if person.card_number:
        options.append(person.card_number)
    return rng.choice(options)


# ---- the plain-Python reading of the docs ---------------------------------------------------------

def past(world: World, person: Person, now: datetime) -> list[Visit]:
    return [visit for visit in world.visits
            if visit.customer == person.external_id and visit.status == "completed" and visit.occurred_at <= now]


def totals_of(world: World, person: Person, now: datetime) -> tuple[int, int, datetime | None]:
    visits = past(world, person, now)
    return len(visits), sum(visit.amount_milli for visit in visits), max((v.occurred_at for v in visits), default=None)


def in_period(world: World, visit: Visit, start: str, end: str, today: date) -> bool:
    first = date.fromisoformat(start or "1900-01-01")
    last = date.fromisoformat(end) if end else max(today, first)
    return day_start(world.zone, first) <= visit.occurred_at < day_start(world.zone, last + timedelta(days=1))


def db_lower(text: str) -> str:
    """The database's ``lower()``: SQLite's folds ASCII letters only (docs/groups.md, "Search")."""
    return text.translate(ASCII_LOWER) if dialect_name() == "sqlite" else text.lower()


def finds(person: Person, q: str) -> bool:
    """docs/segments.md and docs/groups.md: name, email and phone prefixes ignoring case (on
    SQLite a capital outside ASCII as stored), "last first" whole, card numbers and external ids."""
    q = q.strip()
    if not q:
        return True
    names = (db_lower(f"{person.first_name} {person.last_name}"), db_lower(person.last_name))
    return any(
        any(name.startswith(text) for name in names)
        or len(text.split()) == 2 and [db_lower(person.last_name), db_lower(person.first_name)] == text.split()
        or db_lower(person.email).startswith(text)
        for text in {q.lower(), db_lower(q)}
    ) or bool(person.phone) and (person.phone.startswith(q) or person.phone.startswith(q.replace(" ", ""))) \
        or person.card_number == q or person.external_id == q


def matches(world: World, person: Person, filters: dict[str, str], now: datetime) -> bool:
    today = local_today(world.zone, now)
    visits = past(world, person, now)
    count, spent, _last = totals_of(world, person, now)
    sent = [campaign for customer, campaign, at in world.deliveries if customer == person.external_id and at <= now]
    checks = {
        "q": lambda value: finds(person, value),
        "visited_from": lambda _: any(in_period(world, visit, filters.get("visited_from", ""),
                                                filters.get("visited_to", ""), today) for visit in visits),
        "absent_from": lambda _: not any(in_period(world, visit, filters.get("absent_from", ""),
                                                   filters.get("absent_to", ""), today) for visit in visits),
        "spent_min": lambda value: spent >= Decimal(value) * 1000,
        "spent_max": lambda value: spent <= Decimal(value) * 1000,
        "visits_min": lambda value: count >= int(value),
        "visits_max": lambda value: count <= int(value),
        "gender": lambda value: person.gender == value,
        "locations": lambda value: any(visit.location in {part.strip() for part in value.split(",")}
                                       for visit in visits),
        "online": lambda _: any(visit.channel == "online" for visit in visits),
        "birthday_days": lambda value: person.birthday is not None
        and days_to_birthday(person.birthday, today) <= int(value),
        "campaign": lambda value: bool(sent) if value == "*" else value in sent,
        "tags": lambda value: bool(set(person.tags) & {part.strip() for part in value.split(",")}),
        "group": lambda value: person.external_id in world.groups[value],
    }
    given = dict(filters)
    for period in ("visited", "absent"):
        if given.get(f"{period}_to") and f"{period}_from" not in given:
            given[f"{period}_from"] = ""
    return all(check(given[name]) for name, check in checks.items() if name in given)


def expected_order(world: World, filters: dict[str, str], now: datetime) -> list[str]:
    sort = filters.get("sort", "name")
    name, descending = sort.removeprefix("-"), sort.startswith("-")
    chosen = [person for person in world.people if matches(world, person, filters, now)]

    def key(person: Person):
        count, spent, last = totals_of(world, person, now)
        return {"name": (db_lower(person.last_name), db_lower(person.first_name)), "spent": (spent,),
                "visits": (count,),
                "last_visit": (last,), "registered": ()}[name] + (person.id,)

    if name == "last_visit":
        seen = sorted((p for p in chosen if totals_of(world, p, now)[2]), key=key, reverse=descending)
        unseen = sorted((p for p in chosen if not totals_of(world, p, now)[2]), key=lambda p: p.id, reverse=descending)
        return [person.external_id for person in seen + unseen]
    return [person.external_id for person in sorted(chosen, key=key, reverse=descending)]


def condition_of(filters: dict[str, str], today: date) -> dict | None:
    """The SPEC §3 condition the page's filters mean (docs/segments.md), for the API."""
    leaves = []
    for period, op, value in (("visited", ">=", 1), ("absent", "=", 0)):
        if f"{period}_from" in filters or f"{period}_to" in filters:
            start = filters.get(f"{period}_from") or "1900-01-01"
            within = {"from": start, "to": filters.get(f"{period}_to") or max(today.isoformat(), start)}
            leaves.append({"metric": "past_count", "op": op, "value": value, "within": within})
    simple = {"spent_min": ("total_spent", ">="), "spent_max": ("total_spent", "<="),
              "visits_min": ("past_count", ">="), "visits_max": ("past_count", "<="), "gender": ("gender", "="),
              "birthday_days": ("birthday_within_days", "<="), "campaign": ("received_campaign", "=")}
    for name, (metric, op) in simple.items():
        if name in filters:
            value = filters[name]
            leaves.append({"metric": metric, "op": op, "value": int(value) if value.isdigit() and "spent" not in name
                           else value})
    if "locations" in filters:
        leaves.append({"any": [{"metric": "past_count", "op": ">=", "value": 1, "location": part.strip()}
                               for part in filters["locations"].split(",")]})
    if "online" in filters:
        leaves.append({"metric": "online_count", "op": ">=", "value": 1})
    if "tags" in filters:
        leaves.append({"metric": "tags", "op": "in", "value": [part.strip() for part in filters["tags"].split(",")]})
    return {"all": leaves} if leaves else None


# ---- reading what the app answers -----------------------------------------------------------------

def listed(page: str) -> list[str]:
    return re.findall(r'<tr data-customer="([^"]*)"', page)


ROW = re.compile(r'<tr data-customer="([^"]*)">.*?data-label="Visits"[^>]*>([^<]*)<.*?data-label="Spent"[^>]*>([^<]*)<'
                 r'.*?data-label="Last visit"[^>]*>(?:<time[^>]*>([^<]*)</time>|<span[^>]*>never)', re.S)


def admin_list(client, filters: dict[str, str], per_page: int) -> tuple[list[tuple[str, ...]], int]:
    """Every page's rows as (external id, visits, spent, last visit's day or None), and the count."""
    found, number, total = [], 1, None
    while True:
        response = client.get(PAGE, query_string={**filters, "page": number, "per_page": per_page})
        assert response.status_code == 200, response.text[:2000]
        rows = ROW.findall(response.text)
        assert [row[0] for row in rows] == listed(response.text)
        if total is None:
            total = int(re.search(r'id="customer-total">([\d,]+)<', response.text).group(1).replace(",", ""))
        found += [(external_id, visits, spent, day or None) for external_id, visits, spent, day in rows]
        if len(rows) < per_page:
            return found, total
        number += 1


def api_list(handle, filters: dict[str, str], condition: dict | None, per_page: int) -> list[dict]:
    query = {name: filters[name] for name in ("q", "group") if name in filters}
    query.update(sort=filters["sort"], per_page=per_page)
    if condition is not None:
        query["condition"] = json.dumps(condition)
    items, page = [], 1
    while page is not None:
        response = handle.get("/customers", query_string={**query, "page": page})
        assert response.status_code == 200, response.json
        items += response.json["items"]
        page = response.json["next_page"]
    return items


def export_rows(client, filters: dict[str, str], fmt: str):
    data = {name: value for name, value in filters.items() if name != "sort"}
    response = client.post(EXPORT, data={**data, fmt: "1"})
    return response


# ---- the checks --------------------------------------------------------------------------------------

@pytest.fixture
def signed_in_client(client, admin):
    def sign_in(handle):
        admin.login(handle.shop)
        return client
    return sign_in


@pytest.mark.parametrize("seed", SEEDS)
def test_page_exports_and_api_list_what_the_docs_define(seed, make_shop, signed_in_client):
    rng = random.Random(seed)
    world = build_world(rng, utcnow())
    handle = store(world, make_shop, utcnow())
    client = signed_in_client(handle)
    digits = CURRENCIES[world.currency]
    for _ in range(COMBINATIONS):
        filters = random_filters(rng, world)
        now = utcnow()
        expected = expected_order(world, filters, now)
        per_page = rng.choice([5, 7, 50])
        rows, total = admin_list(client, filters, per_page)
        context = f"seed {seed}, {world.zone.key}, {world.currency}, filters {filters}"
        assert [row[0] for row in rows] == expected, context
        assert total == len(expected), context
        for external_id, *cells in rows:
            count, spent, last = totals_of(world, world.person(external_id), now)
            day = last and last.astimezone(world.zone).date().isoformat()
            assert cells == [str(count), kept(spent, digits), day], (context, external_id)

        items = api_list(handle, filters, condition_of(filters, local_today(world.zone, now)), per_page)
        assert [item["external_id"] for item in items] == expected, context
        for item in items:
            person = world.person(item["external_id"])
            count, spent, last = totals_of(world, person, now)
            assert (item["visits"], item["spent"]) == (count, money(spent, digits)), context
            shown = item["last_visit_at"] and datetime.fromisoformat(item["last_visit_at"])
            assert shown == last, context

        for fmt in ("csv", "xlsx"):
            response = export_rows(client, filters, fmt)
            assert response.status_code == 200, (context, response.text[:500])
            if fmt == "csv":
                table = list(csv.reader(io.StringIO(response.data.decode("utf-8"))))
            else:
                sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
                table = [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]
            assert tuple(table[0]) == COLUMNS == (
                "external_id", "first_name", "last_name", "email", "phone", "gender", "birthday", "city",
                "card_number", "registered_at", "email_opt_in", "sms_opt_in", "tags")
            assert sorted(row[0] for row in table[1:]) == sorted(expected), (context, fmt)
            for row in table[1:]:
                person, cells = world.person(row[0]), dict(zip(COLUMNS, row))
                assert (cells["first_name"], cells["last_name"], cells["email"], cells["phone"], cells["gender"],
                        cells["card_number"]) == (person.first_name, person.last_name, person.email, person.phone,
                                                  person.gender, person.card_number), (context, fmt)
                assert cells["birthday"] == (person.birthday.isoformat() if person.birthday else ""), (context, fmt)
                assert set(filter(None, cells["tags"].split(";"))) == set(person.tags), (context, fmt)
                assert datetime.fromisoformat(cells["registered_at"]) == person.registered_at.replace(microsecond=0) \
                    or datetime.fromisoformat(cells["registered_at"]) == person.registered_at, (context, fmt)
                assert datetime.fromisoformat(cells["registered_at"]).utcoffset() == \
                    person.registered_at.astimezone(world.zone).utcoffset(), (context, fmt)


#: Local wall-clock instants the fixed-instant examples are evaluated at: leap days, the turn of
#: a year, and (added per zone) its clock changes.
INSTANTS = ["2028-02-29T00:00:00", "2027-02-28T23:59:59.999999", "2027-03-01T00:00:00", "2028-03-01T12:00:00",
            "2026-12-31T23:59:59", "2027-01-01T00:00:00"]


def fixed_instant(rng: random.Random, zone: ZoneInfo) -> datetime:
    choices = [datetime.fromisoformat(text) for text in INSTANTS]
    choices += [datetime.combine(day, time(hour)) for day in clock_changes(zone, date(2027, 1, 1), date(2028, 1, 1))
                for hour in (0, 2, 3)]
    return rng.choice(choices).replace(tzinfo=zone).astimezone(timezone.utc)


@pytest.mark.parametrize("seed", SEEDS)
def test_filters_at_fixed_instants_list_what_the_docs_define(seed, make_shop):
    """The same reading with ``now`` on a leap day, a year's turn or a clock change, through the
    search the page and the API share (``now`` can be given there, not to the page)."""
    rng = random.Random(10_000 + seed)
    zone = ZoneInfo(rng.choice(TIMEZONES))
    now = fixed_instant(rng, zone)
    world = build_world(rng, now, exact=True)
    world.zone = zone
    world.days = interesting_days(zone, local_today(zone, now))
    handle = store(world, make_shop, now, refresh_at=now)
    for _ in range(COMBINATIONS):
        filters = random_filters(rng, world, now)
        expected = expected_order(world, filters, now)
        condition = condition_of(filters, local_today(zone, now))
        group = group_service.get_group(handle.shop, filters["group"]) if "group" in filters else None
        found, page = [], 1
        while True:
            rows, more = customer_search.search_customers(
                handle.shop, q=filters.get("q", ""), group_id=group.id if group else None,
                condition=group_service.valid_condition(condition) if condition else None, now=now,
                sort=filters["sort"], page=page, per_page=6)
            found += [row.external_id for row in rows]
            if not more:
                break
            page += 1
        assert found == expected, f"seed {seed}, {zone.key}, now {now.astimezone(zone)}, filters {filters}"


# ---- bad values -----------------------------------------------------------------------------------

def field_error(page: str, name: str) -> str:
    found = re.search(rf'<div class="cg-field-error" id="{name}-error">(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)).strip() if found else ""


@pytest.mark.parametrize("args, name", [
    ({"spent_min": "-5"}, "spent_min"),
    ({"spent_max": "-0.01"}, "spent_max"),
    ({"visits_min": "-1"}, "visits_min"),
    ({"visited_from": "2026-05-02", "visited_to": "2026-05-01"}, "visited_to"),
    ({"gender": "alien"}, "gender"),
])
def test_a_bad_filter_value_is_named_by_its_field(args, name, shop, signed_in_client):
    client = signed_in_client(shop)
    response = client.get(PAGE, query_string=args)
    assert response.status_code == 422
    assert field_error(response.text, name), response.text


@pytest.mark.parametrize("page", ["0", "-1", "abc", ""])
def test_a_bad_page_on_the_admin_page_shows_the_first(page, shop, make_customer, signed_in_client):
    make_customer(shop.shop, "c1", first_name="Ana")
    client = signed_in_client(shop)
    response = client.get(PAGE, query_string={"page": page, "per_page": "abc"})
    assert response.status_code == 200 and listed(response.text) == ["c1"]


@pytest.mark.parametrize("query, name", [
    ({"page": "0"}, "page"), ({"page": "abc"}, "page"), ({"page": "-1"}, "page"), ({"per_page": "0"}, "per_page"),
    ({"sort": "age"}, "sort"),
    ({"condition": json.dumps({"metric": "gender", "op": "=", "value": "alien"})}, "condition.value"),
    ({"condition": json.dumps({"metric": "total_spent", "op": ">=", "value": "-5"})}, "condition.value"),
    ({"condition": json.dumps({"metric": "past_count", "op": ">=", "value": 1,
                               "within": {"from": "2026-05-02", "to": "2026-05-01"}})}, "condition.within.to"),
])
def test_a_bad_api_argument_is_422_naming_it(query, name, shop):
    response = shop.get("/customers", query_string=query)
    assert response.status_code == 422, response.json
    assert name in response.json["error"]["fields"], response.json

