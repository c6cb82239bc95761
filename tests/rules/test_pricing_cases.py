"""Hand-computed carts, checked to the letter of SPEC §2 (and docs/pricing.md where it is silent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from pricing_builders import bundle, cart, discount, gift, increase, line, on

from rules import compile_rules, evaluate, parse_cart, parse_rules


@dataclass(frozen=True)
class Case:
    """Rules and lines in; per line (unit_price, discount, total), cart totals, applied rules out."""

    rules: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    expect_lines: dict[str, tuple[str, str, str]]
    totals: tuple[str, str, str, str]  # subtotal, surcharge_total, discount_total, total
    applied: list[str]
    gifts: list[tuple[str, int]] = field(default_factory=list)
    currency: str = "EUR"
    groups: tuple[str, ...] = ("vip",)


SOCKS_AND_SHOE = [{"products": ["p1"], "quantity": 1}, {"categories": ["socks"], "quantity": 2}]

CASES = {
    # Line discounts: percent and fixed
    "spec worked example: VIP 20% on shoes": Case(
        [discount("r1", "20", name="VIP 20% on shoes", priority=10, applies_to=on(categories=("shoes",)),
                  conditions={"min_subtotal": "50.00", "min_quantity": 1})],
        [line("l1", "100.00", 2, categories=("shoes",))],
        {"l1": ("100.00", "40.00", "160.00")}, ("200.00", "0.00", "40.00", "160.00"), ["r1"]),
    "percent rounds half-up (0.025 -> 0.03)": Case(
        [discount("r1", "10")], [line("l1", "0.25")],
        {"l1": ("0.25", "0.03", "0.22")}, ("0.25", "0.00", "0.03", "0.22"), ["r1"]),
    "percent is taken of the line amount, not per unit": Case(
        [discount("r1", "15")], [line("l1", "0.10", 3)],
        {"l1": ("0.10", "0.05", "0.25")}, ("0.30", "0.00", "0.05", "0.25"), ["r1"]),
    "fractional percent": Case(
        [discount("r1", "12.5")], [line("l1", "19.99")],
        {"l1": ("19.99", "2.50", "17.49")}, ("19.99", "0.00", "2.50", "17.49"), ["r1"]),
    "fixed amount off each unit": Case(
        [discount("r1", "5.00", "fixed")], [line("l1", "20.00", 3)],
        {"l1": ("20.00", "15.00", "45.00")}, ("60.00", "0.00", "15.00", "45.00"), ["r1"]),
    "fixed amount never more than the unit price": Case(
        [discount("r1", "30.00", "fixed")], [line("l1", "20.00", 2)],
        {"l1": ("20.00", "40.00", "0.00")}, ("40.00", "0.00", "40.00", "0.00"), ["r1"]),
    "integer amounts are accepted": Case(
        [discount("r1", 5, "fixed")], [line("l1", 20, 1)],
        {"l1": ("20.00", "5.00", "15.00")}, ("20.00", "0.00", "5.00", "15.00"), ["r1"]),
    "100 percent makes the line free": Case(
        [discount("r1", "100")], [line("l1", "12.34")],
        {"l1": ("12.34", "12.34", "0.00")}, ("12.34", "0.00", "12.34", "0.00"), ["r1"]),
    "a discount on a free line changes nothing and is not applied": Case(
        [discount("r1", "20")], [line("l1", "0.00")],
        {"l1": ("0.00", "0.00", "0.00")}, ("0.00", "0.00", "0.00", "0.00"), []),
    # What a rule applies to
    "listed products only": Case(
        [discount("r1", applies_to=on(products=("p1",)))], [line("l1", "10.00"), line("l2", "10.00")],
        {"l1": ("10.00", "2.00", "8.00"), "l2": ("10.00", "0.00", "10.00")},
        ("20.00", "0.00", "2.00", "18.00"), ["r1"]),
    "any listed category makes a line eligible": Case(
        [discount("r1", applies_to=on(categories=("shoes",)))],
        [line("l1", "50.00", categories=("sale", "shoes")), line("l2", "10.00", categories=("socks",))],
        {"l1": ("50.00", "10.00", "40.00"), "l2": ("10.00", "0.00", "10.00")},
        ("60.00", "0.00", "10.00", "50.00"), ["r1"]),
    "products or categories: either makes a line eligible": Case(
        [discount("r1", applies_to=on(products=("p2",), categories=("shoes",)))],
        [line("l1", "10.00", categories=("shoes",)), line("l2", "10.00"), line("l3", "10.00")],
        {"l1": ("10.00", "2.00", "8.00"), "l2": ("10.00", "2.00", "8.00"), "l3": ("10.00", "0.00", "10.00")},
        ("30.00", "0.00", "4.00", "26.00"), ["r1"]),
    "excluded product on a whole-catalogue rule": Case(
        [discount("r1", applies_to=on(exclude=("p2",)))], [line("l1", "10.00"), line("l2", "10.00")],
        {"l1": ("10.00", "2.00", "8.00"), "l2": ("10.00", "0.00", "10.00")},
        ("20.00", "0.00", "2.00", "18.00"), ["r1"]),
    "an exclusion beats an inclusion": Case(
        [discount("r1", applies_to=on(products=("p1",), exclude=("p1",)))], [line("l1", "10.00")],
        {"l1": ("10.00", "0.00", "10.00")}, ("10.00", "0.00", "0.00", "10.00"), []),
    "excluded category": Case(
        [discount("r1", applies_to=on(categories=("shoes",), exclude_categories=("outlet",)))],
        [line("l1", "10.00", categories=("shoes",)), line("l2", "10.00", categories=("shoes", "outlet"))],
        {"l1": ("10.00", "2.00", "8.00"), "l2": ("10.00", "0.00", "10.00")},
        ("20.00", "0.00", "2.00", "18.00"), ["r1"]),
    # Conditions, measured over the eligible lines at base prices
    "min_subtotal met exactly": Case(
        [discount("r1", conditions={"min_subtotal": "50.00"})], [line("l1", "25.00", 2)],
        {"l1": ("25.00", "10.00", "40.00")}, ("50.00", "0.00", "10.00", "40.00"), ["r1"]),
    "min_subtotal missed by a cent": Case(
        [discount("r1", conditions={"min_subtotal": "50.00"})], [line("l1", "49.99")],
        {"l1": ("49.99", "0.00", "49.99")}, ("49.99", "0.00", "0.00", "49.99"), []),
    "min_subtotal counts only eligible lines": Case(
        [discount("r1", applies_to=on(categories=("shoes",)), conditions={"min_subtotal": "50.00"})],
        [line("l1", "40.00", categories=("shoes",)), line("l2", "20.00", categories=("socks",))],
        {"l1": ("40.00", "0.00", "40.00"), "l2": ("20.00", "0.00", "20.00")},
        ("60.00", "0.00", "0.00", "60.00"), []),
    "min_quantity counts units over eligible lines": Case(
        [discount("r1", conditions={"min_quantity": 3})], [line("l1", "10.00", 2), line("l2", "5.00")],
        {"l1": ("10.00", "4.00", "16.00"), "l2": ("5.00", "1.00", "4.00")},
        ("25.00", "0.00", "5.00", "20.00"), ["r1"]),
    "min_quantity not met": Case(
        [discount("r1", conditions={"min_quantity": 3})], [line("l1", "10.00", 2)],
        {"l1": ("10.00", "0.00", "20.00")}, ("20.00", "0.00", "0.00", "20.00"), []),
    "conditions use base prices, not increased ones": Case(
        [increase("inc", "50"), discount("r1", "10", conditions={"min_subtotal": "60.00"})],
        [line("l1", "50.00")],
        {"l1": ("75.00", "0.00", "75.00")}, ("50.00", "25.00", "0.00", "75.00"), ["inc"]),
    # Windows: starts_at inclusive, ends_at exclusive
    "starts exactly now: live": Case(
        [discount("r1", starts_at="2026-11-23T12:00:00+01:00")], [line("l1", "10.00")],
        {"l1": ("10.00", "2.00", "8.00")}, ("10.00", "0.00", "2.00", "8.00"), ["r1"]),
    "starts at the same instant in another offset: live": Case(
        [discount("r1", starts_at="2026-11-23T11:00:00+00:00")], [line("l1", "10.00")],
        {"l1": ("10.00", "2.00", "8.00")}, ("10.00", "0.00", "2.00", "8.00"), ["r1"]),
    "starts a second from now: not live": Case(
        [discount("r1", starts_at="2026-11-23T12:00:01+01:00")], [line("l1", "10.00")],
        {"l1": ("10.00", "0.00", "10.00")}, ("10.00", "0.00", "0.00", "10.00"), []),
    "ends exactly now: not live": Case(
        [discount("r1", ends_at="2026-11-23T12:00:00+01:00")], [line("l1", "10.00")],
        {"l1": ("10.00", "0.00", "10.00")}, ("10.00", "0.00", "0.00", "10.00"), []),
    "ends a second from now: live": Case(
        [discount("r1", ends_at="2026-11-23T12:00:01+01:00")], [line("l1", "10.00")],
        {"l1": ("10.00", "2.00", "8.00")}, ("10.00", "0.00", "2.00", "8.00"), ["r1"]),
    "disabled rule": Case(
        [discount("r1", enabled=False)], [line("l1", "10.00")],
        {"l1": ("10.00", "0.00", "10.00")}, ("10.00", "0.00", "0.00", "10.00"), []),
    # Groups
    "rule for another group": Case(
        [discount("r1", groups=("gold",))], [line("l1", "10.00")],
        {"l1": ("10.00", "0.00", "10.00")}, ("10.00", "0.00", "0.00", "10.00"), []),
    "rule for any of several groups": Case(
        [discount("r1", groups=("gold", "vip"))], [line("l1", "10.00")],
        {"l1": ("10.00", "2.00", "8.00")}, ("10.00", "0.00", "2.00", "8.00"), ["r1"]),
    "customer in several groups gets the best of their rules": Case(
        [discount("r1", "10"), discount("r2", "30", groups=("staff",)), discount("r3", "50", groups=("gold",))],
        [line("l1", "100.00")],
        {"l1": ("100.00", "30.00", "70.00")}, ("100.00", "0.00", "30.00", "70.00"), ["r2"],
        groups=("vip", "staff")),
    # Competition: best option, ties by rule order (priority, then id)
    "best non-combinable wins whatever its priority": Case(
        [discount("r1", "10", priority=1), discount("r2", "25", priority=2)], [line("l1", "100.00")],
        {"l1": ("100.00", "25.00", "75.00")}, ("100.00", "0.00", "25.00", "75.00"), ["r2"]),
    "tie goes to the lower priority number": Case(
        [discount("r1", "10.00", "fixed", priority=5), discount("r2", "10", priority=1)], [line("l1", "100.00")],
        {"l1": ("100.00", "10.00", "90.00")}, ("100.00", "0.00", "10.00", "90.00"), ["r2"]),
    "tie at equal priority goes to the lower id (string order: r10 < r2)": Case(
        [discount("r2", "10.00", "fixed"), discount("r10", "10")], [line("l1", "100.00")],
        {"l1": ("100.00", "10.00", "90.00")}, ("100.00", "0.00", "10.00", "90.00"), ["r10"]),
    "the listed order never matters": Case(
        [discount("b", "10"), discount("a", "10.00", "fixed")], [line("l1", "100.00")],
        {"l1": ("100.00", "10.00", "90.00")}, ("100.00", "0.00", "10.00", "90.00"), ["a"]),
    "all combinable: they stack in rule order": Case(
        [discount("r2", "10", combinable=True, priority=1), discount("r1", "10", combinable=True)],
        [line("l1", "100.00")],
        {"l1": ("100.00", "19.00", "81.00")}, ("100.00", "0.00", "19.00", "81.00"), ["r1", "r2"]),
    "stack: percent then fixed takes what is left, not more": Case(
        [discount("r1", "50", combinable=True), discount("r2", "10.00", "fixed", combinable=True, priority=1)],
        [line("l1", "15.00", 2)],
        {"l1": ("15.00", "30.00", "0.00")}, ("30.00", "0.00", "30.00", "0.00"), ["r1", "r2"]),
    "stack: fixed then percent on the rest": Case(
        [discount("r1", "5.00", "fixed", combinable=True), discount("r2", "10", combinable=True, priority=1)],
        [line("l1", "20.00")],
        {"l1": ("20.00", "6.50", "13.50")}, ("20.00", "0.00", "6.50", "13.50"), ["r1", "r2"]),
    "a non-combinable rule beats a weaker stack": Case(
        [discount("r1", "10", combinable=True), discount("r2", "10", combinable=True), discount("r3", "25")],
        [line("l1", "100.00")],
        {"l1": ("100.00", "25.00", "75.00")}, ("100.00", "0.00", "25.00", "75.00"), ["r3"]),
    "a stronger stack beats a non-combinable rule": Case(
        [discount("r1", "15", combinable=True), discount("r2", "15", combinable=True), discount("r3", "25")],
        [line("l1", "100.00")],
        {"l1": ("100.00", "27.75", "72.25")}, ("100.00", "0.00", "27.75", "72.25"), ["r1", "r2"]),
    "stack and single tie: the stack's first rule is earlier": Case(
        [discount("r1", "10", combinable=True), discount("r2", "10", combinable=True, priority=1),
         discount("r3", "19.00", "fixed", priority=2)],
        [line("l1", "100.00")],
        {"l1": ("100.00", "19.00", "81.00")}, ("100.00", "0.00", "19.00", "81.00"), ["r1", "r2"]),
    "stack and single tie: the single rule is earlier": Case(
        [discount("r1", "10", combinable=True), discount("r2", "10", combinable=True, priority=1),
         discount("r0", "19.00", "fixed", priority=-1)],
        [line("l1", "100.00")],
        {"l1": ("100.00", "19.00", "81.00")}, ("100.00", "0.00", "19.00", "81.00"), ["r0"]),
    "each line chooses its own best rule": Case(
        [discount("r1", "30", applies_to=on(categories=("shoes",))), discount("r2", "5.00", "fixed")],
        [line("l1", "10.00", categories=("shoes",)), line("l2", "100.00", categories=("shoes",))],
        {"l1": ("10.00", "5.00", "5.00"), "l2": ("100.00", "30.00", "70.00")},
        ("110.00", "0.00", "35.00", "75.00"), ["r1", "r2"]),
    # Increases
    "percent increase, rounded half-up": Case(
        [increase("inc", "10")], [line("l1", "19.99", 2)],
        {"l1": ("21.99", "0.00", "43.98")}, ("39.98", "4.00", "0.00", "43.98"), ["inc"]),
    "fractional percent increase rounds half-up": Case(
        [increase("inc", "12.5")], [line("l1", "0.20")],
        {"l1": ("0.23", "0.00", "0.23")}, ("0.20", "0.03", "0.00", "0.23"), ["inc"]),
    "fixed increase per unit": Case(
        [increase("inc", "2.50", "fixed")], [line("l1", "10.00", 3)],
        {"l1": ("12.50", "0.00", "37.50")}, ("30.00", "7.50", "0.00", "37.50"), ["inc"]),
    "increases above 100 percent are allowed": Case(
        [increase("inc", "150")], [line("l1", "10.00")],
        {"l1": ("25.00", "0.00", "25.00")}, ("10.00", "15.00", "0.00", "25.00"), ["inc"]),
    "one increase per line: the first in rule order": Case(
        [increase("inc1", "10", priority=1), increase("inc2", "1.00", "fixed")], [line("l1", "10.00")],
        {"l1": ("11.00", "0.00", "11.00")}, ("10.00", "1.00", "0.00", "11.00"), ["inc2"]),
    "an increase whose conditions fail lets the next one apply": Case(
        [increase("inc1", "50", conditions={"min_subtotal": "100.00"}), increase("inc2", "1.00", "fixed", priority=1)],
        [line("l1", "10.00")],
        {"l1": ("11.00", "0.00", "11.00")}, ("10.00", "1.00", "0.00", "11.00"), ["inc2"]),
    "increase then discount on the increased price": Case(
        [increase("inc", "10"), discount("r1", "20")], [line("l1", "100.00")],
        {"l1": ("110.00", "22.00", "88.00")}, ("100.00", "10.00", "22.00", "88.00"), ["inc", "r1"]),
    "increase on some lines, fixed discount capped at the increased price": Case(
        [increase("inc", "5.00", "fixed", applies_to=on(products=("p1",))), discount("r1", "12.00", "fixed")],
        [line("l1", "10.00"), line("l2", "10.00")],
        {"l1": ("15.00", "12.00", "3.00"), "l2": ("10.00", "10.00", "0.00")},
        ("20.00", "5.00", "22.00", "3.00"), ["inc", "r1"]),
    # Order discounts (order_fixed)
    "order_fixed spread over equal lines: 3.34, 3.33, 3.33": Case(
        [discount("o1", "10.00", "order_fixed")], [line("l1", "5.00"), line("l2", "5.00"), line("l3", "5.00")],
        {"l1": ("5.00", "3.34", "1.66"), "l2": ("5.00", "3.33", "1.67"), "l3": ("5.00", "3.33", "1.67")},
        ("15.00", "0.00", "10.00", "5.00"), ["o1"]),
    "order_fixed in proportion to the amounts": Case(
        [discount("o1", "10.00", "order_fixed")], [line("l1", "15.00", 2), line("l2", "10.00")],
        {"l1": ("15.00", "7.50", "22.50"), "l2": ("10.00", "2.50", "7.50")},
        ("40.00", "0.00", "10.00", "30.00"), ["o1"]),
    "order_fixed never more than the eligible lines hold": Case(
        [discount("o1", "50.00", "order_fixed", applies_to=on(exclude=("p3",)))],
        [line("l1", "20.00"), line("l2", "10.00"), line("l3", "10.00")],
        {"l1": ("20.00", "20.00", "0.00"), "l2": ("10.00", "10.00", "0.00"), "l3": ("10.00", "0.00", "10.00")},
        ("40.00", "0.00", "30.00", "10.00"), ["o1"]),
    "order_fixed after line discounts, remainder to the larger remainder": Case(
        [discount("r1", "50", applies_to=on(products=("p1",))), discount("o1", "10.00", "order_fixed")],
        [line("l1", "20.00"), line("l2", "20.00")],
        {"l1": ("20.00", "13.33", "6.67"), "l2": ("20.00", "6.67", "13.33")},
        ("40.00", "0.00", "20.00", "20.00"), ["o1", "r1"]),
    "order_fixed remainder ties go to the earlier lines": Case(
        [discount("o1", "0.02", "order_fixed")], [line("l1", "1.00"), line("l2", "1.00"), line("l3", "1.00")],
        {"l1": ("1.00", "0.01", "0.99"), "l2": ("1.00", "0.01", "0.99"), "l3": ("1.00", "0.00", "1.00")},
        ("3.00", "0.00", "0.02", "2.98"), ["o1"]),
    "order_fixed conditions not met": Case(
        [discount("o1", "5.00", "order_fixed", conditions={"min_subtotal": "100.00"})], [line("l1", "50.00")],
        {"l1": ("50.00", "0.00", "50.00")}, ("50.00", "0.00", "0.00", "50.00"), []),
    "order_fixed: best of two non-combinable": Case(
        [discount("o1", "5.00", "order_fixed"), discount("o2", "8.00", "order_fixed")], [line("l1", "100.00")],
        {"l1": ("100.00", "8.00", "92.00")}, ("100.00", "0.00", "8.00", "92.00"), ["o2"]),
    "order_fixed: combinable ones all apply": Case(
        [discount("o1", "5.00", "order_fixed", combinable=True),
         discount("o2", "8.00", "order_fixed", combinable=True)],
        [line("l1", "100.00")],
        {"l1": ("100.00", "13.00", "87.00")}, ("100.00", "0.00", "13.00", "87.00"), ["o1", "o2"]),
    "order_fixed tie goes to the earlier rule, whose lines differ": Case(
        [discount("o2", "5.00", "order_fixed", priority=1), discount("o1", "5.00", "order_fixed",
                                                                     applies_to=on(products=("p1",)))],
        [line("l1", "10.00"), line("l2", "10.00")],
        {"l1": ("10.00", "5.00", "5.00"), "l2": ("10.00", "0.00", "10.00")},
        ("20.00", "0.00", "5.00", "15.00"), ["o1"]),
    "order_fixed: the bigger amount loses when it cannot be used": Case(
        [discount("o1", "30.00", "order_fixed", applies_to=on(products=("p1",))),
         discount("o2", "15.00", "order_fixed")],
        [line("l1", "10.00"), line("l2", "10.00")],
        {"l1": ("10.00", "7.50", "2.50"), "l2": ("10.00", "7.50", "2.50")},
        ("20.00", "0.00", "15.00", "5.00"), ["o2"]),
    # Bundles
    "bundle at a fixed price, saving spread by price": Case(
        [bundle("b1", SOCKS_AND_SHOE, "25.00")],
        [line("l1", "20.00"), line("l2", "5.00", 2, categories=("socks",))],
        {"l1": ("20.00", "3.33", "16.67"), "l2": ("5.00", "1.67", "8.33")},
        ("30.00", "0.00", "5.00", "25.00"), ["b1"]),
    "bundle leftovers get line discounts, bundled units do not": Case(
        [bundle("b1", SOCKS_AND_SHOE, "25.00"), discount("d1", "10")],
        [line("l1", "20.00"), line("l2", "5.00", 3, categories=("socks",))],
        {"l1": ("20.00", "3.33", "16.67"), "l2": ("5.00", "2.17", "12.83")},
        ("35.00", "0.00", "5.50", "29.50"), ["b1", "d1"]),
    "a set that would cost more than its units is not formed": Case(
        [bundle("b1", SOCKS_AND_SHOE, "35.00"), discount("d1", "10")],
        [line("l1", "20.00"), line("l2", "5.00", 2, categories=("socks",))],
        {"l1": ("20.00", "2.00", "18.00"), "l2": ("5.00", "1.00", "9.00")},
        ("30.00", "0.00", "3.00", "27.00"), ["d1"]),
    # SPEC §2 refuses only a set that would cost *more*: an equal one is formed, saves nothing,
    # and its units are bundled, so they get no other discount.
    "a set costing exactly its units is formed and its units get no discount": Case(
        [bundle("b1", SOCKS_AND_SHOE, "30.00"), discount("d1", "10")],
        [line("l1", "20.00"), line("l2", "5.00", 2, categories=("socks",))],
        {"l1": ("20.00", "0.00", "20.00"), "l2": ("5.00", "0.00", "10.00")},
        ("30.00", "0.00", "0.00", "30.00"), []),
    "several sets, highest prices first, incomplete leftover": Case(
        [bundle("b1", [{"categories": ["shirts"], "quantity": 2}], "30.00")],
        [line("l1", "20.00", 3, categories=("shirts",)), line("l2", "18.00", 2, categories=("shirts",))],
        {"l1": ("20.00", "14.21", "45.79"), "l2": ("18.00", "3.79", "32.21")},
        ("96.00", "0.00", "18.00", "78.00"), ["b1"]),
    "percent bundle over two identical sets": Case(
        [bundle("b1", [{"products": ["p1"]}, {"products": ["p2"]}], "10", "percent")],
        [line("l1", "30.00", 2), line("l2", "20.00", 2)],
        {"l1": ("30.00", "6.00", "54.00"), "l2": ("20.00", "4.00", "36.00")},
        ("100.00", "0.00", "10.00", "90.00"), ["b1"]),
    "percent bundle rounds per set": Case(
        [bundle("b1", [{"products": ["p1"], "quantity": 1}], "10", "percent")], [line("l1", "0.15", 3)],
        {"l1": ("0.15", "0.06", "0.39")}, ("0.45", "0.00", "0.06", "0.39"), ["b1"]),
    "bundled units get no order discount": Case(
        [bundle("b1", [{"products": ["p1"]}, {"products": ["p2"]}], "15.00"), discount("o1", "10.00", "order_fixed")],
        [line("l1", "10.00"), line("l2", "10.00"), line("l3", "10.00")],
        {"l1": ("10.00", "2.50", "7.50"), "l2": ("10.00", "2.50", "7.50"), "l3": ("10.00", "10.00", "0.00")},
        ("30.00", "0.00", "15.00", "15.00"), ["b1", "o1"]),
    "a component takes the dearest matching unit": Case(
        [bundle("b1", [{"categories": ["socks"]}, {"categories": ["shoes"]}], "50.00")],
        [line("l1", "5.00", categories=("socks",)), line("l2", "8.00", categories=("socks",)),
         line("l3", "60.00", categories=("shoes",))],
        {"l1": ("5.00", "0.00", "5.00"), "l2": ("8.00", "2.12", "5.88"), "l3": ("60.00", "15.88", "44.12")},
        ("73.00", "0.00", "18.00", "55.00"), ["b1"]),
    "equal prices: the earlier line fills the component": Case(
        [bundle("b1", [{"categories": ["socks"]}, {"categories": ["shoes"]}], "50.00"),
         discount("d1", "10", applies_to=on(categories=("socks",)))],
        [line("l1", "5.00", categories=("socks",)), line("l2", "5.00", categories=("socks",)),
         line("l3", "60.00", categories=("shoes",))],
        {"l1": ("5.00", "1.15", "3.85"), "l2": ("5.00", "0.50", "4.50"), "l3": ("60.00", "13.85", "46.15")},
        ("70.00", "0.00", "15.50", "54.50"), ["b1", "d1"]),
    "bundles in rule order: the first takes the shared unit": Case(
        [bundle("b2", [{"products": ["p1"]}, {"products": ["p3"]}], "12.00", priority=1),
         bundle("b1", [{"products": ["p1"]}, {"products": ["p2"]}], "15.00")],
        [line("l1", "10.00"), line("l2", "10.00"), line("l3", "10.00")],
        {"l1": ("10.00", "2.50", "7.50"), "l2": ("10.00", "2.50", "7.50"), "l3": ("10.00", "0.00", "10.00")},
        ("30.00", "0.00", "5.00", "25.00"), ["b1"]),
    "bundle priced on increased unit prices": Case(
        [increase("inc", "10", applies_to=on(products=("p1",))),
         bundle("b1", [{"products": ["p1"]}, {"products": ["p2"]}], "20.00")],
        [line("l1", "10.00"), line("l2", "10.00")],
        {"l1": ("11.00", "0.52", "10.48"), "l2": ("10.00", "0.48", "9.52")},
        ("20.00", "1.00", "1.00", "20.00"), ["b1", "inc"]),
    "one line can fill two components": Case(
        [bundle("b1", [{"categories": ["tops"]}, {"products": ["p1"]}], "50.00")],
        [line("l1", "30.00", 2, categories=("tops",))],
        {"l1": ("30.00", "10.00", "50.00")}, ("60.00", "0.00", "10.00", "50.00"), ["b1"]),
    "bundle conditions over the lines its components match": Case(
        [bundle("b1", [{"products": ["p1"]}, {"products": ["p2"]}], "15.00", conditions={"min_subtotal": "25.00"})],
        [line("l1", "10.00"), line("l2", "10.00"), line("l3", "50.00")],
        {"l1": ("10.00", "0.00", "10.00"), "l2": ("10.00", "0.00", "10.00"), "l3": ("50.00", "0.00", "50.00")},
        ("70.00", "0.00", "0.00", "70.00"), []),
    # Gifts
    "gift once the trigger quantity is reached": Case(
        [gift("g", {"products": ["p1"], "min_quantity": 2})], [line("l1", "10.00", 3)],
        {"l1": ("10.00", "0.00", "30.00")}, ("30.00", "0.00", "0.00", "30.00"), ["g"], gifts=[("g1", 1)]),
    "gift repeated per multiple of the trigger": Case(
        [gift("g", {"products": ["p1"], "min_quantity": 2}, repeat=True)], [line("l1", "10.00", 5)],
        {"l1": ("10.00", "0.00", "50.00")}, ("50.00", "0.00", "0.00", "50.00"), ["g"], gifts=[("g1", 2)]),
    "repeated gift capped by max_per_order": Case(
        [gift("g", {"products": ["p1"], "min_quantity": 2}, repeat=True, max_per_order=3)], [line("l1", "10.00", 10)],
        {"l1": ("10.00", "0.00", "100.00")}, ("100.00", "0.00", "0.00", "100.00"), ["g"], gifts=[("g1", 3)]),
    "gift quantity multiplied, then capped": Case(
        [gift("g", {"products": ["p1"]}, quantity=2, repeat=True, max_per_order=5)], [line("l1", "10.00", 3)],
        {"l1": ("10.00", "0.00", "30.00")}, ("30.00", "0.00", "0.00", "30.00"), ["g"], gifts=[("g1", 5)]),
    "gift on the whole cart's subtotal": Case(
        [gift("g", {"min_subtotal": "100.00"})], [line("l1", "60.00"), line("l2", "40.00")],
        {"l1": ("60.00", "0.00", "60.00")}, ("100.00", "0.00", "0.00", "100.00"), ["g"], gifts=[("g1", 1)]),
    "gift trigger uses base prices, before discounts": Case(
        [gift("g", {"min_subtotal": "100.00"}), discount("r1", "20")], [line("l1", "100.00")],
        {"l1": ("100.00", "20.00", "80.00")}, ("100.00", "0.00", "20.00", "80.00"), ["g", "r1"],
        gifts=[("g1", 1)]),
    "gift trigger missed by a cent": Case(
        [gift("g", {"min_subtotal": "100.00"})], [line("l1", "99.99")],
        {"l1": ("99.99", "0.00", "99.99")}, ("99.99", "0.00", "0.00", "99.99"), []),
    "gift repeated per multiple of the subtotal": Case(
        [gift("g", {"min_subtotal": "50.00"}, repeat=True)], [line("l1", "120.00")],
        {"l1": ("120.00", "0.00", "120.00")}, ("120.00", "0.00", "0.00", "120.00"), ["g"], gifts=[("g1", 2)]),
    "gift subtotal counts only the trigger's lines": Case(
        [gift("g", {"categories": ["shoes"], "min_subtotal": "100.00"})],
        [line("l1", "80.00", categories=("shoes",)), line("l2", "50.00", categories=("socks",))],
        {"l1": ("80.00", "0.00", "80.00")}, ("130.00", "0.00", "0.00", "130.00"), []),
    "gift for another group": Case(
        [gift("g", {"min_subtotal": "1.00"}, groups=("gold",))], [line("l1", "80.00")],
        {"l1": ("80.00", "0.00", "80.00")}, ("80.00", "0.00", "0.00", "80.00"), []),
    # Currencies: JPY has no decimals, KWD three
    "JPY percent rounds to whole yen": Case(
        [discount("r1", "15")], [line("l1", "999")],
        {"l1": ("999", "150", "849")}, ("999", "0", "150", "849"), ["r1"], currency="JPY"),
    "JPY fixed increase": Case(
        [increase("inc", "100", "fixed")], [line("l1", "1000", 2)],
        {"l1": ("1100", "0", "2200")}, ("2000", "200", "0", "2200"), ["inc"], currency="JPY"),
    "JPY order_fixed spread": Case(
        [discount("o1", "1000", "order_fixed")], [line("l1", "1000"), line("l2", "1000"), line("l3", "1000")],
        {"l1": ("1000", "334", "666"), "l2": ("1000", "333", "667"), "l3": ("1000", "333", "667")},
        ("3000", "0", "1000", "2000"), ["o1"], currency="JPY"),
    "JPY rule amount with decimals is rounded to whole yen": Case(
        [discount("r1", "99.5", "fixed")], [line("l1", "1000")],
        {"l1": ("1000", "100", "900")}, ("1000", "0", "100", "900"), ["r1"], currency="JPY"),
    "KWD percent to three decimals, half-up": Case(
        [discount("r1", "10")], [line("l1", "1.255")],
        {"l1": ("1.255", "0.126", "1.129")}, ("1.255", "0.000", "0.126", "1.129"), ["r1"], currency="KWD"),
    "KWD order_fixed spread": Case(
        [discount("o1", "1.000", "order_fixed")], [line("l1", "2.000"), line("l2", "2.000"), line("l3", "2.000")],
        {"l1": ("2.000", "0.334", "1.666"), "l2": ("2.000", "0.333", "1.667"), "l3": ("2.000", "0.333", "1.667")},
        ("6.000", "0.000", "1.000", "5.000"), ["o1"], currency="KWD"),
    # Plain carts
    "no rules at all": Case(
        [], [line("l1", "10.00", 2), line("l2", "0.99", 3)],
        {"l1": ("10.00", "0.00", "20.00"), "l2": ("0.99", "0.00", "2.97")},
        ("22.97", "0.00", "0.00", "22.97"), []),
    "an empty cart": Case(
        [discount("r1"), gift("g", {})], [], {}, ("0.00", "0.00", "0.00", "0.00"), []),
    "every stage at once": Case(
        [increase("inc", "10", applies_to=on(products=("p1",))),
         bundle("b1", [{"products": ["p2"]}, {"products": ["p3"]}], "15.00"),
         discount("d1", "10", applies_to=on(products=("p1",))),
         discount("o1", "5.00", "order_fixed"),
         gift("g", {"min_subtotal": "50.00"})],
        [line("l1", "20.00", 2), line("l2", "10.00"), line("l3", "10.00")],
        # l1: 22.00 x 2 = 44.00, 10% = 4.40, left 39.60; l2 and l3 bundled (2.50 each), so
        # the order discount all lands on l1.
        {"l1": ("22.00", "9.40", "34.60"), "l2": ("10.00", "2.50", "7.50"), "l3": ("10.00", "2.50", "7.50")},
        ("60.00", "4.00", "14.40", "49.60"), ["b1", "d1", "g", "inc", "o1"], gifts=[("g1", 1)]),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_hand_computed_cart(case: Case) -> None:
    # given
    ruleset = compile_rules(parse_rules(case.rules))
    priced_cart = parse_cart(cart(case.lines, currency=case.currency, groups=case.groups))

    # when
    priced = evaluate(ruleset, priced_cart).to_json()

    # then
    lines = {line["id"]: (line["unit_price"], line["discount"], line["total"]) for line in priced["lines"]}
    assert {line_id: lines[line_id] for line_id in case.expect_lines} == case.expect_lines
    assert (priced["subtotal"], priced["surcharge_total"], priced["discount_total"], priced["total"]) == case.totals
    assert priced["applied_rules"] == case.applied
    assert [(gift_line["product_id"], gift_line["quantity"]) for gift_line in priced["gifts"]] == case.gifts


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 60
