"""The working state one evaluation threads through its stages, in integer minor units."""

from __future__ import annotations

from typing import Any

from ..model import Cart
from ..money import minor_digits, to_minor
from ..ruleset import CompiledRule

#: A trace event: (rule position, code, details); rendered into words only when asked.
Event = tuple[int, str, tuple[Any, ...]]


class PricingState:
    """Per-line prices and discounts as plain ints, so stages do exact integer arithmetic.

    Mutable on purpose and private to one evaluation: the result handed out is frozen.
    """

    __slots__ = (
        "adjustments", "applied", "base", "bundle_discount", "bundled", "currency", "digits",
        "events", "gifts", "increased_by", "line_discount", "lines", "order_discount",
        "quantity", "unit", "_all_lines", "_by_category", "_by_product", "_eligible",
    )

    def __init__(self, cart: Cart) -> None:
        lines = cart.lines
        self.currency = cart.currency
        self.digits = minor_digits(cart.currency)
        self.lines = lines
        self.base = [line.base_minor for line in lines]
        self.quantity = [line.quantity for line in lines]
        self.unit = list(self.base)
        self.increased_by: list[CompiledRule | None] = [None] * len(lines)
        self.bundled = [0] * len(lines)
        self.bundle_discount = [0] * len(lines)
        self.line_discount = [0] * len(lines)
        self.order_discount = [0] * len(lines)
        #: Per line: rule position -> [rule, signed amount]; insertion order is stage order.
        self.adjustments: list[dict[int, list[Any]]] = [{} for _ in lines]
        self.applied: set[int] = set()
        self.gifts: list[tuple[CompiledRule, int]] = []
        self.events: list[Event] = []
        self._all_lines = tuple(range(len(lines)))
        self._by_product: dict[str, list[int]] | None = None
        self._by_category: dict[str, list[int]] | None = None
        self._eligible: dict[int, tuple[int, ...]] = {}

    def money(self, amount: Any) -> int:
        """A rule's Decimal amount in this cart's minor units, rounded half-up."""
        return to_minor(amount, self.currency)

    def note(self, rule: CompiledRule, code: str, *details: Any) -> None:
        self.events.append((rule.index, code, details))

    def adjust(self, line: int, rule: CompiledRule, amount: int) -> None:
        """Record a non-zero change to a line, one adjustment per rule and line."""
        entry = self.adjustments[line].get(rule.index)
        if entry is None:
            self.adjustments[line][rule.index] = [rule, amount]
        else:
            entry[1] += amount
        self.applied.add(rule.index)

    def free_units(self, line: int) -> int:
        """Units not taken by a bundle: the only ones line and order discounts may touch."""
        return self.quantity[line] - self.bundled[line]

    def _index(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        if self._by_product is None or self._by_category is None:
            by_product: dict[str, list[int]] = {}
            by_category: dict[str, list[int]] = {}
            for position, line in enumerate(self.lines):
                by_product.setdefault(line.product_id, []).append(position)
                for category in line.category_set:
                    by_category.setdefault(category, []).append(position)
            self._by_product, self._by_category = by_product, by_category
        return self._by_product, self._by_category

    def eligible(self, rule: CompiledRule) -> tuple[int, ...]:
        """Positions of the lines the rule's ``applies_to`` takes in, in line order (cached)."""
        found = self._eligible.get(rule.index)
        if found is not None:
            return found
        if not rule.products and not rule.categories:
            found = self._all_lines
        elif len(rule.products) + len(rule.categories) > len(self.lines):
            products, categories = rule.products, rule.categories
            found = tuple(
                position
                for position, line in enumerate(self.lines)
                if line.product_id in products or not line.category_set.isdisjoint(categories)
            )
        else:
            by_product, by_category = self._index()
            hits: set[int] = set()
            for product in rule.products:
                hits.update(by_product.get(product, ()))
            for category in rule.categories:
                hits.update(by_category.get(category, ()))
            found = tuple(sorted(hits))
        if rule.exclude_products or rule.exclude_categories:
            lines = self.lines
            found = tuple(position for position in found if not rule.excludes(lines[position]))
        self._eligible[rule.index] = found
        return found

    def unmet_condition(self, rule: CompiledRule, lines: tuple[int, ...]) -> tuple[Any, ...] | None:
        """Why the rule's conditions fail over ``lines`` at base prices, or None when they hold."""
        conditions = rule.rule.conditions
        if conditions.min_subtotal is not None:
            needed = self.money(conditions.min_subtotal)
            base, quantity = self.base, self.quantity
            subtotal = sum(base[position] * quantity[position] for position in lines)
            if subtotal < needed:
                return ("min_subtotal", subtotal, needed)
        if conditions.min_quantity:
            quantity = self.quantity
            units = sum(quantity[position] for position in lines)
            if units < conditions.min_quantity:
                return ("min_quantity", units, conditions.min_quantity)
        return None

    def qualifies(self, rule: CompiledRule) -> tuple[int, ...] | None:
        """The rule's eligible lines when there are some and its conditions hold; else None (noted)."""
        lines = self.eligible(rule)
        if not lines:
            self.note(rule, "no_lines")
            return None
        if not rule.rule.conditions.empty:
            unmet = self.unmet_condition(rule, lines)
            if unmet is not None:
                self.note(rule, unmet[0], *unmet[1:])
                return None
        return lines


def percent_of(amount: int, fraction: tuple[int, int]) -> int:
    """``amount × fraction`` rounded half-up, exactly, for a non-negative amount."""
    numerator, denominator = fraction
    return (2 * amount * numerator + denominator) // (2 * denominator)
