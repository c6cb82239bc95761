"""Stage 6: gift rules whose trigger holds add free gift lines."""

from __future__ import annotations

from collections.abc import Iterable

from ..model import MAX_QUANTITY
from ..ruleset import CompiledRule
from .state import PricingState, least_reaching


def apply_gifts(state: PricingState, rules: Iterable[CompiledRule]) -> None:
    for rule in rules:
        quantity = _gift_quantity(state, rule)
        if quantity:
            state.gifts.append((rule, quantity))
            state.applied.add(rule.index)


def _gift_quantity(state: PricingState, rule: CompiledRule) -> int:
    """How many gift units the cart earns: once, or once per multiple of the trigger, capped."""
    if not state.lines:
        state.note(rule, "empty_cart")
        return 0
    # Conditions are measured over the rule's applies_to lines, even when there are none: a
    # gift touches no line, so no eligible line is needed, and min_subtotal "0" or min_quantity
    # 0 holds over none, as no condition does.
    if not state.conditions_hold(rule):
        return 0
    trigger, matcher = rule.rule.trigger, rule.trigger
    assert trigger is not None and matcher is not None and rule.rule.gift is not None
    lines = state.lines_matching(matcher.products, matcher.categories)
    if not lines:
        state.note(rule, "trigger_no_lines")
        return 0
    units = state.units(lines)
    subtotal = state.base_subtotal(lines)
    # Naming products or categories without any threshold means "at least one of them", and
    # with repeat, once per unit. Beside a min_subtotal, that one unit is only a gate: the
    # trigger is then met once per multiple of the subtotal, however few units make it up.
    implied = trigger.min_quantity is None and trigger.names_items
    min_quantity = trigger.min_quantity or (1 if implied else None)
    times: list[int] = []
    if min_quantity is not None:
        if units < min_quantity:
            state.note(rule, "trigger_quantity", units, min_quantity)
            return 0
        if not (implied and trigger.min_subtotal is not None):
            times.append(units // min_quantity)
    if trigger.min_subtotal is not None:
        numerator, denominator = state.threshold(trigger.min_subtotal)
        if subtotal * denominator < numerator:
            state.note(rule, "trigger_subtotal", subtotal, least_reaching(numerator, denominator))
            return 0
        if numerator:
            times.append(subtotal * denominator // numerator)
    multiple = min(times) if rule.rule.repeat and times else 1
    quantity = rule.rule.gift.quantity * multiple
    cap = MAX_QUANTITY if rule.rule.max_per_order is None else rule.rule.max_per_order
    if quantity > cap:
        state.note(rule, "capped", quantity, cap)
        quantity = cap
    return quantity
