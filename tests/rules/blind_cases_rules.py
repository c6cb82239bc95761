"""Blind SPEC §2 carts for which rules are live (windows, groups, order) and for gifts, plus the
bad inputs SPEC §2 says are refused with a message naming the field.

Computed by hand from SPEC §2 and docs/pricing.md before the engine was read."""
from __future__ import annotations

from tests.rules.blind_spec_builders import (
    Case, cart, fixed, gift_rule, line, percent, priced, rule,
)

DIS, INC = "discount", "increase"

CASES = [
    Case("window_edges", "§2 'the rule is live for starts_at <= now < ends_at' (instants, any offset)",
         [rule("d1", DIS, percent("10"), combinable=True, starts_at="2026-11-23T13:00:00+01:00"),
          rule("d2", DIS, percent("50"), combinable=True, ends_at="2026-11-23T12:00:00+00:00"),
          rule("d3", DIS, percent("20"), combinable=True, starts_at="2026-11-23T12:00:01+00:00")],
         cart(line("l1", "p1", "100.00")),
         [priced("l1", 1, "100.00", discount="10.00", total="90.00", adj=[("d1", DIS, "-10.00")])],
         ("100.00", "0.00", "10.00", "90.00"), ["d1"]),

    Case("now_from_the_cart", "§2 step 1 'now from the cart, else the server's clock'; enabled",
         [rule("d1", DIS, percent("10"), combinable=True, ends_at="2020-01-01T00:00:00+00:00"),
          rule("d2", DIS, percent("50"), combinable=True, starts_at="2026-12-01T00:00:00+00:00"),
          rule("d3", DIS, percent("30"), combinable=True, enabled=False)],
         cart(line("l1", "p1", "100.00"), now="2019-06-01T00:00:00+00:00"),
         [priced("l1", 1, "100.00", discount="10.00", total="90.00", adj=[("d1", DIS, "-10.00")])],
         ("100.00", "0.00", "10.00", "90.00"), ["d1"]),

    Case("customer_in_several_groups", "§2 groups 'the rule applies when the customer is in any of them'; "
         "a rule for a group the customer lacks is not live",
         [rule("r1", DIS, percent("10"), groups=["staff"], combinable=True),
          rule("r2", DIS, percent("50"), groups=["gold"]),
          rule("r3", DIS, fixed("1.00"), groups=["wholesale", "vip"], priority=1, combinable=True)],
         cart(line("l1", "p1", "20.00"), groups=["vip", "staff"]),
         [priced("l1", 1, "20.00", discount="3.00", total="17.00", adj=[("r1", DIS, "-2.00"), ("r3", DIS, "-1.00")])],
         ("20.00", "0.00", "3.00", "17.00"), ["r1", "r3"]),

    Case("listing_order_never_matters", "§2 step 1 'the order in which rules are listed ... never matters'; "
         "step 8 applied_rules 'in rule order, the rules that changed anything'",
         [rule("a1", DIS, fixed("1.00"), priority=5, combinable=True),
          rule("m1", DIS, percent("50"), products=["p99"]),
          rule("z1", DIS, percent("10"), priority=-5, combinable=True)],
         cart(line("l1", "p1", "20.00")),
         [priced("l1", 1, "20.00", discount="3.00", total="17.00", adj=[("z1", DIS, "-2.00"), ("a1", DIS, "-1.00")])],
         ("20.00", "0.00", "3.00", "17.00"), ["z1", "a1"]),

    Case("no_rules", "§2 Cart JSON: a cart no rule touches is priced at its base prices",
         [],
         cart(line("l1", "p1", "12.34", 2), line("l2", "p2", "0.01")),
         [priced("l1", 2, "12.34"), priced("l2", 1, "0.01")],
         ("24.69", "0.00", "0.00", "24.69"), []),

    Case("gift_category_trigger", "§2 step 6 'min_quantity counts the units of lines matching the "
         "trigger's products/categories'",
         [gift_rule("gf1", {"categories": ["shoes"], "min_quantity": 2}, "g1", "Tote")],
         cart(line("l1", "p1", "30.00", 1, ["shoes"]), line("l2", "p2", "20.00", 1, ["hats", "shoes"])),
         [priced("l1", 1, "30.00"), priced("l2", 1, "20.00")],
         ("50.00", "0.00", "0.00", "50.00"), ["gf1"], gifts=[("g1", "Tote", 1, "gf1")]),

    Case("gift_category_trigger_not_met", "§2 step 6 'each live gift rule whose trigger holds'",
         [gift_rule("gf1", {"categories": ["shoes"], "min_quantity": 3}, "g1", "Tote")],
         cart(line("l1", "p1", "30.00", 2, ["shoes"]), line("l2", "p2", "20.00", 4, ["hats"])),
         [priced("l1", 2, "30.00"), priced("l2", 4, "20.00")],
         ("140.00", "0.00", "0.00", "140.00"), []),

    Case("gift_subtotal_whole_cart_at_base", "§2 step 6 'min_subtotal sums ... (the whole cart when the "
         "trigger names none) at base prices': a discount does not take it away",
         [rule("d1", DIS, percent("50")), gift_rule("gf1", {"min_subtotal": "100.00"}, "g1", "Tote", priority=1)],
         cart(line("l1", "p1", "60.00"), line("l2", "p2", "40.00")),
         [priced("l1", 1, "60.00", discount="30.00", total="30.00", adj=[("d1", DIS, "-30.00")]),
          priced("l2", 1, "40.00", discount="20.00", total="20.00", adj=[("d1", DIS, "-20.00")])],
         ("100.00", "0.00", "50.00", "50.00"), ["d1", "gf1"], gifts=[("g1", "Tote", 1, "gf1")]),

    Case("gift_subtotal_increase_does_not_help", "§2 step 6 'at base prices'",
         [rule("inc1", INC, percent("50")), gift_rule("gf1", {"min_subtotal": "100.00"}, "g1", "Tote")],
         cart(line("l1", "p1", "80.00")),
         [priced("l1", 1, "80.00", "120.00", adj=[("inc1", INC, "40.00")])],
         ("80.00", "40.00", "0.00", "120.00"), ["inc1"]),

    Case("gift_subtotal_over_trigger_lines_only", "§2 step 6 'min_subtotal sums those lines' (the trigger's)",
         [gift_rule("gf1", {"categories": ["shoes"], "min_subtotal": "50.00"}, "g1", "Tote")],
         cart(line("l1", "p1", "40.00", 1, ["shoes"]), line("l2", "p2", "100.00", 1, ["hats"])),
         [priced("l1", 1, "40.00"), priced("l2", 1, "100.00")],
         ("140.00", "0.00", "0.00", "140.00"), []),

    Case("gift_repeat_capped", "§2 step 6 'With repeat, the gift quantity is multiplied by how many times "
         "the trigger is met; max_per_order caps it'",
         [gift_rule("gf1", {"products": ["p1"], "min_quantity": 2}, "g1", "Socks", repeat=True, max_per_order=3)],
         cart(line("l1", "p1", "1.00", 9)),
         [priced("l1", 9, "1.00")],
         ("9.00", "0.00", "0.00", "9.00"), ["gf1"], gifts=[("g1", "Socks", 3, "gf1")]),

    Case("gift_rules_side_by_side", "§2 step 6 repeat, max_per_order capping the gift quantity, once per "
         "order without repeat; one gift line per rule, in rule order",
         [gift_rule("gA", {"products": ["p1"], "min_quantity": 2}, "g1", "Socks", repeat=True, max_per_order=3),
          gift_rule("gB", {"min_subtotal": "50.00"}, "g2", "Pen", repeat=True),
          gift_rule("gC", {"products": ["p1"], "min_quantity": 2}, "g3", "Cap", 2),
          gift_rule("gD", {"products": ["p1"], "min_quantity": 2}, "g1", "Socks", 2, repeat=True, max_per_order=7)],
         cart(line("l1", "p1", "10.00", 9), line("l2", "p2", "85.00")),
         # 9 units: met 4 times; 175.00: 3 times of 50.00
         [priced("l1", 9, "10.00"), priced("l2", 1, "85.00")],
         ("175.00", "0.00", "0.00", "175.00"), ["gA", "gB", "gC", "gD"],
         gifts=[("g1", "Socks", 3, "gA"), ("g2", "Pen", 3, "gB"), ("g3", "Cap", 2, "gC"), ("g1", "Socks", 7, "gD")]),

    Case("gift_repeat_per_unit_when_trigger_names_products", "docs: a trigger naming products without "
         "min_quantity needs one unit and repeats per unit",
         [gift_rule("gf1", {"products": ["p1"]}, "g1", "Sticker", repeat=True)],
         cart(line("l1", "p1", "2.00", 3), line("l2", "p2", "2.00", 5)),
         [priced("l1", 3, "2.00"), priced("l2", 5, "2.00")],
         ("16.00", "0.00", "0.00", "16.00"), ["gf1"], gifts=[("g1", "Sticker", 3, "gf1")]),

    Case("gift_groups_and_enabled", "§2 step 6 'each live gift rule'; step 1 groups and enabled",
         [gift_rule("gA", {"min_subtotal": "1.00"}, "g1", "Gold tote", groups=["gold"]),
          gift_rule("gB", {"min_subtotal": "1.00"}, "g2", "Off tote", enabled=False),
          gift_rule("gC", {"min_subtotal": "1.00"}, "g3", "Tote", groups=["gold", "vip"])],
         cart(line("l1", "p1", "5.00")),
         [priced("l1", 1, "5.00")],
         ("5.00", "0.00", "0.00", "5.00"), ["gC"], gifts=[("g3", "Tote", 1, "gC")]),

    Case("two_gift_rules_same_product", "§2 step 6 'each live gift rule whose trigger holds adds a gift line'",
         [gift_rule("gZ", {"min_subtotal": "10.00"}, "g1", "Tote"),
          gift_rule("gA", {"min_subtotal": "10.00"}, "g1", "Tote", priority=1)],
         cart(line("l1", "p1", "10.00")),
         [priced("l1", 1, "10.00")],
         ("10.00", "0.00", "0.00", "10.00"), ["gZ", "gA"], gifts=[("g1", "Tote", 1, "gZ"), ("g1", "Tote", 1, "gA")]),

    Case("gift_in_yen", "§2 step 6 gift line 'unit_price' zero in the cart's currency (docs: \"0\" in JPY)",
         [gift_rule("gf1", {"min_subtotal": "1000"}, "g1", "Fan")],
         cart(line("l1", "p1", "1000"), currency="JPY"),
         [priced("l1", 1, "1000")],
         ("1000", "0", "0", "1000"), ["gf1"], gifts=[("g1", "Fan", 1, "gf1")]),
]


def _bad_rule(**changes):
    document = rule("r1", DIS, percent("10"))
    document.update(changes)
    return document


#: (name, cite, rules, cart, the field the error must name); the CLI prefixes rules[...] / cart.
BAD_INPUTS = [
    ("unknown_kind", "§2 'unknown kind' refused", [_bad_rule(kind="coupon")],
     cart(line("l1", "p1", "1.00")), "rules[0].kind"),
    ("discount_percent_over_100", "§2 'percent > 100 for a discount' refused",
     [_bad_rule(value=percent("100.01"))], cart(line("l1", "p1", "1.00")), "rules[0].value.amount"),
    ("empty_groups", "§2 'An empty list is refused'", [_bad_rule(groups=[])],
     cart(line("l1", "p1", "1.00")), "rules[0].groups"),
    ("negative_price", "§2 'negative price' refused", [_bad_rule()],
     cart(line("l1", "p1", "-1.00")), "cart.lines[0].unit_price"),
    ("quantity_zero", "§2 'quantity < 1' refused", [_bad_rule()],
     cart(line("l1", "p1", "1.00", 0)), "cart.lines[0].quantity"),
    ("unknown_currency", "§2 'unknown currency' refused", [_bad_rule()],
     cart(line("l1", "p1", "1.00"), currency="ABC"), "cart.currency"),
]
