"""Stage 3: bundle rules form complete sets from units no other bundle has taken."""

from __future__ import annotations

from collections.abc import Iterable

from ..money import allocate_minor
from ..ruleset import CompiledRule
from .state import PricingState, percent_of


def apply_bundles(state: PricingState, rules: Iterable[CompiledRule]) -> None:
    for rule in rules:
        _form_sets(state, rule)


def _form_sets(state: PricingState, rule: CompiledRule) -> None:
    """As many sets as the free units allow, each priced at fixed_price or percent off.

    Components are filled in the order listed, each from its matching lines with the
    highest unit price first (then line order). Identical consecutive sets are formed
    in one step, which gives the same result as forming them one by one.
    """
    unit, quantity, bundled = state.unit, state.quantity, state.bundled
    eligible = state.eligible(rule)
    everything = len(eligible) == len(state.lines)
    allowed = None if everything else frozenset(eligible)
    component_lines = []
    for matcher, _ in rule.components:
        matching = list(state.lines_matching(matcher.products, matcher.categories))
        if allowed is not None:
            matching = [position for position in matching if position in allowed]
        matching.sort(key=lambda position: (-unit[position], position))
        component_lines.append(matching)
    touched = tuple(sorted({position for matching in component_lines for position in matching}))
    if not touched:
        state.note(rule, "no_lines")
        return
    if not rule.rule.conditions.empty:
        unmet = state.unmet_condition(rule, touched)
        if unmet is not None:
            state.note(rule, unmet[0], *unmet[1:])
            return
    fixed_price = None if rule.percent is not None else state.amount_of(rule)
    sets_formed = 0
    savings: dict[int, int] = {}
    while True:
        taken: dict[int, int] = {}
        for number, ((_, needed), matching) in enumerate(zip(rule.components, component_lines), 1):
            for position in matching:
                free = quantity[position] - bundled[position] - taken.get(position, 0)
                if free > 0:
                    take = min(free, needed)
                    taken[position] = taken.get(position, 0) + take
                    needed -= take
                    if not needed:
                        break
            if needed:
                if not sets_formed:
                    state.note(rule, "incomplete", number)
                break
        else:
            parts = sorted(taken)
            weights = [unit[position] * taken[position] for position in parts]
            worth = sum(weights)
            saving = percent_of(worth, rule.percent) if fixed_price is None else worth - fixed_price
            if saving <= 0:
                state.note(rule, "no_saving", worth, worth - saving)
                break
            repeat = min((quantity[position] - bundled[position]) // taken[position] for position in parts)
            for position, share in zip(parts, allocate_minor(saving, weights)):
                bundled[position] += taken[position] * repeat
                savings[position] = savings.get(position, 0) + share * repeat
            sets_formed += repeat
            continue
        break
    for position in sorted(savings):
        if savings[position]:
            state.bundle_discount[position] += savings[position]
            state.adjust(position, rule, -savings[position])
    if sets_formed:
        state.note(rule, "sets", sets_formed)
