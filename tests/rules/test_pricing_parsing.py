"""Parsing refuses what SPEC §2 refuses, names the field at fault, and round-trips rules."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_builders import bundle, cart, discount, gift, increase, line, on

from rules import ValidationError, parse_cart, parse_rule, parse_rules, rule_to_json

SPEC_RULE = {
    "id": "r1", "name": "VIP 20% on shoes", "kind": "discount", "groups": ["vip"], "priority": 10,
    "combinable": False, "enabled": True, "starts_at": None, "ends_at": "2026-12-31T23:59:59+01:00",
    "applies_to": {"products": [], "categories": ["shoes"], "exclude_products": []},
    "value": {"type": "percent", "amount": "20"},
    "conditions": {"min_subtotal": "50.00", "min_quantity": 1},
}


def with_changes(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    for path, value in changes.items():
        target = changed
        *parents, key = path.split("__")
        for parent in parents:
            target = target[parent]
        if value is ...:
            del target[key]
        else:
            target[key] = value
    return changed


def test_spec_rule_parses() -> None:
    rule = parse_rule(SPEC_RULE)
    assert rule.id == "r1"
    assert rule.kind == "discount"
    assert rule.groups == ("vip",)
    assert rule.value is not None and rule.value.amount == Decimal("20")
    assert rule.conditions.min_subtotal == Decimal("50.00")
    assert rule.ends_at == datetime(2026, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"kind": "coupon"}, "kind", "unknown kind"),
        ({"kind": ...}, "kind", "required"),
        ({"id": ""}, "id", "empty"),
        ({"id": 7}, "id", "string"),
        ({"groups": []}, "groups", "at least one group"),
        ({"groups": ["vip", 3]}, "groups[1]", "string"),
        ({"value__amount": "101"}, "value.amount", "at most 100"),
        ({"value__amount": "0"}, "value.amount", "more than 0"),
        ({"value__amount": "-5"}, "value.amount", "negative"),
        ({"value__amount": 20.0}, "value.amount", "float"),
        ({"value__amount": "12,5"}, "value.amount", "decimal amount"),
        ({"value__amount": "1e2"}, "value.amount", "decimal amount"),
        ({"value__amount": True}, "value.amount", "boolean"),
        ({"value__type": "fixed_price"}, "value.type", "bundle rules only"),
        ({"value__type": "bogus"}, "value.type", "not a value type"),
        ({"value__colour": "red"}, "value.colour", "unknown field"),
        ({"value": ...}, "value", "required"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"applies_to__brands": []}, "applies_to.brands", "unknown field"),
        ({"applies_to__categories": "shoes"}, "applies_to.categories", "list"),
        ({"conditions__min_subtotal": "-1"}, "conditions.min_subtotal", "negative"),
        ({"conditions__min_quantity": -1}, "conditions.min_quantity", "at least 0"),
        ({"conditions__min_quantity": "2"}, "conditions.min_quantity", "integer"),
        ({"priority": "high"}, "priority", "integer"),
        ({"combinable": "yes"}, "combinable", "true or false"),
        ({"ends_at": "2026-12-31T23:59:59"}, "ends_at", "UTC offset"),
        ({"ends_at": "next week"}, "ends_at", "ISO 8601"),
        ({"starts_at": "2027-01-01T00:00:00+00:00"}, "ends_at", "after starts_at"),
        ({"trigger": {"min_subtotal": "1"}}, "trigger", "only gift rules"),
        ({"components": [{"products": ["p1"]}]}, "components", "only bundle rules"),
    ],
)
def test_bad_rules_name_the_field(changes: dict[str, Any], field: str, words: str) -> None:
    # given
    data = with_changes(SPEC_RULE, **changes)

    # when
    with pytest.raises(ValidationError) as raised:
        parse_rule(data)

    # then
    assert raised.value.field == field
    assert words in raised.value.message
    assert str(raised.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (increase("i", "5.00", "order_fixed"), "value.type", "discount rules only"),
        (increase("i", "0"), "value.amount", "more than 0"),
        (bundle("b", [{"products": ["p1"]}], "10.00", "fixed"), "value.type", "not a value type"),
        (bundle("b", [], "10.00"), "components", "at least one component"),
        (bundle("b", [{"products": ["p1"], "quantity": 0}], "10.00"), "components[0].quantity", "at least 1"),
        (bundle("b", [{"sku": "p1"}], "10.00"), "components[0].sku", "unknown field"),
        (bundle("b", [{"products": ["p1"]}], "-1.00"), "value.amount", "negative"),
        (bundle("b", [{"products": ["p1"]}], "120", "percent"), "value.amount", "at most 100"),
        (discount("d", "0.00", "fixed"), "value.amount", "more than 0"),
        (discount("d", "0", "order_fixed"), "value.amount", "more than 0"),
        (gift("g", {"min_quantity": 0}), "trigger.min_quantity", "at least 1"),
        (gift("g", {"min_subtotal": 9.99}), "trigger.min_subtotal", "float"),
        (gift("g", {"size": 2}), "trigger.size", "unknown field"),
        ({**gift("g", {}), "gift": {"name": "Tote"}}, "gift.product_id", "required"),
        ({**gift("g", {}), "gift": {"product_id": "g1", "quantity": 0}}, "gift.quantity", "at least 1"),
        ({**gift("g", {}), "max_per_order": 0}, "max_per_order", "at least 1"),
        ({**gift("g", {}), "value": {"type": "percent", "amount": "5"}}, "value", "no value"),
        ({k: v for k, v in gift("g", {}).items() if k != "gift"}, "gift", "required"),
        (discount("d", "1" * 41, "order_fixed"), "value.amount", "at most 1,000,000,000,000"),
        (increase("i", "1000000000001"), "value.amount", "at most 1,000,000,000,000"),
        (discount("d", conditions={"min_subtotal": "1" * 41}), "conditions.min_subtotal", "at most"),
        (discount("d", conditions={"min_quantity": 10**30}), "conditions.min_quantity", "at most 1,000,000"),
        (gift("g", {"min_subtotal": "1" * 41}), "trigger.min_subtotal", "at most"),
        (gift("g", {"min_quantity": 10**30}), "trigger.min_quantity", "at most 1,000,000"),
        ({**gift("g", {}), "gift": {"product_id": "g1", "quantity": 10**30}}, "gift.quantity", "at most"),
        ({**gift("g", {}), "max_per_order": 10**30}, "max_per_order", "at most 1,000,000"),
        (bundle("b", [{"products": ["p1"], "quantity": 10**30}], "10.00"), "components[0].quantity", "at most"),
        (discount("d", priority=10**30), "priority", "at most 1,000,000,000"),
        (discount("d", priority=-(10**30)), "priority", "at least -1000000000"),
    ],
)
def test_bad_kind_specific_fields_name_the_field(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_rule(data)
    assert (raised.value.field, words in raised.value.message) == (field, True)


EVERY_KEY_EMPTY = {"trigger": None, "gift": None, "repeat": False, "max_per_order": None, "components": []}


@pytest.mark.parametrize(
    "data",
    [
        discount("d", "10"),
        discount("d", "5.00", "order_fixed"),
        increase("i", "10"),
        bundle("b", [{"products": ["p1"]}, {"products": ["p2"]}], "15.00"),
        gift("g", {"min_subtotal": "50.00"}),
    ],
)
@pytest.mark.parametrize(
    "empty",
    [EVERY_KEY_EMPTY, {**EVERY_KEY_EMPTY, "trigger": {}, "gift": {}}, {"max_per_order": None, "components": None}],
)
def test_another_kinds_fields_may_hold_their_empty_values(data: dict[str, Any], empty: dict[str, Any]) -> None:
    # given a template that lists every key, the other kinds' keys empty
    template = {**data, **{key: value for key, value in empty.items() if key not in data}}

    # when
    parsed = parse_rule(template)

    # then the rule is the one without them, and exports the same JSON
    assert parsed == parse_rule(data)
    assert rule_to_json(parsed) == rule_to_json(parse_rule(data))


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({**discount("d"), "components": [{"products": ["p1"]}]}, "components", "only bundle rules take components"),
        ({**discount("d"), "repeat": True}, "repeat", "only gift rules take repeat (a discount rule may give only null or false)"),
        ({**increase("i", "5"), "trigger": {"min_quantity": 2}}, "trigger", "only gift rules take trigger"),
        ({**bundle("b", [{"products": ["p1"]}], "5.00"), "max_per_order": 1}, "max_per_order", "only gift rules"),
        ({**discount("d"), "gift": {"product_id": "g1"}}, "gift", "only gift rules take gift"),
        ({**gift("g", {}), "components": [{"products": ["p1"]}]}, "components", "a gift rule may give only null or []"),
        ({**discount("d"), "repeat": 0}, "repeat", "only gift rules take repeat"),
        ({**discount("d"), "components": {}}, "components", "only bundle rules take components"),
        ({**discount("d"), "description": "Summer sale"}, "description", "unknown field"),
    ],
)
def test_another_kinds_non_empty_fields_are_refused_by_name(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_rule(data)
    assert (raised.value.field, words in raised.value.message) == (field, True)
    assert str(raised.value).startswith(f"{field}: ")


def test_rule_list_errors_carry_the_index() -> None:
    with pytest.raises(ValidationError) as raised:
        parse_rules([discount("a"), discount("b", "150")])
    assert raised.value.field == "[1].value.amount"
    assert raised.value.prefixed("rules").field == "rules[1].value.amount"


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        parse_rules([discount("a"), discount("a", priority=3)])
    assert raised.value.field == "[1].id"


def test_rules_must_be_a_list() -> None:
    with pytest.raises(ValidationError):
        parse_rules({"id": "a"})


@pytest.mark.parametrize(
    "data",
    [
        SPEC_RULE,
        discount("d", "5.00", "fixed", combinable=True, priority=-3, enabled=False,
                 starts_at="2026-01-01T00:00:00+02:00", ends_at="2026-02-01T00:00:00Z",
                 applies_to=on(products=("p1",), exclude=("p2",), exclude_categories=("outlet",))),
        discount("o", "10.00", "order_fixed", conditions={"min_quantity": 2}),
        increase("i", "7.5"),
        bundle("b", [{"products": ["p1"], "quantity": 2}, {"categories": ["socks"]}], "19.90"),
        bundle("b", [{"categories": ["socks"], "quantity": 3}], "10", "percent"),
        gift("g", {"products": ["p1"], "categories": ["c"], "min_quantity": 2, "min_subtotal": "30.00"},
             repeat=True, max_per_order=4, quantity=2),
        gift("g", {}),
    ],
    ids=["spec", "discount", "order_fixed", "increase", "bundle-fixed", "bundle-percent", "gift", "gift-bare"],
)
def test_rules_round_trip(data: dict[str, Any]) -> None:
    # given
    rule = parse_rule(data)

    # when
    exported = rule_to_json(rule)

    # then
    assert parse_rule(exported) == rule
    assert rule_to_json(parse_rule(exported)) == exported


def test_spec_rule_exports_as_written() -> None:
    assert rule_to_json(parse_rule(SPEC_RULE)) == SPEC_RULE


def test_name_defaults_to_id() -> None:
    assert parse_rule({k: v for k, v in SPEC_RULE.items() if k != "name"}).name == "r1"


# Carts

GOOD_CART = cart([line("l1", "100.00", 2, categories=("shoes",))])


def cart_with(**changes: Any) -> dict[str, Any]:
    return with_changes(GOOD_CART, **changes)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (cart_with(currency="ZZZ"), "currency", "unknown currency"),
        (cart_with(currency="eur"), "currency", "unknown currency"),
        (cart_with(currency=...), "currency", "required"),
        (cart_with(groups=...), "groups", "required"),
        (cart_with(lines="l1"), "lines", "list"),
        (cart_with(customer_id="c1"), "customer_id", "unknown field"),
        (cart_with(now="2026-11-23T12:00:00"), "now", "UTC offset"),
        (cart([line("l1", "1.00"), line("l2", "-1.00")]), "lines[1].unit_price", "negative"),
        (cart([line("l1", "1.00"), line("l2", "1.00", 0)]), "lines[1].quantity", "at least 1"),
        (cart([line("l1", "1.00", -2)]), "lines[0].quantity", "at least 1"),
        (cart([line("l1", "1.00", True)]), "lines[0].quantity", "integer"),  # type: ignore[arg-type]
        (cart([line("l1", 1.5)]), "lines[0].unit_price", "float"),  # type: ignore[arg-type]
        (cart([line("l1", "1.005")]), "lines[0].unit_price", "more decimals than EUR"),
        (cart([line("l1", "1.5")], currency="JPY"), "lines[0].unit_price", "more decimals than JPY"),
        (cart([line("l1", "1.00"), line("l1", "2.00")]), "lines[1].id", "duplicate"),
        (cart([{**line("l1", "1.00"), "name": "Shoe"}]), "lines[0].name", "unknown field"),
        (cart([{**line("l1", "1.00"), "product_id": None}]), "lines[0].product_id", "required"),
        (cart([line("l1", "1.00", categories=("a", ""))]), "lines[0].category_ids[1]", "empty"),
        # Bounds: a 41-digit price cannot be rounded within Decimal's precision, and 10**30
        # units would overflow the JSON encoder's 64-bit integers.
        (cart([line("l1", "1" * 41)]), "lines[0].unit_price", "at most 1,000,000,000,000"),
        (cart([line("l1", "1" * 41 + ".00")]), "lines[0].unit_price", "at most 1,000,000,000,000"),
        (cart([line("l1", "1000000000000.01")]), "lines[0].unit_price", "at most 1,000,000,000,000"),
        (cart([line("l1", "1.00", 10**30)]), "lines[0].quantity", "at most 1,000,000"),
        (cart([line("l1", "1.00", 1_000_001)]), "lines[0].quantity", "at most 1,000,000"),
    ],
)
def test_bad_carts_name_the_field(data: dict[str, Any], field: str, words: str) -> None:
    # given a cart a storefront got wrong
    # when
    with pytest.raises(ValidationError) as raised:
        parse_cart(data)

    # then
    assert raised.value.field == field
    assert words in raised.value.message


def test_the_bounds_themselves_are_accepted() -> None:
    parsed = parse_cart(cart([line("l1", "1000000000000.00", 1_000_000)]))
    assert (parsed.lines[0].unit_price.amount, parsed.lines[0].quantity) == (Decimal(10**12), 1_000_000)
    assert parse_rule(discount("d", "1000000000000", "order_fixed", priority=-(10**9))).priority == -(10**9)


def test_cart_parses_with_money_lines() -> None:
    parsed = parse_cart(GOOD_CART)
    assert parsed.currency == "EUR"
    assert parsed.groups == ("vip",)
    assert parsed.lines[0].unit_price.amount == Decimal("100.00")
    assert parsed.lines[0].unit_price.currency == "EUR"
    assert parsed.now == datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)


def test_groups_optional_for_the_plugin() -> None:
    parsed = parse_cart(cart_with(groups=...), groups_required=False)
    assert parsed.groups is None


def test_trailing_zeros_within_the_currency_are_fine() -> None:
    parsed = parse_cart(cart([line("l1", "1000.00")], currency="JPY"))
    assert parsed.lines[0].base_minor == 1000


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "id": st.sampled_from(["l1", " ", ""]),
            "product_id": st.sampled_from(["p1", ""]),
            "unit_price": st.one_of(st.sampled_from(["1", "1.5", "1.50", "1.505", "-1.00", " 2.00", "1e2"]),
                                    st.integers(-1, 3)),
            "quantity": st.one_of(st.integers(-1, 3), st.just(True), st.just("2")),
        },
        optional={"category_ids": st.one_of(st.lists(st.sampled_from(["c1", ""]), max_size=2), st.just("c1"))},
    ),
    st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_the_fast_line_path_agrees_with_the_thorough_one(data: dict[str, Any], currency: str) -> None:
    # given a line that may or may not be well formed
    def parse() -> Any:
        try:
            return parse_cart({"currency": currency, "groups": [], "lines": [data]}).lines[0]
        except ValidationError as error:
            return error.field

    # when the fast path is skipped
    with patch("rules.parsing._plain_line", return_value=None):
        thorough = parse()

    # then both paths give the same line or name the same field
    assert parse() == thorough
