"""POST /checkout/evaluate: the customer's groups and the shop's rules as they are right now."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from plugin.db import session
from plugin.models import PricingRule, Shop
from plugin.models.shop import new_revision
from plugin.rule_schemas import PricedCartSchema

from .test_rules_api import VIP_SHOES

CART = {"currency": "EUR", "now": "2026-11-23T12:00:00+01:00",
        "lines": [{"id": "l1", "product_id": "p1", "category_ids": ["shoes"], "unit_price": "100.00", "quantity": 2}]}
SPEC_PRICED = {
    "currency": "EUR",
    "lines": [{"id": "l1", "quantity": 2, "base_unit_price": "100.00", "unit_price": "100.00",
               "subtotal": "200.00", "discount": "40.00", "total": "160.00",
               "adjustments": [{"rule_id": "r1", "rule_name": "VIP 20% on shoes", "kind": "discount", "amount": "-40.00"}]}],
    "gifts": [], "subtotal": "200.00", "surcharge_total": "0.00", "discount_total": "40.00", "total": "160.00",
    "applied_rules": ["r1"],
}


@pytest.fixture
def vip_shop(shop, make_group, make_customer):
    make_group(shop.shop, "VIP")
    make_customer(shop.shop, "ana")
    make_customer(shop.shop, "dan")
    shop.post("/groups/vip/members", json={"customer_ids": ["ana"]})
    shop.post("/rules", json=VIP_SHOES)
    return shop


def evaluate(shop, customer_id=None, **cart):
    body = {**CART, **cart, **({"customer_id": customer_id} if customer_id else {})}
    return shop.post("/checkout/evaluate", json=body)


def test_the_spec_example_for_a_vip_customer(vip_shop):
    response = evaluate(vip_shop, "ana")
    assert response.status_code == 200
    assert response.json == SPEC_PRICED
    assert PricedCartSchema().validate(response.json) == {}


def test_a_customer_outside_the_group_pays_the_base_price(vip_shop):
    assert evaluate(vip_shop, "dan").json["total"] == "200.00"


@pytest.mark.parametrize("customer_id", [None, "never-seen"])
def test_guests_and_unknown_customers_are_priced_as_guests(vip_shop, customer_id):
    vip_shop.post("/rules", json={**VIP_SHOES, "id": "g1", "name": "Guests pay 5% more", "kind": "increase",
                                  "groups": ["guests"], "value": {"type": "percent", "amount": "5"}, "conditions": {}})
    response = evaluate(vip_shop, customer_id)
    assert response.json["total"] == "210.00"
    assert response.json["applied_rules"] == ["g1"]


def test_a_membership_change_shows_at_the_very_next_evaluate(vip_shop):
    assert evaluate(vip_shop, "dan").json["total"] == "200.00"
    vip_shop.post("/groups/vip/members", json={"customer_ids": ["dan"]})
    assert evaluate(vip_shop, "dan").json["total"] == "160.00"
    vip_shop.delete("/groups/vip/members/dan")
    assert evaluate(vip_shop, "dan").json["total"] == "200.00"


def test_a_rule_change_shows_at_the_very_next_evaluate(vip_shop):
    assert evaluate(vip_shop, "ana").json["total"] == "160.00"
    vip_shop.patch("/rules/r1", json={"value": {"type": "percent", "amount": "50"}})
    assert evaluate(vip_shop, "ana").json["total"] == "100.00"
    vip_shop.patch("/rules/r1", json={"enabled": False})
    assert evaluate(vip_shop, "ana").json["total"] == "200.00"


def test_a_change_made_by_another_process_is_seen_through_the_revision(vip_shop):
    assert evaluate(vip_shop, "ana").json["total"] == "160.00"
    # given: another process rewrote the rule and bumped the revision, bypassing this process
    changed = {**VIP_SHOES, "value": {"type": "percent", "amount": "10"}}
    session().execute(update(PricingRule).values(definition=changed))
    session().execute(update(Shop).values(rules_revision=new_revision()))
    session().commit()
    # then
    assert evaluate(vip_shop, "ana").json["total"] == "180.00"


@pytest.mark.parametrize("cart, field", [
    ({"groups": ["vip"]}, "groups"),
    ({"currency": "USD"}, "currency"),
    ({"currency": "XXQ"}, "currency"),
    ({"lines": [{**CART["lines"][0], "quantity": 0}]}, "lines[0].quantity"),
    ({"lines": [{**CART["lines"][0], "unit_price": "-1.00"}]}, "lines[0].unit_price"),
    ({"lines": [{**CART["lines"][0], "unit_price": 10.5}]}, "lines[0].unit_price"),
    ({"customer_id": 7}, "customer_id"),
    ({"customer_id": "ana\x00"}, "customer_id"),  # a NUL reached PostgreSQL with the key: a 500
    ({"lines": [{**CART["lines"][0], "product_id": "p\udc00"}]}, "lines[0].product_id"),  # a lone surrogate
])
def test_bad_carts_are_422_naming_the_field(vip_shop, cart, field):
    response = vip_shop.post("/checkout/evaluate", json={**CART, **cart})
    assert response.status_code == 422
    assert field in response.json["error"]["fields"], response.json


def test_malformed_json_is_400(vip_shop):
    response = vip_shop.client.post("/api/customer-groups/v1/checkout/evaluate", data="{",
                                    headers={**vip_shop.headers, "Content-Type": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/checkout/evaluate", "/rules", "/rules/simulate", "/groups", "/groups/preview"])
def test_json_nested_deeper_than_the_parser_goes_is_400_not_500(vip_shop, path):
    # given: Python's JSON parser raises RecursionError past ~1000 levels, which answered 500
    body = '{"lines": ' + "[" * 5000 + "]" * 5000 + "}"
    # when
    response = vip_shop.client.post("/api/customer-groups/v1" + path, data=body,
                                    headers={**vip_shop.headers, "Content-Type": "application/json"})
    # then
    assert response.status_code == 400, response.json
    assert response.json["error"]["message"] == "The request body is JSON nested too deeply to read."


def test_a_shop_prices_only_with_its_own_rules_and_customers(vip_shop, make_shop, make_group, make_customer):
    other = make_shop("Other")
    make_group(other.shop, "VIP")
    make_customer(other.shop, "ana")
    assert evaluate(other, "ana").json["total"] == "200.00"


def test_simulate_prices_with_given_rules_and_groups_and_saves_nothing(vip_shop):
    trial = {**VIP_SHOES, "id": "t1", "name": "Trial 50%", "value": {"type": "percent", "amount": "50"},
             "conditions": {"min_subtotal": "500.00"}}
    response = vip_shop.post("/rules/simulate", json={"cart": {**CART, "groups": ["vip"]}, "rules": [trial]})
    assert response.status_code == 200
    assert response.json["total"] == "200.00"
    assert "subtotal below 500.00 EUR" in response.json["trace"][0]["message"]
    assert [rule["id"] for rule in vip_shop.get("/rules").json["items"]] == ["r1"]


def test_simulate_with_the_shops_rules_for_a_customer(vip_shop):
    response = vip_shop.post("/rules/simulate", json={"cart": {**CART, "customer_id": "ana"}})
    assert response.json["total"] == "160.00" and response.json["trace"][0]["applied"] is True


def test_simulate_names_the_bad_rule_field(vip_shop):
    bad = {**VIP_SHOES, "value": {"type": "percent", "amount": "101"}}
    response = vip_shop.post("/rules/simulate", json={"cart": CART, "rules": [bad]})
    assert response.status_code == 422
    assert "rules[0].value.amount" in response.json["error"]["fields"]


def test_simulate_refuses_a_field_it_does_not_take(vip_shop):
    # a mistyped "rule" priced the cart with the shop's own rules, as if the trial rule were there
    trial = {**VIP_SHOES, "value": {"type": "percent", "amount": "50"}}
    response = vip_shop.post("/rules/simulate", json={"cart": {**CART, "groups": ["vip"]}, "rule": [trial]})
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["rule"]
