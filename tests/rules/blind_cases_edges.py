"""Blind SPEC §2 carts, second round: the corners docs/pricing.md settles where the SPEC is
brief (overlapping bundle components, order-discount overflow, gift thresholds), and more bad
inputs. Computed by hand before the engine was read."""
from __future__ import annotations

from tests.rules.blind_spec_builders import (
    Case, cart, component, fixed, fixed_price, gift_rule, line, order_fixed, percent, priced, rule,
)

INC, BUN, DIS = "increase", "bundle", "discount"


def _excluding_categories(document: dict, *categories: str) -> dict:
    document["applies_to"]["exclude_categories"] = list(categories)
    return document


CASES = [
    Case("one_line_feeds_two_components", "§2 step 3 components take units from their matching lines "
         "(docs: a line can feed two components of one set)",
         [rule("b1", BUN, fixed_price("15.00"),
               components=[component(1, categories=["tops"]), component(1, products=["p1"])])],
         cart(line("l1", "p1", "10.00", 2, ["tops"])),
         [priced("l1", 2, "10.00", discount="5.00", total="15.00", adj=[("b1", BUN, "-5.00")])],
         ("20.00", "0.00", "5.00", "15.00"), ["b1"]),

    Case("overlapping_components_still_form_the_set", "§2 step 3 'as many complete sets as the "
         "not-yet-bundled units allow' (docs: the p1 top fills p1, the other top fills tops)",
         [rule("b1", BUN, fixed_price("20.00"),
               components=[component(1, categories=["tops"]), component(1, products=["p1"])])],
         cart(line("l1", "p1", "12.00", 1, ["tops"]), line("l2", "p2", "10.00", 1, ["tops"])),
         # 22.00 -> 20.00: 1.0909 / 0.9091 -> 1.09 / 0.91
         [priced("l1", 1, "12.00", discount="1.09", total="10.91", adj=[("b1", BUN, "-1.09")]),
          priced("l2", 1, "10.00", discount="0.91", total="9.09", adj=[("b1", BUN, "-0.91")])],
         ("22.00", "0.00", "2.00", "20.00"), ["b1"]),

    Case("fixed_price_finer_than_cent", "docs: a bundle's fixed_price is rounded half-up first (25.005 -> 25.01)",
         [rule("b1", BUN, fixed_price("25.005"),
               components=[component(1, products=["p1"]), component(1, products=["p2"])])],
         cart(line("l1", "p1", "20.00"), line("l2", "p2", "10.00")),
         # 4.99 as 3.3267 / 1.6633 -> 3.33 / 1.66
         [priced("l1", 1, "20.00", discount="3.33", total="16.67", adj=[("b1", BUN, "-3.33")]),
          priced("l2", 1, "10.00", discount="1.66", total="8.34", adj=[("b1", BUN, "-1.66")])],
         ("30.00", "0.00", "4.99", "25.01"), ["b1"]),

    Case("bundle_conditions_over_its_eligible_lines", "§2 conditions; docs: a bundle measures its "
         "applies_to lines (the whole cart by default)",
         [rule("b1", BUN, fixed_price("5.00"), components=[component(1, products=["p1"])],
               conditions={"min_subtotal": "30.00"}),
          rule("b2", BUN, fixed_price("5.00"), components=[component(1, products=["p3"])],
               conditions={"min_subtotal": "100.00"})],
         cart(line("l1", "p1", "10.00"), line("l2", "p2", "25.00"), line("l3", "p3", "10.00")),
         [priced("l1", 1, "10.00", discount="5.00", total="5.00", adj=[("b1", BUN, "-5.00")]),
          priced("l2", 1, "25.00"), priced("l3", 1, "10.00")],
         ("45.00", "0.00", "5.00", "40.00"), ["b1"]),

    Case("same_product_two_lines_dearest_first", "§2 step 3 'higher unit_price first, then line order'",
         [rule("b1", BUN, fixed_price("15.00"), components=[component(2, products=["p1"])])],
         cart(line("l1", "p1", "10.00"), line("l2", "p1", "12.00"), line("l3", "p1", "10.00")),
         # l2 + l1 = 22.00 -> 15.00: 7.00 as 3.8182 / 3.1818 -> 3.82 / 3.18
         [priced("l1", 1, "10.00", discount="3.18", total="6.82", adj=[("b1", BUN, "-3.18")]),
          priced("l2", 1, "12.00", discount="3.82", total="8.18", adj=[("b1", BUN, "-3.82")]),
          priced("l3", 1, "10.00")],
         ("32.00", "0.00", "7.00", "25.00"), ["b1"]),

    Case("percent_bundle_on_increased_price", "§2 'each stage starts from the prices the previous one left'",
         [rule("inc1", INC, percent("10"), products=["p1"]),
          rule("b1", BUN, percent("50"), priority=1,
               components=[component(1, products=["p1"]), component(1, products=["p2"])])],
         cart(line("l1", "p1", "10.00"), line("l2", "p2", "9.00")),
         [priced("l1", 1, "10.00", "11.00", discount="5.50", total="5.50",
                 adj=[("inc1", INC, "1.00"), ("b1", BUN, "-5.50")]),
          priced("l2", 1, "9.00", discount="4.50", total="4.50", adj=[("b1", BUN, "-4.50")])],
         ("19.00", "1.00", "10.00", "10.00"), ["inc1", "b1"]),

    Case("percent_100_bundle_gives_sets_away", "§2 percent (0 < amount ≤ 100); step 3 percent off the set",
         [rule("b1", BUN, percent("100"), components=[component(1, products=["p1"])])],
         cart(line("l1", "p1", "10.00", 2)),
         [priced("l1", 2, "10.00", discount="20.00", total="0.00", adj=[("b1", BUN, "-20.00")])],
         ("20.00", "0.00", "20.00", "0.00"), ["b1"]),

    Case("bundled_units_count_for_conditions", "§2 conditions over the eligible lines (docs: units that "
         "end up in a bundle count too); step 4 fixed per free unit",
         [rule("b1", BUN, fixed_price("15.00"), components=[component(2, products=["p1"])]),
          rule("d1", DIS, fixed("3.00"), priority=1, conditions={"min_quantity": 3})],
         cart(line("l1", "p1", "10.00", 3)),
         [priced("l1", 3, "10.00", discount="8.00", total="22.00", adj=[("b1", BUN, "-5.00"), ("d1", DIS, "-3.00")])],
         ("30.00", "0.00", "8.00", "22.00"), ["b1", "d1"]),

    Case("order_stack_overflow_respread", "§2 step 5 'never more than they hold' (docs: c1 15.00 on l1, "
         "then c2 20.00 on l1 and l2 gives l1 5.00 and l2 15.00)",
         [rule("c1", DIS, order_fixed("15.00"), products=["p1"], combinable=True),
          rule("c2", DIS, order_fixed("20.00"), priority=1, combinable=True)],
         cart(line("l1", "p1", "20.00"), line("l2", "p2", "20.00")),
         [priced("l1", 1, "20.00", discount="20.00", total="0.00", adj=[("c1", DIS, "-15.00"), ("c2", DIS, "-5.00")]),
          priced("l2", 1, "20.00", discount="15.00", total="5.00", adj=[("c2", DIS, "-15.00")])],
         ("40.00", "0.00", "35.00", "5.00"), ["c1", "c2"]),

    Case("order_tie_single_before_stack", "§2 step 5 'as in step 4': a tie goes to the earlier first rule",
         [rule("n1", DIS, order_fixed("3.00")),
          rule("c1", DIS, order_fixed("1.50"), priority=1, combinable=True),
          rule("c2", DIS, order_fixed("1.50"), priority=1, combinable=True)],
         cart(line("l1", "p1", "10.00")),
         [priced("l1", 1, "10.00", discount="3.00", total="7.00", adj=[("n1", DIS, "-3.00")])],
         ("10.00", "0.00", "3.00", "7.00"), ["n1"]),

    Case("order_two_cent_remainder", "§2 step 7: 0.05 over three 1.00 -> 1.67 cents each -> 2 / 2 / 1",
         [rule("o1", DIS, order_fixed("0.05"))],
         cart(line("l1", "p1", "1.00"), line("l2", "p2", "1.00"), line("l3", "p3", "1.00")),
         [priced("l1", 1, "1.00", discount="0.02", total="0.98", adj=[("o1", DIS, "-0.02")]),
          priced("l2", 1, "1.00", discount="0.02", total="0.98", adj=[("o1", DIS, "-0.02")]),
          priced("l3", 1, "1.00", discount="0.01", total="0.99", adj=[("o1", DIS, "-0.01")])],
         ("3.00", "0.00", "0.05", "2.95"), ["o1"]),

    Case("order_fixed_skips_excluded_lines", "§2 applies_to exclusions; step 5 'the eligible lines'",
         [rule("o1", DIS, order_fixed("6.00"), exclude=["p2"])],
         cart(line("l1", "p1", "10.00"), line("l2", "p2", "10.00"), line("l3", "p3", "20.00")),
         [priced("l1", 1, "10.00", discount="2.00", total="8.00", adj=[("o1", DIS, "-2.00")]),
          priced("l2", 1, "10.00"),
          priced("l3", 1, "20.00", discount="4.00", total="16.00", adj=[("o1", DIS, "-4.00")])],
         ("40.00", "0.00", "6.00", "34.00"), ["o1"]),

    Case("fixed_increase_finer_than_cent", "docs: a fixed increase is rounded half-up first (0.005 -> 0.01)",
         [rule("inc1", INC, fixed("0.005"))],
         cart(line("l1", "p1", "1.00", 3)),
         [priced("l1", 3, "1.00", "1.01", adj=[("inc1", INC, "0.03")])],
         ("3.00", "0.03", "0.00", "3.03"), ["inc1"]),

    Case("fractional_percent", "§2 step 4 percent × line amount, rounded half-up",
         [rule("d1", DIS, percent("33.333"))],
         cart(line("l1", "p1", "10.00"), line("l2", "p2", "0.15")),
         # 3.3333 -> 3.33; 0.0499995 -> 0.05
         [priced("l1", 1, "10.00", discount="3.33", total="6.67", adj=[("d1", DIS, "-3.33")]),
          priced("l2", 1, "0.15", discount="0.05", total="0.10", adj=[("d1", DIS, "-0.05")])],
         ("10.15", "0.00", "3.38", "6.77"), ["d1"]),

    Case("percent_half_up_kwd", "§2 step 7 KWD half-up: 10% of 0.125 is 0.0125 -> 0.013",
         [rule("d1", DIS, percent("10"))],
         cart(line("l1", "p1", "0.125"), currency="KWD"),
         [priced("l1", 1, "0.125", discount="0.013", total="0.112", adj=[("d1", DIS, "-0.013")])],
         ("0.125", "0.000", "0.013", "0.112"), ["d1"]),

    Case("fixed_jpy_above_unit", "§2 step 4 min(amount, unit_price) per unit, in yen",
         [rule("d1", DIS, fixed("50"))],
         cart(line("l1", "p1", "30", 2), currency="JPY"),
         [priced("l1", 2, "30", discount="60", total="0", adj=[("d1", DIS, "-60")])],
         ("60", "0", "60", "0"), ["d1"]),

    Case("exclude_categories", "docs: applies_to also takes exclude_categories; exclusions beat inclusions",
         [_excluding_categories(rule("d1", DIS, percent("10"), categories=["shoes"]), "sale")],
         cart(line("l1", "p1", "10.00", 1, ["shoes"]), line("l2", "p2", "10.00", 1, ["shoes", "sale"])),
         [priced("l1", 1, "10.00", discount="1.00", total="9.00", adj=[("d1", DIS, "-1.00")]),
          priced("l2", 1, "10.00")],
         ("20.00", "0.00", "1.00", "19.00"), ["d1"]),

    Case("min_quantity_zero_is_no_minimum", "§2 conditions (docs: min_quantity 0 means no minimum)",
         [rule("d1", DIS, percent("10"), conditions={"min_subtotal": "0", "min_quantity": 0})],
         cart(line("l1", "p1", "10.00")),
         [priced("l1", 1, "10.00", discount="1.00", total="9.00", adj=[("d1", DIS, "-1.00")])],
         ("10.00", "0.00", "1.00", "9.00"), ["d1"]),

    Case("utc_designator_z", "§2 'ISO 8601 with offset': Z is UTC; ends_at == now is not live",
         [rule("d1", DIS, percent("10"), combinable=True, starts_at="2026-11-23T12:00:00Z"),
          rule("d2", DIS, percent("20"), combinable=True, ends_at="2026-11-23T12:00:00Z")],
         cart(line("l1", "p1", "10.00"), now="2026-11-23T13:00:00+01:00"),
         [priced("l1", 1, "10.00", discount="1.00", total="9.00", adj=[("d1", DIS, "-1.00")])],
         ("10.00", "0.00", "1.00", "9.00"), ["d1"]),

    Case("no_now_uses_the_clock", "§2 step 1 'now from the cart, else the server's clock'",
         [rule("d1", DIS, percent("10"), combinable=True, ends_at="2020-01-01T00:00:00+00:00"),
          rule("d2", DIS, percent("20"), combinable=True, starts_at="2020-01-01T00:00:00+00:00",
               ends_at="2999-01-01T00:00:00+00:00")],
         cart(line("l1", "p1", "10.00"), now=None),
         [priced("l1", 1, "10.00", discount="2.00", total="8.00", adj=[("d2", DIS, "-2.00")])],
         ("10.00", "0.00", "2.00", "8.00"), ["d2"]),

    Case("gift_both_thresholds_repeat", "§2 step 6 repeat: 'how many times the trigger is met' "
         "(docs: the smallest multiple over the thresholds)",
         [gift_rule("gf1", {"products": ["p1"], "min_quantity": 2, "min_subtotal": "30.00"}, "g1", "Tote",
                    repeat=True)],
         cart(line("l1", "p1", "10.00", 7)),
         [priced("l1", 7, "10.00")],
         ("70.00", "0.00", "0.00", "70.00"), ["gf1"], gifts=[("g1", "Tote", 2, "gf1")]),

    Case("gift_empty_trigger", "docs: a trigger with nothing in it gives the gift to every non-empty cart",
         [gift_rule("gf1", {}, "g1", "Card")],
         cart(line("l1", "p1", "0.00")),
         [priced("l1", 1, "0.00")],
         ("0.00", "0.00", "0.00", "0.00"), ["gf1"], gifts=[("g1", "Card", 1, "gf1")]),

    Case("gift_exact_fine_threshold", "docs: a repeated gift counts whole multiples of the exact amount",
         [gift_rule("gf1", {"min_subtotal": "25.004"}, "g1", "Pin", repeat=True)],
         cart(line("l1", "p1", "100.00")),
         [priced("l1", 1, "100.00")],
         ("100.00", "0.00", "0.00", "100.00"), ["gf1"], gifts=[("g1", "Pin", 3, "gf1")]),

    Case("gift_max_per_order_without_repeat", "§2 step 6 'max_per_order caps it' (the gift quantity)",
         [gift_rule("gf1", {"min_subtotal": "1.00"}, "g1", "Pins", 3, max_per_order=2)],
         cart(line("l1", "p1", "5.00")),
         [priced("l1", 1, "5.00")],
         ("5.00", "0.00", "0.00", "5.00"), ["gf1"], gifts=[("g1", "Pins", 2, "gf1")]),

    Case("gift_conditions_over_no_eligible_line", "docs: a gift's conditions measure its applies_to lines",
         [gift_rule("gf1", {}, "g1", "Card", products=["p9"], conditions={"min_quantity": 1}),
          gift_rule("gf2", {}, "g2", "Pen", products=["p1"], conditions={"min_quantity": 1})],
         cart(line("l1", "p1", "5.00")),
         [priced("l1", 1, "5.00")],
         ("5.00", "0.00", "0.00", "5.00"), ["gf2"], gifts=[("g2", "Pen", 1, "gf2")]),

    Case("each_set_spread_on_its_own", "§2 step 3 'The set's discount is spread over its units' (per set, "
         "then summed per line: 0.33 + 0.33, not 2.00 spread once as 0.67 / 1.33)",
         [rule("b1", BUN, fixed_price("2.00"),
               components=[component(1, products=["p1"]), component(1, products=["p2"])])],
         cart(line("l1", "p1", "1.00", 2), line("l2", "p2", "2.00", 2)),
         [priced("l1", 2, "1.00", discount="0.66", total="1.34", adj=[("b1", BUN, "-0.66")]),
          priced("l2", 2, "2.00", discount="1.34", total="2.66", adj=[("b1", BUN, "-1.34")])],
         ("6.00", "0.00", "2.00", "4.00"), ["b1"]),

    Case("spread_tie_goes_to_earlier_cart_line", "§2 step 7 'ties to the earlier line' (the cart's order, "
         "not the components')",
         [rule("b1", BUN, fixed_price("9.99"),
               components=[component(1, products=["p2"]), component(1, products=["p1"])])],
         cart(line("l1", "p1", "5.00"), line("l2", "p2", "5.00")),
         [priced("l1", 1, "5.00", discount="0.01", total="4.99", adj=[("b1", BUN, "-0.01")]),
          priced("l2", 1, "5.00")],
         ("10.00", "0.00", "0.01", "9.99"), ["b1"]),

    Case("options_compared_as_rounded_line_amounts", "§2 step 4 'the option with the largest discount wins, "
         "a tie going to ... earlier'; step 7 amounts rounded per line: 0.333 and 0.334 are both 0.33",
         [rule("n1", DIS, fixed("0.333")), rule("n2", DIS, percent("33.4"), priority=1)],
         cart(line("l1", "p1", "1.00")),
         [priced("l1", 1, "1.00", discount="0.33", total="0.67", adj=[("n1", DIS, "-0.33")])],
         ("1.00", "0.00", "0.33", "0.67"), ["n1"]),

    Case("stack_member_left_nothing_is_not_applied", "§2 step 8 'applied_rules lists ... the rules that "
         "changed anything'",
         [rule("c1", DIS, percent("100"), combinable=True), rule("c2", DIS, fixed("1.00"), priority=1, combinable=True)],
         cart(line("l1", "p1", "5.00")),
         [priced("l1", 1, "5.00", discount="5.00", total="0.00", adj=[("c1", DIS, "-5.00")])],
         ("5.00", "0.00", "5.00", "0.00"), ["c1"]),

    Case("zero_priced_lines_get_no_share", "§2 step 3 and 5 spread 'in proportion' (a 0.00 line's part is "
         "nothing, and no change is no adjustment)",
         [rule("b1", BUN, fixed_price("5.00"),
               components=[component(1, products=["p1"]), component(1, products=["p2"])]),
          rule("o1", DIS, order_fixed("3.00"), priority=1)],
         cart(line("l1", "p1", "10.00"), line("l2", "p2", "0.00"), line("l3", "p3", "6.00"), line("l4", "p4", "0.00")),
         [priced("l1", 1, "10.00", discount="5.00", total="5.00", adj=[("b1", BUN, "-5.00")]),
          priced("l2", 1, "0.00"),
          priced("l3", 1, "6.00", discount="3.00", total="3.00", adj=[("o1", DIS, "-3.00")]),
          priced("l4", 1, "0.00")],
         ("16.00", "0.00", "8.00", "8.00"), ["b1", "o1"]),

    Case("percent_rounding_to_nothing_on_one_line", "§2 step 8 every change is an adjustment; no change, none",
         [rule("d1", DIS, percent("1"))],
         cart(line("l1", "p1", "0.10"), line("l2", "p2", "100.00")),
         [priced("l1", 1, "0.10"),
          priced("l2", 1, "100.00", discount="1.00", total="99.00", adj=[("d1", DIS, "-1.00")])],
         ("100.10", "0.00", "1.00", "99.10"), ["d1"]),

    Case("trigger_counts_a_unit_once", "§2 step 6 'min_quantity counts the units of lines matching the "
         "trigger's products/categories' (a line matching twice is still its units)",
         [gift_rule("gf1", {"categories": ["a", "b"], "min_quantity": 2}, "g1", "One"),
          gift_rule("gf2", {"categories": ["a", "b"], "min_quantity": 1}, "g2", "Two"),
          gift_rule("gf3", {"products": ["p1"], "categories": ["a"], "min_quantity": 2}, "g3", "Three")],
         cart(line("l1", "p1", "5.00", 1, ["a", "b"])),
         [priced("l1", 1, "5.00")],
         ("5.00", "0.00", "0.00", "5.00"), ["gf2"], gifts=[("g2", "Two", 1, "gf2")]),

    Case("customer_in_no_group", "§2 step 1 'targeting a group of the customer'",
         [rule("d1", DIS, percent("10")), gift_rule("gf1", {}, "g1", "Card")],
         cart(line("l1", "p1", "5.00"), groups=[]),
         [priced("l1", 1, "5.00")],
         ("5.00", "0.00", "0.00", "5.00"), []),

    Case("increase_conditions_over_its_lines", "§2 conditions 'measured over the eligible lines at their "
         "base prices' (an increase's own lines)",
         [rule("inc1", INC, percent("10"), products=["p1"], conditions={"min_subtotal": "20.00"})],
         cart(line("l1", "p1", "15.00"), line("l2", "p2", "50.00")),
         [priced("l1", 1, "15.00"), priced("l2", 1, "50.00")],
         ("65.00", "0.00", "0.00", "65.00"), []),

    Case("bundle_applies_to_narrows_components", "docs: components fill from lines matching the component "
         "and the rule's applies_to",
         [rule("b1", BUN, fixed_price("10.00"), categories=["sale"], components=[component(2, products=["p1", "p2"])])],
         cart(line("l1", "p1", "8.00", 1, ["sale"]), line("l2", "p2", "9.00"), line("l3", "p1", "7.00", 1, ["sale"])),
         # 15.00 -> 10.00: 2.6667 / 2.3333 -> 2.67 / 2.33
         [priced("l1", 1, "8.00", discount="2.67", total="5.33", adj=[("b1", BUN, "-2.67")]),
          priced("l2", 1, "9.00"),
          priced("l3", 1, "7.00", discount="2.33", total="4.67", adj=[("b1", BUN, "-2.33")])],
         ("24.00", "0.00", "5.00", "19.00"), ["b1"]),

    Case("order_condition_counts_bundled_lines", "§2 conditions over the eligible lines at base prices; "
         "step 3 bundled units get no order discount",
         [rule("b1", BUN, fixed_price("18.00"), components=[component(1, products=["p1"])]),
          rule("o1", DIS, order_fixed("2.00"), priority=1, conditions={"min_subtotal": "30.00"})],
         cart(line("l1", "p1", "20.00"), line("l2", "p2", "15.00")),
         [priced("l1", 1, "20.00", discount="2.00", total="18.00", adj=[("b1", BUN, "-2.00")]),
          priced("l2", 1, "15.00", discount="2.00", total="13.00", adj=[("o1", DIS, "-2.00")])],
         ("35.00", "0.00", "4.00", "31.00"), ["b1", "o1"]),

    Case("order_fixed_is_no_line_candidate", "§2 step 4 line discounts are 'percent, fixed per unit'; an "
         "order_fixed rule competes only in step 5",
         [rule("o1", DIS, order_fixed("5.00")), rule("c1", DIS, percent("10"), priority=1, combinable=True)],
         cart(line("l1", "p1", "10.00")),
         [priced("l1", 1, "10.00", discount="6.00", total="4.00", adj=[("c1", DIS, "-1.00"), ("o1", DIS, "-5.00")])],
         ("10.00", "0.00", "6.00", "4.00"), ["o1", "c1"]),

    Case("line_discount_is_no_order_candidate", "§2 step 5 'chosen among themselves': all order "
         "discounts combinable, so both apply beside a non-combinable line discount",
         [rule("n1", DIS, percent("10")),
          rule("o1", DIS, order_fixed("1.00"), priority=1, combinable=True),
          rule("o2", DIS, order_fixed("2.00"), priority=2, combinable=True)],
         cart(line("l1", "p1", "10.00")),
         [priced("l1", 1, "10.00", discount="4.00", total="6.00",
                 adj=[("n1", DIS, "-1.00"), ("o1", DIS, "-1.00"), ("o2", DIS, "-2.00")])],
         ("10.00", "0.00", "4.00", "6.00"), ["n1", "o1", "o2"]),

    Case("non_combinable_only_where_eligible", "§2 step 4 'per line ... the candidates are the live "
         "discount rules the line is eligible for'",
         [rule("n1", DIS, percent("50"), products=["p2"]),
          rule("c1", DIS, percent("10"), priority=1, combinable=True),
          rule("c2", DIS, percent("10"), priority=2, combinable=True)],
         cart(line("l1", "p1", "100.00"), line("l2", "p2", "100.00")),
         [priced("l1", 1, "100.00", discount="19.00", total="81.00", adj=[("c1", DIS, "-10.00"), ("c2", DIS, "-9.00")]),
          priced("l2", 1, "100.00", discount="50.00", total="50.00", adj=[("n1", DIS, "-50.00")])],
         ("200.00", "0.00", "69.00", "131.00"), ["n1", "c1", "c2"]),

    Case("order_stack_beats_single", "§2 step 5 'the best option' between a single rule and the stack",
         [rule("n1", DIS, order_fixed("8.00")),
          rule("c1", DIS, order_fixed("5.00"), priority=1, combinable=True, categories=["shoes"]),
          rule("c2", DIS, order_fixed("5.00"), priority=1, combinable=True, categories=["hats"])],
         cart(line("l1", "p1", "10.00", 1, ["shoes"]), line("l2", "p2", "10.00", 1, ["hats"])),
         [priced("l1", 1, "10.00", discount="5.00", total="5.00", adj=[("c1", DIS, "-5.00")]),
          priced("l2", 1, "10.00", discount="5.00", total="5.00", adj=[("c2", DIS, "-5.00")])],
         ("20.00", "0.00", "10.00", "10.00"), ["c1", "c2"]),

    Case("integer_amounts", "docs: amounts are strings or integers, read in the cart's currency",
         [rule("d1", DIS, {"type": "percent", "amount": 10}, conditions={"min_subtotal": 50}),
          rule("o1", DIS, {"type": "order_fixed", "amount": 3}, priority=1)],
         cart(line("l1", "p1", 20, 3), currency="EUR"),
         [priced("l1", 3, "20.00", discount="9.00", total="51.00", adj=[("d1", DIS, "-6.00"), ("o1", DIS, "-3.00")])],
         ("60.00", "0.00", "9.00", "51.00"), ["d1", "o1"]),

    Case("fixed_price_half_yen", "docs: a bundle's fixed_price is rounded half-up to the minor unit (999.5 -> 1000)",
         [rule("b1", BUN, fixed_price("999.5"), components=[component(2, products=["p1"])])],
         cart(line("l1", "p1", "600", 2), currency="JPY"),
         [priced("l1", 2, "600", discount="200", total="1000", adj=[("b1", BUN, "-200")])],
         ("1200", "0", "200", "1000"), ["b1"]),

    Case("order_stack_cut_then_respread", "§2 step 5 'never more than they hold'; docs: a share beyond what a "
         "line still holds is cut and the excess re-spread by the same weights over the lines with room "
         "(not one spread over those lines: that would give l1 2, l2 4)",
         [rule("c1", DIS, order_fixed("12"), products=["p3"], combinable=True),
          rule("c2", DIS, order_fixed("7"), priority=1, combinable=True)],
         cart(line("l1", "p1", "17"), line("l2", "p2", "48"), line("l3", "p3", "12"), line("l4", "p4", "4"),
              line("l5", "p5", "11"), currency="JPY"),
         # c2: 7 by 17:48:12:4:11 -> 1 / 4 / 1 / 0 / 1; l3's 1 (it holds nothing) again by 17:48:4:11 -> l2
         [priced("l1", 1, "17", discount="1", total="16", adj=[("c2", DIS, "-1")]),
          priced("l2", 1, "48", discount="5", total="43", adj=[("c2", DIS, "-5")]),
          priced("l3", 1, "12", discount="12", total="0", adj=[("c1", DIS, "-12")]),
          priced("l4", 1, "4"),
          priced("l5", 1, "11", discount="1", total="10", adj=[("c2", DIS, "-1")])],
         ("92", "0", "19", "73"), ["c1", "c2"]),
]


def _rule_with(**changes) -> dict:
    document = rule("r1", DIS, percent("10"))
    document.update(changes)
    return document


def _line_with(**changes) -> dict:
    return {**line("l1", "p1", "1.00"), **changes}


GOOD_CART = cart(line("l1", "p1", "1.00"))

#: docs/pricing.md 'Input that is refused': (name, cite, rules, cart, field the error names)
BAD_INPUTS = [
    ("discount_percent_zero", "docs: a percent ≤ 0 refused", [_rule_with(value=percent("0"))], GOOD_CART,
     "rules[0].value.amount"),
    ("negative_fixed", "docs: negative amounts refused", [_rule_with(value=fixed("-1.00"))], GOOD_CART,
     "rules[0].value.amount"),
    ("bundle_without_components", "docs: a bundle without components",
     [rule("b1", BUN, fixed_price("5.00"))], GOOD_CART, "rules[0].components"),
    ("unknown_applies_to_field", "docs: unknown fields anywhere (applies_to.brands)",
     [_rule_with(applies_to={"brands": ["x"]})], GOOD_CART, "rules[0].applies_to.brands"),
    ("time_without_offset", "§2 'ISO 8601 with offset'", [_rule_with(starts_at="2026-11-23T12:00:00")],
     GOOD_CART, "rules[0].starts_at"),
    ("duplicate_rule_ids", "docs: duplicate rule ids", [_rule_with(), _rule_with()], GOOD_CART, "rules[1].id"),
    ("duplicate_line_ids", "docs: duplicate line ids", [_rule_with()],
     cart(line("l1", "p1", "1.00"), line("l1", "p2", "1.00")), "cart.lines[1].id"),
    ("price_finer_than_currency", "docs: a price with more decimals than the currency", [_rule_with()],
     cart(_line_with(unit_price="1.005")), "cart.lines[0].unit_price"),
    ("fractional_quantity", "§2 quantity is a whole number of units", [_rule_with()],
     cart(_line_with(quantity=1.5)), "cart.lines[0].quantity"),
    ("float_price", "docs: floats refused", [_rule_with()], cart(_line_with(unit_price=1.5)),
     "cart.lines[0].unit_price"),
    ("component_quantity_zero", "docs: quantities < 1",
     [rule("b1", BUN, fixed_price("5.00"), components=[component(0, products=["p1"])])], GOOD_CART,
     "rules[0].components[0].quantity"),
]
