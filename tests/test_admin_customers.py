"""The Customers page: search, each filter on a hand-made population, sorting, numbered pages,
bad filters shown by their field, tenancy and escaping."""
from __future__ import annotations

import html
import json
import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from plugin.db import session
from plugin.models import Delivery
from plugin.models._columns import utcnow
from plugin.services import activities, members

ADMIN = "/admin/crm/groups"
PAGE = f"{ADMIN}/customers/"


def listed(page: str) -> list[str]:
    return re.findall(r'<tr data-customer="([^"]*)"', page)


def total(page: str) -> int:
    return int(re.search(r'id="customer-total">([\d,]+)<', page).group(1).replace(",", ""))


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<div class="cg-field-error" id="{field}-error">(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def days_ago(days: float) -> str:
    return (utcnow() - timedelta(days=days)).isoformat()


@pytest.fixture
def signed_in(shop, admin):
    admin.login(shop.shop)
    return shop.shop


@pytest.fixture
def population(signed_in, make_customer, make_group):
    """ana: 3 visits (5, 40, 400 days ago; Mall, Centre; one online), 150.00, female, birthday in 3 days,
    tag vip, got the spring campaign. bob: 1 visit 100 days ago at Centre, 20.00, male, birthday in 60
    days. cora: no visits, tag press. dan: 6 visits in the last week at the Airport, 600.00, tag vip, in Club."""
    shop = signed_in
    make_customer(shop, "ana", first_name="Ana", last_name="Pop", gender="female", email="ana@example.com",
                  phone="+40722111222", card_number="CARD-1", tags=["vip"], birthday=birthday_in(3))
    make_customer(shop, "bob", first_name="Bob", last_name="Ionescu", gender="male", birthday=birthday_in(60))
    make_customer(shop, "cora", first_name="Cora", last_name="Marin", gender="other", tags=["press"])
    make_customer(shop, "dan", first_name="Dan", last_name="Stan", tags=["vip"])
    for number, (days, location, channel) in enumerate([(5, "Mall", "online"), (40, "Centre", "offline"),
                                                        (400, "Mall", "offline")]):
        _visit(shop, "ana", number, days, "50.00", location, channel)
    _visit(shop, "bob", 0, 100, "20.00", "Centre")
    for number in range(6):
        _visit(shop, "dan", number, 1 + number * .5, "100.00", "Airport")
    _visit(shop, "cora", 0, 3, "80.00", "Mall", status="cancelled")  # never counts
    ana = groups_customer(shop, "ana")
    session().add(Delivery(shop_id=shop.id, customer_id=ana.id, campaign="spring", channel="email", sent_at=utcnow() - timedelta(days=2)))
    club = make_group(shop, "Club")
    members.add_members(shop, club, [groups_customer(shop, "dan").id], source="manual")
    session().commit()
    return shop


def birthday_in(days: int) -> date:
    """A 1990 birthday ``days`` from today (a day either side of 29 February, which 1990 lacks)."""
    day = date.today() + timedelta(days=days)
    if (day.month, day.day) == (2, 29):
        day -= timedelta(days=1)
    return day.replace(year=1990)


def groups_customer(shop, external_id):
    from plugin.services import customers
    return customers.get_customer(shop, external_id)


def _visit(shop, customer: str, number: int, days: float, amount: str, location: str, channel: str = "offline",
           status: str = "completed") -> None:
    activities.record_activity(shop, {
        "external_id": f"{customer}-{number}", "customer_external_id": customer, "kind": "appointment",
        "status": status, "occurred_at": utcnow() - timedelta(days=days), "amount": amount,
        "location": location, "channel": channel,
    })
    session().commit()


# ---- filters ------------------------------------------------------------------------------

def test_without_filters_everyone_is_listed_by_name(client, population):
    page = client.get(PAGE).text
    assert listed(page) == ["bob", "cora", "ana", "dan"]  # Ionescu, Marin, Pop, Stan
    assert total(page) == 4
    row = re.search(r'<tr data-customer="ana">.*?</tr>', page, re.S).group(0)
    for shown in ("Ana Pop", "+40722111222", "ana@example.com", "150.00", "CARD-1", ">3<"):
        assert shown in row
    assert "high value" in row or "regular" in row or "potential" in row


@pytest.mark.parametrize("args, expected", [
    ({"visited_from": -50, "visited_to": -30}, ["ana"]),
    ({"visited_from": -10}, ["ana", "dan"]),
    ({"absent_from": -10, "absent_to": 0}, ["bob", "cora"]),
    ({"absent_to": -200}, ["bob", "cora", "dan"]),
    ({"spent_min": "100"}, ["ana", "dan"]),
    ({"spent_max": "100"}, ["bob", "cora"]),
    ({"spent_min": "100", "spent_max": "200"}, ["ana"]),
    ({"visits_min": "3"}, ["ana", "dan"]),
    ({"visits_max": "1"}, ["bob", "cora"]),
    ({"gender": "female"}, ["ana"]),
    ({"locations": "Airport, Mall"}, ["ana", "dan"]),
    ({"locations": "Centre"}, ["bob", "ana"]),
    ({"online": "y"}, ["ana"]),
    ({"birthday_days": "7"}, ["ana"]),
    ({"campaign": "spring"}, ["ana"]),
    ({"campaign": "*"}, ["ana"]),
    ({"campaign": "autumn"}, []),
    ({"group": "club"}, ["dan"]),
    ({"tags": "vip"}, ["ana", "dan"]),
    ({"tags": "press, nobody"}, ["cora"]),
    ({"q": "pop"}, ["ana"]),
    ({"q": "CARD-1"}, ["ana"]),
    ({"tags": "vip", "visits_min": "4"}, ["dan"]),
])
def test_each_filter_narrows_the_list(client, population, args, expected):
    today = date.today()
    query = {name: (today + timedelta(days=value)).isoformat() if isinstance(value, int) else value
             for name, value in args.items()}
    page = client.get(PAGE, query_string=query).text
    assert listed(page) == expected
    assert total(page) == len(expected)


def test_the_filters_compile_to_one_condition_that_can_become_a_segment(client, population):
    page = html.unescape(client.get(PAGE, query_string={"visits_min": "3", "locations": "Mall"}).text)
    assert re.search(r'id="filter-words">Past visits ≥ 3 and At least one past visit at Mall</p>', page)
    link = re.search(r'href="([^"]*segments/new[^"]*)"', page).group(1)
    condition = json.loads(parse_qs(urlsplit(link).query)["condition"][0])
    assert condition == {"all": [{"metric": "past_count", "op": ">=", "value": 3},
                                 {"metric": "past_count", "location": "Mall", "op": ">=", "value": 1}]}


@pytest.mark.parametrize("args, field, message", [
    ({"visits_min": "many"}, "visits_min", "must be a whole number"),
    ({"spent_min": "1.2345"}, "spent_min", "at most 3 decimals"),
    ({"spent_max": "lots"}, "spent_max", "is not an amount"),
    ({"visited_from": "2026-13-01"}, "visited_from", "must be a date"),
    ({"visited_from": "0001-01-01"}, "visited_from", "between the years 1900 and 9000"),  # was a 500
    ({"absent_from": "2026-03-01", "absent_to": "2026-01-01"}, "absent_to", "must not be before from"),
    ({"birthday_days": "-1"}, "birthday_days", "must be a whole number"),
    ({"visits_min": "²"}, "visits_min", "must be a whole number"),  # a digit to isdigit, not to int: was a 500
    ({"birthday_days": "³"}, "birthday_days", "must be a whole number"),
])
def test_a_bad_filter_is_shown_under_its_field(client, population, args, field, message):
    response = client.get(PAGE, query_string={"visits_max": "x", **args})
    assert response.status_code == 422
    assert message in field_error(response.text, field)
    assert "must be a whole number" in field_error(response.text, "visits_max")  # every bad filter at once
    assert listed(response.text) == []


@pytest.mark.parametrize("args, expected", [
    ({"visited_from": 2}, []),
    ({"absent_from": 2}, ["bob", "cora", "ana", "dan"]),
])
def test_a_period_from_a_future_day_without_an_end_holds_no_visit(client, population, args, expected):
    # given: the empty end was today, before the start: 422 "must not be before from" under the empty "to"
    days = {name: (utcnow() + timedelta(days=offset)).date().isoformat() for name, offset in args.items()}
    response = client.get(PAGE, query_string=days)
    assert response.status_code == 200
    assert listed(response.text) == expected


def test_a_period_without_a_start_reaches_the_earliest_visit(client, population):
    # given: an empty "from" began on 1970-01-01, while times go back to 1900: a visit of 1965 was not "before 1980"
    _visit(population, "cora", 1, (utcnow().date() - date(1965, 6, 1)).days, "10.00", "Mall")
    assert listed(client.get(PAGE, query_string={"visited_to": "1980-01-01"}).text) == ["cora"]
    assert "cora" not in listed(client.get(PAGE, query_string={"absent_to": "1980-01-01"}).text)


def test_the_last_visit_shows_the_shops_day_the_period_filters_use(client, make_shop, make_customer, admin):
    # given: a visit at 01:00 on 2026-03-10 in Kiritimati (UTC+14) showed as 2026-03-09, the UTC day,
    # on the row that "visited from 2026-03-10 to 2026-03-10" lists
    shop = make_shop("Far east", timezone="Pacific/Kiritimati").shop
    admin.login(shop)
    make_customer(shop, "kai", first_name="Kai")
    activities.record_activity(shop, {
        "external_id": "k-1", "customer_external_id": "kai", "kind": "order", "status": "completed",
        "occurred_at": datetime.fromisoformat("2026-03-10T01:00:00+14:00"), "amount": "5.005",
        "location": "", "channel": "offline"})
    session().commit()
    page = client.get(PAGE, query_string={"visited_from": "2026-03-10", "visited_to": "2026-03-10"}).text
    assert listed(page) == ["kai"]
    assert re.search(r'<time datetime="[^"]*">2026-03-10</time>', page)
    # and the segment builder's preview says the same day (and the amount as kept)
    from .test_admin_segments import builder, row
    preview = client.post(f"{ADMIN}/segments/new", data=builder(row(0, "past_count", ">=", "1"))).text
    assert "last 2026-03-10" in preview and "5.005" in preview


def test_the_spent_column_shows_what_the_spent_filters_compare(client, population):
    # given: 20.005 spent (amounts keep 3 decimals) showed as 20.01, on a row "spent at least 20.01" left out
    _visit(population, "bob", 1, 2, "0.005", "Centre")
    page = client.get(PAGE, query_string={"spent_min": "20.005", "spent_max": "20.005"}).text
    assert listed(page) == ["bob"]
    assert re.search(r'data-label="Spent"[^>]*>20\.005<', page)
    assert listed(client.get(PAGE, query_string={"spent_min": "20.01"}).text) == ["ana", "dan"]
    assert re.search(r'data-label="Spent"[^>]*>150\.00<', client.get(PAGE, query_string={"q": "ana"}).text)


# ---- sorting and pages ---------------------------------------------------------------------

@pytest.mark.parametrize("sort, expected", [
    ("name", ["bob", "cora", "ana", "dan"]),
    ("-name", ["dan", "ana", "cora", "bob"]),
    ("-spent", ["dan", "ana", "bob", "cora"]),
    ("spent", ["cora", "bob", "ana", "dan"]),
    ("visits", ["cora", "bob", "ana", "dan"]),
    ("-visits", ["dan", "ana", "bob", "cora"]),
])
def test_sorting(client, population, sort, expected):
    assert listed(client.get(PAGE, query_string={"sort": sort}).text) == expected


@pytest.mark.parametrize("sort, expected", [("-last_visit", ["dan", "ana", "bob"]), ("last_visit", ["bob", "ana", "dan"])])
def test_sorting_by_last_visit(client, population, sort, expected):
    assert listed(client.get(PAGE, query_string={"sort": sort, "visits_min": "1"}).text) == expected


def test_column_headers_sort_and_keep_the_filters(client, population):
    page = html.unescape(client.get(PAGE, query_string={"tags": "vip"}).text)
    spent = re.search(r'<a class="cg-sort" href="([^"]+)">Spent', page).group(1)
    assert parse_qs(urlsplit(spent).query) == {"tags": ["vip"], "sort": ["-spent"]}
    assert listed(client.get(spent).text) == ["dan", "ana"]


def test_numbered_pages(client, population, make_customer):
    for number in range(7):
        make_customer(population, f"extra-{number}", first_name="Zed", last_name=f"Zz{number}")
    # when: 11 customers, 3 a page
    first = client.get(PAGE, query_string={"per_page": "3"}).text
    third = html.unescape(client.get(PAGE, query_string={"per_page": "3", "page": "3"}).text)
    last = client.get(PAGE, query_string={"per_page": "3", "page": "4"}).text
    # then
    assert listed(first) == ["bob", "cora", "ana"] and total(first) == 11
    assert listed(third) == ["extra-2", "extra-3", "extra-4"]
    assert listed(last) == ["extra-5", "extra-6"]
    assert re.search(r'<span class="cg-page" aria-current="page">3</span>', third)
    links = re.findall(r'<a class="cg-page"[^>]*href="([^"]+)"', third)
    assert [parse_qs(urlsplit(link).query)["page"] for link in links] == [["2"], ["1"], ["2"], ["4"], ["4"]]
    assert all(parse_qs(urlsplit(link).query)["per_page"] == ["3"] for link in links)
    assert listed(client.get(PAGE, query_string={"per_page": "3", "page": "9"}).text) == []


# ---- tenancy and escaping ------------------------------------------------------------------

@pytest.mark.parametrize("page", ["0", "abc", str(2**63 // 7), "9" * 30])
def test_a_page_out_of_reach_is_an_empty_page_or_the_first(client, population, page):
    # given: a page whose first row is past 2**63 was a 500 on both databases (the OFFSET overflowed)
    response = client.get(PAGE, query_string={"page": page, "per_page": "7"})
    assert response.status_code == 200
    assert listed(response.text) == (["bob", "cora", "ana", "dan"] if page in ("0", "abc") else [])


def test_only_ones_own_customers_and_groups(client, population, make_shop, make_customer, make_group):
    other = make_shop("Shop B").shop
    make_customer(other, "stranger", first_name="Ana", last_name="Pop", tags=["vip"])
    make_group(other, "Secret")
    assert "stranger" not in listed(client.get(PAGE, query_string={"q": "ana"}).text)
    assert listed(client.get(PAGE, query_string={"tags": "vip"}).text) == ["ana", "dan"]
    assert client.get(PAGE, query_string={"group": "secret"}).status_code == 404
    assert "Secret" not in client.get(PAGE).text


def test_customers_are_shown_as_text(client, signed_in, make_customer):
    make_customer(signed_in, "<b>x</b>", first_name="<script>alert(1)</script>", email="a@example.com")
    page = client.get(PAGE, query_string={"q": "<script>", "locations": "<i>Mall</i>"}).text
    assert "<script>alert" not in page and "<i>Mall" not in page and "<b>x" not in page
    assert "&lt;i&gt;Mall&lt;/i&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(PAGE).text


def test_the_customers_page_needs_an_admin_session(client, shop):
    response = client.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("page, pages, shown", [
    (1, 1, [1]), (1, 3, [1, 2, 3]), (6, 20, [1, None, 4, 5, 6, 7, 8, None, 20]), (20, 20, [1, None, 18, 19, 20]),
    (3, 20, [1, 2, 3, 4, 5, None, 20]),
])
def test_page_numbers_keep_the_ends_and_two_either_side(page, pages, shown):
    from admin_ui.customer_views import page_numbers
    assert page_numbers(page, pages) == shown


# ---- export -------------------------------------------------------------------------------

EXPORT = f"{ADMIN}/customers/export"


@pytest.fixture
def exports_in(client, tmp_path):
    """Background exports write under the app's instance path: a temporary one here."""
    client.application.instance_path = str(tmp_path)
    return tmp_path


def csv_rows(response) -> list[list[str]]:
    import csv
    import io
    return list(csv.reader(io.StringIO(response.data.decode("utf-8"))))


def test_the_page_offers_an_export_of_what_it_lists(client, population):
    page = html.unescape(client.get(PAGE, query_string={"tags": "vip", "page": "1", "sort": "-spent"}).text)
    form = re.search(r'<form method="post" action="([^"]+)" class="cg-export".*?</form>', page, re.S)
    assert form.group(1) == EXPORT
    assert re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(0)) == [("tags", "vip")]


def test_export_the_filtered_list_as_csv(client, population):
    from plugin.exports import COLUMNS
    response = client.post(EXPORT, data={"tags": "vip", "csv": "CSV"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=customers-")
    rows = csv_rows(response)
    assert rows[0] == list(COLUMNS)
    by_id = {row[0]: dict(zip(COLUMNS, row)) for row in rows[1:]}
    assert list(by_id) == ["ana", "dan"]
    assert (by_id["ana"]["first_name"], by_id["ana"]["email"], by_id["ana"]["tags"]) == ("Ana", "ana@example.com", "vip")


def test_export_a_group_as_excel_readable_by_openpyxl(client, population):
    import io

    from openpyxl import load_workbook
    response = client.post(EXPORT, data={"group": "club", "xlsx": "Excel"})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename=club-" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ["external_id", "first_name", "last_name"]
    assert [row[:3] for row in values[1:]] == [["dan", "Dan", "Stan"]]


def test_export_everyone_without_filters(client, population):
    rows = csv_rows(client.post(EXPORT, data={"csv": "CSV"}))
    assert sorted(row[0] for row in rows[1:]) == ["ana", "bob", "cora", "dan"]


@pytest.mark.parametrize("data, listed", [
    ({"q": "ana"}, ["ana"]),
    ({"q": "s", "sort": "-spent"}, ["dan"]),
    ({"q": "s", "tags": "press"}, []),
    ({"group": "club", "tags": "vip"}, ["dan"]),
    ({"group": "club", "tags": "press"}, []),
])
def test_a_search_or_a_group_with_filters_exports_what_the_page_lists(client, population, data, listed):
    page = client.get(PAGE, query_string=data).text
    assert 'class="cg-export"' in page
    rows = csv_rows(client.post(EXPORT, data={**data, "csv": "CSV"}))
    assert [row[0] for row in rows[1:]] == listed


def test_filters_with_a_problem_are_not_exported(client, population):
    assert client.post(EXPORT, data={"visits_min": "many", "csv": "CSV"}).status_code == 409
    page = client.get(PAGE, query_string={"visits_min": "many"}).text
    assert 'class="cg-export"' not in page


def test_a_large_export_runs_in_the_background_and_downloads_when_ready(client, population, exports_in, monkeypatch):
    monkeypatch.setattr("admin_ui.customer_views.INLINE_EXPORT_LIMIT", 1)
    # when: more customers than the limit
    response = client.post(EXPORT, data={"tags": "vip", "csv": "CSV"})
    # then: the status page (the job ran in process: no Redis), then the file
    assert response.status_code == 302
    status_url = response.headers["Location"]
    assert re.fullmatch(rf"{ADMIN}/exports/[0-9a-f]{{32}}", status_url)
    page = client.get(status_url).text
    assert 'data-state="finished"' in page and "2 customers." in page and "http-equiv" not in page
    download = client.get(re.search(r'id="download" href="([^"]+)"', page).group(1))
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert [row[0] for row in csv_rows(download)[1:]] == ["ana", "dan"]
    download.close()


def test_a_background_export_not_ready_yet_says_so_and_reloads(client, population, exports_in, monkeypatch):
    monkeypatch.setattr("admin_ui.customer_views.INLINE_EXPORT_LIMIT", 0)
    monkeypatch.setattr("plugin.exports.background.enqueue", lambda *args, **kwargs: "queued")
    status_url = client.post(EXPORT, data={"group": "club", "xlsx": "Excel"}).headers["Location"]
    page = client.get(status_url).text
    assert 'data-state="queued"' in page and "Preparing" in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert client.get(f"{status_url}/download").status_code == 409


def test_a_background_export_whose_job_rq_ended_says_it_stopped_and_stops_reloading(client, population, exports_in,
                                                                                    monkeypatch):
    from plugin.exports import background
    monkeypatch.setattr("admin_ui.customer_views.INLINE_EXPORT_LIMIT", 0)
    monkeypatch.setattr(background, "enqueue", lambda *args, **kwargs: "queued")
    status_url = client.post(EXPORT, data={"csv": "CSV"}).headers["Location"]
    # when: on rq, which says the job ended without finishing (tests/test_jobs.py asks a real one)
    monkeypatch.setitem(client.application.config, "CUSTOMER_GROUPS_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(background, "ended_unfinished", lambda job_id: True)
    page = client.get(status_url).text
    # then
    assert 'data-state="failed"' in page and "Preparing" not in page and "http-equiv" not in page
    assert re.search(r'id="export-error">([^<]+)<', page).group(1) == "The export stopped before it finished; start it again."
    assert client.get(f"{status_url}/download").status_code == 409


def test_a_background_export_with_redis_away_is_a_503_that_says_so(client, population, exports_in, monkeypatch):
    # given: a list too long to send at once, and a Redis that does not answer
    monkeypatch.setattr("admin_ui.customer_views.INLINE_EXPORT_LIMIT", 0)
    monkeypatch.setitem(client.application.config, "CUSTOMER_GROUPS_REDIS_URL", "redis://127.0.0.1:1/0")
    # when
    response = client.post(EXPORT, data={"csv": "CSV"})
    # then: the admin is told to try again (it was a 500), and nothing is left preparing
    assert response.status_code == 503
    assert "try again" in response.text
    assert not list(exports_in.glob("exports/*/*"))


def test_the_export_page_says_when_it_started_on_the_shops_clock(client, population, exports_in, monkeypatch):
    from plugin.exports import export_status
    population.timezone = "Pacific/Kiritimati"  # UTC+14: never the same day and hour as UTC
    session().commit()
    monkeypatch.setattr("admin_ui.customer_views.INLINE_EXPORT_LIMIT", 0)
    status_url = client.post(EXPORT, data={"csv": "CSV"}).headers["Location"]
    created = datetime.fromisoformat(export_status(population, status_url.rsplit("/", 1)[1]).created_at)
    page = client.get(status_url).text
    started = re.search(r'started <time id="export-started" datetime="([^"]+)">([^<]+)</time>\.', page)
    assert started.group(1) == created.isoformat()
    assert started.group(2) == (created + timedelta(hours=14)).strftime("%Y-%m-%d %H:%M")
    assert "UTC" not in page


def test_another_shops_export_is_a_404(client, population, exports_in, make_shop, make_customer):
    from plugin.exports import start_export
    other = make_shop("Shop B").shop
    make_customer(other, "b1")
    export_id = start_export(other, "standard", "csv")
    assert client.get(f"{ADMIN}/exports/{export_id}").status_code == 404
    assert client.get(f"{ADMIN}/exports/{export_id}/download").status_code == 404
    assert client.get(f"{ADMIN}/exports/not-an-id").status_code == 404
    assert client.post(EXPORT, data={"group": "standard", "csv": "CSV"}).status_code == 200  # one's own Standard


def test_an_export_without_the_csrf_token_is_refused(database_url, population):
    from examples.demo_shop import create_app
    protected = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": True,
                            "SERVER_NAME": "shop.test"})
    with protected.test_client() as client:
        with client.session_transaction() as host_session:
            host_session["demo_admin"] = {"email": "admin@demo.shop", "shop_id": population.id}
        assert client.post(EXPORT, data={"csv": "CSV"}).status_code == 400
    with protected.app_context():
        protected.extensions["sqlalchemy"].engine.dispose()


def test_a_long_list_is_counted_up_to_a_limit_and_pages_on(client, population, make_customer, monkeypatch):
    monkeypatch.setattr("admin_ui.customer_views.COUNT_LIMIT", 5)
    for number in range(4):
        make_customer(population, f"extra-{number}", first_name="Zed", last_name=f"Zz{number}")
    # when: 8 customers, counted up to 5, 2 a page
    third = html.unescape(client.get(PAGE, query_string={"per_page": "2", "page": "3"}).text)
    # then: "more than 5", pages known up to 3, and Next to the 4th
    assert re.search(r'More than <span id="customer-total">5</span> customers', third)
    assert listed(third) == ["extra-0", "extra-1"]
    assert re.search(r'rel="next" href="[^"]*page=4', third)
    fourth = client.get(PAGE, query_string={"per_page": "2", "page": "4"}).text
    assert listed(fourth) == ["extra-2", "extra-3"] and 'rel="next"' not in fourth
    # and the last page knows every match: the exact number, past the limit
    assert total(fourth) == 8 and "More than" not in fourth


def test_the_exact_count_is_one_click_away_past_the_limit(client, population, make_customer, monkeypatch):
    monkeypatch.setattr("admin_ui.customer_views.COUNT_LIMIT", 5)
    for number in range(4):
        make_customer(population, f"extra-{number}", first_name="Zed", last_name=f"Zz{number}")
    capped = html.unescape(client.get(PAGE, query_string={"per_page": "2", "sort": "-name"}).text)
    link = re.search(r'href="([^"]+)" id="count-all"', capped).group(1)
    assert "count=all" in link and "sort=-name" in link
    # when: the admin asks for the exact count
    exact = html.unescape(client.get(link).text)
    # then: every customer counted, every page numbered, the same first page, no link to count again
    assert total(exact) == 8 and "More than" not in exact and 'id="count-all"' not in exact
    assert re.search(r'href="[^"]*page=4[^"]*">4</a>', exact)
    assert listed(exact) == listed(capped)


def test_a_list_under_the_limit_is_counted_exactly_without_a_link(client, population):
    page = client.get(PAGE).text
    assert "More than" not in page and 'id="count-all"' not in page
    assert total(page) == total(client.get(PAGE, query_string={"count": "all"}).text)
