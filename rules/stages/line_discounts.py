"""Stage 4: percent and fixed discounts on each line's units outside bundles."""

from __future__ import annotations

from collections.abc import Iterable

from ..ruleset import CompiledRule
from .state import PricingState, percent_of


def apply_line_discounts(state: PricingState, rules: Iterable[CompiledRule]) -> None:
    """Per line, the combinable candidates stack and each non-combinable one stands alone;
    the largest discount wins, a tie going to the option whose first rule is earlier.

    Rules are visited one at a time over all their lines (rules arrive in rule order), which
    keeps the inner loops tight; each line's options are then settled in one pass. A stacked
    fixed discount takes its amount off each unit but never more than is left, so after a
    percent it cannot push a line below zero. Percents round half-up in integer form:
    ``(2·a·n + d) // 2d`` for ``a × n/d``.
    """
    count = len(state.lines)
    units = [quantity - bundled for quantity, bundled in zip(state.quantity, state.bundled)]
    amount = [unit * free for unit, free in zip(state.unit, units)]
    left = list(amount)  # what the stack of combinable rules has left on each line
    stacks: list[list[tuple[CompiledRule, int]] | None] = [None] * count
    best_total = [-1] * count
    best_single: list[CompiledRule | None] = [None] * count
    for rule in rules:
        lines = state.qualifies(rule)
        if lines is None:
            continue
        state.line_candidates.append((rule, lines))
        if rule.combinable:
            for position, part in zip(lines, _stacked_parts(state, rule, lines, left, units)):
                left[position] -= part
                stack = stacks[position]
                if stack is None:
                    stacks[position] = [(rule, part)]
                else:
                    stack.append((rule, part))
        else:
            for position, total in zip(lines, _stacked_parts(state, rule, lines, amount, units)):
                if total > best_total[position]:
                    best_total[position] = total
                    best_single[position] = rule
    for position in range(count):
        stack, single = stacks[position], best_single[position]
        if stack is None and single is None:
            continue
        if not units[position]:
            state.bundled_out.append(position)
            continue
        if single is None:  # every candidate is combinable: the stack applies, nobody loses
            _apply(state, position, stack)  # type: ignore[arg-type]
            continue
        chosen = [(single, best_total[position])]
        if stack is not None:
            stack_total = amount[position] - left[position]
            if stack_total > best_total[position] or (
                stack_total == best_total[position] and stack[0][0].index < single.index
            ):
                chosen = stack
        state.lost.append((position, chosen))
        _apply(state, position, chosen)


def _stacked_parts(
    state: PricingState, rule: CompiledRule, lines: tuple[int, ...], amounts: list[int], units: list[int]
) -> list[int]:
    """The rule's discount on each of ``lines``, taken of ``amounts`` (the line amounts, or
    what a stack has left of them)."""
    if rule.percent is not None:
        numerator, denominator = rule.percent
        twice_numerator, twice_denominator = 2 * numerator, 2 * denominator
        return [(twice_numerator * amounts[position] + denominator) // twice_denominator for position in lines]
    numerator, denominator = rule.minor_fraction(state.currency)
    if denominator == 1:  # the amount fits the currency: min(amount, unit_price) × units, exactly
        return [
            numerator * units[position] if numerator * units[position] < amounts[position] else amounts[position]
            for position in lines
        ]
    # An amount finer than the currency ("99.5" off a JPY unit): min(amount, unit_price) per
    # unit, times the units, rounded half-up once for the line (SPEC §2 step 7: per line).
    unit = state.unit
    parts = []
    for position in lines:
        if numerator < unit[position] * denominator:
            part = percent_of(units[position], (numerator, denominator))
        else:
            part = unit[position] * units[position]
        parts.append(part if part < amounts[position] else amounts[position])
    return parts


def _apply(state: PricingState, position: int, chosen: list[tuple[CompiledRule, int]]) -> None:
    adjustments, applied = state.adjustments[position], state.applied
    for rule, part in chosen:
        if part:
            state.line_discount[position] += part
            adjustments.append((rule.label, -part))
            applied.add(rule.index)
        else:
            state.note(rule, "nothing_left", position)
