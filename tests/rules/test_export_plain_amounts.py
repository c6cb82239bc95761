"""A rule's amounts are exported as the plain decimals parsing reads (review): ``str(Decimal)``
wrote "0.0000001" as "1E-7", which parsing refuses, so the stored rule could not be PATCHed
(the merged definition is validated again) nor its export imported."""

from __future__ import annotations

import pytest

from rules import parse_rule, rule_to_json

SPEC_RULE = {
    "id": "r1", "name": "VIP", "kind": "discount", "groups": ["vip"],
    "value": {"type": "percent", "amount": "20"}, "conditions": {"min_subtotal": "50.00"},
}
GIFT_RULE = {
    "id": "g1", "name": "Tote", "kind": "gift", "groups": ["vip"],
    "trigger": {"min_subtotal": "50.00"}, "gift": {"product_id": "tote"},
}


@pytest.mark.parametrize("rule, place, amount", [
    (SPEC_RULE, ("conditions", "min_subtotal"), "0.0000001"),
    (SPEC_RULE, ("value", "amount"), "0.00000005"),
    (GIFT_RULE, ("trigger", "min_subtotal"), "0.000000250"),
])
def test_a_tiny_amount_is_exported_as_written_and_parses_again(rule, place, amount):
    outer, inner = place
    exported = rule_to_json(parse_rule({**rule, outer: {**rule[outer], inner: amount}}))
    assert exported[outer][inner] == amount
    assert rule_to_json(parse_rule(exported)) == exported
