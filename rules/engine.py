"""``evaluate``: rules, cart, the customer's groups and a moment in, a priced cart out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from .model import Cart, Rule
from .result import GiftLine, PricedCart
from .ruleset import CompiledRule, Ruleset, compile_rules, epoch_microseconds
from .stages.bundles import apply_bundles
from .stages.gifts import apply_gifts
from .stages.increases import apply_increases
from .stages.line_discounts import apply_line_discounts
from .stages.order_discounts import apply_order_discounts
from .stages.state import PricingState
from .trace import Explanation


def evaluate(
    ruleset_or_rules: Ruleset | Iterable[Rule],
    cart: Cart,
    groups: Iterable[str] | None = None,
    now: datetime | None = None,
) -> PricedCart:
    """Price ``cart`` for a customer in ``groups`` at ``now``, running SPEC §2's stages in order.

    ``groups`` defaults to the cart's groups and ``now`` to the cart's, else the clock. A pure
    function: same arguments, same result.
    """
    ruleset = ruleset_or_rules if isinstance(ruleset_or_rules, Ruleset) else compile_rules(ruleset_or_rules)
    customer_groups = _groups(cart, groups)
    moment = _moment(cart, now)
    selection = ruleset.select(customer_groups)
    now_us = epoch_microseconds(moment)

    def live(rules: tuple[CompiledRule, ...]) -> list[CompiledRule]:
        return [compiled for compiled in rules if compiled.is_live_at(now_us)]

    state = PricingState(cart)
    apply_increases(state, live(selection.increases))
    apply_bundles(state, live(selection.bundles))
    apply_line_discounts(state, live(selection.line_discounts))
    apply_order_discounts(state, live(selection.order_discounts))
    apply_gifts(state, live(selection.gifts))

    return _priced(state, ruleset, selection.targeted, moment)


def _groups(cart: Cart, groups: Iterable[str] | None) -> frozenset[str]:
    if groups is None:
        groups = cart.groups
    if groups is None:
        raise ValueError("no customer groups: pass groups= or give the cart its groups")
    if isinstance(groups, str):
        raise TypeError("groups must be a collection of group keys, not one string")
    return frozenset(groups)


def _moment(cart: Cart, now: datetime | None) -> datetime:
    moment = now if now is not None else cart.now if cart.now is not None else datetime.now(timezone.utc)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("now must be timezone-aware: rule windows are instants")
    return moment


def _priced(
    state: PricingState, ruleset: Ruleset, targeted: tuple[CompiledRule, ...], now: datetime
) -> PricedCart:
    currency = state.currency
    discounts = [
        bundle + line + order
        for bundle, line, order in zip(state.bundle_discount, state.line_discount, state.order_discount)
    ]
    rows = tuple(
        zip(
            [line.id for line in state.lines],
            state.quantity,
            state.base,
            state.unit,
            discounts,
            map(tuple, state.adjustments),
        )
    )
    gifts = tuple(
        GiftLine(rule.rule.gift.product_id, rule.rule.gift.name, quantity, rule.rule.id, currency)  # type: ignore[union-attr]
        for rule, quantity in state.gifts
    )
    rules = ruleset.rules
    return PricedCart(
        currency=currency,
        rows=rows,
        gifts=gifts,
        applied_rules=tuple(rules[position].rule.id for position in sorted(state.applied)),
        explain=Explanation(
            ruleset=ruleset,
            candidates=frozenset(compiled.index for compiled in targeted),
            now=now,
            currency=currency,
            line_ids=tuple(line.id for line in state.lines),
            events=tuple(state.events),
            line_candidates=tuple(state.line_candidates),
            lost=tuple(state.lost),
            bundled_out=tuple(state.bundled_out),
        ),
    )
