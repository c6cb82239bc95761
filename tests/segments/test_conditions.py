"""Conditions through the API: refused with a path, their meaning leaf by leaf (previewed at a
fixed now), the preview itself, and why a customer is or is not in a dynamic group."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from plugin.db import session
from plugin.models import Group, MembershipEvent
from plugin.models._columns import utcnow
from plugin.segments.conditions import MAX_DEPTH, MAX_LEAVES, ConditionError, parse_condition
from plugin.segments.refresh import refresh_shop

from .conftest import ZONE, booked, cancelled, done, local, members, utc

NOW = local(2026, 6, 15, 12)
LEAF = {"metric": "past_count", "op": ">=", "value": 1}


def nested(levels: int) -> dict:
    """A leaf under ``levels − 1`` nots: ``levels`` levels deep in all."""
    condition: dict = LEAF
    for _ in range(levels - 1):
        condition = {"not": condition}
    return condition


BAD_CONDITIONS = [
    pytest.param({"metric": "visits", "op": ">=", "value": 1}, "metric", "unknown metric", id="unknown metric"),
    pytest.param({"op": ">=", "value": 1}, "metric", "unknown metric", id="no metric"),
    pytest.param({"metric": "gender", "op": ">", "value": "female"}, "op", "does not apply", id="> on gender"),
    pytest.param({"metric": "total_spent", "op": "in", "value": ["10"]}, "op", "does not apply", id="in on money"),
    pytest.param({"metric": "last_activity_at", "op": "=", "value": "2026-01-01"}, "op", "does not apply",
                 id="= on a time"),
    pytest.param({"metric": "email_opt_in", "op": "in", "value": [True]}, "op", "does not apply", id="in on a flag"),
    pytest.param({"metric": "tags", "op": "<", "value": "vip"}, "op", "does not apply", id="< on tags"),
    pytest.param({"metric": "past_count", "op": "~", "value": 1}, "op", "does not apply", id="unknown operator"),
    pytest.param({"metric": "past_count", "value": 1}, "op", "does not apply", id="no operator"),
    pytest.param({"metric": "past_count", "op": ">="}, "value", "required", id="no value"),
    pytest.param({"metric": "past_count", "op": "between", "value": [1]}, "value", "two values",
                 id="between with one value"),
    pytest.param({"metric": "past_count", "op": "between", "value": [1, 2, 3]}, "value", "two values",
                 id="between with three values"),
    pytest.param({"metric": "past_count", "op": "between", "value": 1}, "value", "two values", id="between a number"),
    pytest.param({"metric": "past_count", "op": "in", "value": []}, "value", "non-empty", id="in an empty list"),
    pytest.param({"metric": "past_count", "op": ">=", "value": -1}, "value", "0 or more", id="negative count"),
    pytest.param({"metric": "past_count", "op": ">=", "value": 1.5}, "value", "whole number", id="fractional count"),
    pytest.param({"metric": "past_count", "op": ">=", "value": True}, "value", "whole number", id="boolean count"),
    pytest.param({"metric": "past_count", "op": ">=", "value": "3"}, "value", "whole number", id="count as text"),
    pytest.param({"metric": "past_count", "op": "between", "value": [1, -2]}, "value[1]", "0 or more",
                 id="negative count in between"),
    pytest.param({"metric": "total_spent", "op": ">=", "value": 10.0005}, "value", "at most 3 decimals",
                 id="number amount of 4 decimals"),
    pytest.param({"metric": "total_spent", "op": ">=", "value": float("nan")}, "value", "amount",
                 id="NaN number amount"),
    pytest.param({"metric": "total_spent", "op": ">=", "value": float("inf")}, "value", "amount",
                 id="infinite number amount"),
    pytest.param({"metric": "total_spent", "op": ">=", "value": True}, "value", "amount", id="boolean amount"),
    pytest.param({"metric": "total_spent", "op": ">=", "value": "-1"}, "value", "0 or more", id="negative amount"),
    pytest.param({"metric": "total_spent", "op": ">=", "value": "ten"}, "value", "not an amount", id="amount words"),
    pytest.param({"metric": "average_spent", "op": ">=", "value": "NaN"}, "value", "amount", id="NaN amount"),
    pytest.param({"metric": "total_spent", "op": "between", "value": ["1", 2.5001]}, "value[1]",
                 "at most 3 decimals", id="number amount of 4 decimals in between"),
    # amounts are kept in thousandths: a finer value could only be compared wrongly
    pytest.param({"metric": "total_spent", "op": "=", "value": "10.0005"}, "value", "at most 3 decimals",
                 id="amount of 4 decimals"),
    pytest.param({"metric": "total_spent", "op": "between", "value": ["10.0001", "11"]}, "value[0]",
                 "at most 3 decimals", id="amount of 4 decimals in between"),
    pytest.param({"metric": "average_spent", "op": ">=", "value": "0.0001"}, "value", "at most 3 decimals",
                 id="average of 4 decimals"),
    pytest.param({"metric": "gender", "op": "=", "value": "robot"}, "value", "not one of", id="unknown gender"),
    pytest.param({"metric": "rfm_tier", "op": "in", "value": ["vip"]}, "value[0]", "not one of", id="unknown tier"),
    pytest.param({"metric": "email_opt_in", "op": "=", "value": "yes"}, "value", "true or false", id="flag as text"),
    pytest.param({"metric": "city", "op": "=", "value": ""}, "value", "non-empty", id="empty city"),
    pytest.param({"metric": "tags", "op": "=", "value": 3}, "value", "string", id="tag as a number"),
    pytest.param({"metric": "last_activity_at", "op": "<", "value": "yesterday"}, "value", "ISO 8601",
                 id="time as words"),
    pytest.param({"metric": "registered_at", "op": "<", "value": {"ago": -1, "unit": "days"}}, "value.ago",
                 "0 or more", id="negative ago"),
    pytest.param({"metric": "registered_at", "op": "<", "value": {"ago": 1, "unit": "weeks"}}, "value.unit",
                 "days or months", id="ago in weeks"),
    pytest.param({**LEAF, "within": {"last": 0, "unit": "days"}}, "within.last", "1 or more", id="empty window"),
    pytest.param({**LEAF, "within": {"last": 3, "unit": "years"}}, "within.unit", "days or months",
                 id="window in years"),
    pytest.param({**LEAF, "within": {"last": 3, "unit": "days", "ago": 1}}, "within.ago", "unknown key",
                 id="unknown key in a window"),
    pytest.param({**LEAF, "within": 30}, "within", "must be", id="window as a number"),
    pytest.param({**LEAF, "within": {"from": "2026-03-01", "to": "2026-02-01"}}, "within.to", "before",
                 id="period ending before it starts"),
    pytest.param({**LEAF, "within": {"from": "2026-02-30", "to": "2026-03-01"}}, "within.from", "date",
                 id="period from no day"),
    pytest.param({**LEAF, "colour": "red"}, "colour", "unknown key", id="unknown key on a leaf"),
    pytest.param({"metric": "gender", "op": "=", "value": "female", "within": {"last": 1, "unit": "days"}},
                 "within", "unknown key", id="window on an attribute"),
    pytest.param({"metric": "tags", "op": "=", "value": "vip", "location": "Centru"}, "location", "unknown key",
                 id="narrowing an attribute"),
    pytest.param({**LEAF, "location": ""}, "location", "non-empty", id="empty location"),
    pytest.param({**LEAF, "product": 7}, "product", "non-empty string", id="product as a number"),
    pytest.param({"all": [LEAF], "any": [LEAF]}, "any", "unknown key", id="all and any together"),
    pytest.param({"all": []}, "all", "non-empty list", id="empty all"),
    pytest.param({"any": LEAF}, "any", "non-empty list", id="any of an object"),
    pytest.param({"all": [LEAF, {"any": [LEAF, {**LEAF, "op": "=>"}]}]}, "all[1].any[1].op", "does not apply",
                 id="the path of a deep mistake"),
    pytest.param({"all": [LEAF, "past_count >= 1"]}, "all[1]", "must be an object", id="a leaf as text"),
    pytest.param({"not": [LEAF]}, "not", "must be an object", id="not of a list"),
    pytest.param(nested(MAX_DEPTH + 1), ".".join(["not"] * MAX_DEPTH), "deeper than 8",
                 id="nested 9 levels deep"),
]


@pytest.mark.parametrize("condition, path, words", BAD_CONDITIONS)
def test_parse_condition_names_the_path_of_the_mistake(condition, path, words):
    with pytest.raises(ConditionError) as raised:
        parse_condition(condition)
    assert raised.value.path == path
    assert words in raised.value.message


@pytest.mark.parametrize("condition, path, words", BAD_CONDITIONS)
def test_post_groups_refuses_a_bad_condition(salon, condition, path, words):
    before = salon.get("/groups").json["items"]
    # when
    response = salon.post("/groups", json={"name": "Bad", "kind": "dynamic", "condition": condition})
    # then
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert words in " ".join(response.json["error"]["fields"][f"condition.{path}"])
    assert salon.get("/groups").json["items"] == before


@pytest.mark.parametrize("condition, path, words", BAD_CONDITIONS)
def test_preview_refuses_a_bad_condition(salon, condition, path, words):
    response = salon.post("/groups/preview", json={"condition": condition})
    assert response.status_code == 422, response.json
    assert words in " ".join(response.json["error"]["fields"][f"condition.{path}"])


#: A day at either end of the calendar overflowed on its way to UTC or to the next day: a 500.
OUT_OF_YEARS = [
    pytest.param({**LEAF, "within": {"from": "0001-01-01", "to": "2026-03-01"}}, "within.from", id="period from year 1"),
    pytest.param({"not": {**LEAF, "within": {"from": "2026-03-01", "to": "9999-12-31"}}}, "not.within.to",
                 id="period to the last day of the calendar"),
    pytest.param({"metric": "first_activity_at", "op": ">", "value": "0001-01-01T00:00:00"}, "value", id="time in year 1"),
    pytest.param({"all": [LEAF, {"metric": "registered_at", "op": "between", "value": ["2026-01-01", "9999-12-31"]}]},
                 "all[1].value[1]", id="date in year 9999"),
]


@pytest.mark.parametrize("condition, path", OUT_OF_YEARS)
def test_a_new_condition_keeps_its_dates_between_1900_and_9000(salon, condition, path):
    for response in (salon.post("/groups", json={"name": "Far", "kind": "dynamic", "condition": condition}),
                     salon.post("/groups/preview", json={"condition": condition})):
        assert response.status_code == 422, response.json
        assert response.json["error"]["fields"] == {f"condition.{path}": ["must be between the years 1900 and 9000"]}
    parse_condition(condition)  # one stored before the check still parses, so its group keeps refreshing


def test_a_group_stored_with_a_date_before_1900_keeps_refreshing_and_can_be_renamed(salon, ana):
    # ccfec36 refused such dates in the parser, which every refresh of the shop runs: a 500
    created = salon.post("/groups", json={"name": "Registered", "kind": "dynamic",
                                          "condition": {"metric": "registered_at", "op": ">", "value": "2000-01-01"}})
    group = session().get(Group, session().scalar(select(Group.id).where(Group.key == created.json["key"])))
    group.condition = {"metric": "registered_at", "op": ">", "value": "1850-01-01"}  # stored before the check
    session().commit()
    refresh_shop(salon.shop, NOW)
    session().commit()
    assert members(salon.shop, group.key) == {"ana", "bob"}
    renamed = salon.patch(f"/groups/{group.key}", json={"name": "Registered ever"})
    assert renamed.status_code == 200, renamed.json


@pytest.mark.parametrize("condition, path", [
    pytest.param({"metric": "past_count", "op": "<", "value": 10 ** 20}, "value", id="count of 10^20"),
    pytest.param({"metric": "past_count", "op": "in", "value": [1, 2 ** 63]}, "value[1]", id="count of 2^63 in a list"),
    pytest.param({"metric": "rfm_r", "op": "<", "value": 2 ** 40}, "value", id="an RFM score of 2^40"),
    pytest.param({"metric": "total_spent", "op": "<", "value": "100000000000000000"}, "value", id="amount of 10^17"),
    pytest.param({"metric": "total_spent", "op": ">", "value": "1000000000000000.001"}, "value", id="just over 10^15"),
    pytest.param({**LEAF, "within": {"last": 100_000, "unit": "months"}}, "within.last", id="window of 100000 months"),
    pytest.param({**LEAF, "within": {"last": 10 ** 7, "unit": "days"}}, "within.last", id="window of 10^7 days"),
    pytest.param({"metric": "registered_at", "op": "<", "value": {"ago": 10 ** 6, "unit": "days"}}, "value.ago",
                 id="a million days ago"),
])
def test_a_number_too_big_for_the_database_is_refused(salon, make_customer, history, condition, path):
    # given a customer with a visit, so that every aggregate has a row to work on
    history.add(salon.shop, make_customer(salon.shop, "ana"), [done(local(2026, 6, 1), "10.00")])
    # when
    response = salon.post("/groups/preview", json={"condition": condition, "now": NOW.isoformat()})
    # then
    assert response.status_code == 422
    assert f"condition.{path}" in response.json["error"]["fields"]


def test_patching_in_a_bad_condition_is_refused_and_changes_nothing(salon):
    before = salon.get("/groups/lapsing-regulars").json
    response = salon.patch("/groups/lapsing-regulars", json={"condition": {"all": [LEAF, {**LEAF, "op": "=>"}]}})
    assert response.status_code == 422
    assert "condition.all[1].op" in response.json["error"]["fields"]
    assert salon.get("/groups/lapsing-regulars").json == before


def test_a_condition_on_a_static_group_is_refused(salon):
    response = salon.post("/groups", json={"name": "Static", "condition": LEAF})
    assert response.status_code == 422
    assert "condition" in response.json["error"]["fields"]


def test_a_dynamic_group_needs_a_condition(salon):
    response = salon.post("/groups", json={"name": "Empty", "kind": "dynamic"})
    assert response.status_code == 422
    assert "condition" in response.json["error"]["fields"]


@pytest.mark.parametrize("condition", [
    pytest.param(nested(MAX_DEPTH), id="8 levels deep"),
    pytest.param({"any": [LEAF] * MAX_LEAVES}, id="50 leaves"),
    pytest.param({"all": [{"any": [LEAF] * 25}, {"not": {"any": [LEAF] * 25}}]}, id="50 leaves nested"),
])
def test_the_limits_themselves_are_allowed(salon, condition):
    assert salon.post("/groups", json={"name": "Big", "kind": "dynamic", "condition": condition}).status_code == 201


@pytest.mark.parametrize("condition", [
    pytest.param({"any": [LEAF] * (MAX_LEAVES + 1)}, id="51 leaves"),
    pytest.param({"all": [{"any": [LEAF] * 26}, {"not": {"any": [LEAF] * 25}}]}, id="51 leaves nested"),
])
def test_more_than_50_leaves_are_refused(salon, condition):
    before = salon.get("/groups").json["items"]
    with pytest.raises(ConditionError, match="at most 50"):
        parse_condition(condition)
    response = salon.post("/groups", json={"name": "Big", "kind": "dynamic", "condition": condition})
    assert response.status_code == 422
    assert "at most 50" in response.json["error"]["message"]
    assert salon.get("/groups").json["items"] == before


def test_a_mistake_in_the_whole_condition_is_named_condition(salon):
    response = salon.post("/groups/preview", json={"condition": {"any": [LEAF] * (MAX_LEAVES + 1)}})
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["condition"]


# --- meaning of times, periods, narrowings and attributes, through the preview at a fixed now ----

@pytest.fixture
def ana(salon, make_customer, history):
    """Ana: registered at local midnight of 1 January 2026 (22:00 UTC on 31 December), a visit
    just after local midnight on 10 June (21:30 UTC on 9 June), one online with items, a
    booking, tags, a campaign."""
    shop = salon.shop
    customer = make_customer(
        shop, "ana", registered_at=local(2026, 1, 1), gender="female", city="Cluj", email_opt_in=True,
        tags=["vip", "new"],
    )
    history.add(shop, customer, [
        done(local(2026, 6, 10, 0, 30), "40.00", location="Centru"),
        done(local(2026, 3, 2, 18), "20.50", channel="online", location="Nord", products=("p1", "p2"),
             categories=("hair",), staff=("maria",)),
        booked(local(2026, 6, 20, 10), "30.00", staff=("ioana",)),
        cancelled(local(2026, 6, 12, 10), "99.00", location="Centru"),
        done(local(2026, 6, 25, 10), "70.00"),      # completed in the future: not past
    ])
    history.deliver(shop, customer, "spring", local(2026, 6, 1, 12))
    history.deliver(shop, customer, "summer", local(2026, 6, 16, 12))   # after now: not received yet
    make_customer(shop, "bob", registered_at=local(2026, 5, 1), gender="male")
    return customer


def matches(salon, condition, now=NOW) -> set[str]:
    response = salon.post("/groups/preview", json={"condition": condition, "now": now.isoformat(), "sample_size": 100})
    assert response.status_code == 200, response.json
    return {customer["external_id"] for customer in response.json["sample"]}


@pytest.mark.parametrize("condition, ana_matches", [
    pytest.param({"metric": "total_spent", "op": ">=", "value": 60.5}, True, id="a JSON number"),
    pytest.param({"metric": "total_spent", "op": ">=", "value": 60.501}, False, id="a JSON number of 3 decimals"),
    pytest.param({"metric": "total_spent", "op": ">=", "value": "60.5000"}, True, id="text with trailing zeros"),
    pytest.param({"metric": "total_spent", "op": "between", "value": [60.5, 61]}, True, id="numbers in between"),
    pytest.param({"metric": "total_spent", "op": "between", "value": [0.1, 60.499]}, False,
                 id="numbers in between, just below"),
    pytest.param({"metric": "total_spent", "op": "<", "value": "5000000000000"}, True,
                 id="a lifetime in VND: 5 * 10^12"),
    pytest.param({"metric": "total_spent", "op": "<", "value": 10 ** 15}, True, id="the largest amount, 10^15"),
])
def test_an_amount_may_be_a_json_number(salon, ana, condition, ana_matches):
    # given Ana's past spending of 60.50; when the amount comes as a JSON number, then it is
    # compared exactly as its text would be, in the preview and in a saved group
    assert ("ana" in matches(salon, condition)) is ana_matches
    response = salon.post("/groups", json={"name": "Spenders", "kind": "dynamic", "condition": condition})
    assert response.status_code == 201, response.json


def last_visit(op, value):
    return {"metric": "last_activity_at", "op": op, "value": value}


@pytest.mark.parametrize("condition, ana_matches", [
    # a date is the whole local day: ana's last visit is 00:30 on 10 June in Bucharest
    (last_visit(">=", "2026-06-10"), True),
    (last_visit("<", "2026-06-10"), False),
    (last_visit("<=", "2026-06-09"), False),
    (last_visit(">", "2026-06-09"), True),
    (last_visit(">", "2026-06-10"), False),
    (last_visit("<=", "2026-06-10"), True),
    (last_visit("between", ["2026-06-10", "2026-06-10"]), True),
    (last_visit("between", ["2026-06-01", "2026-06-09"]), False),
    # a datetime without an offset is local; with one it is that instant
    (last_visit("<", "2026-06-10T00:30:00"), False),
    (last_visit("<=", "2026-06-10T00:30:00"), True),
    (last_visit(">=", "2026-06-09T21:30:00+00:00"), True),
    (last_visit(">", "2026-06-09T21:30:00+00:00"), False),
    (last_visit("between", ["2026-06-01", "2026-06-10T00:29:59"]), False),
    # relative times: now − 5 days is 10 June 12:00
    (last_visit(">=", {"ago": 5, "unit": "days"}), False),
    (last_visit(">=", {"ago": 6, "unit": "days"}), True),
    (last_visit("between", [{"ago": 1, "unit": "months"}, {"ago": 0, "unit": "days"}]), True),
    ({"metric": "first_activity_at", "op": "<", "value": "2026-03-03"}, True),
    ({"metric": "first_activity_at", "op": "<", "value": "2026-03-02"}, False),
    # registered at local midnight, 1 January
    ({"metric": "registered_at", "op": "<", "value": "2026-01-01"}, False),
    ({"metric": "registered_at", "op": "<=", "value": "2025-12-31"}, False),
    ({"metric": "registered_at", "op": ">=", "value": "2026-01-01"}, True),
    ({"metric": "registered_at", "op": "<", "value": "2026-01-01T00:00:01"}, True),
    # periods of whole local days, past activities only
    ({**LEAF, "within": {"from": "2026-06-10", "to": "2026-06-10"}}, True),
    ({**LEAF, "within": {"from": "2026-06-01", "to": "2026-06-09"}}, False),
    ({"metric": "past_count", "op": "=", "value": 1, "within": {"from": "2026-06-01", "to": "2026-12-31"}}, True),
    ({"metric": "upcoming_count", "op": "=", "value": 1, "within": {"from": "2026-06-01", "to": "2026-12-31"}}, True),
    ({"metric": "upcoming_count", "op": "=", "value": 0, "within": {"from": "2026-06-21", "to": "2026-12-31"}}, True),
    # windows
    ({"metric": "past_count", "op": "=", "value": 1, "within": {"last": 3, "unit": "months"}}, True),
    ({"metric": "past_count", "op": "=", "value": 1, "within": {"last": 104, "unit": "days"}}, True),   # from 3 Mar 12:00
    ({"metric": "past_count", "op": "=", "value": 2, "within": {"last": 105, "unit": "days"}}, True),   # from 2 Mar 12:00
    ({"metric": "upcoming_count", "op": "=", "value": 0, "within": {"last": 4, "unit": "days"}}, True),    # to 19 Jun 12:00
    ({"metric": "upcoming_count", "op": "=", "value": 1, "within": {"last": 5, "unit": "days"}}, True),    # to 20 Jun 12:00
    # amounts: 40.00 + 20.50 past; the cancelled 99.00, the booked 30.00, the future 70.00 do not count
    ({"metric": "total_spent", "op": "=", "value": "60.50"}, True),
    ({"metric": "total_spent", "op": "=", "value": "60.5"}, True),
    ({"metric": "total_spent", "op": "between", "value": ["60.5", "60.5"]}, True),
    ({"metric": "average_spent", "op": "=", "value": "30.25"}, True),
    ({"metric": "average_spent", "op": ">", "value": "30.249"}, True),
    ({"metric": "average_spent", "op": "<", "value": "30.25"}, False),
    ({"metric": "total_spent", "op": ">", "value": "0", "location": "Centru"}, True),
    ({"metric": "total_spent", "op": "=", "value": "40", "location": "Centru"}, True),
    # narrowings
    ({"metric": "online_count", "op": "=", "value": 1}, True),
    ({"metric": "online_count", "op": "=", "value": 0, "within": {"last": 3, "unit": "months"}}, True),
    ({**LEAF, "product": "p2"}, True),
    ({**LEAF, "product": "p3"}, False),
    ({**LEAF, "category": "hair", "location": "Nord"}, True),
    ({**LEAF, "category": "hair", "location": "Centru"}, False),
    ({**LEAF, "staff": "maria"}, True),
    ({**LEAF, "staff": "ioana"}, False),
    ({"metric": "upcoming_count", "op": "=", "value": 1, "staff": "ioana"}, True),
    ({"metric": "past_count", "op": "=", "value": 0, "location": "centru"}, True),   # exact, case and all
    # attributes
    ({"metric": "gender", "op": "in", "value": ["female", "other"]}, True),
    ({"metric": "city", "op": "=", "value": "Cluj"}, True),
    ({"metric": "city", "op": "=", "value": "cluj"}, False),
    ({"metric": "email_opt_in", "op": "=", "value": True}, True),
    ({"metric": "sms_opt_in", "op": "!=", "value": False}, False),
    ({"metric": "tags", "op": "=", "value": "vip"}, True),
    ({"metric": "tags", "op": "!=", "value": "vip"}, False),
    ({"metric": "tags", "op": "in", "value": ["gold", "new"]}, True),
    ({"metric": "received_campaign", "op": "=", "value": "spring"}, True),
    ({"metric": "received_campaign", "op": "=", "value": "summer"}, False),
    ({"metric": "received_campaign", "op": "!=", "value": "summer"}, True),
    ({"metric": "received_campaign", "op": "=", "value": "*", "within": {"last": 15, "unit": "days"}}, True),
    ({"metric": "received_campaign", "op": "=", "value": "*", "within": {"last": 14, "unit": "days"}}, False),  # sent on the edge
    ({"metric": "received_campaign", "op": "=", "value": "spring", "within": {"from": "2026-06-01", "to": "2026-06-01"}}, True),
])
def test_what_a_leaf_means(salon, ana, condition, ana_matches):
    assert ("ana" in matches(salon, condition)) is ana_matches


@pytest.mark.parametrize("condition, bob_matches", [
    # bob has no activity, no tags, no campaign
    ({"metric": "average_spent", "op": ">=", "value": "0"}, False),
    ({"not": {"metric": "average_spent", "op": ">=", "value": "0"}}, True),
    ({"metric": "average_spent", "op": "!=", "value": "5"}, False),
    ({"metric": "last_activity_at", "op": "<", "value": "2100-01-01"}, False),
    ({"not": {"metric": "first_activity_at", "op": ">", "value": "2000-01-01"}}, True),
    ({"metric": "total_spent", "op": "=", "value": "0"}, True),
    ({"metric": "past_count", "op": "=", "value": 0}, True),
    ({"metric": "tags", "op": "!=", "value": "vip"}, True),
    ({"metric": "received_campaign", "op": "!=", "value": "*"}, True),
    ({"metric": "birthday_within_days", "op": ">=", "value": 0}, False),
    ({"not": {"metric": "birthday_within_days", "op": "<=", "value": 400}}, True),
    ({"metric": "rfm_r", "op": "!=", "value": 3}, False),
    ({"metric": "rfm_tier", "op": "=", "value": "prospect"}, True),
])
def test_leaves_on_a_customer_with_nothing(salon, ana, condition, bob_matches):
    assert ("bob" in matches(salon, condition)) is bob_matches


@pytest.mark.parametrize("now, condition, ana_matches", [
    # 25 October 2026 has 25 hours in Bucharest: it ends at 22:00 UTC, not 21:00
    (local(2026, 11, 10, 12), {"metric": "registered_at", "op": "<=", "value": "2026-10-25"}, True),
    (local(2026, 11, 10, 12), {"metric": "registered_at", "op": ">", "value": "2026-10-25"}, False),
    (local(2026, 11, 10, 12), {"metric": "registered_at", "op": ">=", "value": "2026-10-25"}, True),
    (local(2026, 11, 10, 12), {"metric": "registered_at", "op": "<", "value": "2026-10-26"}, True),
])
def test_a_date_across_the_dst_change_is_the_whole_local_day(salon, make_customer, now, condition, ana_matches):
    make_customer(salon.shop, "ana", registered_at=utc("2026-10-25T21:30:00"))   # 23:30 EET on the 25th
    assert ("ana" in matches(salon, condition, now)) is ana_matches


# --- preview ------------------------------------------------------------------------------------

def test_preview_counts_and_samples_without_saving(salon, make_customer, history):
    # given five customers, three of whom visited
    shop = salon.shop
    for name in ("a", "b", "c", "d", "e"):
        customer = make_customer(shop, name)
        if name in "ace":
            history.add(shop, customer, [done(local(2026, 6, 1), "10.00")])
    groups_before = salon.get("/groups").json["items"]
    # when
    response = salon.post("/groups/preview", json={"condition": LEAF, "now": NOW.isoformat(), "sample_size": 2})
    # then: the count and share are of all customers; the sample is the first two, in order
    assert response.status_code == 200
    assert response.json["count"] == 3
    assert response.json["share"] == pytest.approx(3 / 5)
    assert [customer["external_id"] for customer in response.json["sample"]] == ["a", "c"]
    assert salon.get("/groups").json["items"] == groups_before
    assert session().scalar(select(func.count()).select_from(MembershipEvent).where(
        MembershipEvent.source == "condition")) == 0


def test_preview_of_an_empty_shop(salon):
    response = salon.post("/groups/preview", json={"condition": LEAF})
    assert response.status_code == 200
    assert response.json == {"count": 0, "share": 0.0, "sample": []}


def test_preview_now_must_have_an_offset(salon):
    response = salon.post("/groups/preview", json={"condition": LEAF, "now": "2026-06-15T12:00:00"})
    assert response.status_code == 422
    assert "now" in response.json["error"]["fields"]


@pytest.mark.parametrize("now", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:00+00:00"])
def test_preview_now_must_leave_room_for_the_windows(salon, now):
    # a window of 12 months before year 1, or a birthday after 9999, has no date
    condition = {"all": [{**LEAF, "within": {"last": 12, "unit": "months"}},
                         {"metric": "birthday_within_days", "op": "<=", "value": 30}]}
    response = salon.post("/groups/preview", json={"condition": condition, "now": now})
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"] == {"now": ["must be between the years 1900 and 9000"]}


# --- why ------------------------------------------------------------------------------------------

REGULARS = {"all": [
    {"metric": "past_count", "op": ">=", "value": 3},
    {"metric": "total_spent", "op": ">=", "value": "100.00"},
    {"not": {"metric": "tags", "op": "=", "value": "staff"}},
]}


@pytest.fixture
def regulars(salon, make_customer, history):
    """A dynamic group (3+ visits, 100.00+ spent, not staff); ana is in it, bob is not."""
    shop = salon.shop
    now = utcnow()
    ana = make_customer(shop, "ana", first_name="Ana", last_name="Pop")
    history.add(shop, ana, [done(now - timedelta(days=days), "50.00") for days in (10, 20, 30)])
    bob = make_customer(shop, "bob", first_name="Bob", tags=["staff"])
    history.add(shop, bob, [done(now - timedelta(days=5), "20.00"), cancelled(now - timedelta(days=4), "80.00")])
    make_customer(shop, "cid")
    response = salon.post("/groups", json={"name": "Regulars", "kind": "dynamic", "condition": REGULARS})
    assert response.status_code == 201, response.json
    assert response.json["size"] == 1
    return response.json["key"]


def test_why_a_member_is_in(salon, regulars):
    response = salon.get(f"/groups/{regulars}/members/ana/why")
    assert response.status_code == 200
    body = response.json
    assert body["member"] is True and body["matches"] is True
    assert body["source"] == "condition"
    assert body["reason"] == "Ana Pop matches the condition of Regulars."
    assert [(leaf["path"], leaf["condition"], leaf["value"], leaf["matched"]) for leaf in body["leaves"]] == [
        ("all[0]", REGULARS["all"][0], 3, True),
        ("all[1]", REGULARS["all"][1], "150.00", True),
        ("all[2].not", REGULARS["all"][2]["not"], [], False),
    ]


def test_why_a_non_member_is_out(salon, regulars):
    body = salon.get(f"/groups/{regulars}/members/bob/why").json
    assert body["member"] is False and body["matches"] is False
    assert body["source"] is None and body["since"] is None
    assert "does not match" in body["reason"]
    assert [(leaf["path"], leaf["value"], leaf["matched"]) for leaf in body["leaves"]] == [
        ("all[0]", 1, False),
        ("all[1]", "20.00", False),          # the cancelled 80.00 does not count
        ("all[2].not", ["staff"], True),
    ]


def test_why_as_of_an_earlier_now(salon, regulars):
    # 15 days ago only ana's visit 20 and 30 days back had happened: 2 visits, 100.00
    earlier = (utcnow() - timedelta(days=15)).isoformat()
    body = salon.get(f"/groups/{regulars}/members/ana/why", query_string={"now": earlier}).json
    assert body["member"] is True and body["matches"] is False
    assert [(leaf["value"], leaf["matched"]) for leaf in body["leaves"]][:2] == [(2, False), ("100.00", True)]
    refused = salon.get(f"/groups/{regulars}/members/ana/why", query_string={"now": "0001-01-01T00:00:00+00:00"})
    assert refused.status_code == 422 and "now" in refused.json["error"]["fields"]


def test_why_a_customer_with_nothing_is_out(salon, regulars):
    body = salon.get(f"/groups/{regulars}/members/cid/why").json
    assert body["matches"] is False
    assert [(leaf["value"], leaf["matched"]) for leaf in body["leaves"]] == [(0, False), ("0.00", False), ([], False)]


def test_why_shows_times_averages_and_birthdays(salon, make_customer, history):
    # given ana, whose birthday is in 3 local days, with visits of 10.00 and 20.00
    shop = salon.shop
    now = utcnow()
    in_three_days = now.astimezone(ZONE).date() + timedelta(days=3)
    ana = make_customer(shop, "ana", birthday=in_three_days.replace(year=1992))
    visit = (now - timedelta(days=2)).replace(microsecond=0)
    history.add(shop, ana, [done(visit, "10.00"), done(visit - timedelta(days=1), "20.00")])
    condition = {"all": [
        {"metric": "last_activity_at", "op": ">=", "value": {"ago": 7, "unit": "days"}},
        {"metric": "average_spent", "op": ">", "value": "14.999"},
        {"metric": "birthday_within_days", "op": "<=", "value": 30},
    ]}
    key = salon.post("/groups", json={"name": "Soon", "kind": "dynamic", "condition": condition}).json["key"]
    # when
    leaves = salon.get(f"/groups/{key}/members/ana/why").json["leaves"]
    # then each leaf shows her own value: an ISO 8601 instant, the mean amount, days to go
    assert [leaf["matched"] for leaf in leaves] == [True, True, True]
    assert datetime.fromisoformat(leaves[0]["value"]) == visit
    assert leaves[1]["value"] == "15.00"
    assert leaves[2]["value"] == 3


def test_why_shows_the_amount_the_verdict_was_made_on(salon, make_customer, history):
    # given a customer who spent 10.005 (amounts may have 3 decimals) and a group for exactly that
    shop = salon.shop
    history.add(shop, make_customer(shop, "ana"), [done(utcnow() - timedelta(days=1), "10.005")])
    condition = {"metric": "total_spent", "op": "=", "value": "10.005"}
    key = salon.post("/groups", json={"name": "Exact", "kind": "dynamic", "condition": condition}).json["key"]
    # when
    leaf, = salon.get(f"/groups/{key}/members/ana/why").json["leaves"]
    # then the value shown is the one compared, not one rounded to cents that contradicts the verdict
    assert leaf["matched"] is True
    assert leaf["value"] == "10.005"


def test_why_on_an_unknown_group_or_customer_is_a_404(salon, regulars):
    assert salon.get("/groups/nope/members/ana/why").status_code == 404
    assert salon.get(f"/groups/{regulars}/members/nobody/why").status_code == 404
