"""Blind SPEC §2 carts for the price stages: increases, bundles, line and order discounts.

Every number was computed by hand from SPEC §2 (and docs/pricing.md where the SPEC is silent)
before the engine was read; each case cites the sentence it checks."""
from __future__ import annotations

from tests.rules.blind_spec_builders import (
    Case, cart, component, fixed, fixed_price, line, order_fixed, percent, priced, rule,
)

INC, BUN, DIS = "increase", "bundle", "discount"

CASES = [
    Case("spec_example", "§2 Cart JSON: the SPEC's own example, VIP 20% on shoes",
         [rule("r1", DIS, percent("20"), name="VIP 20% on shoes", priority=10,
               ends_at="2026-12-31T23:59:59+01:00", categories=["shoes"],
               conditions={"min_subtotal": "50.00", "min_quantity": 1})],
         cart(line("l1", "p1", "100.00", 2, ["shoes"]), now="2026-11-23T12:00:00+01:00"),
         [priced("l1", 2, "100.00", discount="40.00", total="160.00", adj=[("r1", DIS, "-40.00")])],
         ("200.00", "0.00", "40.00", "160.00"), ["r1"]),

    Case("all_four_stages", "§2 'across stages effects build on each other': increase, bundle, "
         "line discount on the free unit, order discount over amounts left after step 4",
         [rule("inc1", INC, percent("10"), products=["p1"]),
          rule("b1", BUN, fixed_price("25.00"), priority=1,
               components=[component(1, products=["p1"]), component(1, products=["p2"])]),
          rule("d1", DIS, percent("10"), priority=2),
          rule("o1", DIS, order_fixed("5.00"), priority=3)],
         cart(line("l1", "p1", "20.00", 2), line("l2", "p2", "10.00"), line("l3", "p3", "8.00")),
         # set 22.00 + 10.00 -> 25.00: 7.00 spread 4.8125 / 2.1875 -> 4.81 / 2.19 (larger remainder l2)
         # d1: 2.20 on l1's free unit, 0.80 on l3; o1 5.00 over 19.80 : 7.20 -> 3.6667 / 1.3333 -> 3.67 / 1.33
         [priced("l1", 2, "20.00", "22.00", discount="10.68", total="33.32",
                 adj=[("inc1", INC, "4.00"), ("b1", BUN, "-4.81"), ("d1", DIS, "-2.20"), ("o1", DIS, "-3.67")]),
          priced("l2", 1, "10.00", discount="2.19", total="7.81", adj=[("b1", BUN, "-2.19")]),
          priced("l3", 1, "8.00", discount="2.13", total="5.87", adj=[("d1", DIS, "-0.80"), ("o1", DIS, "-1.33")])],
         ("58.00", "4.00", "15.00", "47.00"), ["inc1", "b1", "d1", "o1"]),

    Case("bundle_dearest_then_line_order", "§2 step 3 'higher unit_price first, then line order'; "
         "step 7 largest remainder, ties to the earlier line",
         [rule("b1", BUN, fixed_price("30.01"), components=[component(2, categories=["shirts"])])],
         cart(line("l1", "p1", "15.00", 1, ["shirts"]), line("l2", "p2", "20.00", 1, ["shirts"]),
              line("l3", "p3", "20.00", 1, ["shirts"])),
         # l2 + l3 = 40.00 -> 30.01: 9.99 = 4.995 + 4.995 -> the tied cent to l2
         [priced("l1", 1, "15.00"),
          priced("l2", 1, "20.00", discount="5.00", total="15.00", adj=[("b1", BUN, "-5.00")]),
          priced("l3", 1, "20.00", discount="4.99", total="15.01", adj=[("b1", BUN, "-4.99")])],
         ("55.00", "0.00", "9.99", "45.01"), ["b1"]),

    Case("bundle_tie_in_price_takes_earlier_line", "§2 step 3 'then line order'",
         [rule("b1", BUN, fixed_price("25.00"),
               components=[component(1, categories=["shirts"]), component(1, products=["p9"])])],
         cart(line("l1", "p1", "20.00", 1, ["shirts"]), line("l2", "p2", "20.00", 1, ["shirts"]),
              line("l3", "p9", "10.00", 1, ["belts"])),
         # 30.00 -> 25.00: 3.333 / 1.667 -> 3.33 / 1.67
         [priced("l1", 1, "20.00", discount="3.33", total="16.67", adj=[("b1", BUN, "-3.33")]),
          priced("l2", 1, "20.00"),
          priced("l3", 1, "10.00", discount="1.67", total="8.33", adj=[("b1", BUN, "-1.67")])],
         ("50.00", "0.00", "5.00", "45.00"), ["b1"]),

    Case("dear_set_not_formed_units_stay_free", "§2 step 3 'A set that would cost more than its units is "
         "not formed'; its units then take the line discount",
         [rule("b1", BUN, fixed_price("30.00"),
               components=[component(1, products=["p1"]), component(1, products=["p2"])]),
          rule("d1", DIS, percent("10"), priority=1)],
         cart(line("l1", "p1", "10.00"), line("l2", "p2", "15.00")),
         [priced("l1", 1, "10.00", discount="1.00", total="9.00", adj=[("d1", DIS, "-1.00")]),
          priced("l2", 1, "15.00", discount="1.50", total="13.50", adj=[("d1", DIS, "-1.50")])],
         ("25.00", "0.00", "2.50", "22.50"), ["d1"]),

    Case("set_costing_exactly_its_units_is_formed", "§2 step 3 (only a dearer set is refused) and "
         "'Bundled units get no other discount'; docs: such a set saves nothing, is not applied",
         [rule("b1", BUN, fixed_price("25.00"),
               components=[component(1, products=["p1"]), component(1, products=["p2"])]),
          rule("d1", DIS, percent("10"), priority=1)],
         cart(line("l1", "p1", "10.00"), line("l2", "p2", "15.00"), line("l3", "p3", "5.00")),
         [priced("l1", 1, "10.00"), priced("l2", 1, "15.00"),
          priced("l3", 1, "5.00", discount="0.50", total="4.50", adj=[("d1", DIS, "-0.50")])],
         ("30.00", "0.00", "0.50", "29.50"), ["d1"]),

    Case("percent_bundle_then_line_discount_on_leftover", "§2 step 3 'percent off the set', spread "
         "'in proportion to their prices'; step 4 'on its units not in a bundle'",
         [rule("b1", BUN, percent("20"),
               components=[component(1, products=["p1"]), component(2, products=["p2"])]),
          rule("d1", DIS, percent("10"), priority=1)],
         cart(line("l1", "p1", "30.00"), line("l2", "p2", "5.00", 3)),
         # set 40.00, 20% = 8.00 -> 6.00 / 1.00 / 1.00; l2's third unit: 10% of 5.00
         [priced("l1", 1, "30.00", discount="6.00", total="24.00", adj=[("b1", BUN, "-6.00")]),
          priced("l2", 3, "5.00", discount="2.50", total="12.50", adj=[("b1", BUN, "-2.00"), ("d1", DIS, "-0.50")])],
         ("45.00", "0.00", "8.50", "36.50"), ["b1", "d1"]),

    Case("bundle_spread_per_unit_ties_to_earlier_line", "§2 step 3 'spread over its units in proportion "
         "to their prices'; step 7 ties to the earlier line (docs: shoe and two socks)",
         [rule("b1", BUN, fixed_price("25.00"),
               components=[component(1, products=["shoe"]), component(2, categories=["socks"])])],
         cart(line("l1", "shoe", "20.00", 1, ["shoes"]), line("l2", "sock", "5.00", 2, ["socks"])),
         [priced("l1", 1, "20.00", discount="3.34", total="16.66", adj=[("b1", BUN, "-3.34")]),
          priced("l2", 2, "5.00", discount="1.66", total="8.34", adj=[("b1", BUN, "-1.66")])],
         ("30.00", "0.00", "5.00", "25.00"), ["b1"]),

    Case("bundle_spread_jpy", "§2 step 7 JPY 0 decimals, largest remainder",
         [rule("b1", BUN, fixed_price("1000"), components=[
             component(1, products=["p1"]), component(1, products=["p2"]), component(1, products=["p3"])])],
         cart(line("l1", "p1", "500"), line("l2", "p2", "300"), line("l3", "p3", "300"), currency="JPY"),
         # 100 yen: 45.45 / 27.27 / 27.27 -> 46 / 27 / 27
         [priced("l1", 1, "500", discount="46", total="454", adj=[("b1", BUN, "-46")]),
          priced("l2", 1, "300", discount="27", total="273", adj=[("b1", BUN, "-27")]),
          priced("l3", 1, "300", discount="27", total="273", adj=[("b1", BUN, "-27")])],
         ("1100", "0", "100", "1000"), ["b1"]),

    Case("percent_bundle_kwd_tie", "§2 step 7 KWD 3 decimals; a tie in remainders to the earlier line",
         [rule("b1", BUN, percent("10"),
               components=[component(1, products=["p1"]), component(1, products=["p2"])])],
         cart(line("l1", "p1", "1.235"), line("l2", "p2", "0.765"), currency="KWD"),
         # 0.200 over 1235 : 765 -> 123.5 / 76.5 fils -> 124 / 76
         [priced("l1", 1, "1.235", discount="0.124", total="1.111", adj=[("b1", BUN, "-0.124")]),
          priced("l2", 1, "0.765", discount="0.076", total="0.689", adj=[("b1", BUN, "-0.076")])],
         ("2.000", "0.000", "0.200", "1.800"), ["b1"]),

    Case("percent_bundle_jpy_remainder", "§2 step 3 percent off the set; step 7 largest remainder (JPY)",
         [rule("b1", BUN, percent("15"),
               components=[component(1, products=["p1"]), component(1, products=["p2"])])],
         cart(line("l1", "p1", "333"), line("l2", "p2", "667"), currency="JPY"),
         # 150 yen: 49.95 / 100.05 -> 50 / 100
         [priced("l1", 1, "333", discount="50", total="283", adj=[("b1", BUN, "-50")]),
          priced("l2", 1, "667", discount="100", total="567", adj=[("b1", BUN, "-100")])],
         ("1000", "0", "150", "850"), ["b1"]),

    Case("percent_bundle_rounds_per_set", "§2 step 3 'percent off the set' (docs: rounded per set)",
         [rule("b1", BUN, percent("10"), components=[component(1, products=["p1"])])],
         cart(line("l1", "p1", "0.15", 3)),
         [priced("l1", 3, "0.15", discount="0.06", total="0.39", adj=[("b1", BUN, "-0.06")])],
         ("0.45", "0.00", "0.06", "0.39"), ["b1"]),

    Case("bundled_units_skip_line_and_order_discounts", "§2 step 3 'Bundled units get no other discount'; "
         "step 5 'never more than they hold'",
         [rule("b1", BUN, fixed_price("15.00"), components=[component(2, products=["p1"])]),
          rule("d1", DIS, percent("10"), priority=1),
          rule("o1", DIS, order_fixed("20.00"), priority=2)],
         cart(line("l1", "p1", "10.00", 3), line("l2", "p2", "5.00")),
         # one set of two (5.00 off); d1 1.00 + 0.50; o1 takes the 9.00 + 4.50 left
         [priced("l1", 3, "10.00", discount="15.00", total="15.00",
                 adj=[("b1", BUN, "-5.00"), ("d1", DIS, "-1.00"), ("o1", DIS, "-9.00")]),
          priced("l2", 1, "5.00", discount="5.00", total="0.00", adj=[("d1", DIS, "-0.50"), ("o1", DIS, "-4.50")])],
         ("35.00", "0.00", "20.00", "15.00"), ["b1", "d1", "o1"]),

    Case("bundled_units_weigh_nothing_in_order_spread", "§2 step 5 'spread in proportion to those amounts' "
         "(bundled units are not in them)",
         [rule("b1", BUN, fixed_price("10.00"),
               components=[component(1, products=["p1"]), component(1, products=["p2"])]),
          rule("o1", DIS, order_fixed("3.00"), priority=1)],
         cart(line("l1", "p1", "8.00", 2), line("l2", "p2", "4.00"), line("l3", "p3", "6.00")),
         # set 12.00 -> 10.00: 1.333 / 0.667; o1 3.00 over 8.00 : 6.00 -> 1.714 / 1.286 -> 1.71 / 1.29
         [priced("l1", 2, "8.00", discount="3.04", total="12.96", adj=[("b1", BUN, "-1.33"), ("o1", DIS, "-1.71")]),
          priced("l2", 1, "4.00", discount="0.67", total="3.33", adj=[("b1", BUN, "-0.67")]),
          priced("l3", 1, "6.00", discount="1.29", total="4.71", adj=[("o1", DIS, "-1.29")])],
         ("26.00", "0.00", "5.00", "21.00"), ["b1", "o1"]),

    Case("later_bundle_sees_only_unbundled_units", "§2 step 3 'in rule order ... the not-yet-bundled units'",
         [rule("b1", BUN, fixed_price("15.00"),
               components=[component(1, products=["p1"]), component(1, products=["p2"])]),
          rule("b2", BUN, fixed_price("15.00"), priority=1, components=[component(2, products=["p1"])])],
         cart(line("l1", "p1", "10.00", 3), line("l2", "p2", "10.00")),
         [priced("l1", 3, "10.00", discount="7.50", total="22.50", adj=[("b1", BUN, "-2.50"), ("b2", BUN, "-5.00")]),
          priced("l2", 1, "10.00", discount="2.50", total="7.50", adj=[("b1", BUN, "-2.50")])],
         ("40.00", "0.00", "10.00", "30.00"), ["b1", "b2"]),

    Case("bundle_stops_at_a_dear_set", "§2 step 3 'as many complete sets as ... allow' and "
         "'A set that would cost more than its units is not formed'",
         [rule("b1", BUN, fixed_price("12.00"), components=[component(2, categories=["c"])])],
         cart(line("l1", "p1", "10.00", 2, ["c"]), line("l2", "p2", "5.00", 2, ["c"]),
              line("l3", "p3", "5.50", 1, ["c"])),
         # set 1: 10.00 + 10.00; set 2 would be 5.50 + 5.00 = 10.50 < 12.00: not formed
         [priced("l1", 2, "10.00", discount="8.00", total="12.00", adj=[("b1", BUN, "-8.00")]),
          priced("l2", 2, "5.00"), priced("l3", 1, "5.50")],
         ("35.50", "0.00", "8.00", "27.50"), ["b1"]),

    Case("bundle_respects_exclusions", "§2 applies_to 'and it is not excluded' (docs: bundles fill from "
         "lines matching component and applies_to)",
         [rule("b1", BUN, fixed_price("30.00"), exclude=["p2"], components=[component(2, categories=["shirts"])])],
         cart(line("l1", "p1", "20.00", 1, ["shirts"]), line("l2", "p2", "25.00", 1, ["shirts"]),
              line("l3", "p3", "18.00", 1, ["shirts"])),
         # 38.00 -> 30.00: 8.00 as 4.2105 / 3.7895 -> 4.21 / 3.79
         [priced("l1", 1, "20.00", discount="4.21", total="15.79", adj=[("b1", BUN, "-4.21")]),
          priced("l2", 1, "25.00"),
          priced("l3", 1, "18.00", discount="3.79", total="14.21", adj=[("b1", BUN, "-3.79")])],
         ("63.00", "0.00", "8.00", "55.00"), ["b1"]),

    Case("increase_percent_half_up", "§2 step 2 'rounded to the minor unit'; step 7 half-up",
         [rule("inc1", INC, percent("10"), products=["p1"]), rule("inc2", INC, percent("12.5"), products=["p2"]),
          rule("inc3", INC, percent("10"), products=["p3"])],
         cart(line("l1", "p1", "0.05", 3), line("l2", "p2", "0.20"), line("l3", "p3", "0.04")),
         # 0.005 -> 0.01; 0.025 -> 0.03; 0.004 -> 0.00 (no change, not applied)
         [priced("l1", 3, "0.05", "0.06", adj=[("inc1", INC, "0.03")]),
          priced("l2", 1, "0.20", "0.23", adj=[("inc2", INC, "0.03")]),
          priced("l3", 1, "0.04")],
         ("0.39", "0.06", "0.00", "0.45"), ["inc1", "inc2"]),

    Case("increase_half_up_jpy", "§2 step 2 rounding in JPY: 5% of 110 is 5.5 -> 6",
         [rule("inc1", INC, percent("5"))],
         cart(line("l1", "p1", "110", 2), currency="JPY"),
         [priced("l1", 2, "110", "116", adj=[("inc1", INC, "12")])],
         ("220", "12", "0", "232"), ["inc1"]),

    Case("increase_half_up_kwd", "§2 step 2 rounding in KWD: 12.5% of 0.004 is 0.0005 -> 0.001",
         [rule("inc1", INC, percent("12.5"))],
         cart(line("l1", "p1", "0.004", 2), currency="KWD"),
         [priced("l1", 2, "0.004", "0.005", adj=[("inc1", INC, "0.002")])],
         ("0.008", "0.002", "0.000", "0.010"), ["inc1"]),

    Case("increase_over_100_percent", "§2 value.type percent '> 0 for increases' (no upper bound)",
         [rule("inc1", INC, percent("150"))],
         cart(line("l1", "p1", "10.00")),
         [priced("l1", 1, "10.00", "25.00", adj=[("inc1", INC, "15.00")])],
         ("10.00", "15.00", "0.00", "25.00"), ["inc1"]),

    Case("fixed_increase_then_fixed_discount_above_base", "§2 step 2 'base + fixed'; step 4 "
         "'min(amount, unit_price) per unit' on the increased price",
         [rule("inc1", INC, fixed("2.50")), rule("d1", DIS, fixed("20.00"), priority=1)],
         cart(line("l1", "p1", "10.00", 2)),
         [priced("l1", 2, "10.00", "12.50", discount="25.00", total="0.00",
                 adj=[("inc1", INC, "5.00"), ("d1", DIS, "-25.00")])],
         ("20.00", "5.00", "25.00", "0.00"), ["inc1", "d1"]),

    Case("first_increase_claims_even_rounding_to_nothing", "§2 step 2 'the first live increase rule in "
         "rule order ... One increase per line'",
         [rule("inc1", INC, percent("1")), rule("inc2", INC, percent("50"), priority=1)],
         cart(line("l1", "p1", "0.10")),
         [priced("l1", 1, "0.10")],
         ("0.10", "0.00", "0.00", "0.10"), []),

    Case("increase_per_line_first_eligible", "§2 step 2 'for each line, the first live increase rule ... "
         "that the line is eligible for'",
         [rule("inc1", INC, percent("10"), products=["p1"]), rule("inc2", INC, percent("5"), priority=1)],
         cart(line("l1", "p1", "100.00"), line("l2", "p2", "100.00")),
         [priced("l1", 1, "100.00", "110.00", adj=[("inc1", INC, "10.00")]),
          priced("l2", 1, "100.00", "105.00", adj=[("inc2", INC, "5.00")])],
         ("200.00", "15.00", "0.00", "215.00"), ["inc1", "inc2"]),

    Case("ids_ordered_as_strings", "§2 step 1 'Rule order is (priority ascending, id ascending)' "
         "(docs: r10 before r2)",
         [rule("r2", INC, percent("10")), rule("r10", INC, percent("20"))],
         cart(line("l1", "p1", "100.00")),
         [priced("l1", 1, "100.00", "120.00", adj=[("r10", INC, "20.00")])],
         ("100.00", "20.00", "0.00", "120.00"), ["r10"]),

    Case("increase_conditions_fail_next_applies", "§2 conditions on every rule (docs: a failing increase "
         "is not a candidate)",
         [rule("inc1", INC, percent("10"), conditions={"min_quantity": 5}),
          rule("inc2", INC, fixed("1.00"), priority=1)],
         cart(line("l1", "p1", "10.00", 2)),
         [priced("l1", 2, "10.00", "11.00", adj=[("inc2", INC, "2.00")])],
         ("20.00", "2.00", "0.00", "22.00"), ["inc2"]),

    Case("percent_on_line_amount_not_per_unit", "§2 step 4 'A percent discount on a line is percent × "
         "line amount, rounded'",
         [rule("d1", DIS, percent("15"))],
         cart(line("l1", "p1", "0.10", 3)),
         [priced("l1", 3, "0.10", discount="0.05", total="0.25", adj=[("d1", DIS, "-0.05")])],
         ("0.30", "0.00", "0.05", "0.25"), ["d1"]),

    Case("percent_on_line_half_up_jpy", "§2 step 4 and step 7: 15% of 90 yen is 13.5 -> 14",
         [rule("d1", DIS, percent("15"))],
         cart(line("l1", "p1", "30", 3), currency="JPY"),
         [priced("l1", 3, "30", discount="14", total="76", adj=[("d1", DIS, "-14")])],
         ("90", "0", "14", "76"), ["d1"]),

    Case("fixed_larger_than_unit_price", "§2 step 4 'a fixed discount is min(amount, unit_price) per unit'",
         [rule("d1", DIS, fixed("15.00"))],
         cart(line("l1", "p1", "10.00", 3), line("l2", "p2", "20.00")),
         [priced("l1", 3, "10.00", discount="30.00", total="0.00", adj=[("d1", DIS, "-30.00")]),
          priced("l2", 1, "20.00", discount="15.00", total="5.00", adj=[("d1", DIS, "-15.00")])],
         ("50.00", "0.00", "45.00", "5.00"), ["d1"]),

    Case("fixed_finer_than_yen", "§2 step 7 rounded half-up per line (docs: 99.5 off 3 units is 299)",
         [rule("d1", DIS, fixed("99.5"))],
         cart(line("l1", "p1", "200", 3), line("l2", "p2", "200"), currency="JPY"),
         [priced("l1", 3, "200", discount="299", total="301", adj=[("d1", DIS, "-299")]),
          priced("l2", 1, "200", discount="100", total="100", adj=[("d1", DIS, "-100")])],
         ("800", "0", "399", "401"), ["d1"]),

    Case("combinable_stack_vs_best_single_per_line", "§2 step 4 'the options are each non-combinable "
         "candidate alone and the stack of all combinable candidates; the largest discount wins'",
         [rule("n1", DIS, percent("15"), priority=1),
          rule("c1", DIS, percent("10"), priority=2, combinable=True),
          rule("c2", DIS, fixed("3.00"), priority=3, combinable=True)],
         cart(line("l1", "p1", "20.00"), line("l2", "p2", "100.00")),
         # l1: 3.00 alone vs 2.00 + 3.00; l2: 15.00 alone vs 10.00 + 3.00
         [priced("l1", 1, "20.00", discount="5.00", total="15.00", adj=[("c1", DIS, "-2.00"), ("c2", DIS, "-3.00")]),
          priced("l2", 1, "100.00", discount="15.00", total="85.00", adj=[("n1", DIS, "-15.00")])],
         ("120.00", "0.00", "20.00", "100.00"), ["n1", "c1", "c2"]),

    Case("tie_goes_to_earlier_first_rule", "§2 step 4 'a tie going to the option whose first rule comes "
         "earlier in rule order'",
         [rule("n1", DIS, fixed("2.00"), priority=5), rule("c1", DIS, percent("10"), priority=3, combinable=True)],
         cart(line("l1", "p1", "20.00")),
         [priced("l1", 1, "20.00", discount="2.00", total="18.00", adj=[("c1", DIS, "-2.00")])],
         ("20.00", "0.00", "2.00", "18.00"), ["c1"]),

    Case("tie_between_singles_string_id_order", "§2 step 4 tie rule with §2 step 1 id order (r10 < r2)",
         [rule("r2", DIS, percent("10")), rule("r10", DIS, fixed("2.00"))],
         cart(line("l1", "p1", "20.00")),
         [priced("l1", 1, "20.00", discount="2.00", total="18.00", adj=[("r10", DIS, "-2.00")])],
         ("20.00", "0.00", "2.00", "18.00"), ["r10"]),

    Case("all_combinable_stack_on_what_is_left", "§2 step 4 'all apply one after another in rule order, "
         "each on the amount the one before left'",
         [rule("c1", DIS, percent("10"), combinable=True), rule("c2", DIS, percent("10"), combinable=True)],
         cart(line("l1", "p1", "100.00")),
         [priced("l1", 1, "100.00", discount="19.00", total="81.00", adj=[("c1", DIS, "-10.00"), ("c2", DIS, "-9.00")])],
         ("100.00", "0.00", "19.00", "81.00"), ["c1", "c2"]),

    Case("fixed_in_stack_takes_what_is_left", "§2 step 4 'each on the amount the one before left'",
         [rule("c1", DIS, percent("90"), combinable=True), rule("c2", DIS, fixed("5.00"), priority=1, combinable=True)],
         cart(line("l1", "p1", "10.00")),
         [priced("l1", 1, "10.00", discount="10.00", total="0.00", adj=[("c1", DIS, "-9.00"), ("c2", DIS, "-1.00")])],
         ("10.00", "0.00", "10.00", "0.00"), ["c1", "c2"]),

    Case("min_subtotal_at_base_over_eligible", "§2 conditions 'measured over the eligible lines at their "
         "base prices': an increase does not help",
         [rule("inc1", INC, percent("50"), products=["p1"]),
          rule("d1", DIS, percent("10"), priority=1, categories=["shoes"], conditions={"min_subtotal": "50.00"})],
         cart(line("l1", "p1", "40.00", 1, ["shoes"]), line("l2", "p2", "20.00", 1, ["hats"])),
         [priced("l1", 1, "40.00", "60.00", adj=[("inc1", INC, "20.00")]), priced("l2", 1, "20.00")],
         ("60.00", "20.00", "0.00", "80.00"), ["inc1"]),

    Case("min_subtotal_met_exactly", "§2 conditions at base prices; docs 'at least' (50.00 of 50.00)",
         [rule("inc1", INC, percent("50"), products=["p1"]),
          rule("d1", DIS, percent("10"), priority=1, categories=["shoes"], conditions={"min_subtotal": "50.00"})],
         cart(line("l1", "p1", "30.00", 1, ["shoes"]), line("l2", "p2", "20.00", 1, ["shoes"])),
         [priced("l1", 1, "30.00", "45.00", discount="4.50", total="40.50",
                 adj=[("inc1", INC, "15.00"), ("d1", DIS, "-4.50")]),
          priced("l2", 1, "20.00", discount="2.00", total="18.00", adj=[("d1", DIS, "-2.00")])],
         ("50.00", "15.00", "6.50", "58.50"), ["inc1", "d1"]),

    Case("min_quantity_counts_eligible_units", "§2 conditions 'measured over the eligible lines' (units)",
         [rule("d1", DIS, percent("10"), categories=["socks"], conditions={"min_quantity": 3}),
          rule("d2", DIS, percent("10"), categories=["hats"], conditions={"min_quantity": 5})],
         cart(line("l1", "p1", "5.00", 2, ["socks"]), line("l2", "p2", "10.00", 5, ["hats"])),
         [priced("l1", 2, "5.00"),
          priced("l2", 5, "10.00", discount="5.00", total="45.00", adj=[("d2", DIS, "-5.00")])],
         ("60.00", "0.00", "5.00", "55.00"), ["d2"]),

    Case("min_subtotal_ignores_excluded_lines", "§2 applies_to exclusions make a line not eligible, so it "
         "does not count toward min_subtotal",
         [rule("d1", DIS, percent("10"), categories=["shoes"], exclude=["p2"], conditions={"min_subtotal": "50.00"})],
         cart(line("l1", "p1", "30.00", 1, ["shoes"]), line("l2", "p2", "30.00", 1, ["shoes"])),
         [priced("l1", 1, "30.00"), priced("l2", 1, "30.00")],
         ("60.00", "0.00", "0.00", "60.00"), []),

    Case("exclusion_beats_listing", "§2 applies_to 'listed or any of its categories is, and it is not excluded'",
         [rule("d1", DIS, percent("20"), products=["p2"], categories=["shoes"], exclude=["p2"])],
         cart(line("l1", "p1", "50.00", 1, ["shoes"]), line("l2", "p2", "50.00", 1, ["shoes"]),
              line("l3", "p3", "50.00", 1, ["hats"])),
         [priced("l1", 1, "50.00", discount="10.00", total="40.00", adj=[("d1", DIS, "-10.00")]),
          priced("l2", 1, "50.00"), priced("l3", 1, "50.00")],
         ("150.00", "0.00", "10.00", "140.00"), ["d1"]),

    Case("order_fixed_three_way_tie", "§2 step 5 spread; step 7 largest remainder, ties to the earlier line",
         [rule("o1", DIS, order_fixed("10.00"))],
         cart(line("l1", "p1", "5.00"), line("l2", "p2", "5.00"), line("l3", "p3", "5.00")),
         [priced("l1", 1, "5.00", discount="3.34", total="1.66", adj=[("o1", DIS, "-3.34")]),
          priced("l2", 1, "5.00", discount="3.33", total="1.67", adj=[("o1", DIS, "-3.33")]),
          priced("l3", 1, "5.00", discount="3.33", total="1.67", adj=[("o1", DIS, "-3.33")])],
         ("15.00", "0.00", "10.00", "5.00"), ["o1"]),

    Case("order_fixed_largest_remainder_later_line", "§2 step 7 largest remainder (not simply the first line)",
         [rule("o1", DIS, order_fixed("1.00"))],
         cart(line("l1", "p1", "1.00"), line("l2", "p2", "2.00")),
         [priced("l1", 1, "1.00", discount="0.33", total="0.67", adj=[("o1", DIS, "-0.33")]),
          priced("l2", 1, "2.00", discount="0.67", total="1.33", adj=[("o1", DIS, "-0.67")])],
         ("3.00", "0.00", "1.00", "2.00"), ["o1"]),

    Case("order_fixed_jpy", "§2 step 7 JPY: 100 over 333 / 333 / 334 -> 33.3 / 33.3 / 33.4 -> 33 / 33 / 34",
         [rule("o1", DIS, order_fixed("100"))],
         cart(line("l1", "p1", "333"), line("l2", "p2", "333"), line("l3", "p3", "334"), currency="JPY"),
         [priced("l1", 1, "333", discount="33", total="300", adj=[("o1", DIS, "-33")]),
          priced("l2", 1, "333", discount="33", total="300", adj=[("o1", DIS, "-33")]),
          priced("l3", 1, "334", discount="34", total="300", adj=[("o1", DIS, "-34")])],
         ("1000", "0", "100", "900"), ["o1"]),

    Case("order_fixed_kwd_tie", "§2 step 7 KWD: 0.500 over 0.333 / 0.333 / 0.334 -> 166.5 / 166.5 / 167",
         [rule("o1", DIS, order_fixed("0.500"))],
         cart(line("l1", "p1", "0.333"), line("l2", "p2", "0.333"), line("l3", "p3", "0.334"), currency="KWD"),
         [priced("l1", 1, "0.333", discount="0.167", total="0.166", adj=[("o1", DIS, "-0.167")]),
          priced("l2", 1, "0.333", discount="0.166", total="0.167", adj=[("o1", DIS, "-0.166")]),
          priced("l3", 1, "0.334", discount="0.167", total="0.167", adj=[("o1", DIS, "-0.167")])],
         ("1.000", "0.000", "0.500", "0.500"), ["o1"]),

    Case("order_fixed_kwd_three_equal", "§2 step 7 KWD: 0.100 over three 0.250 -> 0.034 / 0.033 / 0.033",
         [rule("o1", DIS, order_fixed("0.100"))],
         cart(line("l1", "p1", "0.250"), line("l2", "p2", "0.250"), line("l3", "p3", "0.250"), currency="KWD"),
         [priced("l1", 1, "0.250", discount="0.034", total="0.216", adj=[("o1", DIS, "-0.034")]),
          priced("l2", 1, "0.250", discount="0.033", total="0.217", adj=[("o1", DIS, "-0.033")]),
          priced("l3", 1, "0.250", discount="0.033", total="0.217", adj=[("o1", DIS, "-0.033")])],
         ("0.750", "0.000", "0.100", "0.650"), ["o1"]),

    Case("order_fixed_larger_than_eligible", "§2 step 5 'never more than they hold'",
         [rule("o1", DIS, order_fixed("50.00"), categories=["shoes"])],
         cart(line("l1", "p1", "20.00", 1, ["shoes"]), line("l2", "p2", "10.00", 1, ["shoes"]),
              line("l3", "p3", "30.00", 1, ["hats"])),
         [priced("l1", 1, "20.00", discount="20.00", total="0.00", adj=[("o1", DIS, "-20.00")]),
          priced("l2", 1, "10.00", discount="10.00", total="0.00", adj=[("o1", DIS, "-10.00")]),
          priced("l3", 1, "30.00")],
         ("60.00", "0.00", "30.00", "30.00"), ["o1"]),

    Case("order_fixed_finer_than_cent", "docs: an order_fixed amount is rounded half-up first (10.005 -> 10.01)",
         [rule("o1", DIS, order_fixed("10.005"))],
         cart(line("l1", "p1", "20.00"), line("l2", "p2", "20.00")),
         [priced("l1", 1, "20.00", discount="5.01", total="14.99", adj=[("o1", DIS, "-5.01")]),
          priced("l2", 1, "20.00", discount="5.00", total="15.00", adj=[("o1", DIS, "-5.00")])],
         ("40.00", "0.00", "10.01", "29.99"), ["o1"]),

    Case("order_combinable_stack_same_weights", "§2 step 5 'each taken off the eligible lines' amounts "
         "left after step 4, spread in proportion to those amounts'",
         [rule("o1", DIS, order_fixed("1.00"), combinable=True), rule("o2", DIS, order_fixed("1.00"), combinable=True)],
         cart(line("l1", "p1", "1.00"), line("l2", "p2", "2.00")),
         [priced("l1", 1, "1.00", discount="0.66", total="0.34", adj=[("o1", DIS, "-0.33"), ("o2", DIS, "-0.33")]),
          priced("l2", 1, "2.00", discount="1.34", total="0.66", adj=[("o1", DIS, "-0.67"), ("o2", DIS, "-0.67")])],
         ("3.00", "0.00", "2.00", "1.00"), ["o1", "o2"]),

    Case("order_best_non_combinable", "§2 step 5 'chosen among themselves as in step 4 ... the best option'",
         [rule("o1", DIS, order_fixed("5.00"), categories=["shoes"]), rule("o2", DIS, order_fixed("4.00"))],
         cart(line("l1", "p1", "3.00", 1, ["shoes"]), line("l2", "p2", "7.00", 1, ["hats"])),
         [priced("l1", 1, "3.00", discount="1.20", total="1.80", adj=[("o2", DIS, "-1.20")]),
          priced("l2", 1, "7.00", discount="2.80", total="4.20", adj=[("o2", DIS, "-2.80")])],
         ("10.00", "0.00", "4.00", "6.00"), ["o2"]),

    Case("order_min_subtotal_over_eligible", "§2 conditions over the eligible lines at base prices",
         [rule("o1", DIS, order_fixed("5.00"), categories=["shoes"], conditions={"min_subtotal": "30.00"})],
         cart(line("l1", "p1", "25.00", 1, ["shoes"]), line("l2", "p2", "100.00", 1, ["hats"])),
         [priced("l1", 1, "25.00"), priced("l2", 1, "100.00")],
         ("125.00", "0.00", "0.00", "125.00"), []),

    Case("order_after_full_line_discount_changes_nothing", "§2 step 5 'never more than they hold'; step 8 "
         "applied_rules lists 'the rules that changed anything'",
         [rule("d1", DIS, percent("100")), rule("o1", DIS, order_fixed("5.00"), priority=1)],
         cart(line("l1", "p1", "20.00")),
         [priced("l1", 1, "20.00", discount="20.00", total="0.00", adj=[("d1", DIS, "-20.00")])],
         ("20.00", "0.00", "20.00", "0.00"), ["d1"]),
]
