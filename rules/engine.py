"""``evaluate``: rules, cart, the customer's groups and a moment in, a priced cart out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from .model import Cart, Rule
from .result import Adjustment, GiftLine, PricedCart, PricedLine
from .ruleset import CompiledRule, Ruleset, compile_rules
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
    targeted = ruleset.for_groups(customer_groups)
    live = [compiled for compiled in targeted if _is_live(compiled.rule, moment)]

    stages = _by_stage(live)
    state = PricingState(cart)
    apply_increases(state, stages["increase"])
    apply_bundles(state, stages["bundle"])
    apply_line_discounts(state, stages["line_discount"])
    apply_order_discounts(state, stages["order_discount"])
    apply_gifts(state, stages["gift"])

    return _priced(state, ruleset, targeted, moment)


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


def _is_live(rule: Rule, now: datetime) -> bool:
    return rule.enabled and rule.is_live_at(now)


def _by_stage(rules: list[CompiledRule]) -> dict[str, list[CompiledRule]]:
    """Live rules split by the stage that runs them, each list still in rule order."""
    stages: dict[str, list[CompiledRule]] = {
        "increase": [], "bundle": [], "line_discount": [], "order_discount": [], "gift": []
    }
    for compiled in rules:
        rule = compiled.rule
        if rule.kind == "discount":
            order_wide = rule.value is not None and rule.value.type == "order_fixed"
            stages["order_discount" if order_wide else "line_discount"].append(compiled)
        else:
            stages[rule.kind].append(compiled)
    return stages


def _priced(state: PricingState, ruleset: Ruleset, targeted: list[CompiledRule], now: datetime) -> PricedCart:
    currency = state.currency
    lines = []
    for position, line in enumerate(state.lines):
        adjustments = tuple(
            Adjustment(rule.rule.id, rule.rule.name, rule.rule.kind, amount, currency)
            for rule, amount in state.adjustments[position].values()
        )
        lines.append(
            PricedLine(
                id=line.id,
                quantity=line.quantity,
                currency=currency,
                base_unit_minor=state.base[position],
                unit_minor=state.unit[position],
                discount_minor=state.bundle_discount[position]
                + state.line_discount[position]
                + state.order_discount[position],
                adjustments=adjustments,
            )
        )
    gifts = tuple(
        GiftLine(rule.rule.gift.product_id, rule.rule.gift.name, quantity, rule.rule.id, currency)  # type: ignore[union-attr]
        for rule, quantity in state.gifts
    )
    rules = ruleset.rules
    return PricedCart(
        currency=currency,
        lines=tuple(lines),
        gifts=gifts,
        applied_rules=tuple(rules[position].rule.id for position in sorted(state.applied)),
        explain=Explanation(
            ruleset=ruleset,
            candidates=frozenset(compiled.index for compiled in targeted),
            now=now,
            currency=currency,
            line_ids=tuple(line.id for line in state.lines),
            events=tuple(state.events),
        ),
    )
