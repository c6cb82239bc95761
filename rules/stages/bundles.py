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
    over its units in proportion to their prices (largest remainder, see ``_spread``).
    Identical consecutive sets are formed in one step, as forming them one by one would.
    When a line matches two components and this greedy fill stops for want of a unit while
    the units allow more sets, ``_most_sets_overlapping`` forms more. When it stops at a set
    that would cost more than its units, the greedy fill stands: that set is the one SPEC §2
    refuses, and the units are taken dearest first as it says.
    """
    component_lines = _component_lines(state, rule)
    if not any(component_lines):
        state.note(rule, "no_lines")
        return
    if not state.conditions_hold(rule):  # SPEC §2: over the eligible lines
        return
    wanted = [(needed, matching) for (_, needed), matching in zip(rule.components, component_lines)]
    for number, (needed, matching) in enumerate(wanted, 1):
        if sum(free[position] for position in matching) < needed:
            state.note(rule, "incomplete", number)  # not even one set, whatever the overlaps
            return
    trial = list(free) if _overlapping(component_lines) else free
    savings, sets_formed, no_saving, short = _greedy_sets(state, rule, trial, wanted)
    if trial is not free:
        found = _most_sets_overlapping(state, rule, free, wanted, sets_formed) if short else None
        if found is not None:
            _record(state, rule, *found)
            return
        free[:] = trial
    if short and not sets_formed:
        state.note(rule, "incomplete", short)
    _record(state, rule, savings, sets_formed, no_saving)


Sets = tuple[dict[int, int], int, "tuple[int, int] | None"]


def _greedy_sets(
    state: PricingState, rule: CompiledRule, free: list[int], wanted: list[tuple[int, list[int]]]
) -> tuple[dict[int, int], int, tuple[int, int] | None, int]:
    """Sets one after another, each component taking the dearest free units, until one is
    incomplete or would cost more than its units. Takes the units off ``free``; returns the
    savings per line, the sets formed, (worth, price) of a refused set and the number of the
    component an incomplete set lacked (0 when none did)."""
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
        worth = sum(unit[position] * taken[position] for position in parts)
        saving = 0
        if not short:
            saving = percent_of(worth, rule.percent) if fixed_price is None else worth - fixed_price
            if saving < 0:
                no_saving = (worth, worth - saving)
        if short or saving < 0:
            for position, count in taken.items():
                free[position] += count  # the units go back: this set is not formed
            return savings, sets_formed, no_saving, short
        repeat = 1 + min(free[position] // taken[position] for position in parts)
        for position, share in zip(parts, _spread(saving, parts, taken, unit)):
            free[position] -= taken[position] * (repeat - 1)
            savings[position] = savings.get(position, 0) + share * repeat
        sets_formed += repeat


def _spread(saving: int, parts: list[int], taken: dict[int, int], unit: list[int]) -> list[int]:
    """Each line's part of a set's saving: SPEC §2 spreads it over the set's units in proportion
    to their prices, so the cents left by rounding go unit by unit (ties to the earlier line)."""
    return allocate_minor(saving, [unit[position] for position in parts], [taken[position] for position in parts])


def _record(
    state: PricingState, rule: CompiledRule, savings: dict[int, int], sets_formed: int,
    no_saving: tuple[int, int] | None,
) -> None:
    """One adjustment per line for the rule's sets, and the trace's notes."""
    for position in sorted(savings):
        if savings[position]:
            state.bundle_discount[position] += savings[position]
            state.adjust(position, rule, -savings[position])
    if sets_formed:
        state.note(rule, "sets", sets_formed)
    if no_saving is not None:
        state.note(rule, "no_more_sets" if sets_formed else "no_saving", *no_saving)


#: Components beyond which overlapping ones keep the plain greedy fill (the search checks 2^n subsets).
MAX_OVERLAPPING_COMPONENTS = 6
#: Sets beyond which overlapping components keep the plain greedy fill (the search forms them one by one).
MAX_SETS_SEARCHED = 64
#: Steps (a component's line against a subset of components) the search may take per rule:
#: a few milliseconds at worst; small carts need a few hundred.
SEARCH_BUDGET = 100_000


def _overlapping(component_lines: list[list[int]]) -> bool:
    """Whether a line matches two components (a top that is also product p1, say)."""
    if len(component_lines) < 2:
        return False
    seen: set[int] = set()
    for matching in component_lines:
        if not seen.isdisjoint(matching):
            return len(component_lines) <= MAX_OVERLAPPING_COMPONENTS
        seen.update(matching)
    return False


def _most_sets_overlapping(
    state: PricingState, rule: CompiledRule, free: list[int], wanted: list[tuple[int, list[int]]],
    greedy: int,
) -> Sets | None:
    """When a line matches two components, filling each with its dearest units can use up a
    unit another component needed and form fewer sets than the units allow. SPEC §2 forms "as
    many complete sets as the not-yet-bundled units allow", and no set that would cost more
    than its units: this looks for more sets than the greedy fill's ``greedy``, from the most
    the free units could make (Hall's condition over every subset of components) down,
    keeping to the SPEC's fill order within that number (see ``_sets_of``). On success the
    units are taken off ``free`` and the sets returned; None leaves the greedy fill standing.
    """
    # Cheap bounds first: each component alone, and all of them over all their lines.
    union = {position for _, matching in wanted for position in matching}
    most = min(
        min(sum(free[position] for position in matching) // needed for needed, matching in wanted),
        sum(free[position] for position in union) // sum(needed for needed, _ in wanted),
    )
    if most <= greedy:
        return None
    # Per subset of components: its members, the units one set needs from them, and the
    # lines any of them match (which must hold those units).
    subsets = [
        (members, sum(wanted[c][0] for c in members), sorted({p for c in members for p in wanted[c][1]}))
        for members in _subsets(len(wanted))
    ]
    most = min(sum(free[position] for position in lines) // per_set for _, per_set, lines in subsets)
    if rule.percent is None:
        most = min(most, _most_worth_their_price(state, rule, free, wanted, most))
    if most <= greedy:
        return None
    if most > MAX_SETS_SEARCHED:
        return None  # hundreds of sets: the search would cost more than a checkout may
    # Work per set formed: each component's lines against each subset. The search stops
    # when the budget is spent (by count, not time, so the answer never varies).
    steps_per_set = len(subsets) * sum(len(matching) for _, matching in wanted)
    budget = SEARCH_BUDGET
    best: Sets | None = None
    best_free = free
    for target in range(most, greedy, -1):
        if best is not None and target <= best[1]:
            break  # no smaller target can form more sets than already found
        budget -= target * steps_per_set
        if budget < 0:
            break
        trial = list(free)
        found = _sets_of(state, rule, trial, wanted, subsets, target)
        if found[1] > (greedy if best is None else best[1]):
            best, best_free = found, trial
    if best is not None:
        free[:] = best_free
    return best


def _most_worth_their_price(
    state: PricingState, rule: CompiledRule, free: list[int], wanted: list[tuple[int, list[int]]], most: int,
) -> int:
    """At most how many sets at ``fixed_price`` could each be worth their price: k such sets are
    worth at least k × the price together, and at most what the dearest k × (units a set
    takes) free units are worth."""
    price = state.amount_of(rule)
    size = sum(needed for needed, _ in wanted)
    unit = state.unit
    lines = sorted({position for _, matching in wanted for position in matching}, key=lambda p: -unit[p])
    sets = worth = units = 0
    for position in lines:
        count = free[position]
        while count and sets < most:
            take = min(count, size * (sets + 1) - units)
            worth += unit[position] * take
            units += take
            count -= take
            if units == size * (sets + 1):
                if worth < price * (sets + 1):
                    return sets
                sets += 1
    return sets


Subsets = list[tuple[tuple[int, ...], int, list[int]]]


def _sets_of(
    state: PricingState, rule: CompiledRule, free: list[int], wanted: list[tuple[int, list[int]]],
    subsets: Subsets, target: int,
) -> tuple[dict[int, int], int, tuple[int, int] | None]:
    """Up to ``target`` sets, one at a time, each component in the order listed taking the dearest
    units (then the earlier line) that still leave ``target`` sets possible; stops at the first
    set that would cost more than its units. Takes the units off ``free``; returns the savings
    per line, the number of sets formed and (worth, price) of the refused set, if any.

    ``target`` sets stay possible while every subset of components needs no more units than
    its lines hold (Hall). Giving a component ``c`` units of line ``p`` leaves a subset holding
    ``c`` unchanged (its need and its supply drop alike) and takes them from each subset
    without ``c`` whose lines include ``p``: so the most ``p`` may give is the smallest slack
    of those subsets.
    """
    lines_of = [frozenset(lines) for _, _, lines in subsets]
    supply = [sum(free[position] for position in lines) for _, _, lines in subsets]
    unit = state.unit
    fixed_price = None if rule.percent is not None else state.amount_of(rule)
    savings: dict[int, int] = {}
    for formed in range(target):
        current = [needed for needed, _ in wanted]
        # what each subset must still find: the sets after this one, and this one's needs
        need = [(target - formed) * per_set for _, per_set, _ in subsets]
        taken: dict[int, int] = {}
        for number, (_, matching) in enumerate(wanted):
            others = [
                index for index, (members, _, _) in enumerate(subsets) if number not in members
            ]
            for position in matching:
                if not current[number]:
                    break
                most = min(free[position], current[number])
                for index in others:
                    if position in lines_of[index] and supply[index] - need[index] < most:
                        most = supply[index] - need[index]
                if most <= 0:
                    continue
                free[position] -= most
                current[number] -= most
                taken[position] = taken.get(position, 0) + most
                for index, (members, _, _) in enumerate(subsets):
                    if position in lines_of[index]:
                        supply[index] -= most
                    if number in members:
                        need[index] -= most
        parts = sorted(taken)
        worth = sum(unit[position] * taken[position] for position in parts)
        saving = percent_of(worth, rule.percent) if fixed_price is None else worth - fixed_price
        if saving < 0:
            for position, count in taken.items():
                free[position] += count  # the units go back: this set is not formed
            return savings, formed, (worth, worth - saving)
        for position, share in zip(parts, _spread(saving, parts, taken, unit)):
            savings[position] = savings.get(position, 0) + share
    return savings, target, None


def _subsets(count: int) -> list[tuple[int, ...]]:
    """Every non-empty subset of ``range(count)``, as sorted tuples."""
    return [tuple(c for c in range(count) if mask >> c & 1) for mask in range(1, 1 << count)]
