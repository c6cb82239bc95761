"""Bundles whose components overlap: "as many complete sets as the not-yet-bundled units allow".

A brute-force count of the sets small carts can make, against the sets the engine forms.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pricing_builders import bundle, cart, line

from rules import evaluate, parse_cart, parse_rules
from rules.stages import bundles

CATEGORIES = ["a", "b", "c"]


def can_make(sets: int, components: list[dict[str, Any]], lines: list[dict[str, Any]]) -> bool:
    """Whether ``sets`` sets fit the units, trying every way to share each line among components."""
    free = [item["quantity"] for item in lines]

    def fill(component: int, position: int, needed: int) -> bool:
        if component == len(components):
            return True
        if not needed:
            return fill(component + 1, 0, sets * components[component + 1]["quantity"]) if (
                component + 1 < len(components)) else True
        if position == len(lines):
            return False
        matches = not set(components[component]["categories"]).isdisjoint(lines[position]["category_ids"])
        most = min(free[position], needed) if matches else 0
        for take in range(most, -1, -1):
            free[position] -= take
            found = fill(component, position + 1, needed - take)
            free[position] += take
            if found:
                return True
        return False

    return fill(0, 0, sets * components[0]["quantity"])


def most_sets(components: list[dict[str, Any]], lines: list[dict[str, Any]]) -> int:
    sets = 0
    while can_make(sets + 1, components, lines):
        sets += 1
    return sets


def sets_formed(priced: dict[str, Any]) -> int:
    found = re.search(r"(\d+) sets? formed", priced["trace"][0]["message"])
    return int(found.group(1)) if found else 0


@st.composite
def overlapping(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    categories = st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2, unique=True)
    components = [
        {"categories": draw(categories), "quantity": draw(st.integers(1, 2))}
        for _ in range(draw(st.integers(2, 3)))
    ]
    lines = [
        line(f"l{number}", f"{draw(st.integers(1, 30))}.00", draw(st.integers(1, 3)),
             categories=tuple(draw(categories)))
        for number in range(draw(st.integers(1, 4)))
    ]
    return components, lines


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overlapping())
def test_a_percent_bundle_forms_as_many_sets_as_the_units_allow(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    # given: a percent bundle, so no set is ever refused for costing more than its units
    components, lines = case
    rules = parse_rules([bundle("b1", components, "10", "percent")])

    # when
    priced = evaluate(rules, parse_cart(cart(lines))).to_json(trace=True)

    # then
    assert sets_formed(priced) == most_sets(components, lines)


def dearest_first(rules: Any, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The plain dearest-first fill, as the engine priced before it searched overlapping components."""
    searched = bundles.MAX_OVERLAPPING_COMPONENTS
    bundles.MAX_OVERLAPPING_COMPONENTS = 0
    try:
        return evaluate(rules, parse_cart(cart(lines))).to_json(trace=True)
    finally:
        bundles.MAX_OVERLAPPING_COMPONENTS = searched


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overlapping(), st.integers(5, 80), st.sampled_from(["fixed_price", "percent"]))
def test_the_search_forms_more_sets_than_dearest_first_or_the_same_ones(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]]], amount: int, value_type: str,
) -> None:
    # given
    components, lines = case
    rules = parse_rules([bundle("b1", components, f"{amount}.00" if value_type == "fixed_price" else str(amount),
                                value_type)])

    # when
    priced = evaluate(rules, parse_cart(cart(lines))).to_json(trace=True)
    plain = dearest_first(rules, lines)

    # then: more sets, or the very same prices; never fewer, never a set costing more than its units
    assert sets_formed(priced) >= sets_formed(plain)
    if sets_formed(priced) == sets_formed(plain):
        assert priced["lines"] == plain["lines"]
    assert all(adjustment["amount"].startswith("-") for item in priced["lines"] for adjustment in item["adjustments"])


def test_the_fill_stopped_by_a_set_costing_more_than_its_units_stands() -> None:
    # given: p1 x2 + any x1 at 5.00; l1's three 3.00 units are the dearest, l2 and l3 cost 1.00
    components = [{"products": ["p1"], "quantity": 2}, {"products": [], "categories": [], "quantity": 1}]
    rules = parse_rules([bundle("b1", components, "5.00")])
    lines = [line("l1", "3.00", 3, product="p1"), line("l2", "1.00", 3, product="p1"),
             line("l3", "1.00", 3, product="p2")]

    # when
    priced = evaluate(rules, parse_cart(cart(lines))).to_json(trace=True)

    # then: set 1 is l1 x3 (9.00 for 5.00, saving 4.00); set 2 would be l2 x3 (3.00), which
    # would cost more than its units, so it is not formed and the fill stops there. (Searching
    # overlapping components for more sets formed 3.00+3.00+1.00 and 3.00+1.00+1.00 instead:
    # 2.00 off, neither the dearest-first fill nor the most sets, three at exactly 5.00.)
    assert [(item["id"], item["discount"]) for item in priced["lines"]] == [
        ("l1", "4.00"), ("l2", "0.00"), ("l3", "0.00")]
    assert priced["total"] == "11.00"
    assert sets_formed(priced) == 1
