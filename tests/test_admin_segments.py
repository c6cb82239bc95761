"""Segments in the admin: the condition builder (rows, all/any, not, JSON, preview, save), errors
next to their row, the group page's words and chart, why, tenancy and escaping."""
from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from admin_ui.charts import size_chart, size_series
from admin_ui.condition_form import (
    METRIC_LABELS, condition_lines, condition_rows, condition_words, row_field, rows_condition,
)
from plugin.db import session
from plugin.models import Group, MembershipEvent
from plugin.models._columns import utcnow
from plugin.segments.conditions import METRICS
from plugin.segments.presets import PRESETS
from plugin.segments.preview import preview
from plugin.services import activities, customers, groups, members

from .conftest import group_keys

ADMIN = "/admin/crm/groups"
#: The form's two rows: 2+ past visits in the last 12 months, and not 100.00 or more spent.
TWO_ROWS = {"all": [
    {"metric": "past_count", "within": {"last": 12, "unit": "months"}, "op": ">=", "value": 2},
    {"not": {"metric": "total_spent", "op": ">=", "value": "100"}},
]}


# ---- helpers ------------------------------------------------------------------------------

def row(index: int, metric: str, op: str, value: str, *, last: str = "", unit: str = "months",
        negate: bool = False, **narrowing: str) -> dict[str, str]:
    data = {f"rows-{index}-metric": metric, f"rows-{index}-op": op, f"rows-{index}-value": value,
            f"rows-{index}-last": last, f"rows-{index}-unit": unit,
            **{f"rows-{index}-{name}": text for name, text in narrowing.items()}}
    if negate:
        data[f"rows-{index}-negate"] = "y"
    return data


def builder(*rows: dict[str, str], action: str = "preview", match: str = "all", name: str = "",
            colour: str = "#0E7490", **extra: str) -> dict[str, str]:
    data = {"match": match, "name": name, "colour": colour, "colour_shown": colour, "description": "", action: "1"}
    for one in rows:
        data.update(one)
    data.update(extra)
    return data


def two_rows(**extra) -> dict[str, str]:
    return builder(row(0, "past_count", ">=", "2", last="12"),
                   row(1, "total_spent", ">=", "100", negate=True), **extra)


def preview_count(page: str) -> int:
    found = re.search(r'id="preview-count">([\d,]+)<', page)
    assert found, "no preview count on the page"
    return int(found.group(1).replace(",", ""))


def sample(page: str) -> list[str]:
    return re.findall(r'data-sample="([^"]+)"', page)


def row_error(page: str, index: int, field: str) -> str:
    found = re.search(rf'<p id="rows-{index}-{field}-error"[^>]*>(.*?)</p>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def json_error(page: str) -> str:
    found = re.search(r'<div class="cg-field-error" id="condition_json-error">(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def textarea(page: str) -> str:
    found = re.search(r'<textarea[^>]*name="condition_json"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)).strip()


def dynamic_groups(shop) -> dict[str, dict]:
    return dict(session().execute(
        select(Group.key, Group.condition).where(Group.shop_id == shop.id, Group.kind == "dynamic")
    ).all())


def member_ids(shop, key: str) -> set[str]:
    group = groups.get_group(shop, key)
    return {membership.customer.external_id for membership in members.page_of_members(group, after=None, limit=500)[0]}


def groups_customer(shop, external_id: str):
    return customers.get_customer(shop, external_id)


def visit(shop, customer: str, number: int, days_ago: float, amount: str = "30.00", **fields) -> None:
    activities.record_activity(shop, {
        "external_id": f"{customer}-{number}", "customer_external_id": customer, "kind": "appointment",
        "status": fields.pop("status", "completed"), "occurred_at": utcnow() - timedelta(days=days_ago),
        "amount": amount, "location": fields.pop("location", ""), "channel": fields.pop("channel", "offline"), **fields,
    })
    session().commit()


@pytest.fixture
def signed_in(shop, admin):
    admin.login(shop.shop)
    return shop.shop


@pytest.fixture
def population(signed_in, make_customer):
    """c1: 3 visits, 90.00 (in); c2: 3 visits, 300.00 (too much); c3: 1 visit; c4: none;
    c5: 5 visits, 50.00 (in); c6: 2 visits, but 400 days ago (out of the window)."""
    shop = signed_in
    for external_id, first in [("c1", "Ana"), ("c2", "Bob"), ("c3", "Cora"), ("c4", "Dan"), ("c5", "Eva"), ("c6", "Fay")]:
        make_customer(shop, external_id, first_name=first, last_name="Test")
    for number, days in enumerate([10, 50, 200]):
        visit(shop, "c1", number, days)
        visit(shop, "c2", number, days, "100.00")
    visit(shop, "c3", 0, 5, "20.00")
    for number in range(5):
        visit(shop, "c5", number, 3 + 30 * number, "10.00")
    visit(shop, "c6", 0, 400)
    visit(shop, "c6", 1, 410)
    return shop


# ---- the rows ↔ condition, and words ------------------------------------------------------

def test_every_metric_has_words():
    assert set(METRIC_LABELS) == set(METRICS)


@pytest.mark.parametrize("condition", [
    TWO_ROWS,
    {"any": [{"metric": "gender", "op": "in", "value": ["female", "other"]},
             {"metric": "past_count", "within": {"from": "2026-01-01", "to": "2026-03-31"}, "location": "Mall",
              "staff": "ana", "op": "between", "value": [1, 3]}]},
    {"metric": "last_activity_at", "op": "<", "value": {"ago": 3, "unit": "months"}},
    {"not": {"metric": "email_opt_in", "op": "=", "value": True}},
    *(preset["condition"] for preset in PRESETS),
])
def test_a_condition_the_rows_can_show_comes_back_from_them_unchanged(condition):
    # when: shown as rows, then read back from them
    match, rows = condition_rows(condition)
    # then
    assert rows_condition(match, rows) == condition


@pytest.mark.parametrize("condition", [
    {"all": [{"any": [{"metric": "gender", "op": "=", "value": "male"}]}]},
    {"not": {"all": [{"metric": "gender", "op": "=", "value": "male"}]}},
    {"metric": "past_count", "op": ">=", "value": 1, "extra": True},
    [],
])
def test_nested_groups_are_left_to_the_json(condition):
    assert condition_rows(condition) is None


@pytest.mark.parametrize("path, where", [
    ("all[1].op", (1, "op")), ("op", (0, "op")), ("not.value", (0, "value")), ("any[3].not.value[1]", (3, "value")),
    ("all[0].within.last", (0, "last")), ("all[2].within.to", (2, "period_to")), ("all[2].within", (2, "last")),
    ("all[0].location", (0, "location")), ("all[4]", (4, None)), ("all[1].surprise", (1, None)),
])
def test_an_error_path_names_a_row_and_its_field(path, where):
    assert row_field(path) == where


def test_conditions_in_words():
    lapsing = PRESETS[0]["condition"]
    assert condition_lines(lapsing, "EUR") == ("All of these hold:", [
        "Past visits in the last 12 months ≥ 3", "No past visits in the last 2 months", "No upcoming bookings",
    ])
    assert condition_words(TWO_ROWS, "EUR") == \
        "Past visits in the last 12 months ≥ 2 and not (Total spent ≥ 100 EUR)"
    assert condition_words({"metric": "tags", "op": "in", "value": ["vip", "press"]}, "EUR") == "Has any tag of vip, press"
    assert condition_words({"metric": "received_campaign", "op": "!=", "value": "*",
                            "within": {"last": 1, "unit": "months"}}, "EUR") == \
        "Did not receive any campaign in the last month"
    assert condition_words({"metric": "registered_at", "op": "between", "value": ["2026-01-01", "2026-02-01"]}, "EUR") == \
        "Registered between 2026-01-01 and 2026-02-01"
    assert condition_words({"metric": "last_activity_at", "op": "<", "value": {"ago": 1, "unit": "months"}}, "EUR") == \
        "Last visit before 1 month ago"
    assert condition_words({"metric": "upcoming_count", "within": {"last": 7, "unit": "days"}, "op": ">=", "value": 1},
                           "EUR") == "At least one upcoming booking in the next 7 days"


# ---- the builder --------------------------------------------------------------------------

def test_the_builder_starts_with_an_example_row(client, signed_in):
    page = client.get(f"{ADMIN}/segments/new").text
    assert 'id="rows-0-metric"' in page and 'id="rows-1-metric"' not in page
    assert json.loads(textarea(page)) == {"metric": "past_count", "within": {"last": 12, "unit": "months"},
                                          "op": ">=", "value": 3}


def test_two_rows_with_all_and_a_not_preview_the_count_preview_gives(client, population):
    # when
    response = client.post(f"{ADMIN}/segments/new", data=two_rows())
    # then: the count and sample are preview()'s, and nothing is saved
    assert response.status_code == 200
    expected = preview(population, TWO_ROWS, utcnow())
    assert preview_count(response.text) == expected["count"] == 2
    assert sample(response.text) == [customer.external_id for customer in expected["sample"]] == ["c1", "c5"]
    assert json.loads(textarea(response.text)) == TWO_ROWS
    assert "33.3% of all customers" in response.text
    assert len(dynamic_groups(population)) == 6  # the presets only


def test_any_instead_of_all_previews_the_union(client, population):
    response = client.post(f"{ADMIN}/segments/new", data=two_rows(match="any"))
    expected = preview(population, {"any": TWO_ROWS["all"]}, utcnow())
    assert preview_count(response.text) == expected["count"] == 6  # c2 by its visits, the others by their spend
    assert json.loads(textarea(response.text)) == {"any": TWO_ROWS["all"]}


def test_save_makes_a_dynamic_group_with_that_exact_condition_and_its_members(client, population):
    # when
    response = client.post(f"{ADMIN}/segments/new", data=two_rows(action="save", name="Thrifty regulars"))
    # then
    assert response.status_code == 302
    assert response.headers["Location"] == f"{ADMIN}/thrifty-regulars"
    group = groups.get_group(population, "thrifty-regulars")
    assert (group.kind, group.condition, group.colour) == ("dynamic", TWO_ROWS, "#0E7490")
    assert member_ids(population, "thrifty-regulars") == {"c1", "c5"}
    page = client.get(response.headers["Location"]).text
    assert "Created Thrifty regulars: 2 customers match its condition." in html.unescape(page)


def test_add_row_and_remove_row_need_no_javascript(client, signed_in):
    # when: a row added
    page = client.post(f"{ADMIN}/segments/new", data=builder(row(0, "gender", "=", "female"), action="add_row")).text
    # then: two rows, the first kept
    assert 'id="rows-1-metric"' in page and 'value="female"' in page
    # when: the first of two rows removed
    page = client.post(f"{ADMIN}/segments/new", data=builder(
        row(0, "gender", "=", "female"), row(1, "city", "=", "Iasi"), **{"rows-0-remove": "Remove"}, action="x")).text
    # then: the second row is now the only one
    assert 'id="rows-1-metric"' not in page and 'value="Iasi"' in page and 'value="female"' not in page
    assert json.loads(textarea(page)) == {"metric": "city", "op": "=", "value": "Iasi"}


def test_edited_json_wins_over_the_rows(client, population):
    shown = json.dumps({"metric": "gender", "op": "=", "value": "male"})
    typed = {"all": [{"metric": "past_count", "op": ">=", "value": 5}, {"any": [
        {"metric": "total_spent", "op": "<=", "value": "50"}, {"metric": "city", "op": "=", "value": "Cluj"}]}]}
    # when: the rows say gender, the JSON was edited to something nested
    response = client.post(f"{ADMIN}/segments/new", data=builder(
        row(0, "gender", "=", "male"), action="save", name="Loyal and thrifty",
        condition_json=json.dumps(typed), json_shown=shown))
    # then
    assert response.status_code == 302
    assert dynamic_groups(population)["loyal-and-thrifty"] == typed
    assert member_ids(population, "loyal-and-thrifty") == {"c5"}


def test_unedited_json_leaves_the_rows_in_charge(client, population):
    shown = json.dumps({"metric": "gender", "op": "=", "value": "male"}, indent=2)
    response = client.post(f"{ADMIN}/segments/new", data=builder(
        row(0, "past_count", ">=", "5"), action="save", name="Five visits",
        condition_json=shown.replace("\n", "\r\n"), json_shown=shown))
    assert response.status_code == 302
    assert dynamic_groups(population)["five-visits"] == {"metric": "past_count", "op": ">=", "value": 5}


def test_json_the_rows_cannot_show_is_kept_as_json(client, population):
    nested = {"not": {"any": [{"metric": "gender", "op": "=", "value": "male"}, {"metric": "city", "op": "=", "value": "Iasi"}]}}
    page = client.post(f"{ADMIN}/segments/new", data=builder(
        row(0, "gender", "=", "male"), condition_json=json.dumps(nested), json_shown="{}")).text
    assert preview_count(page) == 6
    assert 'id="rows-0-metric"' not in page and "edit it as JSON" in page
    assert 'id="json-words">not (Gender = male or City = Iasi)</p>' in html.unescape(page)
    # when: previewed again, the JSON (now shown) still carries the condition
    again = client.post(f"{ADMIN}/segments/new", data=builder(
        action="preview", condition_json=textarea(page), json_shown=textarea(page))).text
    assert preview_count(again) == 6


@pytest.mark.parametrize("bad_row, field, message", [
    (row(1, "past_count", ">=", "lots"), "value", "must be a whole number"),
    (row(1, "past_count", ">=", "²"), "value", "must be a whole number"),  # a digit to isdigit, not to int: was a 500
    (row(1, "past_count", ">=", "1", last="²"), "last", "must be a whole number"),
    (row(1, "total_spent", "in", "30"), "op", "'in' does not apply to total_spent"),
    (row(1, "past_count", ">=", "1", last="0"), "last", "must be a whole number, 1 or more"),
    (row(1, "gender", "=", "robot"), "value", "'robot' is not one of female, male, other, unknown"),
    (row(1, "gender", "=", "male", last="3"), "last", "unknown key"),
    (row(1, "nonsense", "=", "1"), "metric", "unknown metric"),
    ({**row(1, "past_count", ">=", "1", last="3"), "rows-1-period_from": "2026-01-01"}, "period_from", "not both"),
])
@pytest.mark.parametrize("action", ["preview", "save"])
def test_a_bad_row_is_shown_next_to_its_field_and_nothing_is_saved(client, population, bad_row, field, message, action):
    before = dynamic_groups(population)
    # when
    response = client.post(f"{ADMIN}/segments/new", data=builder(
        row(0, "past_count", ">=", "1"), bad_row, action=action, name="Broken"))
    # then: 422, the message under row 2's field, row 1 clean, nothing saved
    assert response.status_code == 422
    assert message in row_error(response.text, 1, field)
    assert f'id="rows-1-{field}"' in response.text and 'aria-invalid="true"' in response.text
    assert not re.search(r'id="rows-0-\w+-error"', response.text)
    assert "preview-count" not in response.text
    assert dynamic_groups(population) == before


def test_every_bad_row_is_marked_at_once(client, population):
    response = client.post(f"{ADMIN}/segments/new", data=builder(
        row(0, "past_count", ">=", "x"), row(1, "gender", "=", "male"), row(2, "total_spent", "in", "3", negate=True),
        action="save", name="Broken"))
    assert response.status_code == 422
    assert "must be a whole number" in row_error(response.text, 0, "value")
    assert not re.search(r'id="rows-1-\w+-error"', response.text)
    assert "'in' does not apply to total_spent" in row_error(response.text, 2, "op")


def test_a_bad_edited_json_is_shown_under_the_json_with_its_path(client, population):
    before = dynamic_groups(population)
    bad = {"all": [{"metric": "past_count", "op": ">=", "value": 1}, {"metric": "past_count", "op": "~", "value": 1}]}
    response = client.post(f"{ADMIN}/segments/new", data=builder(
        row(0, "past_count", ">=", "1"), action="save", name="Broken", condition_json=json.dumps(bad), json_shown="{}"))
    assert response.status_code == 422
    assert json_error(response.text).startswith("all[1].op: '~' does not apply to past_count")
    unparsable = client.post(f"{ADMIN}/segments/new", data=builder(
        row(0, "past_count", ">=", "1"), condition_json="{not json", json_shown="{}"))
    assert unparsable.status_code == 422 and "not valid JSON" in json_error(unparsable.text)
    assert dynamic_groups(population) == before


@pytest.mark.parametrize("text", ["a\u0000b", "a\udc00b"])
def test_json_holding_text_no_database_stores_is_refused_by_its_path(client, population, text):
    # a NUL escape reached PostgreSQL's refresh SQL, a lone surrogate SQLite's and PostgreSQL's: a 500
    before = dynamic_groups(population)
    condition = {"all": [{"metric": "past_count", "op": ">=", "value": 1}, {"metric": "tags", "op": "=", "value": text}]}
    response = client.post(f"{ADMIN}/segments/new", data=builder(
        row(0, "past_count", ">=", "1"), action="save", name="Unstorable", condition_json=json.dumps(condition),
        json_shown="{}"))
    assert response.status_code == 422
    assert "all[1].value: must not contain a NUL character" in json_error(response.text)
    assert dynamic_groups(population) == before


@pytest.mark.parametrize("shown", ["{}", "DEEP"])
def test_json_deeper_than_the_parser_goes_is_not_valid_json(client, population, shown):
    # a RecursionError: a 500, from the textarea or the hidden copy of what it showed
    deep = '{"not": ' * 5000 + "{}" + "}" * 5000
    response = client.post(f"{ADMIN}/segments/new", data=builder(
        row(0, "past_count", ">=", "1"), action="save", name="Deep", condition_json=deep,
        json_shown=deep if shown == "DEEP" else shown))
    assert response.status_code == 422
    assert "nested too deeply" in json_error(response.text)
    starting = client.get(f"{ADMIN}/segments/new", query_string={"condition": "[" * 2000 + "]" * 2000})
    assert starting.status_code == 200 and textarea(starting.text).startswith('{\n  "metric": "past_count"')


def test_a_bad_name_is_refused_with_the_condition_kept(client, population, make_group):
    make_group(population, "Taken")
    response = client.post(f"{ADMIN}/segments/new", data=two_rows(action="save", name="taken"))
    assert response.status_code == 409
    assert "already taken" in response.text
    assert json.loads(textarea(response.text)) == TWO_ROWS
    blank = client.post(f"{ADMIN}/segments/new", data=two_rows(action="save", name=" "))
    assert blank.status_code == 422 and "must not be blank" in blank.text


def test_preview_needs_no_name(client, population):
    assert client.post(f"{ADMIN}/segments/new", data=two_rows(name="")).status_code == 200


def test_save_as_segment_from_a_given_condition(client, signed_in):
    page = client.get(f"{ADMIN}/segments/new", query_string={"condition": json.dumps(TWO_ROWS)}).text
    assert json.loads(textarea(page)) == TWO_ROWS
    assert 'id="rows-1-negate" name="rows-1-negate" type="checkbox" value="y"' in page.replace("checked ", "")


# ---- editing a segment's condition ---------------------------------------------------------

def test_edit_a_segments_condition(client, population):
    # given
    page = client.get(f"{ADMIN}/lapsing-regulars/condition").text
    assert json.loads(textarea(page)) == PRESETS[0]["condition"]
    assert 'value="Lapsing regulars"' in page
    # when
    response = client.post(f"{ADMIN}/lapsing-regulars/condition", data=two_rows(
        action="save", name="Lapsing regulars", colour="#EA580C"))
    # then: the condition changed, the members recomputed, the key kept
    assert response.status_code == 302 and response.headers["Location"] == f"{ADMIN}/lapsing-regulars"
    assert dynamic_groups(population)["lapsing-regulars"] == TWO_ROWS
    assert member_ids(population, "lapsing-regulars") == {"c1", "c5"}
    assert "lapsing-regulars" in group_keys(population, groups_customer(population, "c1"))


def test_a_static_group_has_no_condition_to_edit(client, signed_in):
    assert client.get(f"{ADMIN}/standard/condition").status_code == 409
    assert client.post(f"{ADMIN}/standard/condition", data=two_rows(action="save", name="X")).status_code == 409
    assert groups.get_group(signed_in, "standard").condition is None


# ---- the group page -----------------------------------------------------------------------

def test_a_segments_page_shows_its_condition_size_share_and_chart(client, population):
    client.post(f"{ADMIN}/segments/new", data=two_rows(action="save", name="Thrifty regulars"))
    page = html.unescape(client.get(f"{ADMIN}/thrifty-regulars").text)
    assert re.search(r'id="group-size">2<', page) and re.search(r'id="group-share">33.3%<', page)
    assert "<li>Past visits in the last 12 months ≥ 2</li>" in page
    assert "<li>not (Total spent ≥ 100 EUR)</li>" in page
    assert 'id="size-chart"' in page and "<svg" in page and "<script" not in page.split("</head>")[1]
    assert f'href="{ADMIN}/thrifty-regulars/condition"' in page
    assert f'href="{ADMIN}/rules/?group=thrifty-regulars"' in page
    assert f'href="{ADMIN}/thrifty-regulars/why/c1"' in page


def test_the_groups_table_shows_each_groups_share(client, population, make_group):
    vip = make_group(population, "VIP")
    members.add_members(population, vip, [groups_customer(population, "c1").id], source="manual")
    session().commit()
    page = client.get(f"{ADMIN}/").text
    vip_row = re.search(r'<tr data-group="vip">.*?</tr>', page, re.S).group(0)
    assert re.search(r'data-label="Share">\s*16.7%', vip_row)
    standard_row = re.search(r'<tr data-group="standard">.*?</tr>', page, re.S).group(0)
    assert re.search(r'data-label="Share">\s*100%', standard_row)
    assert f'href="{ADMIN}/segments/new"' in page


def _event(shop, group, customer_id: int, change: str, at: datetime) -> None:
    session().add(MembershipEvent(shop_id=shop.id, group_id=group.id, customer_id=customer_id, change=change,
                                  source="manual", actor="test", at=at))


def test_the_chart_series_counts_back_from_the_size_by_local_day(make_shop, make_group, make_customer):
    # given: a shop in Bucharest (UTC+2 in November) and a group whose history is known
    shop = make_shop("Zoned", timezone="Europe/Bucharest").shop
    group = make_group(shop, "Club")
    ids = [make_customer(shop, f"z{n}").id for n in range(4)]
    now = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
    utc = lambda day, hour, minute=0: datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)  # noqa: E731
    _event(shop, group, ids[0], "entered", utc(10, 9))      # before the window
    _event(shop, group, ids[1], "entered", utc(16, 21, 59))  # 23:59 local on the 16th
    _event(shop, group, ids[2], "entered", utc(16, 22, 0))   # 00:00 local on the 17th
    _event(shop, group, ids[3], "entered", utc(18, 8))
    _event(shop, group, ids[1], "left", utc(19, 8))
    group.member_count = 3  # z0, z2, z3
    session().commit()
    # when
    series = size_series(shop, group, days=5, now=now)
    # then: days 16..20 local; today ends at the size now
    assert [point.day.isoformat() for point in series] == [f"2026-11-{day}" for day in range(16, 21)]
    assert [(point.size, point.entered, point.left) for point in series] == [
        (2, 1, 0), (3, 1, 0), (4, 1, 0), (3, 0, 1), (3, 0, 0)]
    chart = size_chart(series)
    assert [tick.label for tick in chart.y_ticks] == ["0", "1", "2", "3", "4"]
    assert chart.line.count("L") == 4 and chart.summary.startswith("2 on 2026-11-16, 3 on 2026-11-20; 3 entered and 1 left")


def _at(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=timezone.utc)


@pytest.mark.parametrize("zone, now, entries, sizes", [
    # half an hour off UTC: local midnight is 18:30 UTC, inside a UTC hour
    ("Asia/Kolkata", _at(11, 18, 12), [_at(11, 16, 18, 29, 59), _at(11, 16, 18, 30)],
     [(1, 1, 0), (2, 1, 0), (2, 0, 0)]),
    # the 25-hour day on which summer time ends in Bucharest (UTC+3, then UTC+2 from 01:00 UTC)
    ("Europe/Bucharest", _at(10, 26, 12), [_at(10, 24, 20, 59, 59), _at(10, 24, 21), _at(10, 25, 21, 30), _at(10, 25, 22)],
     [(1, 1, 0), (3, 2, 0), (4, 1, 0)]),
])
def test_the_chart_puts_each_entry_on_its_local_day(make_shop, make_group, make_customer, zone, now, entries, sizes):
    # given
    shop = make_shop("Zoned", timezone=zone).shop
    group = make_group(shop, "Club")
    for number, at in enumerate(entries):
        _event(shop, group, make_customer(shop, f"z{number}").id, "entered", at)
    group.member_count = len(entries)
    session().commit()
    # when
    series = size_series(shop, group, days=3, now=now)
    # then
    assert [(point.size, point.entered, point.left) for point in series] == sizes


def test_the_chart_of_a_group_with_no_history_is_flat_at_its_size(client, signed_in, make_group):
    group = make_group(signed_in, "Empty")
    series = size_series(signed_in, group)
    assert len(series) == 90 and {point.size for point in series} == {0}
    page = client.get(f"{ADMIN}/empty").text
    assert "0 on" in page and "0 entered and 0 left in 90 days" in page


# ---- why ----------------------------------------------------------------------------------

def test_why_shows_each_leaf_with_the_customers_own_value(client, population):
    client.post(f"{ADMIN}/segments/new", data=two_rows(action="save", name="Thrifty regulars"))
    # when: a member
    page = html.unescape(client.get(f"{ADMIN}/thrifty-regulars/why/c1").text)
    # then
    assert re.search(r'id="why-member">Yes<', page) and re.search(r'id="why-matches">Yes<', page)
    leaves = re.findall(r'<tr data-leaf="([^"]+)" class="(cg-seg-yes|cg-seg-no)">.*?<span class="cg-block">(.*?)</span>'
                        r'.*?data-label="Their value"[^>]*>(.*?)</td>', page, re.S)
    assert [(path, verdict, words, value.strip()) for path, verdict, words, value in leaves] == [
        ("all[0]", "cg-seg-yes", "Past visits in the last 12 months ≥ 2", "3"),
        ("all[1].not", "cg-seg-yes", "not (Total spent ≥ 100 EUR)", "90.00"),
    ]
    # when: someone who spent too much
    page = html.unescape(client.get(f"{ADMIN}/thrifty-regulars/why/c2").text)
    assert re.search(r'id="why-member">No<', page)
    assert re.search(r'data-leaf="all\[1\].not" class="cg-seg-no">.*?300.00', page, re.S)


def test_why_in_a_static_group_gives_source_and_since(client, population):
    page = client.get(f"{ADMIN}/standard/why/c3").text
    assert re.search(r'id="why-member">Yes<', page) and re.search(r'id="why-source"[^>]*>default<', page)
    assert "Added to Standard (joined the default group)." in html.unescape(page)
    assert "why-leaves" not in page


def test_why_reaches_a_customer_whose_id_holds_a_newline(client, population, make_customer):
    # werkzeug's path converter stops at a newline: the page was the host's 404
    make_customer(population, "line\nbreak", first_name="Nia")
    page = client.get(f"{ADMIN}/standard/why/line%0Abreak").text
    assert re.search(r'id="why-member">Yes<', page)


def test_why_for_an_unknown_customer_or_guests_is_a_404(client, population):
    assert client.get(f"{ADMIN}/standard/why/nobody").status_code == 404
    assert client.get(f"{ADMIN}/guests/why/c1").status_code == 404


# ---- tenancy ------------------------------------------------------------------------------

@pytest.fixture
def two_shops(make_shop, make_customer, admin):
    """Shop A (signed in) and shop B; B has customer 'b1' and a segment 'b-only'."""
    a, b = make_shop("Shop A"), make_shop("Shop B")
    make_customer(a.shop, "a1")
    make_customer(b.shop, "b1")
    groups.create_group(b.shop, {"name": "B only", "kind": "dynamic", "condition": {"metric": "gender", "op": "=", "value": "unknown"}})
    session().commit()
    admin.login(a.shop)
    return a.shop, b.shop


def snapshot(shop) -> tuple:
    rows = session().execute(select(Group.key, Group.name, Group.condition, Group.member_count)
                             .where(Group.shop_id == shop.id).order_by(Group.key)).all()
    events = session().scalar(select(func.count(MembershipEvent.id)).where(MembershipEvent.shop_id == shop.id))
    return [tuple(row) for row in rows], events


@pytest.mark.parametrize("method, path", [
    ("get", "/b-only/condition"), ("post", "/b-only/condition"), ("get", "/b-only/why/b1"),
    ("get", "/lapsing-regulars/why/b1"), ("get", "/standard/why/b1"), ("get", "/b-only"),
])
def test_another_shops_segment_or_customer_is_a_404_and_nothing_changes(client, two_shops, method, path):
    a, b = two_shops
    before = snapshot(a), snapshot(b)
    data = two_rows(action="save", name="Mine now") if method == "post" else None
    response = getattr(client, method)(ADMIN + path, data=data)
    assert response.status_code == 404
    assert (snapshot(a), snapshot(b)) == before


def test_a_preview_counts_only_ones_own_customers(client, two_shops):
    a, _b = two_shops
    page = client.post(f"{ADMIN}/segments/new", data=builder(row(0, "gender", "=", "unknown"))).text
    assert preview_count(page) == 1 and sample(page) == ["a1"]


def test_the_builder_needs_an_admin_session(client, shop):
    response = client.post(f"{ADMIN}/segments/new", data=two_rows(action="save", name="Sneaky"))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "sneaky" not in dynamic_groups(shop.shop)


# ---- escaping -----------------------------------------------------------------------------

def test_what_admins_and_customers_type_is_shown_as_text(client, signed_in, make_customer):
    evil = "<script>alert(1)</script>"
    make_customer(signed_in, "x<1>", first_name="<img src=x onerror=alert(1)>", city=evil)
    condition = {"metric": "city", "op": "=", "value": evil}
    # when: previewed, saved, shown and explained
    preview_page = client.post(f"{ADMIN}/segments/new", data=builder(row(0, "city", "=", evil))).text
    client.post(f"{ADMIN}/segments/new", data=builder(row(0, "city", "=", evil), action="save", name=evil))
    key = next(key for key, saved in dynamic_groups(signed_in).items() if saved == condition)
    pages = [preview_page, client.get(f"{ADMIN}/{key}").text, client.get(f"{ADMIN}/{key}/why/x%3C1%3E").text,
             client.get(f"{ADMIN}/{key}/condition").text, client.get(f"{ADMIN}/").text]
    # then: never markup
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert preview_count(preview_page) == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[1]


# ---- CSRF ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/segments/new", "/lapsing-regulars/condition"])
def test_a_builder_post_without_the_csrf_token_is_refused(database_url, shop, path):
    from examples.demo_shop import create_app

    protected = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": True,
                            "SERVER_NAME": "shop.test"})
    before = dynamic_groups(shop.shop)
    with protected.test_client() as client:
        with client.session_transaction() as host_session:
            host_session["demo_admin"] = {"email": "admin@demo.shop", "shop_id": shop.shop.id}
        assert client.post(ADMIN + path, data=two_rows(action="save", name="Forged")).status_code == 400
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(ADMIN + path).text).group(1)
        assert client.post(ADMIN + path, data=two_rows(action="save", name="Forged", csrf_token=token)).status_code == 302
    with protected.app_context():
        protected.extensions["sqlalchemy"].engine.dispose()
    session().expire_all()
    assert dynamic_groups(shop.shop) != before
