"""Stage 4: percent and fixed discounts on each line's units outside bundles."""

from __future__ import annotations

from collections.abc import Iterable

from ..ruleset import CompiledRule
from .choice import best_option, options_of
from .state import PricingState, percent_of


def apply_line_discounts(state: PricingState, rules: Iterable[CompiledRule]) -> None:
    candidates_by_line: list[list[CompiledRule]] = [[] for _ in state.lines]
    for rule in rules:
        lines = state.qualifies(rule)
        if lines is None:
            continue
        for position in lines:
            candidates_by_line[position].append(rule)
    for position, candidates in enumerate(candidates_by_line):
        if candidates:
            _discount_line(state, position, candidates)


def _stack(state: PricingState, amount: int, units: int, rules: list[CompiledRule]) -> tuple[int, list[int]]:
    """Apply ``rules`` one after another, each on what the one before left."""
    left = amount
    parts = []
    for rule in rules:
        if rule.percent is not None:
            part = percent_of(left, rule.percent)
        else:
            part = min(state.money(rule.rule.value.amount) * units, left)  # type: ignore[union-attr]
        parts.append(part)
        left -= part
    return amount - left, parts


def _discount_line(state: PricingState, position: int, candidates: list[CompiledRule]) -> None:
    units = state.free_units(position)
    if not units:
        for rule in candidates:
            state.note(rule, "all_bundled", position)
        return
    amount = state.unit[position] * units
    options = options_of(candidates)
    if len(options) == 1:
        chosen = options[0]
        _, parts = _stack(state, amount, units, chosen)
    else:
        chosen, parts = best_option(options, lambda option: _stack(state, amount, units, option))
        winner = chosen[0]
        for rule in candidates:
            if rule not in chosen:
                state.note(rule, "lost", position, winner.index)
    for rule, part in zip(chosen, parts):
        if part:
            state.line_discount[position] += part
            state.adjust(position, rule, -part)
        else:
            state.note(rule, "nothing_left", position)
