"""The priced cart: frozen lines, adjustments, gifts and totals, and its JSON form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .money import Money, format_minor, minor_formatter

# Amounts are kept as exact integers in the currency's minor unit (cents for EUR, yen for
# JPY): building thousands of Decimals per checkout would cost more than the pricing itself.
# Every amount is also offered as Money through a property.


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One rule's change to one line: negative for discounts, positive for increases."""

    rule_id: str
    rule_name: str
    kind: str
    amount_minor: int
    currency: str

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "kind": self.kind,
            "amount": format_minor(self.amount_minor, self.currency),
        }


#: A priced line as evaluate leaves it: (id, quantity, base unit, unit, discount, adjustments),
#: amounts in minor units, each adjustment ((rule_id, rule_name, kind), signed amount).
LineRow = tuple[str, int, int, int, int, tuple[tuple[tuple[str, str, str], int], ...]]


def _line_json(row: LineRow, currency: str) -> dict[str, Any]:
    line_id, quantity, base, unit, discount, adjustments = row
    text = minor_formatter(currency)
    return {
        "id": line_id,
        "quantity": quantity,
        "base_unit_price": text(base),
        "unit_price": text(unit),
        "subtotal": text(base * quantity),
        "discount": text(discount),
        "total": text(unit * quantity - discount),
        "adjustments": [
            {"rule_id": rule_id, "rule_name": rule_name, "kind": kind, "amount": text(amount)}
            for (rule_id, rule_name, kind), amount in adjustments
        ],
    }


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A cart line after pricing; ``subtotal`` is at base prices, like the cart's."""

    id: str
    quantity: int
    currency: str
    base_unit_minor: int
    unit_minor: int
    discount_minor: int
    adjustments: tuple[Adjustment, ...]

    @classmethod
    def from_row(cls, row: LineRow, currency: str) -> PricedLine:
        line_id, quantity, base, unit, discount, adjustments = row
        return cls(
            line_id, quantity, currency, base, unit, discount,
            tuple(Adjustment(rule_id, name, kind, amount, currency) for (rule_id, name, kind), amount in adjustments),
        )

    @property
    def subtotal_minor(self) -> int:
        return self.base_unit_minor * self.quantity

    @property
    def total_minor(self) -> int:
        return self.unit_minor * self.quantity - self.discount_minor

    @property
    def base_unit_price(self) -> Money:
        return Money.from_minor(self.base_unit_minor, self.currency)

    @property
    def unit_price(self) -> Money:
        return Money.from_minor(self.unit_minor, self.currency)

    @property
    def subtotal(self) -> Money:
        return Money.from_minor(self.subtotal_minor, self.currency)

    @property
    def discount(self) -> Money:
        return Money.from_minor(self.discount_minor, self.currency)

    @property
    def total(self) -> Money:
        return Money.from_minor(self.total_minor, self.currency)

    def to_json(self) -> dict[str, Any]:
        adjustments = tuple(((a.rule_id, a.rule_name, a.kind), a.amount_minor) for a in self.adjustments)
        row = (self.id, self.quantity, self.base_unit_minor, self.unit_minor, self.discount_minor, adjustments)
        return _line_json(row, self.currency)


@dataclass(frozen=True, slots=True)
class GiftLine:
    """A free line; gifts add nothing to the totals."""

    product_id: str
    name: str
    quantity: int
    rule_id: str
    currency: str

    def to_json(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "name": self.name,
            "quantity": self.quantity,
            "unit_price": format_minor(0, self.currency),
            "rule_id": self.rule_id,
        }


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """Why one rule did or did not apply, e.g. "VIP 20% skipped: subtotal below 50.00 EUR"."""

    rule_id: str
    rule_name: str
    applied: bool
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "applied": self.applied,
            "message": self.message,
        }


@dataclass(frozen=True)
class PricedCart:
    """What ``evaluate`` returns; the API, the CLI and the admin's simulate page all render it.

    Lines are kept as plain rows and turned into ``PricedLine`` objects only when read:
    the checkout endpoint goes straight to JSON and never pays for them.
    """

    currency: str
    rows: tuple[LineRow, ...] = field(repr=False)
    gifts: tuple[GiftLine, ...]
    applied_rules: tuple[str, ...]
    explain: Callable[[PricedCart], tuple[TraceEntry, ...]] = field(repr=False, compare=False)

    @cached_property
    def lines(self) -> tuple[PricedLine, ...]:
        return tuple(PricedLine.from_row(row, self.currency) for row in self.rows)

    @property
    def trace(self) -> tuple[TraceEntry, ...]:
        """One entry per rule of the ruleset, in rule order; worded only when asked for."""
        return self.explain(self)

    def totals_minor(self) -> tuple[int, int, int, int]:
        """SPEC §2's subtotal, surcharge_total, discount_total and total, in minor units, from one
        pass over the lines (the checkout writes all four for every answer)."""
        subtotal = surcharge = discount = 0
        for _line_id, quantity, base, unit, line_discount, _adjustments in self.rows:
            subtotal += base * quantity
            surcharge += (unit - base) * quantity
            discount += line_discount
        return subtotal, surcharge, discount, subtotal + surcharge - discount

    @property
    def subtotal_minor(self) -> int:
        return self.totals_minor()[0]

    @property
    def surcharge_total_minor(self) -> int:
        return self.totals_minor()[1]

    @property
    def discount_total_minor(self) -> int:
        return self.totals_minor()[2]

    @property
    def total_minor(self) -> int:
        return self.totals_minor()[3]

    @property
    def subtotal(self) -> Money:
        return Money.from_minor(self.subtotal_minor, self.currency)

    @property
    def surcharge_total(self) -> Money:
        return Money.from_minor(self.surcharge_total_minor, self.currency)

    @property
    def discount_total(self) -> Money:
        return Money.from_minor(self.discount_total_minor, self.currency)

    @property
    def total(self) -> Money:
        return Money.from_minor(self.total_minor, self.currency)

    def to_json(self, *, trace: bool = False) -> dict[str, Any]:
        """SPEC §2's output shape; amounts are strings with the currency's decimals."""
        currency = self.currency
        subtotal, surcharge_total, discount_total, total = self.totals_minor()
        data: dict[str, Any] = {
            "currency": currency,
            "lines": [_line_json(row, currency) for row in self.rows],
            "gifts": [gift.to_json() for gift in self.gifts],
            "subtotal": format_minor(subtotal, currency),
            "surcharge_total": format_minor(surcharge_total, currency),
            "discount_total": format_minor(discount_total, currency),
            "total": format_minor(total, currency),
            "applied_rules": list(self.applied_rules),
        }
        if trace:
            data["trace"] = [entry.to_json() for entry in self.trace]
        return data
