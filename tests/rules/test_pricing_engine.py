"""evaluate()'s contract beyond the numbers: defaults, rule order, adjustments, JSON shape, trace."""

from __future__ import annotations

from datetime import datetime, timezone

import orjson
import pytest
from pricing_builders import bundle, cart, discount, gift, increase, line, on

from rules import Money, PricedCart, compile_rules, evaluate, parse_cart, parse_rules


def price(rules: list[dict], cart_data: dict, **kwargs) -> PricedCart:
    return evaluate(compile_rules(parse_rules(rules)), parse_cart(cart_data, groups_required=False), **kwargs)


def test_spec_output_shape_exactly() -> None:
    # given
    rules = [discount("r1", "20", name="VIP 20% on shoes", priority=10, applies_to=on(categories=("shoes",)),
                      ends_at="2026-12-31T23:59:59+01:00", conditions={"min_subtotal": "50.00", "min_quantity": 1})]

    # when
    priced = price(rules, cart([line("l1", "100.00", 2, categories=("shoes",))]))

    # then
    assert priced.to_json() == {
        "currency": "EUR",
        "lines": [{"id": "l1", "quantity": 2, "base_unit_price": "100.00", "unit_price": "100.00",
                   "subtotal": "200.00", "discount": "40.00", "total": "160.00",
                   "adjustments": [{"rule_id": "r1", "rule_name": "VIP 20% on shoes",
                                    "kind": "discount", "amount": "-40.00"}]}],
        "gifts": [],
        "subtotal": "200.00", "surcharge_total": "0.00", "discount_total": "40.00", "total": "160.00",
        "applied_rules": ["r1"],
    }


def test_money_views_of_the_result() -> None:
    priced = price([discount("r1")], cart([line("l1", "100.00", 2)]))
    assert priced.total == Money("160.00", "EUR")
    assert priced.lines[0].discount == Money("40.00", "EUR")
    assert priced.lines[0].adjustments[0].amount == Money("-40.00", "EUR")


def test_groups_passed_in_override_the_carts() -> None:
    data = cart([line("l1", "10.00")], groups=("guests",))
    assert price([discount("r1")], data).total_minor == 1000
    assert price([discount("r1")], data, groups=["vip"]).total_minor == 800


def test_groups_may_come_only_from_the_caller() -> None:
    data = {k: v for k, v in cart([line("l1", "10.00")]).items() if k != "groups"}
    assert price([discount("r1")], data, groups={"vip"}).total_minor == 800
    with pytest.raises(ValueError):
        price([discount("r1")], data)
    with pytest.raises(TypeError):
        price([discount("r1")], data, groups="vip")


def test_now_passed_in_overrides_the_carts() -> None:
    rules = [discount("r1", ends_at="2026-01-01T00:00:00+00:00")]
    data = cart([line("l1", "10.00")], now="2025-12-31T23:59:59+00:00")
    assert price(rules, data).total_minor == 800
    assert price(rules, data, now=datetime(2026, 1, 1, tzinfo=timezone.utc)).total_minor == 1000


def test_now_defaults_to_the_clock() -> None:
    data = cart([line("l1", "10.00")], now=None)
    assert price([discount("r1", ends_at="2000-01-01T00:00:00+00:00")], data).total_minor == 1000
    assert price([discount("r1", starts_at="2000-01-01T00:00:00+00:00")], data).total_minor == 800


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        price([discount("r1")], cart([line("l1", "10.00")]), now=datetime(2026, 1, 1))


def test_a_plain_rule_list_is_compiled_on_the_fly() -> None:
    rules = parse_rules([discount("r1")])
    assert evaluate(rules, parse_cart(cart([line("l1", "10.00")]))).total_minor == 800


def test_adjustments_in_stage_order_and_kinds() -> None:
    # given an increase, a line discount and an order discount on one line
    rules = [increase("z-inc", "10"), discount("a-line", "10"), discount("m-order", "1.00", "order_fixed")]

    # when
    priced = price(rules, cart([line("l1", "100.00")])).to_json()

    # then
    assert priced["lines"][0]["adjustments"] == [
        {"rule_id": "z-inc", "rule_name": "z-inc", "kind": "increase", "amount": "10.00"},
        {"rule_id": "a-line", "rule_name": "a-line", "kind": "discount", "amount": "-11.00"},
        {"rule_id": "m-order", "rule_name": "m-order", "kind": "discount", "amount": "-1.00"},
    ]
    assert priced["applied_rules"] == ["a-line", "m-order", "z-inc"]


def test_bundle_adjustment_kind_and_gift_line_shape() -> None:
    rules = [bundle("b", [{"products": ["p1"]}, {"products": ["p2"]}], "15.00"),
             gift("g", {"min_subtotal": "10.00"}, product="tote", name="Tote bag", quantity=2)]
    priced = price(rules, cart([line("l1", "10.00"), line("l2", "10.00")]), ).to_json()
    assert priced["lines"][0]["adjustments"][0]["kind"] == "bundle"
    assert priced["gifts"] == [{"product_id": "tote", "name": "Tote bag", "quantity": 2, "unit_price": "0.00",
                                "rule_id": "g"}]


def test_gift_unit_price_in_jpy_has_no_decimals() -> None:
    priced = price([gift("g", {})], cart([line("l1", "100")], currency="JPY")).to_json()
    assert priced["gifts"][0]["unit_price"] == "0"


def test_trace_only_when_asked() -> None:
    priced = price([discount("r1")], cart([line("l1", "10.00")]))
    assert "trace" not in priced.to_json()
    assert "trace" in priced.to_json(trace=True)


def trace_messages(rules: list[dict], cart_data: dict) -> dict[str, str]:
    return {entry.rule_id: entry.message for entry in price(rules, cart_data).trace}


def test_trace_explains_every_rule() -> None:
    # given one rule for each way of not applying
    rules = [
        discount("sub", "20", name="VIP 20%", conditions={"min_subtotal": "50.00"}),
        discount("qty", "5", name="Three or more", conditions={"min_quantity": 3}),
        discount("off", name="Off", enabled=False),
        discount("soon", name="Soon", starts_at="2027-01-01T00:00:00+00:00"),
        discount("gone", name="Gone", ends_at="2026-01-01T00:00:00+00:00"),
        discount("gold", name="Gold", groups=("gold", "platinum")),
        discount("socks", name="Socks", applies_to=on(categories=("socks",))),
        discount("best", "30", name="Best"),
        discount("weak", "10", name="Weak"),
        gift("tote", {"min_subtotal": "100.00"}, name="Tote"),
    ]

    # when
    messages = trace_messages(rules, cart([line("l1", "40.00")]))

    # then
    assert messages == {
        "best": "Best applied: -12.00 EUR on l1",
        "gold": "Gold skipped: only for groups gold, platinum, and the customer is in none of them",
        "gone": "Gone skipped: ended 2026-01-01T00:00:00+00:00",
        "off": "Off skipped: disabled",
        "qty": "Three or more skipped: quantity below 3",
        "socks": "Socks skipped: no eligible line in the cart",
        "soon": "Soon skipped: not started yet (starts 2027-01-01T00:00:00+00:00)",
        "sub": "VIP 20% skipped: subtotal below 50.00 EUR",
        "tote": "tote skipped: trigger subtotal below 100.00 EUR",
        "weak": "Weak skipped: lost to Best on l1",
    }


def test_trace_is_in_rule_order_and_covers_bundles_and_increases() -> None:
    rules = [
        increase("i1", "10", name="Peak"),
        increase("i2", "5", name="Later peak", priority=1),
        bundle("b1", [{"products": ["p1"]}, {"products": ["p2"]}], "5.00", name="Pair"),
        bundle("b2", [{"products": ["p9"]}], "1.00", name="Nine"),
        discount("d1", name="All", priority=2),
    ]
    entries = price(rules, cart([line("l1", "10.00"), line("l2", "10.00")])).trace
    assert [entry.rule_id for entry in entries] == ["b1", "b2", "i1", "i2", "d1"]
    messages = {entry.rule_id: entry.message for entry in entries}
    assert messages["b1"] == "Pair applied: -8.50 EUR on l1; -8.50 EUR on l2; 1 set formed"
    assert messages["b2"] == "Nine skipped: no eligible line in the cart"
    assert messages["i1"] == "Peak applied: +1.00 EUR on l1; +1.00 EUR on l2"
    assert messages["i2"] == "Later peak skipped: l1, l2 already increased by Peak"
    assert messages["d1"] == "All skipped: all units of l1, l2 are in bundles"
    assert [entry.applied for entry in entries] == [True, False, True, False, False]


def test_trace_explains_why_bundles_stop() -> None:
    # given a set price that two dear shirts beat but two cheap ones do not
    rules = [bundle("pair", [{"categories": ["shirts"], "quantity": 2}], "30.00", name="Two shirts"),
             bundle("dear", [{"categories": ["shirts"], "quantity": 2}], "50.00", name="Dear pair", priority=1)]
    lines = [line("l1", "20.00", 2, categories=("shirts",)), line("l2", "12.00", 2, categories=("shirts",))]

    # when
    messages = trace_messages(rules, cart(lines))

    # then
    assert messages["pair"] == (
        "Two shirts applied: -10.00 EUR on l1; 1 set formed; "
        "the next would cost 30.00 EUR, not less than its units' 24.00 EUR"
    )
    assert messages["dear"] == (
        "Dear pair skipped: no set formed: one would cost 50.00 EUR, not less than its units' 24.00 EUR"
    )


def test_the_largest_cart_the_bounds_allow_still_encodes_as_json() -> None:
    # given every amount and count at its bound, and a gift repeated per 0.0001 of the cart
    rules = [{**gift("g", {"min_subtotal": "0.0001"}), "repeat": True}, increase("i", "1000000000000"),
             discount("o", "1000000000000", "order_fixed")]
    lines = [line(f"l{index}", "1000000000000.00", 1_000_000) for index in range(60)]

    # when
    priced = price(rules, cart(lines)).to_json(trace=True)

    # then the repeated gift stops at 1,000,000 units (beyond, 64-bit JSON integers overflow)
    assert priced["gifts"][0]["quantity"] == 1_000_000
    assert orjson.loads(orjson.dumps(priced)) == priced
