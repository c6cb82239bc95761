"""An activity's amount reads the same through every door: the JSON API, a CSV's Python loader
and a CSV's whole-file SQL on PostgreSQL (review: the API refused "12.5000", which imports take)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from plugin.db import session
from plugin.imports.checks import certifies
from plugin.schemas import ActivityInSchema


@pytest.mark.parametrize("amount, answered", [("12.5000", "12.50"), ("7.0000000", "7.00"), ("3.2500", "3.25")])
def test_an_activity_event_takes_zeros_past_the_thousandth_as_imports_do(shop, amount, answered):
    shop.post("/events/customers", json={"external_id": "u-1"})
    response = shop.post("/events/activities", json={"external_id": "o-1", "customer_external_id": "u-1",
                                                     "amount": amount})
    assert response.status_code == 201, response.json
    assert response.json["activity"]["amount"] == answered


@pytest.mark.parametrize("amount", ["12.5001", "12.", ".5", "1e3", "-1"])
def test_an_activity_event_still_refuses_a_fourth_decimal_and_other_spellings(shop, amount):
    shop.post("/events/customers", json={"external_id": "u-1"})
    response = shop.post("/events/activities", json={"external_id": "o-1", "customer_external_id": "u-1",
                                                     "amount": amount})
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["amount"]


@pytest.mark.parametrize("cell, certified", [("12.5000", True), ("12.500", True), ("12.5001", False)])
def test_the_whole_file_sql_certifies_trailing_zeros_rather_than_every_amount_falling_back(
        app, database_url, cell, certified):
    if not database_url.startswith("postgresql"):
        pytest.skip("the whole-file SQL runs on PostgreSQL")
    check = certifies(ActivityInSchema().fields["amount"], "cell", "UTC")
    assert session().scalar(text(f"SELECT {check} FROM (VALUES (:cell)) AS t(cell)"), {"cell": cell}) is certified
