"""Random purchase histories through the shop's own path (SPEC §5: two CSV files, the CLI's
imports, ``refresh --now``, ``members``; a few sent as API events instead) against
``spec_reference.py`` (SPEC §3 in plain Python).

Each seed is a salon in Bucharest with a few dozen customers and up to 20 activities each over
about three years around ``now``: every status, future bookings, amounts with cents (a few
with thousandths), ties and empty cells, times on and next to the window bounds (2 and 12
months, 30 days, under more than one reading of them), month ends, DST changes and local
midnight, in several ISO 8601 spellings; birthdays on 29 February and 0 to 31 days ahead; two
refreshes at different ``now``s. Set ``SPEC_REFERENCE_SEEDS=500`` (or ``300:800``) to run more
than the suite's few, ``SPEC_REFERENCE_EVENT_SEEDS`` likewise for the histories sent as API
events, and ``SPEC_REFERENCE_TZ`` for a shop elsewhere.
"""
from __future__ import annotations

import csv
import os
import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from plugin.db import session
from plugin.models import Customer

from . import spec_reference as spec
from .conftest import TZ, local
from .test_hand_computed_cli import ACTIVITY_COLUMNS, CUSTOMER_COLUMNS

#: How many seeds (``500``), or which (``300:800``).
SEEDS = range(*map(int, os.environ.get("SPEC_REFERENCE_SEEDS", "12").split(":")))
#: The same for histories sent as API events.
EVENT_SEEDS = range(*map(int, os.environ.get("SPEC_REFERENCE_EVENT_SEEDS", "3").split(":")))
#: The shop's timezone: Bucharest, or another one by hand (``SPEC_REFERENCE_TZ=Australia/Lord_Howe``).
SHOP_TZ = os.environ.get("SPEC_REFERENCE_TZ", TZ)
SHOP_ZONE = ZoneInfo(SHOP_TZ)
STATUSES = ["completed"] * 6 + ["booked"] * 2 + ["cancelled", "no_show"]

#: Instants a checker would pick for ``now``: month ends, DST days, local midnight, leap days.
NOWS = [
    local(2025, 3, 31, 12), local(2025, 3, 30, 4, 30), local(2025, 10, 26, 3, 30),
    local(2025, 10, 26, 3, 30, fold=1), local(2026, 5, 31), local(2028, 2, 29, 10),
    local(2027, 2, 28, 23, 59, 59), local(2026, 12, 31, 23, 30), local(2026, 1, 1),
    local(2025, 5, 1), local(2025, 4, 30, 10), local(2026, 8, 31, 18), local(2026, 10, 25, 10),
    local(2026, 3, 29, 3, 15), local(2027, 3, 1), local(2026, 7, 31, 0, 0, 1),
    # bounds in the skipped hour (2 months, 12 months, 30 days back) and in the repeated one
    local(2026, 5, 29, 3, 30), local(2027, 3, 29, 3, 30), local(2026, 4, 28, 3, 30),
    local(2026, 12, 25, 3, 30), local(2026, 11, 24, 3, 30), local(2027, 10, 25, 3, 30),
    # a 29 February birthday 30 and 31 days ahead, in a common and a leap year
    local(2027, 1, 29, 12), local(2027, 1, 28, 23, 59), local(2028, 1, 30), local(2028, 1, 29, 23, 59, 59),
]
#: Wall times a CSV cell may hold that the clock skips or repeats (read as fold=0, docs/segments.md).
ODD_WALLS = ["2025-03-30T03:30:00", "2026-03-29T03:00:00", "2025-10-26T03:30:00", "2026-10-25T03:59:59"]


def _overflowing_months_before(now: datetime, months: int) -> datetime:
    """The reading ``spec_reference`` did not take: 31 May − 3 months = 3 March."""
    wall = spec.wall_clock(now, SHOP_ZONE).replace(tzinfo=None)
    index = wall.year * 12 + wall.month - 1 - months
    first = wall.replace(year=index // 12, month=index % 12 + 1, day=1)
    return (first + timedelta(days=wall.day - 1)).replace(tzinfo=SHOP_ZONE)


def edges(now: datetime) -> list[datetime]:
    """Window bounds under every reading (shop calendar, 24-hour days, UTC calendar, overflow),
    as UTC instants (``now`` is one)."""
    bounds = [now]
    for months in (2, 12):
        bounds += [spec.months_before(now, months, SHOP_ZONE), _overflowing_months_before(now, months),
                   spec.months_before(now, months, timezone.utc)]
    bounds += [spec.days_before(now, 30, SHOP_ZONE), now - timedelta(days=30)]
    local_midnight = spec.wall_clock(now, SHOP_ZONE).replace(hour=0, minute=0, second=0)
    bounds += [local_midnight, spec.months_before(local_midnight, 2, SHOP_ZONE)]
    return [bound.astimezone(timezone.utc) for bound in bounds]


def _now(rng: random.Random, near: datetime | None = None) -> tuple[datetime, str]:
    """A ``now`` (UTC) and how ``refresh --now`` writes it; next to ``near`` half the time."""
    if near is not None and rng.random() < 0.5:
        chosen = near + rng.choice([timedelta(seconds=1), timedelta(days=1), timedelta(days=30), timedelta(days=61),
                                    -timedelta(days=31), -timedelta(days=366)])
    elif rng.random() < 0.75:
        chosen = rng.choice(NOWS)
    else:
        chosen = local(2025, 1, 1) + timedelta(seconds=rng.randrange(3 * 365 * 86400))
    if rng.random() < 0.1:
        chosen += timedelta(microseconds=rng.randrange(1, 10**6))
    now = chosen.astimezone(timezone.utc)  # from here on, arithmetic on instants, not wall clocks
    texts = [now.isoformat(), spec.wall_clock(now, SHOP_ZONE).isoformat()]
    if chosen.tzinfo is SHOP_ZONE and chosen.fold == 0:  # a wall time, maybe one the clock skips
        texts.append(chosen.replace(tzinfo=None).isoformat())
    return now, rng.choice(texts)


def history(seed: int):
    """Two ``now``s (each with its ``--now`` text), a shop's customers and activities (each with
    the text its CSV cell holds)."""
    rng = random.Random(seed)
    now, now_text = _now(rng)
    later = _now(rng, near=now)
    bounds = edges(now) + edges(later[0])
    shared_instants = [now - timedelta(days=rng.randrange(1, 400), hours=rng.randrange(24)) for _ in range(4)]
    shared_amounts = [Decimal("0"), Decimal("10.00"), Decimal("49.99"), Decimal("100.00")]
    today = spec.wall_clock(now, SHOP_ZONE).date()

    customers, activities = [], []
    for number in range(rng.randrange(20, 41)):
        cid = f"c{number}"
        customers.append(spec.Customer(cid, _birthday(rng, today)))
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3, rng.randrange(4, 21)])):
            pick = rng.random()
            if pick < 0.3:
                at = rng.choice(bounds) + timedelta(seconds=rng.choice([-1, 0, 0, 1]))
            elif pick < 0.4:
                at = rng.choice(shared_instants)
            elif pick < 0.5:
                at = now + timedelta(days=rng.randrange(1, 200), minutes=rng.randrange(1440))
            else:
                at = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
            if rng.random() < 0.9:
                at = at.replace(microsecond=0)
            else:  # a microsecond either side
                at += timedelta(microseconds=rng.choice([-1, 1]))
            cell, at = _cell(rng, at)
            amount = rng.choice(shared_amounts) if rng.random() < 0.3 else \
                None if rng.random() < 0.03 else Decimal(rng.randrange(0, 50000)) / rng.choice([100] * 30 + [1000])
            activities.append((spec.Activity(cid, rng.choice(STATUSES), at, amount), cell))
    return [(now, now_text), later], customers, activities


def _birthday(rng: random.Random, today: date) -> date | None:
    pick = rng.random()
    if pick < 0.15:
        return None
    if pick < 0.25:
        return date(rng.choice([1996, 2000, 2004]), 2, 29)
    if pick < 0.6:
        ahead = today + timedelta(days=rng.choice([-1, 0, 1, 29, 30, 31, 32]))
        return _years_earlier(ahead, rng.randrange(18, 70))
    return date(rng.randrange(1950, 2008), 1, 1) + timedelta(days=rng.randrange(365))


def _years_earlier(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February into a common year: try a leap one
        return day.replace(year=day.year - years - (day.year - years) % 4)


def _cell(rng: random.Random, at: datetime) -> tuple[str, datetime]:
    """``at`` as a CSV may hold it, and the instant the cell names: a wall time without an
    offset is the shop's, the earlier reading where the clock repeats or skips it."""
    style = rng.choice(["wall", "wall", "utc", "offset"] + ["odd"] * (rng.random() < 0.02))
    if style == "odd":
        wall = datetime.fromisoformat(rng.choice(ODD_WALLS))
        return wall.isoformat(), wall.replace(tzinfo=SHOP_ZONE).astimezone(timezone.utc)
    if style == "wall":
        wall = spec.wall_clock(at, SHOP_ZONE).replace(tzinfo=None, fold=0)  # the text has no fold
        return _respelt(rng, wall.isoformat()), wall.replace(tzinfo=SHOP_ZONE).astimezone(timezone.utc)
    if style == "offset":
        return _respelt(rng, spec.wall_clock(at, SHOP_ZONE).isoformat()), at
    return _respelt(rng, at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")), at


def _respelt(rng: random.Random, text: str) -> str:
    """Now and then another ISO 8601 spelling of the same time, as exports write them."""
    if rng.random() < 0.8:
        return text
    date_part, clock = text.split("T")
    if clock.endswith("Z") and rng.random() < 0.5:
        clock = clock[:-1] + "+00:00"
    if clock[-6:-5] in "+-" and clock[-3:-2] == ":" and rng.random() < 0.5:
        clock = clock[:-3] + clock[-2:]      # +0300
    if clock[5:8] == ":00" and clock[8:9] != "." and rng.random() < 0.5:
        clock = clock[:5] + clock[8:]        # no seconds
    return date_part + rng.choice("T ") + clock


def write_csv(tmp_path, customers, activities):
    people, visits = tmp_path / "customers.csv", tmp_path / "activities.csv"
    with people.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CUSTOMER_COLUMNS)
        for customer in customers:
            born = customer.birthday.isoformat() if customer.birthday else ""
            writer.writerow([customer.external_id, "", "", "", "", "", born, "", "", "", "", "", ""])
    with visits.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(ACTIVITY_COLUMNS)
        for number, (activity, cell) in enumerate(activities, 1):
            amount = "" if activity.amount is None else str(activity.amount)
            writer.writerow([f"a{number}", activity.customer_external_id, "appointment", activity.status,
                             cell, amount, "EUR", "", "offline", "", "", ""])
    return people, visits


def cli(app):
    runner = app.test_cli_runner()

    def run(*args: str) -> list[str]:
        result = runner.invoke(args=["customer-groups", *args])
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout.splitlines()
    return run


def assert_as_the_spec_says(run, nows, customers, activities) -> None:
    """Refresh at each ``now`` in turn (the second starts from the first one's members and
    scores); each preset's members and each customer's stored RFM are the reference's."""
    for now, now_text in nows:
        run("refresh", "--now", now_text)
        expected = spec.evaluate(customers, [activity for activity, _ in activities], SHOP_TZ, now)
        stored = {row.external_id: spec.Rfm(row.rfm_r, row.rfm_f, row.rfm_m, row.rfm_tier) for row in session().execute(
            select(Customer.external_id, Customer.rfm_r, Customer.rfm_f, Customer.rfm_m, Customer.rfm_tier))}
        wrong_scores = {cid: (stored.get(cid), rfm) for cid, rfm in expected.rfm.items() if stored.get(cid) != rfm}
        wrong_members = {key: (listed ^ expected.members[key]) for key in spec.PRESET_KEYS
                         if (listed := set(run("members", key))) != expected.members[key]}
        assert (wrong_scores, wrong_members) == ({}, {}), now_text


@pytest.mark.parametrize("seed", SEEDS)
def test_presets_and_rfm_match_the_spec_reference(app, make_shop, tmp_path, seed):
    # given: a salon's history, as the shop's two CSV files
    nows, customers, activities = history(seed)
    make_shop("Salon", timezone=SHOP_TZ)
    people, visits = write_csv(tmp_path, customers, activities)
    run = cli(app)

    # when: imported with the CLI
    run("import-customers", str(people))
    if activities:
        run("import-activities", str(visits))

    # then: refreshed with --now, the presets and scores are SPEC's
    assert_as_the_spec_says(run, nows, customers, activities)


@pytest.mark.parametrize("seed", EVENT_SEEDS)
def test_the_same_histories_sent_as_events(app, make_shop, seed):
    # given: the same kind of history, sent by the host one event at a time (each refreshing
    # that customer as of the clock)
    nows, customers, activities = history(seed)
    salon = make_shop("Salon", timezone=SHOP_TZ)
    for customer in customers:
        born = {"birthday": customer.birthday.isoformat()} if customer.birthday else {}
        assert salon.post("/events/customers", json={"external_id": customer.external_id, **born}).status_code == 201
    for number, (activity, _) in enumerate(activities, 1):
        amount = {} if activity.amount is None else {"amount": str(activity.amount)}
        response = salon.post("/events/activities", json={
            "external_id": f"a{number}", "customer_external_id": activity.customer_external_id,
            "kind": "appointment", "status": activity.status, "occurred_at": activity.occurred_at.isoformat(),
            "currency": "EUR", "channel": "offline", **amount})
        assert response.status_code == 201, response.get_json()

    # then: a full refresh at --now gives SPEC's presets and scores
    assert_as_the_spec_says(cli(app), nows, customers, activities)
