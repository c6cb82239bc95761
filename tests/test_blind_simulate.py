"""The blind SPEC §2 carts of tests/rules/blind_cases_*.py through POST /rules/simulate: the same
hand-computed answers over HTTP, and bad input a 400/422 whose body names the field."""
from __future__ import annotations

import pytest

from tests.conftest import api_path
from tests.rules.blind_cases_edges import BAD_INPUTS as MORE_BAD_INPUTS, CASES as EDGE_CASES
from tests.rules.blind_cases_rules import BAD_INPUTS as SPEC_BAD_INPUTS, CASES as RULE_CASES
from tests.rules.blind_cases_stages import CASES as STAGE_CASES
from tests.rules.blind_spec_builders import project

CASES = STAGE_CASES + RULE_CASES + EDGE_CASES
BAD_INPUTS = SPEC_BAD_INPUTS + MORE_BAD_INPUTS


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_simulate_prices_the_cart_as_computed_by_hand(make_shop, case):
    # given
    shop = make_shop(currency=case.cart["currency"])
    # when
    response = shop.post("/rules/simulate", json={"cart": case.cart, "rules": case.rules})
    # then
    assert response.status_code == 200, response.get_json()
    assert project(response.get_json()) == case.expected(), case.cite


@pytest.mark.parametrize("name, cite, rules, bad_cart, field", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_simulate_refuses_bad_input_naming_the_field(shop, name, cite, rules, bad_cart, field):
    response = shop.post("/rules/simulate", json={"cart": bad_cart, "rules": rules})
    assert response.status_code in (400, 422), cite
    error = response.get_json()["error"]
    assert field in error["fields"], error


def test_simulate_refuses_malformed_json(shop, client):
    response = client.post(api_path("/rules/simulate"), data='{"cart": {', headers=shop.headers,
                           content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]["message"]
