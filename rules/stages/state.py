"""The working state one evaluation threads through its stages, in integer minor units."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..model import Cart
from ..money import minor_fraction
from ..ruleset import CompiledRule

#: A trace event: (rule position, code, details); rendered into words only when asked.
Event = tuple[int, str, tuple[Any, ...]]

#: A line where line discounts competed: (line position, the winning option's (rule, part)s).
LostOnLine = tuple[int, list[tuple[CompiledRule, int]]]


class PricingState:
    """Per-line prices and discounts as plain ints, so stages do exact integer arithmetic.

    Mutable on purpose and private to one evaluation: the result handed out is frozen.
    """

    __slots__ = (
        "adjustments", "applied", "base", "base_totals", "bundle_discount", "bundled", "bundled_out",
        "currency", "events", "gifts", "increased_by", "line_candidates", "line_discount", "lines", "lost",
        "order_discount", "quantity", "unit", "_all_lines", "_by_category", "_by_product",
        "_cart_base_subtotal", "_cart_units", "_eligible", "_price_rank",
    )

    def __init__(self, cart: Cart) -> None:
        lines = cart.lines
        self.currency = cart.currency
        self.lines = lines
        self.base = [line.base_minor for line in lines]
        self.quantity = [line.quantity for line in lines]
        self.unit = list(self.base)
        #: base × quantity per line, and over the whole cart: what conditions and triggers measure.
        self.base_totals = [base * quantity for base, quantity in zip(self.base, self.quantity)]
        self._cart_base_subtotal = sum(self.base_totals)
        self._cart_units = sum(self.quantity)
        self.increased_by: list[CompiledRule | None] = [None] * len(lines)
        self.bundled = [0] * len(lines)
        self.bundle_discount = [0] * len(lines)
        self.line_discount = [0] * len(lines)
        self.order_discount = [0] * len(lines)
        #: Per line, in stage order: ((rule id, name, kind), signed amount), one per rule.
        self.adjustments: list[list[tuple[tuple[str, str, str], int]]] = [[] for _ in lines]
        self.applied: set[int] = set()
        self.gifts: list[tuple[CompiledRule, int]] = []
        self.events: list[Event] = []
        #: Line discounts whose lines and conditions qualified, with their eligible lines.
        self.line_candidates: list[tuple[CompiledRule, tuple[int, ...]]] = []
        #: Where line discounts competed, so the trace can say who lost to whom.
        self.lost: list[LostOnLine] = []
        #: Lines with line discount candidates whose every unit is in a bundle.
        self.bundled_out: list[int] = []
        self._all_lines = tuple(range(len(lines)))
        self._by_product: dict[str, list[int]] | None = None
        self._by_category: dict[str, list[int]] | None = None
        self._eligible: dict[int, tuple[int, ...]] = {}
        self._price_rank: list[int] | None = None

    def threshold(self, amount: Decimal) -> tuple[int, int]:
        """A ``min_subtotal`` in this cart's minor units, exact as (numerator, denominator): rounded,
        ``"49.994"`` would become 49.99 and a subtotal of 49.99 would wrongly reach it."""
        return minor_fraction(amount, self.currency)

    def amount_of(self, rule: CompiledRule) -> int:
        """The rule's fixed amount or set price in this cart's minor units."""
        return rule.minor_amount(self.currency)

    def note(self, rule: CompiledRule, code: str, *details: Any) -> None:
        self.events.append((rule.index, code, details))

    def adjust(self, line: int, rule: CompiledRule, amount: int) -> None:
        """Record a rule's whole, non-zero change to a line (callers add up their parts first)."""
        self.adjustments[line].append((rule.label, amount))
        self.applied.add(rule.index)

    def _build_index(self) -> None:
        by_product: dict[str, list[int]] = {}
        by_category: dict[str, list[int]] = {}
        for position, line in enumerate(self.lines):
            by_product.setdefault(line.product_id, []).append(position)
            for category in line.category_set:
                by_category.setdefault(category, []).append(position)
        self._by_product, self._by_category = by_product, by_category

    def lines_matching(self, products: frozenset[str], categories: frozenset[str]) -> tuple[int, ...]:
        """Positions of the lines whose product is listed or any category is; all when none are."""
        if not products and not categories:
            return self._all_lines
        if len(products) + len(categories) > len(self.lines):
            lines = self.lines
            return tuple(
                position
                for position, line in enumerate(lines)
                if line.product_id in products or not line.category_set.isdisjoint(categories)
            )
        if self._by_product is None:
            self._build_index()
        by_product, by_category = self._by_product, self._by_category
        assert by_product is not None and by_category is not None
        hits: set[int] = set()
        for product in products:
            found = by_product.get(product)
            if found:
                hits.update(found)
        for category in categories:
            found = by_category.get(category)
            if found:
                hits.update(found)
        return tuple(sorted(hits))

    def eligible(self, rule: CompiledRule) -> tuple[int, ...]:
        """Positions of the lines the rule's ``applies_to`` takes in, in line order (cached)."""
        found = self._eligible.get(rule.index)
        if found is None:
            found = self.lines_matching(rule.products, rule.categories)
            if rule.exclude_products or rule.exclude_categories:
                excluded = self.lines_matching(rule.exclude_products, rule.exclude_categories)
                if excluded and found:
                    dropped = frozenset(excluded)
                    found = tuple([position for position in found if position not in dropped])
            self._eligible[rule.index] = found
        return found

    def price_rank(self) -> list[int]:
        """Each line's place when lines are ordered by unit price, dearest first, then line order.

        Bundles fill components in this order; unit prices no longer change after stage 2.
        """
        rank = self._price_rank
        if rank is None:
            unit = self.unit
            order = sorted(range(len(unit)), key=lambda position: (-unit[position], position))
            rank = [0] * len(order)
            for place, position in enumerate(order):
                rank[position] = place
            self._price_rank = rank
        return rank

    def base_subtotal(self, lines: tuple[int, ...]) -> int:
        """Σ base × quantity over ``lines``."""
        if lines is self._all_lines:
            return self._cart_base_subtotal
        base_totals = self.base_totals
        return sum([base_totals[position] for position in lines])

    def units(self, lines: tuple[int, ...]) -> int:
        """Σ quantity over ``lines``."""
        if lines is self._all_lines:
            return self._cart_units
        quantity = self.quantity
        return sum([quantity[position] for position in lines])

    def unmet_condition(self, rule: CompiledRule, lines: tuple[int, ...]) -> tuple[Any, ...] | None:
        """Why the rule's conditions fail over ``lines`` at base prices, or None when they hold."""
        conditions = rule.rule.conditions
        if conditions.min_subtotal is not None:
            numerator, denominator = self.threshold(conditions.min_subtotal)
            subtotal = self.base_subtotal(lines)
            if subtotal * denominator < numerator:
                return ("min_subtotal", subtotal, least_reaching(numerator, denominator))
        if conditions.min_quantity:
            units = self.units(lines)
            if units < conditions.min_quantity:
                return ("min_quantity", units, conditions.min_quantity)
        return None

    def conditions_hold(self, rule: CompiledRule) -> bool:
        """Whether the rule's conditions hold over its eligible lines (which may be none); why not
        is noted. A rule without conditions never looks for its lines here."""
        if rule.rule.conditions.empty:
            return True
        unmet = self.unmet_condition(rule, self.eligible(rule))
        if unmet is not None:
            self.note(rule, unmet[0], *unmet[1:])
            return False
        return True

    def qualifies(self, rule: CompiledRule) -> tuple[int, ...] | None:
        """The rule's eligible lines when there are some and its conditions hold; else None (noted)."""
        lines = self.eligible(rule)
        if not lines:
            self.note(rule, "no_lines")
            return None
        return lines if self.conditions_hold(rule) else None


def least_reaching(numerator: int, denominator: int) -> int:
    """The smallest whole number of minor units at least ``numerator / denominator``: what a
    subtotal must be to reach a threshold finer than the currency (and what the trace shows)."""
    return -(-numerator // denominator)


def percent_of(amount: int, fraction: tuple[int, int]) -> int:
    """``amount × fraction`` rounded half-up, exactly, for a non-negative amount."""
    numerator, denominator = fraction
    return (2 * amount * numerator + denominator) // (2 * denominator)
