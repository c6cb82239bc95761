"""Stage 3: bundle rules form complete sets from units no other bundle has taken."""

from __future__ import annotations

from collections.abc import Iterable

from ..money import allocate_minor
from ..ruleset import CompiledRule
from .state import PricingState, percent_of


def apply_bundles(state: PricingState, rules: Iterable[CompiledRule]) -> None:
    """Each live bundle rule in rule order takes its sets from the units still free."""
    free = [quantity - bundled for quantity, bundled in zip(state.quantity, state.bundled)]
    for rule in rules:
        _form_sets(state, rule, free)
    state.bundled = [quantity - left for quantity, left in zip(state.quantity, free)]


def _component_lines(state: PricingState, rule: CompiledRule) -> list[list[int]]:
    """For each component, its matching eligible lines, dearest unit price first, then line order."""
    eligible = state.eligible(rule)
    allowed = None if len(eligible) == len(state.lines) else frozenset(eligible)
    rank = state.price_rank()
    component_lines = []
    for matcher, _ in rule.components:
        matching = state.lines_matching(matcher.products, matcher.categories)
        if allowed is not None:
            matching = [position for position in matching if position in allowed]
        component_lines.append(sorted(matching, key=rank.__getitem__))
    return component_lines


def _form_sets(state: PricingState, rule: CompiledRule, free: list[int]) -> None:
    """As many sets as the free units allow, each priced at fixed_price or percent off.

    Components are filled in the order listed. A set that would cost more than its units
    is not formed (SPEC §2), and no set after it either; one costing exactly its units is
    formed, saving nothing, and its units are bundled. The set's saving is spread
    over its lines in proportion to the price of the units each gave (largest remainder).
    Identical consecutive sets are formed in one step, as forming them one by one would.
    """
    component_lines = _component_lines(state, rule)
    if not any(component_lines):
        state.note(rule, "no_lines")
        return
    if not rule.rule.conditions.empty:
        touched = tuple(sorted({position for matching in component_lines for position in matching}))
        unmet = state.unmet_condition(rule, touched)
        if unmet is not None:
            state.note(rule, unmet[0], *unmet[1:])
            return
    wanted = [(needed, matching) for (_, needed), matching in zip(rule.components, component_lines)]
    for number, (needed, matching) in enumerate(wanted, 1):
        if sum(free[position] for position in matching) < needed:
            state.note(rule, "incomplete", number)  # not even one set, whatever the overlaps
            return
    unit = state.unit
    fixed_price = None if rule.percent is not None else state.amount_of(rule)
    sets_formed = 0
    savings: dict[int, int] = {}
    no_saving: tuple[int, int] | None = None
    while True:
        taken: dict[int, int] = {}
        short = 0
        for number, (needed, matching) in enumerate(wanted, 1):
            for position in matching:
                available = free[position]
                if available:
                    take = available if available < needed else needed
                    free[position] = available - take
                    taken[position] = taken.get(position, 0) + take
                    needed -= take
                    if not needed:
                        break
            if needed:
                short = number
                break
        parts = sorted(taken)
        weights = [unit[position] * taken[position] for position in parts]
        worth = sum(weights)
        saving = 0
        if not short:
            saving = percent_of(worth, rule.percent) if fixed_price is None else worth - fixed_price
            if saving < 0:
                no_saving = (worth, worth - saving)
        if short or saving < 0:
            for position, count in taken.items():
                free[position] += count  # the units go back: this set is not formed
            if short and not sets_formed:
                state.note(rule, "incomplete", short)
            break
        repeat = 1 + min(free[position] // taken[position] for position in parts)
        for position, share in zip(parts, allocate_minor(saving, weights)):
            free[position] -= taken[position] * (repeat - 1)
            savings[position] = savings.get(position, 0) + share * repeat
        sets_formed += repeat
    for position in sorted(savings):
        if savings[position]:
            state.bundle_discount[position] += savings[position]
            state.adjust(position, rule, -savings[position])
    if sets_formed:
        state.note(rule, "sets", sets_formed)
    if no_saving is not None:
        state.note(rule, "no_more_sets" if sets_formed else "no_saving", *no_saving)
