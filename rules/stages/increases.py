"""Stage 2: the first live increase rule a line is eligible for sets its unit price."""

from __future__ import annotations

from collections.abc import Iterable

from ..ruleset import CompiledRule
from .state import PricingState, percent_of


def apply_increases(state: PricingState, rules: Iterable[CompiledRule]) -> None:
    """One increase per line, in rule order; every later stage works on the new unit price."""
    base, unit, quantity, increased_by = state.base, state.unit, state.quantity, state.increased_by
    for rule in rules:
        lines = state.qualifies(rule)
        if lines is None:
            continue
        fixed = None if rule.percent is not None else state.amount_of(rule)
        for position in lines:
            earlier = increased_by[position]
            if earlier is not None:
                state.events.append((rule.index, "already_increased", (position, earlier.index)))
                continue
            increased_by[position] = rule
            surcharge = percent_of(base[position], rule.percent) if fixed is None else fixed
            if surcharge:
                unit[position] = base[position] + surcharge
                state.adjust(position, rule, surcharge * quantity[position])
            else:
                state.note(rule, "no_change", position)
