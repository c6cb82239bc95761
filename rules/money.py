"""Money: an exact amount in one currency, rounded and split without losing a cent."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

__all__ = [
    "CurrencyMismatchError",
    "Money",
    "UnknownCurrencyError",
    "allocate",
    "allocate_minor",
    "format_minor",
    "minor_digits",
    "minor_fraction",
    "minor_formatter",
    "to_minor",
]


class UnknownCurrencyError(ValueError):
    """A currency code babel does not know: refusing it beats guessing its decimals."""


class CurrencyMismatchError(ValueError):
    """Two amounts in different currencies met: there is no exchange rate here."""


_KNOWN_CURRENCIES = frozenset(list_currencies())


@lru_cache(maxsize=None)
def minor_digits(currency: str) -> int:
    """Decimals of the currency's minor unit (EUR 2, JPY 0, KWD 3), as babel's CLDR data says."""
    if currency not in _KNOWN_CURRENCIES:
        raise UnknownCurrencyError(f"unknown currency {currency!r}")
    return get_currency_precision(currency)


@lru_cache(maxsize=4096)
def to_minor(amount: Decimal, currency: str) -> int:
    """The amount in whole minor units, rounded half-up (cached: rule amounts repeat a lot)."""
    return int(amount.scaleb(minor_digits(currency)).to_integral_value(ROUND_HALF_UP))


@lru_cache(maxsize=4096)
def minor_fraction(amount: Decimal, currency: str) -> tuple[int, int]:
    """The amount in minor units, unrounded, as (numerator, denominator): ``"99.5"`` JPY is
    (199, 2). For amounts that must not be rounded, such as a threshold finer than the currency."""
    return amount.scaleb(minor_digits(currency)).as_integer_ratio()


def format_minor(units: int, currency: str) -> str:
    """Minor units as the plain decimal string the JSON carries: "12.50", "1000", "1.250"."""
    return minor_formatter(currency)(units)


#: Amounts whose text ``minor_formatter`` remembers, per currency.
FORMATTED_AMOUNTS_CACHED = 8192


@lru_cache(maxsize=None)
def minor_formatter(currency: str) -> Callable[[int], str]:
    """``format_minor`` for one currency, for callers that format hundreds of amounts.

    Integer arithmetic, not ``Decimal``: a priced cart formats about 500 amounts, and this
    gives the same text as ``str(Decimal(units).scaleb(-digits))`` at a fraction of the cost.
    """
    digits = minor_digits(currency)
    if not digits:
        return str
    scale, positive = 10**digits, f"%d.%0{digits}d"
    negative = "-" + positive

    def formatted(units: int) -> str:
        if units < 0:
            return negative % divmod(-units, scale)
        return positive % divmod(units, scale)

    # Carts repeat their amounts (prices, discounts, zeros): a cache hit costs a fifth of a format.
    return lru_cache(maxsize=FORMATTED_AMOUNTS_CACHED)(formatted)


def allocate_minor(total: int, weights: Sequence[int], units: Sequence[int] | None = None) -> list[int]:
    """Split whole units in proportion to weights by largest remainder; ties go to the earlier part.

    The parts always add up to ``total`` exactly, which per-part rounding cannot promise. With
    ``units``, part i is ``units[i]`` equal units of weight ``weights[i]`` each, and the split is
    made unit by unit (as over the units listed one by one, without listing them): a bundle's
    saving is spread over its units (SPEC §2), and a line may give a set several.
    """
    if units is not None and all(count == 1 for count in units):
        units = None  # one unit a part: the plain split is the same, and cheaper
    if units is None and len(weights) == 1:
        if weights[0] < 0 or (weights[0] == 0 and total):
            raise ValueError("cannot allocate over a negative or zero weight")
        return [total]
    if min(weights, default=0) < 0:
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights) if units is None else sum(map(operator.mul, weights, units))
    if weight_sum == 0:
        if total:
            raise ValueError("cannot allocate a non-zero amount over zero weights")
        return [0] * len(weights)
    if total < 0:
        return [-part for part in allocate_minor(-total, weights, units)]
    parts = []
    remainders = []
    for index, weight in enumerate(weights):
        share, remainder = divmod(total * weight, weight_sum)
        parts.append(share)
        remainders.append((-remainder, index))
    if units is not None:
        parts = list(map(operator.mul, parts, units))
    leftover = total - sum(parts)
    if leftover and units is None:
        for _, index in sorted(remainders)[:leftover]:
            parts[index] += 1
    elif leftover:
        for _, index in sorted(remainders):  # a part's units share one remainder: all come first
            extra = min(units[index], leftover)
            parts[index] += extra
            leftover -= extra
            if not leftover:
                break
    return parts


@dataclass(frozen=True, slots=True)
class Money:
    """An exact ``Decimal`` amount tied to its currency.

    Floats are refused (0.1 + 0.2 is not 0.3) and so is mixing currencies; rounding is
    explicit, half-up, to the currency's minor unit.
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        amount = self.amount
        if isinstance(amount, float) or isinstance(amount, bool):
            raise TypeError("Money refuses floats and booleans: pass a Decimal, an int or a str")
        if isinstance(amount, (int, str)):
            try:
                amount = Decimal(amount)
            except ArithmeticError:
                raise ValueError(f"{self.amount!r} is not a decimal amount") from None
            object.__setattr__(self, "amount", amount)
        elif not isinstance(amount, Decimal):
            raise TypeError(f"Money needs a Decimal amount, not {type(amount).__name__}")
        if not amount.is_finite():
            raise ValueError("Money must be finite")
        minor_digits(self.currency)

    @classmethod
    def trusted(cls, amount: Decimal, currency: str) -> Money:
        """Money from a finite Decimal in a known currency, already checked by the caller
        (the cart parser's fast path), without checking them again."""
        money = object.__new__(cls)
        _set_amount(money, amount)  # the slots' own setters: half the cost of object.__setattr__
        _set_currency(money, currency)
        return money

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        """Money from whole minor units, the engine's internal representation."""
        return cls(Decimal(units).scaleb(-minor_digits(currency)), currency)

    @property
    def minor_units(self) -> int:
        """Whole minor units after rounding half-up."""
        return to_minor(self.amount, self.currency)

    def round(self) -> Money:
        """Half-up to the currency's minor unit: 0.125 EUR becomes 0.13."""
        return Money.from_minor(self.minor_units, self.currency)

    def format_amount(self) -> str:
        """The rounded amount as the JSON carries it, e.g. "12.50"."""
        return format_minor(self.minor_units, self.currency)

    def allocate(self, weights: Sequence[int | Decimal | Money]) -> list[Money]:
        return allocate(self, weights)

    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot mix {self.currency} and {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same_currency(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same_currency(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, (float, bool)) or not isinstance(factor, (int, Decimal)):
            raise TypeError("Money can only be multiplied by an int or a Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same_currency(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same_currency(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same_currency(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same_currency(other).amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def __str__(self) -> str:
        return f"{self.format_amount()} {self.currency}"


_set_amount, _set_currency = Money.amount.__set__, Money.currency.__set__  # type: ignore[attr-defined]


def allocate(total: Money, weights: Sequence[int | Decimal | Money]) -> list[Money]:
    """Split ``total`` (rounded to its minor unit) in proportion to ``weights``.

    Largest remainder, ties to the earlier part: 10.00 over three equal weights gives
    3.34, 3.33, 3.33, and the parts always add up to the total.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    numbers: list[Decimal] = []
    for weight in weights:
        if isinstance(weight, Money):
            numbers.append(total._same_currency(weight).amount)
        elif isinstance(weight, (float, bool)) or not isinstance(weight, (int, Decimal)):
            raise TypeError("weights must be ints, Decimals or Money, never floats")
        elif isinstance(weight, Decimal) and not weight.is_finite():
            raise ValueError("weights must be finite")
        else:
            numbers.append(Decimal(weight))
    # Scale every weight to an integer so the split stays exact.
    exponent = min(number.as_tuple().exponent for number in numbers)
    scale = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    integer_weights = [int(number.scaleb(scale)) for number in numbers]
    parts = allocate_minor(total.minor_units, integer_weights)
    return [Money.from_minor(part, total.currency) for part in parts]
