"""SPEC §2 read to the letter: carts priced by hand, run through the CLI and the package.

Every expected number below was computed by hand from SPEC §2's sentences, not from the
engine; each case names the sentence it checks. Rules are written in the SPEC's full rule
shape (every field present), the way an outside checker would send them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from rules import compile_rules, evaluate, parse_cart, parse_rules

NOW = "2026-11-23T12:00:00+01:00"


# given: rules and carts in the SPEC's JSON shape


def rule(rule_id: str, kind: str = "discount", value: tuple[str, str] | None = ("percent", "10"), *,
         priority: int = 0, combinable: bool = False, enabled: bool = True, groups: tuple[str, ...] = ("vip",),
         starts_at: str | None = None, ends_at: str | None = None, products: tuple[str, ...] = (),
         categories: tuple[str, ...] = (), exclude: tuple[str, ...] = (), min_subtotal: str | None = None,
         min_quantity: int | None = None, **extra: Any) -> dict[str, Any]:
    data = {
        "id": rule_id, "name": f"Rule {rule_id}", "kind": kind, "groups": list(groups), "priority": priority,
        "combinable": combinable, "enabled": enabled, "starts_at": starts_at, "ends_at": ends_at,
        "applies_to": {"products": list(products), "categories": list(categories), "exclude_products": list(exclude)},
        "conditions": {"min_subtotal": min_subtotal, "min_quantity": min_quantity},
        **extra,
    }
    if value is not None:
        data["value"] = {"type": value[0], "amount": value[1]}
    return data


def pct(rule_id: str, amount: str, **fields: Any) -> dict[str, Any]:
    return rule(rule_id, "discount", ("percent", amount), **fields)


def off(rule_id: str, amount: str, **fields: Any) -> dict[str, Any]:
    return rule(rule_id, "discount", ("fixed", amount), **fields)


def order_off(rule_id: str, amount: str, **fields: Any) -> dict[str, Any]:
    return rule(rule_id, "discount", ("order_fixed", amount), **fields)


def inc(rule_id: str, amount: str, value_type: str = "percent", **fields: Any) -> dict[str, Any]:
    return rule(rule_id, "increase", (value_type, amount), **fields)


def bundle(rule_id: str, components: list[dict[str, Any]], amount: str, value_type: str = "fixed_price",
           **fields: Any) -> dict[str, Any]:
    return rule(rule_id, "bundle", (value_type, amount), components=components, **fields)


def part(quantity: int, products: tuple[str, ...] = (), categories: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"products": list(products), "categories": list(categories), "quantity": quantity}


def gift(rule_id: str, trigger: dict[str, Any], *, quantity: int = 1, repeat: bool = False,
         max_per_order: int | None = None, **fields: Any) -> dict[str, Any]:
    return rule(rule_id, "gift", None, trigger=trigger, repeat=repeat, max_per_order=max_per_order,
                gift={"product_id": "g1", "name": "Tote", "quantity": quantity}, **fields)


def item(line_id: str, product: str, price: str, quantity: int = 1, categories: tuple[str, ...] = ()) -> dict:
    return {"id": line_id, "product_id": product, "category_ids": list(categories),
            "unit_price": price, "quantity": quantity}


def cart(*lines: dict[str, Any], currency: str = "EUR", groups: tuple[str, ...] = ("vip",),
         now: str | None = NOW) -> dict[str, Any]:
    data: dict[str, Any] = {"currency": currency, "groups": list(groups), "lines": list(lines)}
    if now is not None:
        data["now"] = now
    return data


# then: the hand-computed priced cart


class Out(NamedTuple):
    """One priced line: adjustments are (rule id, signed amount), in stage then rule order."""

    id: str
    quantity: int
    base: str
    unit: str
    subtotal: str
    discount: str
    total: str
    adjustments: tuple[tuple[str, str], ...] = ()


class Case(NamedTuple):
    name: str
    rules: list[dict[str, Any]]
    cart: dict[str, Any]
    lines: list[Out]
    totals: tuple[str, str, str, str]  # subtotal, surcharge_total, discount_total, total
    applied: list[str]
    gifts: list[tuple[str, int, str, str]] = []  # product_id, quantity, unit_price, rule_id


def expected_json(case: Case) -> dict[str, Any]:
    kinds = {data["id"]: (data["name"], data["kind"]) for data in case.rules}
    subtotal, surcharge, discount_total, total = case.totals
    return {
        "currency": case.cart["currency"],
        "lines": [
            {"id": out.id, "quantity": out.quantity, "base_unit_price": out.base, "unit_price": out.unit,
             "subtotal": out.subtotal, "discount": out.discount, "total": out.total,
             "adjustments": [{"rule_id": rule_id, "rule_name": kinds[rule_id][0], "kind": kinds[rule_id][1],
                              "amount": amount} for rule_id, amount in out.adjustments]}
            for out in case.lines
        ],
        "gifts": [{"product_id": product, "name": "Tote", "quantity": quantity, "unit_price": price, "rule_id": rule_id}
                  for product, quantity, price, rule_id in case.gifts],
        "subtotal": subtotal, "surcharge_total": surcharge, "discount_total": discount_total, "total": total,
        "applied_rules": case.applied,
    }


def ten_percent(rule_id: str = "r1", **fields: Any) -> dict[str, Any]:
    return pct(rule_id, "10", **fields)


FIFTY = item("l1", "p1", "50.00")
FIVE_OFF_FIFTY = dict(lines=[Out("l1", 1, "50.00", "50.00", "50.00", "5.00", "45.00", (("r1", "-5.00"),))],
                      totals=("50.00", "0.00", "5.00", "45.00"), applied=["r1"])
FIVE_OFF_FIFTY_BY_D = dict(lines=[Out("l1", 1, "50.00", "50.00", "50.00", "5.00", "45.00", (("d", "-5.00"),))],
                           totals=("50.00", "0.00", "5.00", "45.00"), applied=["d"])
NOTHING_OFF_FIFTY = dict(lines=[Out("l1", 1, "50.00", "50.00", "50.00", "0.00", "50.00")],
                         totals=("50.00", "0.00", "0.00", "50.00"), applied=[])

TOPS = (item("l1", "t1", "20.00", 1, ("tops",)), item("l2", "t2", "15.00", 1, ("tops",)),
        item("l3", "t3", "10.00", 2, ("tops",)))
SHOE_AND_SOCKS = (item("l1", "p1", "15.00", 1, ("shoes",)), item("l2", "s1", "5.00", 1, ("socks",)),
                  item("l3", "s2", "4.00", 2, ("socks",)))
SHOE_AND_SOCKS_SET = [part(1, products=("p1",)), part(2, categories=("socks",))]


SPEC_RULE = {"id": "r1", "name": "VIP 20% on shoes", "kind": "discount",
             "groups": ["vip"], "priority": 10, "combinable": False, "enabled": True,
             "starts_at": None, "ends_at": "2026-12-31T23:59:59+01:00",
             "applies_to": {"products": [], "categories": ["shoes"], "exclude_products": []},
             "value": {"type": "percent", "amount": "20"},
             "conditions": {"min_subtotal": "50.00", "min_quantity": 1}}
SPEC_CART = {"currency": "EUR", "now": "2026-11-23T12:00:00+01:00", "groups": ["vip"],
             "lines": [{"id": "l1", "product_id": "p1", "category_ids": ["shoes"],
                        "unit_price": "100.00", "quantity": 2}]}

CASES = [
    # SPEC §2's own rule, cart and priced cart, character for character
    Case("the_spec_example", [SPEC_RULE], SPEC_CART,
         [Out("l1", 2, "100.00", "100.00", "200.00", "40.00", "160.00", (("r1", "-40.00"),))],
         ("200.00", "0.00", "40.00", "160.00"), ["r1"]),
    # §2.1 rule order: (priority ascending, id ascending); listing order never matters
    Case("priority_is_numeric_and_beats_id",
         [pct("r_a", "10", priority=10), pct("r_z", "10", priority=9)], cart(FIFTY),
         [Out("l1", 1, "50.00", "50.00", "50.00", "5.00", "45.00", (("r_z", "-5.00"),))],
         ("50.00", "0.00", "5.00", "45.00"), ["r_z"]),
    Case("applied_rules_in_rule_order_not_listing_order",
         [inc("a", "1.00", "fixed", priority=2), pct("b", "10", priority=1, combinable=True),
          pct("c", "10", combinable=True)],
         cart(item("l1", "p1", "10.00")),
         [Out("l1", 1, "10.00", "11.00", "10.00", "2.09", "8.91", (("a", "1.00"), ("c", "-1.10"), ("b", "-0.99")))],
         ("10.00", "1.00", "2.09", "8.91"), ["c", "b", "a"]),
    # §2.1 live rules: starts_at <= now < ends_at, as instants; enabled; groups
    Case("starts_at_equal_to_now_in_another_offset_is_live",
         [ten_percent(starts_at="2026-11-23T11:00:00+00:00")], cart(FIFTY), **FIVE_OFF_FIFTY),
    Case("ends_at_equal_to_now_in_another_offset_is_not_live",
         [ten_percent(ends_at="2026-11-23T03:00:00-08:00")], cart(FIFTY), **NOTHING_OFF_FIFTY),
    Case("ends_at_in_z_notation_equal_to_now_is_not_live",
         [ten_percent(ends_at="2026-11-23T11:00:00Z")], cart(FIFTY), **NOTHING_OFF_FIFTY),
    Case("ends_at_a_microsecond_after_now_is_live",
         [ten_percent(ends_at="2026-11-23T11:00:00.000001+00:00")], cart(FIFTY), **FIVE_OFF_FIFTY),
    Case("starts_at_a_second_after_now_is_not_live",
         [ten_percent(starts_at="2026-11-23T12:00:01+01:00")], cart(FIFTY), **NOTHING_OFF_FIFTY),
    Case("disabled_rule_is_not_live", [ten_percent(enabled=False)], cart(FIFTY), **NOTHING_OFF_FIFTY),
    Case("rule_applies_when_customer_is_in_any_of_its_groups",
         [pct("r0", "50", groups=("gold",)), ten_percent(groups=("gold", "vip"))], cart(FIFTY), **FIVE_OFF_FIFTY),
    Case("guests_are_priced_like_a_group",
         [ten_percent(groups=("guests",)), pct("r2", "50", groups=("vip",))], cart(FIFTY, groups=("guests",)),
         **FIVE_OFF_FIFTY),
    Case("without_now_in_the_cart_the_clock_decides",
         [pct("r0", "50", ends_at="2020-01-01T00:00:00+00:00"), ten_percent(starts_at="2020-01-01T00:00:00+00:00")],
         cart(FIFTY, now=None), **FIVE_OFF_FIFTY),
    # §2.2 increases
    Case("first_increase_in_rule_order_sets_the_unit_price",
         [inc("inc_a", "10", priority=5), inc("inc_b", "5.00", "fixed", priority=1)],
         cart(item("l1", "p1", "20.00", 3)),
         [Out("l1", 3, "20.00", "25.00", "60.00", "0.00", "75.00", (("inc_b", "15.00"),))],
         ("60.00", "15.00", "0.00", "75.00"), ["inc_b"]),
    Case("increase_rounds_half_up",
         [inc("inc1", "10", categories=("a",)), inc("inc2", "12.5", categories=("b",))],
         cart(item("l1", "p1", "0.35", 1, ("a",)), item("l2", "p2", "1.00", 2, ("b",))),
         [Out("l1", 1, "0.35", "0.39", "0.35", "0.00", "0.39", (("inc1", "0.04"),)),
          Out("l2", 2, "1.00", "1.13", "2.00", "0.00", "2.26", (("inc2", "0.26"),))],
         ("2.35", "0.30", "0.00", "2.65"), ["inc1", "inc2"]),
    Case("a_line_not_eligible_for_the_first_increase_takes_the_next",
         [inc("inc1", "10", priority=1, categories=("shoes",)), inc("inc2", "1.00", "fixed", priority=2)],
         cart(item("l1", "p1", "10.00", 1, ("shoes",)), item("l2", "p2", "10.00", 1, ("hats",))),
         [Out("l1", 1, "10.00", "11.00", "10.00", "0.00", "11.00", (("inc1", "1.00"),)),
          Out("l2", 1, "10.00", "11.00", "10.00", "0.00", "11.00", (("inc2", "1.00"),))],
         ("20.00", "2.00", "0.00", "22.00"), ["inc1", "inc2"]),
    Case("discount_works_on_the_increased_unit_price",
         [inc("inc", "10"), pct("disc", "20")], cart(item("l1", "p1", "100.00")),
         [Out("l1", 1, "100.00", "110.00", "100.00", "22.00", "88.00", (("inc", "10.00"), ("disc", "-22.00")))],
         ("100.00", "10.00", "22.00", "88.00"), ["disc", "inc"]),
    Case("conditions_are_measured_at_base_prices",
         [inc("inc", "10"), pct("disc", "20", min_subtotal="105.00")], cart(item("l1", "p1", "100.00")),
         [Out("l1", 1, "100.00", "110.00", "100.00", "0.00", "110.00", (("inc", "10.00"),))],
         ("100.00", "10.00", "0.00", "110.00"), ["inc"]),
    Case("an_increase_percent_may_exceed_100",
         [inc("inc", "150")], cart(item("l1", "p1", "10.00", 2)),
         [Out("l1", 2, "10.00", "25.00", "20.00", "0.00", "50.00", (("inc", "30.00"),))],
         ("20.00", "30.00", "0.00", "50.00"), ["inc"]),
    # §2.3 bundles
    Case("bundle_fixed_price_spread_by_unit_price_and_leftovers_discounted",
         [bundle("b1", SHOE_AND_SOCKS_SET, "20.00"), ten_percent("d1")], cart(*SHOE_AND_SOCKS),
         [Out("l1", 1, "15.00", "15.00", "15.00", "2.50", "12.50", (("b1", "-2.50"),)),
          Out("l2", 1, "5.00", "5.00", "5.00", "0.83", "4.17", (("b1", "-0.83"),)),
          Out("l3", 2, "4.00", "4.00", "8.00", "1.07", "6.93", (("b1", "-0.67"), ("d1", "-0.40")))],
         ("28.00", "0.00", "4.40", "23.60"), ["b1", "d1"]),
    Case("bundle_set_dearer_than_its_units_is_not_formed",
         [bundle("b1", SHOE_AND_SOCKS_SET, "24.01"), ten_percent("d1")], cart(*SHOE_AND_SOCKS),
         [Out("l1", 1, "15.00", "15.00", "15.00", "1.50", "13.50", (("d1", "-1.50"),)),
          Out("l2", 1, "5.00", "5.00", "5.00", "0.50", "4.50", (("d1", "-0.50"),)),
          Out("l3", 2, "4.00", "4.00", "8.00", "0.80", "7.20", (("d1", "-0.80"),))],
         ("28.00", "0.00", "2.80", "25.20"), ["d1"]),
    Case("bundle_fills_dearest_units_first_and_stops_at_a_dearer_set",
         [bundle("b1", [part(2, categories=("tops",))], "25.00"), ten_percent("d1")], cart(*TOPS),
         [Out("l1", 1, "20.00", "20.00", "20.00", "5.71", "14.29", (("b1", "-5.71"),)),
          Out("l2", 1, "15.00", "15.00", "15.00", "4.29", "10.71", (("b1", "-4.29"),)),
          Out("l3", 2, "10.00", "10.00", "20.00", "2.00", "18.00", (("d1", "-2.00"),))],
         ("55.00", "0.00", "12.00", "43.00"), ["b1", "d1"]),
    Case("bundle_set_costing_exactly_its_units_is_formed_and_blocks_discounts",
         [bundle("b1", [part(2, categories=("tops",))], "20.00"), ten_percent("d1")], cart(*TOPS),
         [Out("l1", 1, "20.00", "20.00", "20.00", "8.57", "11.43", (("b1", "-8.57"),)),
          Out("l2", 1, "15.00", "15.00", "15.00", "6.43", "8.57", (("b1", "-6.43"),)),
          Out("l3", 2, "10.00", "10.00", "20.00", "0.00", "20.00")],
         ("55.00", "0.00", "15.00", "40.00"), ["b1"]),
    Case("bundle_percent_off_each_set",
         [bundle("b1", [part(1, categories=("tops",)), part(1, categories=("pants",))], "15", "percent")],
         cart(item("l1", "t1", "9.99", 2, ("tops",)), item("l2", "q1", "10.00", 2, ("pants",))),
         [Out("l1", 2, "9.99", "9.99", "19.98", "3.00", "16.98", (("b1", "-3.00"),)),
          Out("l2", 2, "10.00", "10.00", "20.00", "3.00", "17.00", (("b1", "-3.00"),))],
         ("39.98", "0.00", "6.00", "33.98"), ["b1"]),
    Case("bundle_spread_remainder_tie_goes_to_the_earlier_line",
         [bundle("b1", [part(2, categories=("x",))], "19.98")],
         cart(item("l1", "a", "5.00", 1, ("x",)), item("l2", "b", "15.00", 1, ("x",))),
         [Out("l1", 1, "5.00", "5.00", "5.00", "0.01", "4.99", (("b1", "-0.01"),)),
          Out("l2", 1, "15.00", "15.00", "15.00", "0.01", "14.99", (("b1", "-0.01"),))],
         ("20.00", "0.00", "0.02", "19.98"), ["b1"]),
    Case("bundles_run_in_rule_order_on_units_not_yet_bundled",
         [bundle("b_late", [part(2, categories=("x",))], "15.00", priority=2),
          bundle("b_early", [part(2, categories=("x",))], "18.00", priority=1)],
         cart(item("l1", "a", "10.00", 2, ("x",))),
         [Out("l1", 2, "10.00", "10.00", "20.00", "2.00", "18.00", (("b_early", "-2.00"),))],
         ("20.00", "0.00", "2.00", "18.00"), ["b_early"]),
    Case("bundle_takes_higher_unit_price_first_then_line_order",
         [bundle("b1", [part(2, categories=("x",))], "35.00"), ten_percent("d1")],
         cart(item("l1", "a", "30.00", 1, ("x",)), item("l2", "b", "10.00", 1, ("x",)),
              item("l3", "c", "10.00", 1, ("x",))),
         [Out("l1", 1, "30.00", "30.00", "30.00", "3.75", "26.25", (("b1", "-3.75"),)),
          Out("l2", 1, "10.00", "10.00", "10.00", "1.25", "8.75", (("b1", "-1.25"),)),
          Out("l3", 1, "10.00", "10.00", "10.00", "1.00", "9.00", (("d1", "-1.00"),))],
         ("50.00", "0.00", "6.00", "44.00"), ["b1", "d1"]),
    Case("fixed_discount_on_the_units_left_outside_a_bundle",
         [bundle("b1", [part(1, products=("p1",)), part(1, products=("p2",))], "15.00"), off("d1", "1.00")],
         cart(item("l1", "p1", "10.00", 3), item("l2", "p2", "10.00", 1)),
         [Out("l1", 3, "10.00", "10.00", "30.00", "4.50", "25.50", (("b1", "-2.50"), ("d1", "-2.00"))),
          Out("l2", 1, "10.00", "10.00", "10.00", "2.50", "7.50", (("b1", "-2.50"),))],
         ("40.00", "0.00", "7.00", "33.00"), ["b1", "d1"]),
    Case("bundle_works_on_increased_unit_prices",
         [inc("a_inc", "10"), bundle("b1", [part(2, products=("p1",))], "20.00")],
         cart(item("l1", "p1", "10.00", 2)),
         [Out("l1", 2, "10.00", "11.00", "20.00", "2.00", "20.00", (("a_inc", "2.00"), ("b1", "-2.00")))],
         ("20.00", "2.00", "2.00", "20.00"), ["a_inc", "b1"]),
    # §2.4 line discounts
    Case("combinable_discounts_stack_each_on_what_the_one_before_left",
         [pct("c1", "10", combinable=True), pct("c2", "10", combinable=True)], cart(item("l1", "p1", "100.00")),
         [Out("l1", 1, "100.00", "100.00", "100.00", "19.00", "81.00", (("c1", "-10.00"), ("c2", "-9.00")))],
         ("100.00", "0.00", "19.00", "81.00"), ["c1", "c2"]),
    Case("a_stack_applies_in_rule_order",
         [pct("p", "50", priority=2, combinable=True), off("f", "10.00", priority=1, combinable=True)],
         cart(item("l1", "p1", "100.00")),
         [Out("l1", 1, "100.00", "100.00", "100.00", "55.00", "45.00", (("f", "-10.00"), ("p", "-45.00")))],
         ("100.00", "0.00", "55.00", "45.00"), ["f", "p"]),
    Case("non_combinable_alone_beats_a_smaller_stack",
         [pct("n", "25"), pct("c1", "10", combinable=True), pct("c2", "10", combinable=True)],
         cart(item("l1", "p1", "100.00")),
         [Out("l1", 1, "100.00", "100.00", "100.00", "25.00", "75.00", (("n", "-25.00"),))],
         ("100.00", "0.00", "25.00", "75.00"), ["n"]),
    Case("a_larger_stack_beats_a_non_combinable",
         [pct("n", "15"), pct("c1", "10", combinable=True), pct("c2", "10", combinable=True)],
         cart(item("l1", "p1", "100.00")),
         [Out("l1", 1, "100.00", "100.00", "100.00", "19.00", "81.00", (("c1", "-10.00"), ("c2", "-9.00")))],
         ("100.00", "0.00", "19.00", "81.00"), ["c1", "c2"]),
    Case("tie_goes_to_the_non_combinable_when_it_comes_first",
         [pct("a", "19"), pct("b", "10", combinable=True), pct("c", "10", combinable=True)],
         cart(item("l1", "p1", "100.00")),
         [Out("l1", 1, "100.00", "100.00", "100.00", "19.00", "81.00", (("a", "-19.00"),))],
         ("100.00", "0.00", "19.00", "81.00"), ["a"]),
    Case("tie_goes_to_the_stack_when_its_first_rule_comes_first",
         [pct("c", "19"), pct("a", "10", combinable=True), pct("b", "10", combinable=True)],
         cart(item("l1", "p1", "100.00")),
         [Out("l1", 1, "100.00", "100.00", "100.00", "19.00", "81.00", (("a", "-10.00"), ("b", "-9.00")))],
         ("100.00", "0.00", "19.00", "81.00"), ["a", "b"]),
    Case("of_two_non_combinables_the_largest_wins",
         [pct("n1", "10"), off("n2", "15.00")], cart(item("l1", "p1", "100.00")),
         [Out("l1", 1, "100.00", "100.00", "100.00", "15.00", "85.00", (("n2", "-15.00"),))],
         ("100.00", "0.00", "15.00", "85.00"), ["n2"]),
    Case("tie_between_non_combinables_goes_to_the_earlier_rule",
         [off("n2", "10.00"), pct("n1", "10")], cart(item("l1", "p1", "100.00")),
         [Out("l1", 1, "100.00", "100.00", "100.00", "10.00", "90.00", (("n1", "-10.00"),))],
         ("100.00", "0.00", "10.00", "90.00"), ["n1"]),
    Case("fixed_is_min_of_amount_and_unit_price_per_unit",
         [off("r1", "5.00")], cart(item("l1", "p1", "3.00", 2), item("l2", "p2", "10.00", 2)),
         [Out("l1", 2, "3.00", "3.00", "6.00", "6.00", "0.00", (("r1", "-6.00"),)),
          Out("l2", 2, "10.00", "10.00", "20.00", "10.00", "10.00", (("r1", "-10.00"),))],
         ("26.00", "0.00", "16.00", "10.00"), ["r1"]),
    Case("a_hundred_percent_discount_leaves_zero",
         [pct("r1", "100")], cart(item("l1", "p1", "12.34", 3)),
         [Out("l1", 3, "12.34", "12.34", "37.02", "37.02", "0.00", (("r1", "-37.02"),))],
         ("37.02", "0.00", "37.02", "0.00"), ["r1"]),
    Case("min_subtotal_counts_only_eligible_lines",
         [pct("r1", "10", categories=("shoes",), min_subtotal="50.00")],
         cart(item("l1", "p1", "30.00", 1, ("shoes",)), item("l2", "p2", "30.00", 1, ("hats",))),
         [Out("l1", 1, "30.00", "30.00", "30.00", "0.00", "30.00"),
          Out("l2", 1, "30.00", "30.00", "30.00", "0.00", "30.00")],
         ("60.00", "0.00", "0.00", "60.00"), []),
    Case("min_subtotal_reached_exactly_holds",
         [pct("r1", "10", categories=("shoes",), min_subtotal="50.00")],
         cart(item("l1", "p1", "25.00", 2, ("shoes",))),
         [Out("l1", 2, "25.00", "25.00", "50.00", "5.00", "45.00", (("r1", "-5.00"),))],
         ("50.00", "0.00", "5.00", "45.00"), ["r1"]),
    Case("min_quantity_counts_units_of_eligible_lines",
         [pct("r1", "10", categories=("shoes",), min_quantity=3)],
         cart(item("l1", "p1", "10.00", 1, ("shoes",)), item("l2", "p2", "20.00", 2, ("shoes",)),
              item("l3", "p3", "5.00", 4, ("hats",))),
         [Out("l1", 1, "10.00", "10.00", "10.00", "1.00", "9.00", (("r1", "-1.00"),)),
          Out("l2", 2, "20.00", "20.00", "40.00", "4.00", "36.00", (("r1", "-4.00"),)),
          Out("l3", 4, "5.00", "5.00", "20.00", "0.00", "20.00")],
         ("70.00", "0.00", "5.00", "65.00"), ["r1"]),
    Case("min_quantity_not_reached",
         [pct("r1", "10", categories=("shoes",), min_quantity=3)],
         cart(item("l1", "p1", "10.00", 2, ("shoes",)), item("l3", "p3", "5.00", 4, ("hats",))),
         [Out("l1", 2, "10.00", "10.00", "20.00", "0.00", "20.00"),
          Out("l3", 4, "5.00", "5.00", "20.00", "0.00", "20.00")],
         ("40.00", "0.00", "0.00", "40.00"), []),
    Case("eligible_by_product_or_any_category_unless_excluded",
         [pct("r1", "10", products=("p5",), categories=("shoes",), exclude=("p3",))],
         cart(item("l1", "p1", "10.00", 1, ("shoes",)), item("l2", "p3", "10.00", 1, ("shoes",)),
              item("l3", "p4", "10.00", 1, ("hats", "shoes")), item("l4", "p5", "10.00", 1, ("hats",)),
              item("l5", "p6", "10.00", 1, ("hats",))),
         [Out("l1", 1, "10.00", "10.00", "10.00", "1.00", "9.00", (("r1", "-1.00"),)),
          Out("l2", 1, "10.00", "10.00", "10.00", "0.00", "10.00"),
          Out("l3", 1, "10.00", "10.00", "10.00", "1.00", "9.00", (("r1", "-1.00"),)),
          Out("l4", 1, "10.00", "10.00", "10.00", "1.00", "9.00", (("r1", "-1.00"),)),
          Out("l5", 1, "10.00", "10.00", "10.00", "0.00", "10.00")],
         ("50.00", "0.00", "3.00", "47.00"), ["r1"]),
    Case("each_line_chooses_its_own_option",
         [pct("A", "30", categories=("shoes",)), pct("B", "10", combinable=True), pct("C", "10", combinable=True)],
         cart(item("l1", "p1", "100.00", 1, ("shoes",)), item("l2", "p2", "100.00", 1, ("hats",))),
         [Out("l1", 1, "100.00", "100.00", "100.00", "30.00", "70.00", (("A", "-30.00"),)),
          Out("l2", 1, "100.00", "100.00", "100.00", "19.00", "81.00", (("B", "-10.00"), ("C", "-9.00")))],
         ("200.00", "0.00", "49.00", "151.00"), ["A", "B", "C"]),
    # §2.5 order discounts
    Case("order_fixed_spread_over_amounts_left_after_line_discounts",
         [pct("d", "10", categories=("shoes",)), order_off("o", "12.00")],
         cart(item("l1", "p1", "100.00", 1, ("shoes",)), item("l2", "p2", "30.00", 1, ("hats",))),
         [Out("l1", 1, "100.00", "100.00", "100.00", "19.00", "81.00", (("d", "-10.00"), ("o", "-9.00"))),
          Out("l2", 1, "30.00", "30.00", "30.00", "3.00", "27.00", (("o", "-3.00"),))],
         ("130.00", "0.00", "22.00", "108.00"), ["d", "o"]),
    Case("order_fixed_never_takes_more_than_its_lines_hold",
         [order_off("o", "50.00", categories=("hats",))],
         cart(item("l1", "p1", "100.00", 1, ("shoes",)), item("l2", "p2", "20.00", 1, ("hats",))),
         [Out("l1", 1, "100.00", "100.00", "100.00", "0.00", "100.00"),
          Out("l2", 1, "20.00", "20.00", "20.00", "20.00", "0.00", (("o", "-20.00"),))],
         ("120.00", "0.00", "20.00", "100.00"), ["o"]),
    Case("order_fixed_largest_remainders",
         [order_off("o", "1.00")],
         cart(item("l1", "p1", "1.00"), item("l2", "p2", "2.00"), item("l3", "p3", "4.00")),
         [Out("l1", 1, "1.00", "1.00", "1.00", "0.14", "0.86", (("o", "-0.14"),)),
          Out("l2", 1, "2.00", "2.00", "2.00", "0.29", "1.71", (("o", "-0.29"),)),
          Out("l3", 1, "4.00", "4.00", "4.00", "0.57", "3.43", (("o", "-0.57"),))],
         ("7.00", "0.00", "1.00", "6.00"), ["o"]),
    Case("order_fixed_non_combinable_beats_a_smaller_stack",
         [order_off("n", "10.00"), order_off("c1", "4.00", combinable=True),
          order_off("c2", "5.00", combinable=True)],
         cart(item("l1", "p1", "50.00")),
         [Out("l1", 1, "50.00", "50.00", "50.00", "10.00", "40.00", (("n", "-10.00"),))],
         ("50.00", "0.00", "10.00", "40.00"), ["n"]),
    Case("order_fixed_combinables_all_apply",
         [order_off("c1", "4.00", combinable=True), order_off("c2", "5.00", combinable=True)],
         cart(item("l1", "p1", "30.00"), item("l2", "p2", "10.00")),
         [Out("l1", 1, "30.00", "30.00", "30.00", "6.75", "23.25", (("c1", "-3.00"), ("c2", "-3.75"))),
          Out("l2", 1, "10.00", "10.00", "10.00", "2.25", "7.75", (("c1", "-1.00"), ("c2", "-1.25")))],
         ("40.00", "0.00", "9.00", "31.00"), ["c1", "c2"]),
    Case("order_fixed_skips_bundled_units",
         [bundle("b", [part(1, products=("p1",))], "10", "percent"), order_off("o", "5.00")],
         cart(item("l1", "p1", "20.00", 2), item("l2", "p2", "10.00")),
         [Out("l1", 2, "20.00", "20.00", "40.00", "4.00", "36.00", (("b", "-4.00"),)),
          Out("l2", 1, "10.00", "10.00", "10.00", "5.00", "5.00", (("o", "-5.00"),))],
         ("50.00", "0.00", "9.00", "41.00"), ["b", "o"]),
    # §2.6 gifts
    Case("gift_repeats_per_multiple_of_min_quantity",
         [gift("g", {"products": ["p1"], "categories": [], "min_quantity": 2}, repeat=True, max_per_order=5)],
         cart(item("l1", "p1", "5.00", 7)),
         [Out("l1", 7, "5.00", "5.00", "35.00", "0.00", "35.00")],
         ("35.00", "0.00", "0.00", "35.00"), ["g"], [("g1", 3, "0.00", "g")]),
    Case("gift_max_per_order_caps",
         [gift("g", {"products": ["p1"], "categories": [], "min_quantity": 2}, repeat=True, max_per_order=3)],
         cart(item("l1", "p1", "5.00", 9)),
         [Out("l1", 9, "5.00", "5.00", "45.00", "0.00", "45.00")],
         ("45.00", "0.00", "0.00", "45.00"), ["g"], [("g1", 3, "0.00", "g")]),
    Case("gift_without_repeat_is_once",
         [gift("g", {"products": ["p1"], "categories": [], "min_quantity": 2})],
         cart(item("l1", "p1", "5.00", 9)),
         [Out("l1", 9, "5.00", "5.00", "45.00", "0.00", "45.00")],
         ("45.00", "0.00", "0.00", "45.00"), ["g"], [("g1", 1, "0.00", "g")]),
    Case("gift_min_quantity_counts_units_of_matching_lines",
         [gift("g", {"products": [], "categories": ["x"], "min_quantity": 3})],
         cart(item("l1", "p1", "5.00", 1, ("x",)), item("l2", "p2", "5.00", 1, ("y",)),
              item("l3", "p3", "5.00", 1, ("x",))),
         [Out("l1", 1, "5.00", "5.00", "5.00", "0.00", "5.00"), Out("l2", 1, "5.00", "5.00", "5.00", "0.00", "5.00"),
          Out("l3", 1, "5.00", "5.00", "5.00", "0.00", "5.00")],
         ("15.00", "0.00", "0.00", "15.00"), []),
    Case("gift_min_subtotal_over_the_whole_cart_at_base_prices",
         [inc("inc", "50"), gift("g", {"min_subtotal": "100.00"})],
         cart(item("l1", "p1", "60.00")),
         [Out("l1", 1, "60.00", "90.00", "60.00", "0.00", "90.00", (("inc", "30.00"),))],
         ("60.00", "30.00", "0.00", "90.00"), ["inc"]),
    Case("gift_min_subtotal_repeat_over_the_whole_cart",
         [gift("g", {"min_subtotal": "100.00"}, repeat=True), pct("d", "50")],
         cart(item("l1", "p1", "120.00"), item("l2", "p2", "130.00")),
         [Out("l1", 1, "120.00", "120.00", "120.00", "60.00", "60.00", (("d", "-60.00"),)),
          Out("l2", 1, "130.00", "130.00", "130.00", "65.00", "65.00", (("d", "-65.00"),))],
         ("250.00", "0.00", "125.00", "125.00"), ["d", "g"], [("g1", 2, "0.00", "g")]),
    Case("gift_min_subtotal_sums_only_the_named_lines",
         [gift("g", {"products": [], "categories": ["shoes"], "min_subtotal": "100.00"})],
         cart(item("l1", "p1", "60.00", 1, ("shoes",)), item("l2", "p2", "100.00", 1, ("hats",))),
         [Out("l1", 1, "60.00", "60.00", "60.00", "0.00", "60.00"),
          Out("l2", 1, "100.00", "100.00", "100.00", "0.00", "100.00")],
         ("160.00", "0.00", "0.00", "160.00"), []),
    Case("gift_quantity_multiplied_by_the_times_met",
         [gift("g", {"products": [], "categories": ["x"], "min_quantity": 1}, quantity=2, repeat=True)],
         cart(item("l1", "p1", "5.00", 3, ("x",))),
         [Out("l1", 3, "5.00", "5.00", "15.00", "0.00", "15.00")],
         ("15.00", "0.00", "0.00", "15.00"), ["g"], [("g1", 6, "0.00", "g")]),
    # §2.7 rounding per currency
    Case("jpy_has_no_decimals",
         [pct("d", "10"), gift("g", {"min_subtotal": "400"})],
         cart(item("l1", "p1", "155", 3), currency="JPY"),
         [Out("l1", 3, "155", "155", "465", "47", "418", (("d", "-47"),))],
         ("465", "0", "47", "418"), ["d", "g"], [("g1", 1, "0", "g")]),
    Case("kwd_has_three_decimals",
         [pct("d", "10"), inc("i", "0.5", "fixed", categories=("x",))],
         cart(item("l1", "p1", "1.235"), item("l2", "p2", "2.000", 1, ("x",)), currency="KWD"),
         [Out("l1", 1, "1.235", "1.235", "1.235", "0.124", "1.111", (("d", "-0.124"),)),
          Out("l2", 1, "2.000", "2.500", "2.000", "0.250", "2.250", (("i", "0.500"), ("d", "-0.250")))],
         ("3.235", "0.500", "0.374", "3.361"), ["d", "i"]),
    Case("kwd_gift_unit_price",
         [gift("g", {"min_subtotal": "0.500"})], cart(item("l1", "p1", "1.000"), currency="KWD"),
         [Out("l1", 1, "1.000", "1.000", "1.000", "0.000", "1.000")],
         ("1.000", "0.000", "0.000", "1.000"), ["g"], [("g1", 1, "0.000", "g")]),
    # cases the table in tests/rules does not spell out
    Case("each_bundle_set_spreads_its_own_saving",
         [bundle("b", [part(1, products=("p1",)), part(1, categories=("x",))], "29.99")],
         cart(item("l1", "p1", "10.00", 2), item("l2", "p2", "20.00", 2, ("x",))),
         [Out("l1", 2, "10.00", "10.00", "20.00", "0.00", "20.00"),
          Out("l2", 2, "20.00", "20.00", "40.00", "0.02", "39.98", (("b", "-0.02"),))],
         ("60.00", "0.00", "0.02", "59.98"), ["b"]),
    Case("percent_on_the_units_left_outside_a_bundle",
         [bundle("b", [part(1, products=("p1",)), part(1, products=("p2",))], "15.00"), pct("d", "10")],
         cart(item("l1", "p1", "10.00", 3), item("l2", "p2", "10.00", 1)),
         [Out("l1", 3, "10.00", "10.00", "30.00", "4.50", "25.50", (("b", "-2.50"), ("d", "-2.00"))),
          Out("l2", 1, "10.00", "10.00", "10.00", "2.50", "7.50", (("b", "-2.50"),))],
         ("40.00", "0.00", "7.00", "33.00"), ["b", "d"]),
    Case("a_bundle_saving_nothing_is_not_applied_but_its_units_get_no_discount",
         [bundle("b", [part(2, categories=("x",))], "20.00"), pct("d", "10")],
         cart(item("l1", "p1", "10.00", 2, ("x",))),
         [Out("l1", 2, "10.00", "10.00", "20.00", "0.00", "20.00")],
         ("20.00", "0.00", "0.00", "20.00"), []),
    Case("an_increase_rounding_to_nothing_still_claims_the_line",
         [inc("a", "10"), inc("b", "1.00", "fixed", priority=1)], cart(item("l1", "p1", "0.04")),
         [Out("l1", 1, "0.04", "0.04", "0.04", "0.00", "0.04")],
         ("0.04", "0.00", "0.00", "0.04"), []),
    Case("stacked_percents_round_at_each_step",
         [pct("a", "10", combinable=True), pct("b", "10", combinable=True)], cart(item("l1", "p1", "1.05")),
         [Out("l1", 1, "1.05", "1.05", "1.05", "0.20", "0.85", (("a", "-0.11"), ("b", "-0.09")))],
         ("1.05", "0.00", "0.20", "0.85"), ["a", "b"]),
    Case("large_amounts_print_plainly",
         [pct("d", "10")], cart(item("l1", "p1", "1234567.89", 3)),
         [Out("l1", 3, "1234567.89", "1234567.89", "3703703.67", "370370.37", "3333333.30", (("d", "-370370.37"),))],
         ("3703703.67", "0.00", "370370.37", "3333333.30"), ["d"]),
    Case("max_per_order_caps_a_gift_without_repeat",
         [gift("g", {"min_subtotal": "1.00"}, quantity=3, max_per_order=2)], cart(item("l1", "p1", "10.00")),
         [Out("l1", 1, "10.00", "10.00", "10.00", "0.00", "10.00")],
         ("10.00", "0.00", "0.00", "10.00"), ["g"], [("g1", 2, "0.00", "g")]),
    Case("a_repeated_gift_takes_the_smaller_multiple_of_its_thresholds",
         [gift("g", {"products": ["p1"], "categories": [], "min_quantity": 2, "min_subtotal": "30.00"}, repeat=True)],
         cart(item("l1", "p1", "20.00", 6)),
         [Out("l1", 6, "20.00", "20.00", "120.00", "0.00", "120.00")],
         ("120.00", "0.00", "0.00", "120.00"), ["g"], [("g1", 3, "0.00", "g")]),
    Case("a_gift_needs_only_its_trigger",
         [gift("g", {"min_subtotal": "10.00"}, categories=("shoes",))], cart(item("l1", "p1", "10.00", 1, ("hats",))),
         [Out("l1", 1, "10.00", "10.00", "10.00", "0.00", "10.00")],
         ("10.00", "0.00", "0.00", "10.00"), ["g"], [("g1", 1, "0.00", "g")]),
    Case("gift_lines_in_rule_order",
         [gift("g2", {"min_subtotal": "1.00"}), gift("g1", {"min_subtotal": "1.00"})], cart(item("l1", "p1", "10.00")),
         [Out("l1", 1, "10.00", "10.00", "10.00", "0.00", "10.00")],
         ("10.00", "0.00", "0.00", "10.00"), ["g1", "g2"], [("g1", 1, "0.00", "g1"), ("g1", 1, "0.00", "g2")]),
    # thresholds finer than the currency are compared exactly, not rounded first
    Case("a_subtotal_just_below_a_finer_min_subtotal_misses_it",
         [pct("d", "10", min_subtotal="49.994")], cart(item("l1", "p1", "49.99")),
         [Out("l1", 1, "49.99", "49.99", "49.99", "0.00", "49.99")], ("49.99", "0.00", "0.00", "49.99"), []),
    Case("a_subtotal_above_a_finer_min_subtotal_reaches_it",
         [pct("d", "10", min_subtotal="49.994")], cart(FIFTY), **FIVE_OFF_FIFTY_BY_D),
    Case("a_gift_trigger_finer_than_the_currency_is_not_rounded_down",
         [gift("g", {"min_subtotal": "49.994"})], cart(item("l1", "p1", "49.99")),
         [Out("l1", 1, "49.99", "49.99", "49.99", "0.00", "49.99")], ("49.99", "0.00", "0.00", "49.99"), []),
    Case("a_repeated_gift_counts_whole_multiples_of_the_exact_trigger",
         [gift("g", {"min_subtotal": "25.004"}, repeat=True)], cart(item("l1", "p1", "100.00")),
         [Out("l1", 1, "100.00", "100.00", "100.00", "0.00", "100.00")], ("100.00", "0.00", "0.00", "100.00"),
         ["g"], [("g1", 3, "0.00", "g")]),
    Case("every_stage_building_on_the_one_before",
         [inc("i1", "10", categories=("hats",)),
          bundle("b1", [part(1, products=("p1",)), part(2, categories=("socks",))], "55.00", priority=1),
          pct("d1", "10", priority=2, combinable=True), off("d2", "1.00", priority=3, combinable=True),
          pct("d3", "15", priority=4, categories=("shoes", "hats")), order_off("o1", "10.00", priority=5),
          gift("g1", {"products": [], "categories": ["socks"], "min_quantity": 3}, repeat=True, priority=6)],
         cart(item("l1", "p1", "50.00", 2, ("shoes",)), item("l2", "s1", "5.00", 3, ("socks",)),
              item("l3", "h1", "20.00", 1, ("hats",))),
         [Out("l1", 2, "50.00", "50.00", "100.00", "18.24", "81.76", (("b1", "-4.17"), ("d3", "-7.50"), ("o1", "-6.57"))),
          Out("l2", 3, "5.00", "5.00", "15.00", "2.87", "12.13",
              (("b1", "-0.83"), ("d1", "-0.50"), ("d2", "-1.00"), ("o1", "-0.54"))),
          Out("l3", 1, "20.00", "22.00", "20.00", "6.19", "15.81", (("i1", "2.00"), ("d3", "-3.30"), ("o1", "-2.89")))],
         ("135.00", "2.00", "27.30", "109.70"), ["i1", "b1", "d1", "d2", "d3", "o1", "g1"], [("g1", 1, "0.00", "g1")]),
]


def price(rules_data: list[dict[str, Any]], cart_data: dict[str, Any]) -> dict[str, Any]:
    return evaluate(compile_rules(parse_rules(rules_data)), parse_cart(cart_data)).to_json()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hand_computed_cart(case: Case) -> None:
    # given / when
    priced = price(case.rules, case.cart)
    # then
    assert priced == expected_json(case)


def test_listing_order_never_matters() -> None:
    # given: every case's rules, reversed
    for case in CASES:
        # when / then
        assert price(list(reversed(case.rules)), case.cart) == price(case.rules, case.cart), case.name


CLI = [str(Path(sys.executable).with_name("customer-groups"))]


def run_cli(tmp_path: Path, rules_data: Any, cart_data: Any) -> subprocess.CompletedProcess[str]:
    rules_path, cart_path = tmp_path / "rules.json", tmp_path / "cart.json"
    for path, data in ((rules_path, rules_data), (cart_path, cart_data)):
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return subprocess.run([*CLI, "evaluate", "--rules", str(rules_path), "--cart", str(cart_path)],
                          capture_output=True, text=True, check=False)


CLI_CASES = [case for case in CASES if case.name in {
    "the_spec_example", "every_stage_building_on_the_one_before", "bundle_fixed_price_spread_by_unit_price_and_leftovers_discounted", "each_line_chooses_its_own_option",
    "order_fixed_spread_over_amounts_left_after_line_discounts", "jpy_has_no_decimals",
    "gift_min_subtotal_repeat_over_the_whole_cart", "kwd_has_three_decimals"}]


@pytest.mark.parametrize("case", CLI_CASES, ids=[case.name for case in CLI_CASES])
def test_the_console_script_prints_the_same(tmp_path: Path, case: Case) -> None:
    # when
    completed = run_cli(tmp_path, case.rules, case.cart)
    # then
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == expected_json(case)


BAD_INPUT = [
    ("unknown_kind", [rule("r1", "coupon")], cart(FIFTY), "rules[0].kind"),
    ("percent_over_100", [pct("r1", "100.01")], cart(FIFTY), "rules[0].value.amount"),
    ("percent_zero", [pct("r1", "0")], cart(FIFTY), "rules[0].value.amount"),
    ("empty_groups", [ten_percent(groups=())], cart(FIFTY), "rules[0].groups"),
    ("negative_fixed", [off("r1", "-1.00")], cart(FIFTY), "rules[0].value.amount"),
    ("negative_price", [ten_percent()], cart(item("l1", "p1", "-1.00")), "cart.lines[0].unit_price"),
    ("quantity_zero", [ten_percent()], cart(item("l1", "p1", "1.00", 0)), "cart.lines[0].quantity"),
    ("unknown_currency", [ten_percent()], cart(FIFTY, currency="ABC"), "cart.currency"),
    ("order_fixed_on_an_increase", [inc("r1", "5.00", "order_fixed")], cart(FIFTY), "rules[0].value.type"),
    ("fixed_price_on_a_discount", [rule("r1", "discount", ("fixed_price", "5.00"))], cart(FIFTY),
     "rules[0].value.type"),
    ("component_quantity_zero", [bundle("r1", [part(0)], "5.00")], cart(FIFTY), "rules[0].components[0].quantity"),
    ("gift_quantity_zero", [gift("r1", {"min_subtotal": "1.00"}, quantity=0)], cart(FIFTY), "rules[0].gift.quantity"),
    ("window_without_offset", [ten_percent(starts_at="2026-11-23T11:00:00")], cart(FIFTY), "rules[0].starts_at"),
    ("now_without_offset", [ten_percent()], cart(FIFTY, now="2026-11-23T11:00:00"), "cart.now"),
    ("malformed_rules_json", "[{", cart(FIFTY), "rules"),
    ("malformed_cart_json", [ten_percent()], "{\"currency\": ", "cart"),
]


@pytest.mark.parametrize("rules_data, cart_data, field", [bad[1:] for bad in BAD_INPUT],
                         ids=[bad[0] for bad in BAD_INPUT])
def test_bad_input_is_refused_naming_the_field(tmp_path: Path, rules_data: Any, cart_data: Any, field: str) -> None:
    # when
    completed = run_cli(tmp_path, rules_data, cart_data)
    # then
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.startswith(f"customer-groups: {field}:"), completed.stderr
