"""Money: exact amounts, one currency at a time, rounding and splitting without losing a cent."""

from __future__ import annotations

from decimal import MAX_PREC, Context, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import Money, allocate
from rules.money import CurrencyMismatchError, UnknownCurrencyError, allocate_minor, format_minor, minor_digits


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("JPY", 0), ("KWD", 3), ("USD", 2)])
def test_minor_unit_comes_from_babel(currency: str, digits: int) -> None:
    assert minor_digits(currency) == digits


@pytest.mark.parametrize("currency", ["ZZZ", "eur", "", "EURO"])
def test_unknown_currency_is_refused(currency: str) -> None:
    with pytest.raises(UnknownCurrencyError):
        Money(Decimal("1"), currency)


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        Money(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(Decimal("1"), "EUR") * 1.5  # type: ignore[operator]


def test_strings_and_ints_become_decimals() -> None:
    assert Money("12.50", "EUR").amount == Decimal("12.50")
    assert Money(3, "JPY").amount == Decimal(3)


def test_mixing_currencies_is_refused() -> None:
    with pytest.raises(CurrencyMismatchError):
        Money("1", "EUR") + Money("1", "USD")
    with pytest.raises(CurrencyMismatchError):
        assert Money("1", "EUR") < Money("2", "USD")


def test_arithmetic_is_exact() -> None:
    assert Money("0.10", "EUR") + Money("0.20", "EUR") == Money("0.30", "EUR")
    assert Money("1.00", "EUR") - Money("0.01", "EUR") == Money("0.99", "EUR")
    assert Money("2.50", "EUR") * 3 == Money("7.50", "EUR")
    assert -Money("1", "EUR") == Money("-1", "EUR")


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("0.125", "EUR", "0.13"),
        ("0.124", "EUR", "0.12"),
        ("2.5", "JPY", "3"),
        ("1.5", "JPY", "2"),
        ("0.1255", "KWD", "0.126"),
        ("-0.125", "EUR", "-0.13"),
    ],
)
def test_rounding_is_half_up_to_the_minor_unit(amount: str, currency: str, rounded: str) -> None:
    assert Money(amount, currency).round() == Money(rounded, currency)
    assert Money(amount, currency).format_amount() == rounded


@pytest.mark.parametrize(
    ("units", "currency", "text"),
    [(1250, "EUR", "12.50"), (5, "EUR", "0.05"), (-4000, "EUR", "-40.00"), (1000, "JPY", "1000"),
     (1250, "KWD", "1.250"), (0, "EUR", "0.00"), (0, "JPY", "0")],
)
def test_format_minor(units: int, currency: str, text: str) -> None:
    assert format_minor(units, currency) == text
    assert Money.from_minor(units, currency).format_amount() == text


@given(st.integers(min_value=-10**30, max_value=10**30), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_format_minor_is_the_exact_decimal(units: int, currency: str) -> None:
    # The formatter works on integers for speed; its text must be Decimal's, digit for digit.
    exact = Decimal(units).scaleb(-minor_digits(currency), Context(prec=MAX_PREC))
    assert format_minor(units, currency) == str(exact)


def test_allocate_ten_over_three_equal_parts() -> None:
    parts = allocate(Money("10.00", "EUR"), [1, 1, 1])
    assert [part.format_amount() for part in parts] == ["3.34", "3.33", "3.33"]


def test_allocate_by_largest_remainder_not_by_position() -> None:
    # 1.00 over 1:2 -> 0.333 and 0.666: the second has the larger remainder.
    parts = allocate(Money("1.00", "EUR"), [Decimal("1.5"), Decimal("3.0")])
    assert [part.format_amount() for part in parts] == ["0.33", "0.67"]


def test_allocate_by_money_weights_in_jpy() -> None:
    parts = allocate(Money("100", "JPY"), [Money("1", "JPY"), Money("1", "JPY"), Money("1", "JPY")])
    assert [part.format_amount() for part in parts] == ["34", "33", "33"]


def test_allocate_negative_total() -> None:
    assert allocate_minor(-1000, [1, 1, 1]) == [-334, -333, -333]


def test_allocate_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        allocate_minor(5, [0, 0])
    with pytest.raises(ValueError):
        allocate_minor(5, [1, -1])
    with pytest.raises(TypeError):
        allocate(Money("1", "EUR"), [0.5, 0.5])  # type: ignore[list-item]
    assert allocate_minor(0, [0, 0]) == [0, 0]


@pytest.mark.parametrize(
    ("total", "weights"),
    [(1, [1, 1, 1]), (2, [1, 1, 1]), (997, [3, 5, 7, 11]), (100, [1]), (7, [0, 1, 0, 1])],
)
def test_allocated_parts_add_up(total: int, weights: list[int]) -> None:
    parts = allocate_minor(total, weights)
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)
    assert all(part == 0 for part, weight in zip(parts, weights) if weight == 0)


@given(
    total=st.integers(min_value=-10_000, max_value=10_000),
    parts=st.lists(st.tuples(st.integers(1, 3_000), st.integers(1, 6)), min_size=1, max_size=6),
)
def test_allocating_by_unit_is_allocating_over_each_unit(total: int, parts: list[tuple[int, int]]) -> None:
    """A bundle's saving goes unit by unit (SPEC §2); parts of equal units need not be listed."""
    weights, units = [weight for weight, _ in parts], [count for _, count in parts]
    one_by_one = allocate_minor(total, [weight for weight, count in parts for _ in range(count)])
    owners = [index for index, count in enumerate(units) for _ in range(count)]
    expected = [sum(share for share, owner in zip(one_by_one, owners) if owner == index) for index in range(len(parts))]

    assert allocate_minor(total, weights, units) == expected


def test_a_cent_left_by_unit_goes_to_the_earlier_line() -> None:
    # 5.00 over a 20.00 unit and two 5.00 units: 3.33, 0.83, 0.83 and one cent, every
    # remainder alike; by line it would be 3.33 and 1.67 (the second line's remainder is larger)
    assert allocate_minor(500, [2000, 500], [1, 2]) == [334, 166]
    assert allocate_minor(500, [2000, 1000]) == [333, 167]
