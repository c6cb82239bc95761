"""Checkout and simulate against SPEC §2 and §4, by hand-computed carts sent over HTTP."""
from __future__ import annotations

JPY_RULES = [
    {"id": "i", "name": "Peak", "kind": "increase", "groups": ["vip"], "value": {"type": "percent", "amount": "2.5"}},
    {"id": "d", "name": "Ten off", "kind": "discount", "groups": ["vip"], "combinable": True,
     "value": {"type": "fixed", "amount": "10.5"}},
    {"id": "o", "name": "Order 1000", "kind": "discount", "groups": ["vip"],
     "value": {"type": "order_fixed", "amount": "1000"}},
    {"id": "g", "name": "Tote", "kind": "gift", "groups": ["vip"], "repeat": True, "max_per_order": 5,
     "trigger": {"products": ["p1"], "min_subtotal": "5000"}, "gift": {"product_id": "tote", "name": "Tote"}},
]
JPY_CART = {"currency": "JPY", "now": "2026-11-23T12:00:00+09:00",
            "lines": [{"id": "l1", "product_id": "p1", "unit_price": "5999", "quantity": 2},
                      {"id": "l2", "product_id": "p2", "unit_price": "1001", "quantity": 3}]}


def test_a_vip_checkout_in_yen_priced_to_the_letter(make_shop, make_group, make_customer):
    # given: a JPY shop whose VIP customer meets an increase, a fixed discount finer than a yen,
    # an order discount and a repeated gift
    shop = make_shop("Tokyo", currency="JPY")
    make_group(shop.shop, "VIP")
    make_customer(shop.shop, "ana")
    shop.post("/groups/vip/members", json={"customer_ids": ["ana"]})
    for rule in JPY_RULES:
        assert shop.post("/rules", json=rule).status_code == 201

    # when
    response = shop.post("/checkout/evaluate", json={**JPY_CART, "customer_id": "ana"})

    # then
    # +2.5%: 5999 -> 149.975 -> 150 (6149), 1001 -> 25.025 -> 25 (1026); surcharge 300 + 75.
    # 10.5 off a unit: 21 on l1, 31.5 -> 32 on l2 (rounded per line). Left 12277 and 3046:
    # 1000 spreads 801.21 and 198.79 -> 801 + 198, the yen left to l2. p1 holds 11998 base,
    # twice 5000: two totes.
    assert response.status_code == 200
    assert response.json == {
        "currency": "JPY",
        "lines": [
            {"id": "l1", "quantity": 2, "base_unit_price": "5999", "unit_price": "6149", "subtotal": "11998",
             "discount": "822", "total": "11476",
             "adjustments": [{"rule_id": "i", "rule_name": "Peak", "kind": "increase", "amount": "300"},
                             {"rule_id": "d", "rule_name": "Ten off", "kind": "discount", "amount": "-21"},
                             {"rule_id": "o", "rule_name": "Order 1000", "kind": "discount", "amount": "-801"}]},
            {"id": "l2", "quantity": 3, "base_unit_price": "1001", "unit_price": "1026", "subtotal": "3003",
             "discount": "231", "total": "2847",
             "adjustments": [{"rule_id": "i", "rule_name": "Peak", "kind": "increase", "amount": "75"},
                             {"rule_id": "d", "rule_name": "Ten off", "kind": "discount", "amount": "-32"},
                             {"rule_id": "o", "rule_name": "Order 1000", "kind": "discount", "amount": "-199"}]},
        ],
        "gifts": [{"product_id": "tote", "name": "Tote", "quantity": 2, "unit_price": "0", "rule_id": "g"}],
        "subtotal": "15001", "surcharge_total": "375", "discount_total": "1053", "total": "14323",
        "applied_rules": ["d", "g", "i", "o"],
    }


def test_a_rule_read_from_the_api_can_be_simulated_as_it_came(shop, make_group):
    # given: a rule as GET /rules/<id> answers it, with its read-only needs_group flag
    make_group(shop.shop, "VIP")
    shop.post("/rules", json=JPY_RULES[1])
    stored = shop.get("/rules/d").json
    assert "needs_group" in stored
    cart = {"currency": "EUR", "groups": ["vip"],
            "lines": [{"id": "l1", "product_id": "p1", "unit_price": "20.00", "quantity": 1}]}

    # when
    response = shop.post("/rules/simulate", json={"cart": cart, "rules": [stored]})

    # then
    assert response.status_code == 200, response.json
    assert response.json["total"] == "9.50"


def test_simulate_refuses_rules_that_are_not_a_list(shop):
    cart = {"currency": "EUR", "groups": ["vip"], "lines": []}
    response = shop.post("/rules/simulate", json={"cart": cart, "rules": {"id": "d"}})
    assert response.status_code == 422
    assert "rules" in response.json["error"]["fields"]
