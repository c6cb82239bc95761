"""Stage 5: order_fixed discounts, spread in proportion to the eligible lines' amounts after stage 4."""

from __future__ import annotations

from collections.abc import Iterable

from ..money import allocate_minor
from ..ruleset import CompiledRule
from .choice import best_option, options_of
from .state import PricingState

Spread = list[tuple[CompiledRule, tuple[int, ...], list[int]]]


def apply_order_discounts(state: PricingState, rules: Iterable[CompiledRule]) -> None:
    """Chosen among themselves as line discounts are (stack if all combinable, else the best
    option), each taking its amount off what its lines hold after line discounts."""
    candidates = [rule for rule in rules if state.qualifies(rule) is not None]
    if not candidates:
        return
    left = [
        state.unit[position] * (state.quantity[position] - state.bundled[position]) - state.line_discount[position]
        for position in range(len(state.lines))
    ]

    def total_of(option: list[CompiledRule]) -> tuple[int, Spread | None]:
        if len(option) == 1:  # alone, a rule takes its amount or all its lines hold: no need to spread yet
            rule = option[0]
            return min(state.amount_of(rule), sum(left[position] for position in state.eligible(rule))), None
        return _spread(state, option, list(left))

    chosen, spreads = best_option(options_of(candidates), total_of)
    if spreads is None:
        _, spreads = _spread(state, chosen, left)
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


def _spread(state: PricingState, rules: list[CompiledRule], left: list[int]) -> tuple[int, Spread]:
    """Take each rule's amount off its lines in turn (SPEC §2 step 5, to the letter): weighted
    by what each line held after step 4, never more than it still holds; ``left`` is updated."""
    after_line_discounts = list(left)
    spreads: Spread = []
    total = 0
    for rule in rules:
        lines = state.eligible(rule)
        held = [left[position] for position in lines]
        amount = min(state.amount_of(rule), sum(held))
        shares = _capped_shares(amount, [after_line_discounts[position] for position in lines], held)
        for position, share in zip(lines, shares):
            left[position] -= share
        spreads.append((rule, lines, shares))
        total += amount
    return total, spreads


def _capped_shares(amount: int, weights: list[int], held: list[int]) -> list[int]:
    """Split ``amount`` by ``weights`` (largest remainder); a share above what its line holds
    is cut to it and the excess re-spread, by the same weights, over the lines with room left."""
    shares = allocate_minor(amount, weights)
    while excess := sum(max(share - room, 0) for share, room in zip(shares, held)):
        shares = [min(share, room) for share, room in zip(shares, held)]
        open_lines = [index for index, share in enumerate(shares) if share < held[index]]
        extra = allocate_minor(excess, [weights[index] for index in open_lines])
        for index, part in zip(open_lines, extra):
            shares[index] += part
    return shares
