"""Amounts kept as integer thousandths, shown as strings in the currency's minor unit."""
from __future__ import annotations

from decimal import Decimal

from rules import Money

MILLI = 1000


def milli_text(milli: int | Decimal, currency: str) -> str:
    """``123450, "EUR"`` → ``"123.45"``; half-up to the currency's decimals (JPY 0, KWD 3)."""
    return Money(Decimal(milli) / MILLI, currency).round().format_amount()


def exact_text(milli: int | Decimal, currency: str) -> str:
    """The amount as kept, with at least the currency's decimals: ``10500`` → ``"10.50"`` but
    ``10005`` → ``"10.005"``, so a value shown never contradicts a comparison made on it."""
    amount = Decimal(milli) / MILLI
    rounded = Money(amount, currency).round()
    return rounded.format_amount() if rounded.amount == amount else format(amount.normalize(), "f")
