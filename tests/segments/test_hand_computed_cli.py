"""Hand-computed histories through the path an outside checker takes (SPEC §3, §5): CSV imports
with the CLI, ``refresh --now``, then ``members`` of each preset and the stored RFM scores.

Every expected answer below was worked out by hand from SPEC §3's sentences, written next to it;
nothing here is computed by the plugin or by ``reference.py``. The shop is in Europe/Bucharest
(EET +02:00 in winter, EEST +03:00 from the last Sunday of March: 2024-03-31 and 2025-03-30).
"""
from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from plugin.db import session
from plugin.models import Customer

PRESETS = ("lapsing-regulars", "first-visit-follow-ups", "high-value", "regular", "potential", "birthdays-soon")
CUSTOMER_COLUMNS = ["external_id", "first_name", "last_name", "email", "phone", "gender", "birthday", "city",
                    "card_number", "registered_at", "email_opt_in", "sms_opt_in", "tags"]
ACTIVITY_COLUMNS = ["external_id", "customer_external_id", "kind", "status", "occurred_at", "amount", "currency",
                    "location", "channel", "product_ids", "category_ids", "staff"]


@pytest.fixture
def checker(app, make_shop, tmp_path):
    """Loads a history with the CLI as an outside checker would, and reads the answers back."""
    make_shop("Salon", timezone="Europe/Bucharest")
    runner = app.test_cli_runner()

    class Checker:
        def run(self, *args: str) -> list[str]:
            result = runner.invoke(args=["customer-groups", *args])
            assert result.exit_code == 0, (args, result.stdout, result.stderr)
            return result.stdout.splitlines()

        def load(self, customers: dict[str, str], activities: list[tuple]) -> None:
            """``customers``: external id -> birthday ('' for none); ``activities``: (customer,
            status, occurred_at, amount), given external ids in order."""
            people = tmp_path / "customers.csv"
            with people.open("w", newline="", encoding="utf-8") as file:
                writer = csv.writer(file)
                writer.writerow(CUSTOMER_COLUMNS)
                for external_id, born in customers.items():
                    writer.writerow([external_id, "", "", "", "", "", born, "", "", "2020-01-01T00:00:00+02:00",
                                     "", "", ""])
            visits = tmp_path / "activities.csv"
            with visits.open("w", newline="", encoding="utf-8") as file:
                writer = csv.writer(file)
                writer.writerow(ACTIVITY_COLUMNS)
                for number, (customer, status, occurred_at, amount) in enumerate(activities, 1):
                    writer.writerow([f"a-{number}", customer, "appointment", status, occurred_at, amount, "EUR",
                                     "", "offline", "", "", ""])
            self.run("import-customers", str(people))
            if activities:
                self.run("import-activities", str(visits))

        def refresh(self, now: str) -> dict[str, set[str]]:
            self.run("refresh", "--now", now)
            return {key: set(self.run("members", key)) for key in PRESETS}

        def scores(self) -> dict[str, tuple]:
            return {row.external_id: (row.rfm_r, row.rfm_f, row.rfm_m, row.rfm_tier) for row in session().execute(
                select(Customer.external_id, Customer.rfm_r, Customer.rfm_f, Customer.rfm_m, Customer.rfm_tier))}
    return Checker()


def test_rfm_scores_ties_and_what_counts(checker):
    # now = 2025-06-15 12:00 local (+03:00) = 09:00Z; 12 months back = 2024-06-15 12:00 local.
    checker.load({key: "" for key in ("p1", "p2", "p3", "p4", "p5", "p6", "p7", "lapsed", "z1", "z2")}, [
        ("p1", "completed", "2025-06-01T10:00", "10.00"),
        ("p2", "completed", "2024-07-01T10:00", "20.00"),
        ("p2", "completed", "2025-05-01T10:00", "30.00"),
        ("p3", "completed", "2024-06-15T12:00", "100.00"),     # exactly 12 months back: outside F and M
        ("p3", "completed", "2025-01-10T10:00", "50.00"),
        ("p3", "completed", "2025-02-10T10:00", "50.00"),
        ("p4", "completed", "2025-06-15T09:00:00Z", "5.00"),   # exactly now: past
        ("p4", "booked", "2025-07-01T10:00", "70.00"),         # upcoming: no R, F or M
        ("p4", "cancelled", "2025-06-10T10:00", "999.00"),     # never counts
        ("p5", "completed", "2025-03-01T10:00", "40.00"),
        ("p5", "completed", "2025-03-02T10:00", "10.00"),
        ("p5", "completed", "2025-03-03T10:00", "50.00"),
        ("p5", "no_show", "2025-06-14T10:00", "30.00"),        # never counts (R stays 3 March)
        ("p6", "completed", "2025-06-10T10:00", "0"),
        ("p6", "completed", "2025-06-20T10:00", "500.00"),     # "completed" after now: not past
        ("p7", "completed", "2024-08-01T10:00", "1.00"),
        ("lapsed", "completed", "2024-01-01T10:00", "80.00"),
        ("z1", "booked", "2025-07-01T10:00", "10.00"),
        ("z1", "cancelled", "2025-05-01T10:00", "10.00"),
        ("z2", "booked", "2025-05-01T10:00", "10.00"),         # booked but in the past: neither past nor upcoming
    ])
    groups = checker.refresh("2025-06-15T12:00")
    # Population n = 7 (p1..p7); score = ceil(5k/7): k=1→1, 2→2, 3→3, 4→3, 5→4, 6→5, 7→5.
    # R ascending: p7 (2024-08-01) k1→1, p3 (02-10) k2→2, p5 (03-03) k3→3, p2 (05-01) k4→3,
    #              p1 (06-01) k5→4, p6 (06-10) k6→5, p4 (06-15 = now) k7→5.
    # F: 1 for p1 p4 p6 p7 (k=4→3); 2 for p2 p3 (k=6→5); 3 for p5 (k=7→5).
    # M: p6 0 (k1→1), p7 1.00 (k2→2), p4 5.00 (k3→3), p1 10.00 (k4→3), p2 50.00 (k5→4),
    #    p3 100.00 and p5 100.00 (k7→5).
    # Sums: p1 4+3+3=10 regular, p2 3+5+4=12 high, p3 2+5+5=12 high, p4 5+3+3=11 regular,
    #       p5 3+5+5=13 high, p6 5+3+1=9 regular, p7 1+3+2=6 potential.
    assert checker.scores() == {
        "p1": (4, 3, 3, "regular"), "p2": (3, 5, 4, "high_value"), "p3": (2, 5, 5, "high_value"),
        "p4": (5, 3, 3, "regular"), "p5": (3, 5, 5, "high_value"), "p6": (5, 3, 1, "regular"),
        "p7": (1, 3, 2, "potential"), "lapsed": (None, None, None, "lapsed"),
        "z1": (None, None, None, "prospect"), "z2": (None, None, None, "prospect"),
    }
    assert groups["high-value"] == {"p2", "p3", "p5"}
    assert groups["regular"] == {"p1", "p4", "p6"}
    assert groups["potential"] == {"p7"}
    # Lapsing: p5 has 3 in 12 months, none since 2025-04-15 12:00 (its no-show does not count),
    # nothing booked. p3 has only 2 inside the 12 months.
    assert groups["lapsing-regulars"] == {"p5"}
    # First visit: one past activity ever, after 2025-05-16 12:00 local, nothing booked:
    # p1 and p6 (its later "completed" one is not past, and not booked either); p4 has a booking.
    assert groups["first-visit-follow-ups"] == {"p1", "p6"}


def test_rfm_two_customers_and_a_tie(checker):
    # a and b tie on every value (last visit 2025-06-01, 2 visits, 40.00); c: 2025-01-01, 1, 5.00.
    # n = 3: c has k = 1 → ceil(5/3) = 2; a and b share k = 3 → 5. a, b: 5+5+5 = 15; c: 2+2+2 = 6.
    checker.load({"a": "", "b": "", "c": ""}, [
        ("a", "completed", "2025-05-01T10:00", "20.00"),
        ("a", "completed", "2025-06-01T10:00", "20.00"),
        ("b", "completed", "2025-05-20T10:00", "30.00"),
        ("b", "completed", "2025-06-01T10:00", "10.00"),
        ("c", "completed", "2025-01-01T10:00", "5.00"),
    ])
    groups = checker.refresh("2025-06-15T12:00")
    assert checker.scores() == {"a": (5, 5, 5, "high_value"), "b": (5, 5, 5, "high_value"),
                                "c": (2, 2, 2, "potential")}
    assert groups["high-value"] == {"a", "b"} and groups["potential"] == {"c"} and not groups["regular"]


def test_lapsing_regulars_at_the_month_boundaries(checker):
    # now = 2025-03-31 12:00 local (+03:00, the day after DST began) = 09:00Z.
    # 2 months back: 2025-01-31 12:00 local (+02:00) = 10:00Z; 12 months back: 2024-03-31 12:00
    # local (+03:00, DST began that morning) = 09:00Z. Both bounds excluded, now included.
    three = [("2024-06-01T10:00", "completed"), ("2024-09-01T10:00", "completed")]
    history = []
    for customer, extra in {
        "b1": [("2024-03-31T09:00:00Z", "completed"), ("2025-01-31T10:00:00Z", "completed")],  # 3 in 12m, 0 in 2m: in
        "b2": [("2025-01-31T10:00:01Z", "completed")],       # inside the 2 months: out
        "b3": [("2024-03-31T09:00:01Z", "completed")],       # inside the 12 months: 3, in
        "b4": [("2024-03-31T09:00:00Z", "completed")],       # on the 12-month bound: only 2, out
        "b5": [("2024-10-01T10:00", "completed"), ("2025-03-31T09:00:00Z", "booked")],  # booked at now: not upcoming, in
        "b6": [("2024-10-01T10:00", "completed"), ("2025-03-31T09:00:01Z", "booked")],  # upcoming: out
        "b7": [("2024-10-01T10:00", "completed"), ("2030-01-01T10:00", "booked")],      # any future booking: out
        "b8": [("2024-10-01T10:00", "completed"), ("2025-04-01T10:00", "cancelled"),
               ("2025-03-01T10:00", "no_show")],             # cancelled and no-show never count: in
        "b9": [("2024-10-01T10:00", "completed"), ("2025-03-01T10:00", "booked")],  # booked in the past: not past, in
    }.items():
        history += [(customer, status, at, "10.00") for at, status in three + extra]
    checker.load({f"b{n}": "" for n in range(1, 10)}, history)
    groups = checker.refresh("2025-03-31T12:00")
    assert groups["lapsing-regulars"] == {"b1", "b3", "b5", "b8", "b9"}


def test_lapsing_regulars_when_now_is_a_month_end(checker):
    # now = 2025-04-30 10:00 local (+03:00) = 07:00Z; 2 months back = 30 February → 2025-02-28
    # 10:00 local (+02:00) = 08:00Z; 12 months back = 2024-04-30 10:00 local (+03:00) = 07:00Z.
    base = [("2024-05-01T10:00", "completed"), ("2024-08-01T10:00", "completed")]
    checker.load({"m1": "", "m2": "", "m3": ""}, [
        *[("m1", status, at, "1") for at, status in base + [("2025-02-28T08:00:00Z", "completed")]],  # on the bound: in
        *[("m2", status, at, "1") for at, status in base + [("2025-02-28T08:00:01Z", "completed")]],  # inside 2m: out
        *[("m3", status, at, "1") for at, status in base + [("2024-04-30T07:00:00Z", "completed")]],  # on the 12m bound: 2, out
    ])
    assert checker.refresh("2025-04-30T10:00")["lapsing-regulars"] == {"m1"}


def test_first_visit_follow_ups_over_the_last_30_days(checker):
    # now = 2025-04-10 09:00 local (+03:00) = 06:00Z. 30 days back on the shop's calendar:
    # 2025-03-11 09:00 local (+02:00, before DST) = 07:00Z (not 30 × 24 h = 06:00Z).
    checker.load({f"c{n}": "" for n in range(1, 10)}, [
        ("c1", "completed", "2025-03-11T07:00:00Z", "1"),     # on the bound: out
        ("c2", "completed", "2025-03-11T07:00:01Z", "1"),     # in
        ("c3", "completed", "2025-03-11T06:30:00Z", "1"),     # 30 calendar days, not 720 hours: out
        ("c4", "completed", "2025-04-09T10:00", "1"), ("c4", "cancelled", "2025-01-01T10:00", "1"),  # in
        ("c5", "completed", "2025-04-09T10:00", "1"), ("c5", "completed", "2025-04-20T10:00", "1"),  # future "completed": in
        ("c6", "completed", "2023-04-09T10:00", "1"), ("c6", "completed", "2025-04-09T10:00", "1"),  # two ever: out
        ("c7", "completed", "2025-04-09T10:00", "1"), ("c7", "booked", "2025-04-11T10:00", "1"),     # booked: out
        ("c8", "completed", "2025-04-09T10:00", "1"), ("c8", "no_show", "2025-04-11T10:00", "1"),    # in
        ("c9", "completed", "2025-04-10T06:00:00Z", "1"),     # at now exactly: in
    ])
    assert checker.refresh("2025-04-10T09:00")["first-visit-follow-ups"] == {"c2", "c4", "c5", "c8", "c9"}


def test_birthdays_soon_in_a_common_year_at_local_midnight(checker):
    # now = 2027-02-01 00:30 local = 2027-01-31 22:30Z: today is 1 February in the shop.
    # days until: 29 Feb → 28 Feb 2027 = 27; 3 Mar = 30 (in); 4 Mar = 31 (out); 1 Feb = 0 (in);
    # 31 Jan = 364 (out, although it is still the 31st in UTC).
    checker.load({"d1": "2000-02-29", "d2": "1990-03-03", "d3": "1990-03-04", "d4": "1990-02-01",
                  "d5": "1990-01-31", "d6": ""}, [])
    assert checker.refresh("2027-02-01T00:30")["birthdays-soon"] == {"d1", "d2", "d4"}


def test_birthdays_soon_in_a_leap_year_and_after_28_february(checker):
    checker.load({"e1": "2000-02-29", "e2": "1990-03-01", "e3": "1990-03-02", "e4": "1990-02-28"}, [])
    # now = 2028-01-31 (leap year): 29 Feb = 29 days (in), 1 Mar = 30 (in), 2 Mar = 31 (out),
    # 28 Feb = 28 (in).
    assert checker.refresh("2028-01-31T12:00")["birthdays-soon"] == {"e1", "e2", "e4"}
    # now = 2027-02-28: 29 Feb falls on today (0, in), as does 28 Feb; 1 Mar = 1 (in); 2 Mar = 2 (in).
    assert checker.refresh("2027-02-28T12:00")["birthdays-soon"] == {"e1", "e2", "e3", "e4"}
    # now = 2027-03-01: the next 29 February is 2028-02-29 (365 days), 28 Feb 2028 is 364: both out.
    assert checker.refresh("2027-03-01T12:00")["birthdays-soon"] == {"e2", "e3"}


def test_rfm_twelve_months_back_from_a_leap_day(checker):
    # now = 2025-02-28 12:00 local: 12 months back = 2024-02-28 12:00 local (+02:00) = 10:00Z.
    # f1's only visit is on that bound: lapsed (past activity, none in the 12 months).
    # f2's is a second later: the population is f2 alone, so R = F = M = 5 (k = n = 1).
    checker.load({"f1": "", "f2": ""}, [
        ("f1", "completed", "2024-02-28T10:00:00Z", "10"),
        ("f2", "completed", "2024-02-28T10:00:01Z", "10"),
    ])
    groups = checker.refresh("2025-02-28T12:00")
    assert checker.scores() == {"f1": (None, None, None, "lapsed"), "f2": (5, 5, 5, "high_value")}
    assert groups["high-value"] == {"f2"}
    # now = 2025-03-01 00:00 local: 12 months back = 2024-03-01 00:00 local; both lapsed.
    groups = checker.refresh("2025-03-01T00:00")
    assert checker.scores() == {"f1": (None, None, None, "lapsed"), "f2": (None, None, None, "lapsed")}
    assert not groups["high-value"]


def test_a_status_sent_again_replaces_the_activity(checker, tmp_path):
    # now = 2025-09-01 12:00 local. g1: 3 visits in 2024-10..2025-02 and a booking on 2025-09-10,
    # so not lapsing; the booking is then cancelled (the same row again, new status): lapsing.
    # g2: a booking on 2025-08-20 that later became completed: one past visit ever, 12 days ago.
    first = [("g1", "completed", at, "1") for at in ("2024-10-01T10:00", "2024-12-01T10:00", "2025-02-01T10:00")]
    checker.load({"g1": "", "g2": ""}, [*first, ("g1", "booked", "2025-09-10T10:00", "1"),
                                        ("g2", "booked", "2025-08-20T10:00", "30")])
    groups = checker.refresh("2025-09-01T12:00")
    assert groups["lapsing-regulars"] == set() and groups["first-visit-follow-ups"] == set()
    assert checker.scores()["g2"] == (None, None, None, "prospect")   # a booking in the past is no visit
    checker.load({"g1": "", "g2": ""}, [*first, ("g1", "cancelled", "2025-09-10T10:00", "1"),
                                        ("g2", "completed", "2025-08-20T10:00", "30")])
    groups = checker.refresh("2025-09-01T12:00")
    assert groups["lapsing-regulars"] == {"g1"} and groups["first-visit-follow-ups"] == {"g2"}
    # n = 2: g1 R 2025-02-01 (k1 → 3), F 3 (k2 → 5), M 3.00 (k1 → 3): 11 regular;
    #        g2 R 2025-08-20 (k2 → 5), F 1 (k1 → 3), M 30.00 (k2 → 5): 13 high value.
    assert checker.scores() == {"g1": (3, 5, 3, "regular"), "g2": (5, 3, 5, "high_value")}


def test_narrowed_metrics_over_csv_lists_and_exact_averages(app, make_shop, tmp_path):
    handle = make_shop("Salon", timezone="Europe/Bucharest")
    runner = app.test_cli_runner()

    def run(*args: str) -> list[str]:
        result = runner.invoke(args=["customer-groups", *args])
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout.splitlines()

    people = tmp_path / "c.csv"
    people.write_text("external_id\nh1\nh2\nh3\n", encoding="utf-8")
    visits = tmp_path / "a.csv"
    visits.write_text(
        ",".join(ACTIVITY_COLUMNS) + "\n"
        # h1: two hair visits with Ana in Cluj, online and offline, 3.33 and 3.34: average 3.335.
        "v1,h1,appointment,completed,2025-05-02T10:00,3.33,EUR,Cluj,online,p1;p2,hair; nails,ana\n"
        "v2,h1,appointment,completed,2025-06-02T10:00,3.34,,Cluj,offline,p2,hair,ana;bob\n"
        # h2: one hair visit (3.336) and a cancelled one that never counts.
        "v3,h2,appointment,completed,2025-06-03T10:00,3.336,EUR,Iasi,online,,hair,bob\n"
        "v4,h2,appointment,cancelled,2025-06-04T10:00,99,EUR,Cluj,online,p1,hair,ana\n"
        # h3: a hair visit before the 3-month window (2025-03-15 12:00 local is its bound).
        "v5,h3,order,completed,2025-03-15T12:00,10,EUR,Cluj,online,p1,hair,ana\n"
        "v6,h3,order,completed,2025-03-15T12:00:01,1,EUR,Cluj,offline,p9,shoes,eve\n",
        encoding="utf-8")
    run("import-customers", str(people))
    run("import-activities", str(visits))
    conditions = {
        # past hair visits in the last 3 months: h1 2, h2 1 (cancelled one ignored), h3 0 → h1 only.
        "hair-twice": {"metric": "past_count", "category": "hair", "within": {"last": 3, "unit": "months"},
                       "op": ">=", "value": 2},
        # average 3.335 exactly (h1), 3.336 (h2), 5.50 (h3): >= 3.335 and <= 3.336 → h1, h2.
        "average": {"metric": "average_spent", "op": "between", "value": ["3.335", "3.336"]},
        # online past visits: h1 1, h2 1, h3 1 (v5); with staff ana: h1 (v1), h3 (v5) → both.
        "online-ana": {"metric": "online_count", "staff": "ana", "op": "=", "value": 1},
        # product p1 in Cluj within the last 3 months: h1 (v1) only; h3's v5 is on the bound.
        "p1-cluj": {"metric": "past_count", "product": "p1", "location": "Cluj",
                    "within": {"last": 3, "unit": "months"}, "op": ">", "value": 0},
        # spent 6.67 (h1), 3.336 (h2), 11.00 (h3): not more than 6.67 → h1, h2.
        "thrifty": {"not": {"metric": "total_spent", "op": ">", "value": "6.67"}},
    }
    for key, condition in conditions.items():
        response = handle.post("/groups", json={"name": key, "key": key, "kind": "dynamic", "condition": condition})
        assert response.status_code == 201, response.get_json()
    run("refresh", "--now", "2025-06-15T12:00:00+03:00")
    members = {key: set(run("members", key)) for key in conditions}
    assert members == {"hair-twice": {"h1"}, "average": {"h1", "h2"}, "online-ana": {"h1", "h3"},
                       "p1-cluj": {"h1"}, "thrifty": {"h1", "h2"}}


def test_events_then_refresh_in_a_shop_west_of_utc(app, make_shop):
    # Shop in New York (EST −05:00). now = 2026-03-01T03:00:00Z = 2026-02-28 22:00 local: today is
    # 28 February 2026 (a common year) there, 1 March in UTC.
    handle = make_shop("Deli", timezone="America/New_York")
    for external_id, born in {"n1": "2000-02-29", "n2": "1990-03-30", "n3": "1990-03-31", "n4": "1990-03-01"}.items():
        assert handle.post("/events/customers", json={"external_id": external_id, "birthday": born}).status_code in (200, 201)
    # 30 days back from 2026-02-28 22:00 local = 2026-01-29 22:00 local = 2026-01-30T03:00:00Z.
    for number, (customer, at) in enumerate([("n1", "2026-01-30T03:00:00Z"), ("n2", "2026-01-30T03:00:01Z")], 1):
        response = handle.post("/events/activities", json={
            "external_id": f"e{number}", "customer_external_id": customer, "status": "completed",
            "occurred_at": at, "amount": "10.00"})
        assert response.status_code == 201, response.get_json()
    result = app.test_cli_runner().invoke(args=["customer-groups", "refresh", "--now", "2026-03-01T03:00:00Z"])
    assert result.exit_code == 0, result.stderr

    def members(key: str) -> set[str]:
        listed = app.test_cli_runner().invoke(args=["customer-groups", "members", key])
        assert listed.exit_code == 0, listed.stderr
        return set(listed.stdout.splitlines())

    # Days until the birthday, from 28 Feb: 29 Feb → 28 Feb = 0 (in), 30 Mar = 30 (in),
    # 31 Mar = 31 (out), 1 Mar = 1 (in).
    assert members("birthdays-soon") == {"n1", "n2", "n4"}
    # n1's only visit is on the 30-day bound (out); n2's is a second later (in).
    assert members("first-visit-follow-ups") == {"n2"}


def test_rfm_five_customers_one_instant_written_two_ways_and_tier_edges(checker):
    # now = 2025-06-15 12:00 local. n = 5, so a score is k itself (ceil(5k/5) = k), ties taking
    # the highest k among them. q1's and q2's last visits are one instant (10:00+03:00 = 07:00Z).
    checker.load({f"q{n}": "" for n in range(1, 6)}, [
        ("q1", "completed", "2025-06-01T10:00:00+03:00", "0"),
        ("q2", "completed", "2025-06-01T07:00:00Z", "20.00"),
        ("q3", "completed", "2025-04-01T10:00", "10.00"), ("q3", "completed", "2025-05-01T10:00", "10.00"),
        ("q4", "completed", "2025-06-08T10:00", "0.001"), ("q4", "completed", "2025-06-09T10:00", "0"),
        ("q4", "completed", "2025-06-10T10:00", "0"),
        ("q5", "completed", "2025-06-14T10:00", "1000"),
    ])
    groups = checker.refresh("2025-06-15T12:00")
    # R: q3 (05-01) k1 → 1; q1 = q2 (06-01) k3 → 3; q4 (06-10) → 4; q5 (06-14) → 5.
    # F: 1 for q1 q2 q5 (k3 → 3); q3 2 → 4; q4 3 → 5.
    # M: q1 0 → 1; q4 0.001 → 2; q2 = q3 20.00 (k4) → 4; q5 1000 → 5.
    # Sums: q1 3+3+1 = 7 potential (the top of it); q2 3+3+4 = 10; q3 1+4+4 = 9;
    #       q4 4+5+2 = 11 (the top of regular); q5 5+3+5 = 13 high value.
    assert checker.scores() == {"q1": (3, 3, 1, "potential"), "q2": (3, 3, 4, "regular"), "q3": (1, 4, 4, "regular"),
                                "q4": (4, 5, 2, "regular"), "q5": (5, 3, 5, "high_value")}
    assert (groups["potential"], groups["regular"], groups["high-value"]) == ({"q1"}, {"q2", "q3", "q4"}, {"q5"})
