"""Differential test: the engine's line and order discounts against a plain reading of SPEC §2.

The engine works in integer minor units with a one-pass choice per line; this reference
works in Decimal and Fraction, option by option, exactly as the SPEC words it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import evaluate, parse_cart, parse_rules

CENT = Decimal("0.01")
PRODUCTS = ["p0", "p1", "p2"]


def round_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def largest_remainder(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    cents, weight_sum = int(total / CENT), sum(weights)
    if weight_sum == 0:
        return [Decimal(0)] * len(weights)
    exact = [Fraction(cents) * Fraction(weight) / Fraction(weight_sum) for weight in weights]
    parts = [int(share) for share in exact]
    order = sorted(range(len(weights)), key=lambda index: (-(exact[index] - parts[index]), index))
    for index in order[: cents - sum(parts)]:
        parts[index] += 1
    return [Decimal(part) * CENT for part in parts]


def options(candidates: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Each non-combinable candidate alone and the stack of combinable ones, or one stack."""
    if all(rule["combinable"] for rule in candidates):
        return [candidates]
    stack = [rule for rule in candidates if rule["combinable"]]
    found = [[rule] for rule in candidates if not rule["combinable"]] + ([stack] if stack else [])
    return sorted(found, key=lambda option: (option[0]["priority"], option[0]["id"]))


def best(found: list[list[dict[str, Any]]], value_of) -> list[dict[str, Any]]:
    chosen, chosen_value = found[0], value_of(found[0])
    for option in found[1:]:
        if value_of(option) > chosen_value:
            chosen, chosen_value = option, value_of(option)
    return chosen


def reference(rules: list[dict[str, Any]], lines: list[dict[str, Any]]) -> dict[str, Decimal]:
    ordered = sorted(rules, key=lambda rule: (rule["priority"], rule["id"]))

    def eligible(rule: dict[str, Any], line: dict[str, Any]) -> bool:
        return not rule["applies_to"]["products"] or line["product_id"] in rule["applies_to"]["products"]

    discounts = {}
    for line in lines:
        amount, units = Decimal(line["unit_price"]) * line["quantity"], line["quantity"]
        candidates = [r for r in ordered if r["value"]["type"] != "order_fixed" and eligible(r, line)]

        def stacked(option: list[dict[str, Any]], amount: Decimal = amount, units: int = units) -> Decimal:
            left = amount
            for rule in option:
                value = Decimal(rule["value"]["amount"])
                if rule["value"]["type"] == "percent":
                    left -= round_cents(left * value / 100)
                else:
                    left -= min(value * units, left)
            return amount - left

        discounts[line["id"]] = stacked(best(options(candidates), stacked)) if candidates else Decimal(0)
    order_rules = [r for r in ordered if r["value"]["type"] == "order_fixed"]
    if order_rules:
        def spread(option: list[dict[str, Any]], apply: bool = False) -> Decimal:
            after_step_4 = {line["id"]: Decimal(line["unit_price"]) * line["quantity"] - discounts[line["id"]]
                            for line in lines}
            left = dict(after_step_4)
            taken = Decimal(0)
            for rule in option:
                targets = [line["id"] for line in lines if eligible(rule, line)]
                amount = min(Decimal(rule["value"]["amount"]), sum(left[t] for t in targets))
                share_of = dict.fromkeys(targets, Decimal(0))
                to_spread, open_targets = amount, targets
                while to_spread:  # weights: amounts after step 4; an excess over what a line holds moves on
                    for target, share in zip(open_targets, largest_remainder(to_spread, [after_step_4[t] for t in open_targets])):
                        share_of[target] += share
                    to_spread = sum(max(share_of[t] - left[t], Decimal(0)) for t in targets)
                    share_of = {t: min(share_of[t], left[t]) for t in targets}
                    open_targets = [t for t in targets if share_of[t] < left[t]]
                for target, share in share_of.items():
                    left[target] -= share
                    if apply:
                        discounts[target] += share
                taken += amount
            return taken

        with_lines = [r for r in order_rules if any(eligible(r, line) for line in lines)]
        if with_lines:
            spread(best(options(with_lines), spread), apply=True)
    return discounts


cents = st.integers(min_value=0, max_value=5000).map(lambda c: f"{c // 100}.{c % 100:02d}")
# Round values half of the time, so that options tie and the tie-breaks are exercised.
percents = st.one_of(st.sampled_from(["10", "20", "50", "100"]),
                     st.decimals(min_value="0.5", max_value="100", places=1).map(str))
fixed_amounts = st.one_of(st.sampled_from(["1.00", "2.00", "5.00", "10.00"]),
                          st.integers(min_value=1, max_value=3000).map(lambda c: f"{c // 100}.{c % 100:02d}"))
prices = st.one_of(st.sampled_from(["5.00", "10.00", "20.00"]), cents)


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rules = []
    for index in range(draw(st.integers(min_value=1, max_value=6))):
        value_type = draw(st.sampled_from(["percent", "percent", "fixed", "order_fixed"]))
        amount = draw(percents if value_type == "percent" else fixed_amounts)
        rules.append({
            "id": draw(st.sampled_from(["a", "b", "c", "r1", "r10", "r2"])) + str(index),
            "kind": "discount", "groups": ["vip"],
            "priority": draw(st.integers(min_value=0, max_value=2)),
            "combinable": draw(st.booleans()),
            "applies_to": {"products": draw(st.lists(st.sampled_from(PRODUCTS), max_size=2, unique=True))},
            "value": {"type": value_type, "amount": amount},
        })
    lines = [
        {"id": f"l{index}", "product_id": draw(st.sampled_from(PRODUCTS)), "unit_price": draw(prices),
         "quantity": draw(st.integers(min_value=1, max_value=4))}
        for index in range(draw(st.integers(min_value=1, max_value=4)))
    ]
    return rules, lines


@settings(max_examples=200, deadline=None)
@given(scenario())
def test_line_and_order_discounts_match_the_reference(case: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    # given
    rules, lines = case

    # when
    priced = evaluate(parse_rules(rules), parse_cart({"currency": "EUR", "groups": ["vip"], "lines": lines},),
                      now=None).to_json()

    # then
    assert {line["id"]: Decimal(line["discount"]) for line in priced["lines"]} == reference(rules, lines)
