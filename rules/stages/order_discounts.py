"""Stage 5: order_fixed discounts, spread over the eligible lines' remaining amounts."""

from __future__ import annotations

from collections.abc import Iterable

from ..money import allocate_minor
from ..ruleset import CompiledRule
from .choice import best_option, options_of
from .state import PricingState

Spread = list[tuple[CompiledRule, tuple[int, ...], list[int]]]


def apply_order_discounts(state: PricingState, rules: Iterable[CompiledRule]) -> None:
    candidates = [rule for rule in rules if state.qualifies(rule) is not None]
    if not candidates:
        return
    options = options_of(candidates)
    chosen, spreads = best_option(options, lambda option: _spread(state, option))
    for rule in candidates:
        if rule not in chosen:
            state.note(rule, "lost_order", chosen[0].index)
    for rule, lines, shares in spreads:
        if not any(shares):
            state.note(rule, "nothing_left_order")
            continue
        for position, share in zip(lines, shares):
            if share:
                state.order_discount[position] += share
                state.adjust(position, rule, -share)


def _left_after_line_discounts(state: PricingState, position: int) -> int:
    return state.unit[position] * state.free_units(position) - state.line_discount[position]


def _spread(state: PricingState, rules: list[CompiledRule]) -> tuple[int, Spread]:
    """Take each rule's amount off its lines in turn, in proportion to what each line holds."""
    left: dict[int, int] = {}
    spreads: Spread = []
    total = 0
    for rule in rules:
        lines = state.eligible(rule)
        weights = []
        for position in lines:
            if position not in left:
                left[position] = _left_after_line_discounts(state, position)
            weights.append(left[position])
        amount = min(state.money(rule.rule.value.amount), sum(weights))  # type: ignore[union-attr]
        shares = allocate_minor(amount, weights)
        for position, share in zip(lines, shares):
            left[position] -= share
        spreads.append((rule, lines, shares))
        total += amount
    return total, spreads
