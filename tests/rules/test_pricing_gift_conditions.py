"""A gift rule's conditions are measured over its applies_to lines, even when there are none."""

from __future__ import annotations

import pytest
from pricing_builders import cart, gift, line, on

from rules import evaluate, parse_cart, parse_rules

NOTHING_ELIGIBLE = on(exclude=("p1",))


def gifts_of(conditions: dict) -> list[tuple[str, int]]:
    rules = [gift("g", {}, applies_to=NOTHING_ELIGIBLE, conditions=conditions)]
    priced = evaluate(parse_rules(rules), parse_cart(cart([line("l1", "10.00", 2)]))).to_json()
    return [(gift_line["product_id"], gift_line["quantity"]) for gift_line in priced["gifts"]]


@pytest.mark.parametrize("conditions", [{}, {"min_subtotal": "0"}, {"min_quantity": 0},
                                        {"min_subtotal": "0.00", "min_quantity": 0}])
def test_a_condition_met_by_no_lines_gives_the_gift_as_no_condition_does(conditions: dict) -> None:
    # the only line is excluded, so the eligible subtotal is 0.00 over 0 units: 0.00 >= 0 holds,
    # and min_quantity 0 means no minimum (docs/pricing.md)
    assert gifts_of(conditions) == [("g1", 1)]


@pytest.mark.parametrize("conditions", [{"min_subtotal": "0.01"}, {"min_quantity": 1}])
def test_a_condition_no_lines_can_meet_gives_nothing(conditions: dict) -> None:
    assert gifts_of(conditions) == []
