"""Properties over random rule sets and carts: the invariants SPEC §2 promises for any input."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import compile_rules, evaluate, parse_cart, parse_rules, rule_to_json
from rules.money import allocate_minor, format_minor

PRODUCTS = ["p0", "p1", "p2", "p3"]
CATEGORIES = ["c0", "c1", "c2"]
GROUPS = ["g0", "g1", "g2", "g3"]
NOW = "2026-06-15T12:00:00+00:00"
MOMENTS = [None, "2026-01-01T00:00:00+00:00", NOW, "2026-06-15T12:00:00.000001+00:00", "2027-01-01T00:00:00+00:00"]

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Empty lists (the whole catalogue) half of the time, so most rules find lines to act on.
names = st.one_of(st.just([]), st.lists(st.sampled_from(PRODUCTS), max_size=2, unique=True))
category_names = st.one_of(st.just([]), st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True))
money_amount = st.integers(min_value=0, max_value=3000).map(lambda cents: f"{cents // 100}.{cents % 100:02d}")
positive_money = st.integers(min_value=1, max_value=3000).map(lambda cents: f"{cents // 100}.{cents % 100:02d}")
percent = st.decimals(min_value="0.5", max_value="100", places=1).map(str)


@st.composite
def windows(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {}
    starts_at, ends_at = draw(st.sampled_from(MOMENTS)), draw(st.sampled_from(MOMENTS))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        return {"starts_at": starts_at}
    return {"starts_at": starts_at, "ends_at": ends_at}


@st.composite
def value_of(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    if kind == "discount":
        value_type = draw(st.sampled_from(["percent", "fixed", "order_fixed"]))
    elif kind == "increase":
        value_type = draw(st.sampled_from(["percent", "fixed"]))
    else:
        value_type = draw(st.sampled_from(["percent", "fixed_price"]))
    if value_type == "percent":
        amount = draw(percent)
    else:
        amount = draw(money_amount if value_type == "fixed_price" else positive_money)
    return {"type": value_type, "amount": amount}


@st.composite
def rule_dicts(draw: st.DrawFn, rule_id: str, groups: st.SearchStrategy[list[str]] | None = None) -> dict[str, Any]:
    kind = draw(st.sampled_from(["discount", "discount", "discount", "increase", "bundle", "gift"]))
    data: dict[str, Any] = {
        "id": rule_id,
        "name": f"Rule {rule_id}",
        "kind": kind,
        "groups": draw(groups if groups is not None else st.lists(st.sampled_from(GROUPS[:3]), min_size=1, max_size=2,
                                                                   unique=True)),
        "priority": draw(st.integers(min_value=0, max_value=3)),
        "combinable": draw(st.booleans()),
        "enabled": draw(st.sampled_from([True, True, True, True, False])),
        **draw(windows()),
        "applies_to": {"products": draw(names), "categories": draw(category_names),
                       "exclude_products": draw(st.lists(st.sampled_from(PRODUCTS), max_size=1))},
        "conditions": draw(st.one_of(st.just({}), st.fixed_dictionaries({}, optional={
            "min_subtotal": money_amount, "min_quantity": st.integers(min_value=0, max_value=4)}))),
    }
    if kind == "gift":
        data["trigger"] = draw(st.fixed_dictionaries({}, optional={
            "products": names, "categories": category_names,
            "min_quantity": st.integers(min_value=1, max_value=3), "min_subtotal": money_amount}))
        data["gift"] = {"product_id": "gift", "name": "Gift", "quantity": draw(st.integers(1, 3))}
        data["repeat"] = draw(st.booleans())
        data["max_per_order"] = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=5)))
    else:
        data["value"] = draw(value_of(kind))
    if kind == "bundle":
        data["components"] = draw(st.lists(
            st.fixed_dictionaries({"products": names, "categories": category_names,
                                   "quantity": st.integers(min_value=1, max_value=3)}),
            min_size=1, max_size=3))
    return data


@st.composite
def rule_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    ids = draw(st.lists(st.text("abcxyz019", min_size=1, max_size=3), max_size=8, unique=True))
    return [draw(rule_dicts(rule_id)) for rule_id in ids]


@st.composite
def carts(draw: st.DrawFn) -> dict[str, Any]:
    currency = draw(st.sampled_from(["EUR", "EUR", "JPY", "KWD"]))
    digits = {"EUR": 2, "JPY": 0, "KWD": 3}[currency]
    count = draw(st.integers(min_value=0, max_value=6))
    lines = [
        {
            "id": f"l{index}",
            "product_id": draw(st.sampled_from(PRODUCTS)),
            "category_ids": draw(category_names),
            "unit_price": format_minor(draw(st.integers(min_value=0, max_value=20 * 10**digits)), currency),
            "quantity": draw(st.integers(min_value=1, max_value=6)),
        }
        for index in range(count)
    ]
    groups = draw(st.one_of(st.just(["g0"]), st.lists(st.sampled_from(GROUPS), max_size=3, unique=True)))
    return {"currency": currency, "now": NOW, "groups": groups,
            "lines": lines}


def price(rules: list[dict[str, Any]], cart: dict[str, Any]) -> dict[str, Any]:
    return evaluate(compile_rules(parse_rules(rules)), parse_cart(cart)).to_json(trace=True)


def minor(text: str) -> int:
    return int(text.replace(".", ""))


@PROPERTY_SETTINGS
@given(rule_sets(), carts())
def test_totals_add_up(rules: list[dict[str, Any]], cart: dict[str, Any]) -> None:
    # given / when
    priced = price(rules, cart)

    # then
    subtotal, surcharge, discount = (minor(priced[key]) for key in ("subtotal", "surcharge_total", "discount_total"))
    assert minor(priced["total"]) == subtotal + surcharge - discount
    assert sum(minor(line["total"]) for line in priced["lines"]) == minor(priced["total"])
    for line in priced["lines"]:
        unit, base = minor(line["unit_price"]), minor(line["base_unit_price"])
        assert minor(line["total"]) == unit * line["quantity"] - minor(line["discount"])
        assert minor(line["subtotal"]) == base * line["quantity"]
        adjustments = [minor(adjustment["amount"]) for adjustment in line["adjustments"]]
        assert sum(adjustments) == (unit - base) * line["quantity"] - minor(line["discount"])
        assert all(amount != 0 for amount in adjustments)


@PROPERTY_SETTINGS
@given(rule_sets(), carts())
def test_no_line_below_zero_and_discounts_only_lower(rules: list[dict[str, Any]], cart: dict[str, Any]) -> None:
    priced = price(rules, cart)
    for line in priced["lines"]:
        assert minor(line["total"]) >= 0
        assert minor(line["unit_price"]) >= minor(line["base_unit_price"])
        for adjustment in line["adjustments"]:
            if adjustment["kind"] in ("discount", "bundle"):
                assert minor(adjustment["amount"]) < 0
            else:
                assert adjustment["kind"] == "increase" and minor(adjustment["amount"]) > 0


@PROPERTY_SETTINGS
@given(rule_sets(), carts(), st.randoms(use_true_random=False))
def test_listed_order_never_matters(rules: list[dict[str, Any]], cart: dict[str, Any], rnd: random.Random) -> None:
    # given the same rules listed in another order
    shuffled = list(rules)
    rnd.shuffle(shuffled)

    # when / then
    assert price(shuffled, cart) == price(rules, cart)


@PROPERTY_SETTINGS
@given(rule_sets(), carts())
def test_same_input_same_output(rules: list[dict[str, Any]], cart: dict[str, Any]) -> None:
    ruleset = compile_rules(parse_rules(rules))
    first = evaluate(ruleset, parse_cart(cart)).to_json(trace=True)
    assert evaluate(ruleset, parse_cart(cart)).to_json(trace=True) == first
    assert price(rules, cart) == first


@PROPERTY_SETTINGS
@given(rule_sets(), carts(), st.data())
def test_a_rule_for_other_groups_changes_nothing(rules: list[dict[str, Any]], cart: dict[str, Any],
                                                   data: st.DataObject) -> None:
    # given a rule for groups the customer is not in
    others = [group for group in GROUPS + ["zz"] if group not in cart["groups"]]
    extra = data.draw(rule_dicts("new-rule", st.lists(st.sampled_from(others), min_size=1, unique=True)))

    # when
    before = evaluate(parse_rules(rules), parse_cart(cart)).to_json()
    after = evaluate(parse_rules(rules + [extra]), parse_cart(cart)).to_json()

    # then
    assert after == before


@PROPERTY_SETTINGS
@given(rule_sets(), carts(), st.data())
def test_an_extra_line_discount_never_raises_the_total(rules: list[dict[str, Any]], cart: dict[str, Any],
                                                      data: st.DataObject) -> None:
    # given one more percent or fixed discount the customer qualifies for
    extra = data.draw(rule_dicts("new-rule", st.just(cart["groups"] or ["g0"])))
    extra.update(kind="discount", enabled=True, starts_at=None, ends_at=None,
                 value=data.draw(st.sampled_from([{"type": "percent", "amount": "15"},
                                                 {"type": "fixed", "amount": "0.50"}])))
    for key in ("trigger", "gift", "repeat", "max_per_order", "components"):
        extra.pop(key, None)
    cart = {**cart, "groups": cart["groups"] or ["g0"]}

    # when
    before = price(rules, cart)
    after = price(rules + [extra], cart)

    # then
    assert minor(after["total"]) <= minor(before["total"])


@PROPERTY_SETTINGS
@given(rule_sets())
def test_rules_round_trip_through_json(rules: list[dict[str, Any]]) -> None:
    parsed = parse_rules(rules)
    assert parse_rules([rule_to_json(rule) for rule in parsed]) == parsed


@PROPERTY_SETTINGS
@given(st.integers(min_value=-10**6, max_value=10**6), st.lists(st.integers(min_value=0, max_value=10**4), min_size=1))
def test_allocation_adds_up_and_stays_near_the_exact_share(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]
    parts = allocate_minor(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights):
        exact = total * weight / sum(weights)
        assert abs(part - exact) < 1
