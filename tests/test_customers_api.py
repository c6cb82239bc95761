"""Customer search: name, phone, email, card number; narrowed to a group; numbered pages."""
from __future__ import annotations

import pytest


@pytest.fixture
def people(shop, make_customer, make_group):
    make_customer(shop.shop, "a1", first_name="Maria", last_name="Popescu", email="maria@shop.ro",
                  phone="+40711111111", card_number="CARD-001")
    make_customer(shop.shop, "a2", first_name="Mario", last_name="Rossi", email="mario@it.it", phone="+39022222222")
    make_customer(shop.shop, "a3", first_name="Elena", last_name="Marin", email="elena@shop.ro", card_number="CARD-002")
    make_group(shop.shop, "VIP")
    shop.post("/groups/vip/members", json={"customer_ids": ["a3"]})


@pytest.mark.parametrize("q, expected", [
    ("mari", ["a1", "a2", "a3"]),   # first names and a last name starting with it
    ("maria popescu", ["a1"]),
    ("popescu maria", ["a1"]),
    ("+39", ["a2"]),
    ("ELENA@", ["a3"]),
    ("CARD-002", ["a3"]),
    ("zzz", []),
    ("%", []),
])
def test_search(shop, people, q, expected):
    response = shop.get("/customers", query_string={"q": q})
    assert response.status_code == 200
    assert [item["external_id"] for item in response.json["items"]] == expected


def test_search_within_a_group(shop, people):
    response = shop.get("/customers", query_string={"q": "mar", "group": "vip"})
    assert [item["external_id"] for item in response.json["items"]] == ["a3"]


def test_numbered_pages(shop, people):
    first = shop.get("/customers?per_page=2").json
    second = shop.get("/customers?per_page=2&page=2").json
    assert [c["external_id"] for c in first["items"]] == ["a1", "a2"] and first["next_page"] == 2
    assert [c["external_id"] for c in second["items"]] == ["a3"] and second["next_page"] is None


def test_unknown_group_is_404(shop, people):
    assert shop.get("/customers?group=nope").status_code == 404


def test_filter_by_condition_and_sort_by_spent(shop, people):
    from datetime import datetime, timedelta, timezone
    when = datetime.now(timezone.utc) - timedelta(days=3)
    for external_id, customer, amount in [("o1", "a1", "10.00"), ("o2", "a2", "99.50"), ("o3", "a2", "0.50")]:
        shop.post("/events/activities", json={"external_id": external_id, "customer_external_id": customer,
                                              "occurred_at": when.isoformat(), "amount": amount})
    condition = '{"metric": "past_count", "within": {"last": 7, "unit": "days"}, "op": ">=", "value": 1}'
    response = shop.get("/customers", query_string={"condition": condition, "sort": "-spent"})
    assert [(c["external_id"], c["spent"], c["visits"]) for c in response.json["items"]] == [
        ("a2", "100.00", 2), ("a1", "10.00", 1)]
    assert shop.get("/customers", query_string={"sort": "name"}).json["items"][0]["external_id"] == "a3"


@pytest.mark.parametrize("condition, field", [
    ("{nope", "condition"),
    ('{"metric": "shoe_size", "op": "=", "value": 1}', "condition.metric"),
    ("[" * 5000 + "]" * 5000, "condition"),  # deeper than the JSON parser goes: was a 500
    ('{"metric": "city", "op": "=", "value": "Cluj\\u0000"}', "condition.value"),  # a NUL: a 500 on PostgreSQL
])
def test_bad_filters_are_422(shop, people, condition, field):
    response = shop.get("/customers", query_string={"condition": condition})
    assert response.status_code == 422 and field in response.json["error"]["fields"]


@pytest.mark.parametrize("q", ["+40 721", "+40 721 000 111", "+40"])
def test_a_phone_stored_with_spaces_is_found_as_written(shop, make_customer, q):
    make_customer(shop.shop, "s1", first_name="Ana", phone="+40 721 000 111")
    make_customer(shop.shop, "s2", first_name="Dan", phone="+40 731 000 222")
    response = shop.get("/customers", query_string={"q": q})
    expected = ["s1", "s2"] if q == "+40" else ["s1"]
    assert [item["external_id"] for item in response.json["items"]] == expected


@pytest.mark.parametrize("query", [{"q": "ana\x00"}, {"group": "vip\x00"}, {"sort": "\x00"}])
def test_a_nul_in_the_query_string_is_422_naming_the_argument(shop, people, query):
    # given: %00 reached PostgreSQL in the search (a 500), where SQLite searched for it
    response = shop.get("/customers", query_string=query)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == list(query)
