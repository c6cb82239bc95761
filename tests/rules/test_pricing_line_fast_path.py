"""The cart parser's fast path for a plain line builds the very Line the thorough path builds.

The fast path sets a Line's slots itself (its minor units read from the price's digits) rather
than through Line's constructor; every slot, the derived ones too, must come out the same.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.model import Line
from rules.money import minor_digits
from rules.parsing import _line, _plain_line

CURRENCIES = ["EUR", "JPY", "KWD"]
#: Prices the fast path takes and some it leaves to the thorough path (spaces, an integer, too
#: many decimals, other digits than ASCII's, a price over the bound).
prices = st.one_of(
    st.from_regex(r"\A[0-9]{1,13}(\.[0-9]{1,4})?\Z"),
    st.sampled_from(["0", "0.00", "007.50", "1000000000000", "1000000000000.01", " 12.50", "12.", ".5",
                     "\u0661\u0662.\u0665\u0660", "1e3", "-1.00"]),
    st.integers(0, 10**6),
)
texts = st.one_of(st.text(min_size=1, max_size=6), st.sampled_from([" ", ""]))
lines = st.fixed_dictionaries(
    {"id": texts, "product_id": texts, "unit_price": prices, "quantity": st.integers(-1, 1_000_001)},
    optional={"category_ids": st.one_of(st.none(), st.lists(texts, max_size=3), st.tuples(texts))},
)


def slots(line: Line) -> tuple:
    return tuple(getattr(line, name) for name in Line.__slots__) + (
        type(line.unit_price.amount), line.unit_price.amount.as_tuple(), line.unit_price.currency)


@settings(max_examples=500, deadline=None)
@given(lines, st.sampled_from(CURRENCIES))
def test_a_line_the_fast_path_takes_is_the_thorough_paths_line(data, currency):
    fast = _plain_line(data, currency, minor_digits(currency))
    if fast is not None:
        assert slots(fast) == slots(_line(data, "lines[0]", currency))


def test_the_common_line_takes_the_fast_path_with_or_without_categories():
    with_categories = {"id": "l1", "product_id": "p1", "unit_price": "142.32", "quantity": 3,
                       "category_ids": ["c1", "c2"]}
    without = {key: value for key, value in with_categories.items() if key != "category_ids"}
    for data in (with_categories, without):
        fast = _plain_line(data, "EUR", 2)
        assert fast is not None
        assert slots(fast) == slots(_line(data, "lines[0]", "EUR"))
    assert _plain_line(with_categories, "EUR", 2).base_minor == 14232
    assert _plain_line(without, "EUR", 2).category_set == frozenset()
