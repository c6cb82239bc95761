"""How discounts compete within a stage: stack the combinable ones, or pick the best option."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from ..ruleset import CompiledRule

Outcome = TypeVar("Outcome")


def options_of(candidates: Sequence[CompiledRule]) -> list[list[CompiledRule]]:
    """All candidates stacked when every one is combinable; otherwise each non-combinable
    candidate alone plus the stack of the combinable ones. Options come in the order of
    their first rule, which is how ties are broken."""
    if all(candidate.rule.combinable for candidate in candidates):
        return [list(candidates)]
    stack = [candidate for candidate in candidates if candidate.rule.combinable]
    options = [[candidate] for candidate in candidates if not candidate.rule.combinable]
    if stack:
        options.append(stack)
    options.sort(key=lambda option: option[0].index)
    return options


def best_option(
    options: list[list[CompiledRule]],
    outcome_of: Callable[[list[CompiledRule]], tuple[int, Outcome]],
) -> tuple[list[CompiledRule], Outcome]:
    """The option with the largest total discount; a tie keeps the earlier option."""
    best_rules = options[0]
    best_total, best_outcome = outcome_of(best_rules)
    for option in options[1:]:
        total, outcome = outcome_of(option)
        if total > best_total:
            best_rules, best_total, best_outcome = option, total, outcome
    return best_rules, best_outcome
