"""The years a date or time the plugin stores or evaluates at may name, and the refusal's wording.

1900-9000: a window or relative time reaches 100 years (``conditions.MAX_SPAN``) either side of
a ``now``, a day at either end of the calendar moved to UTC or to the next day overflows (a
500), and a rule's window is shown in a shop's timezone. One bound for events, conditions, rule
windows and ``now``, so whatever one of them accepts the others can reach.
"""
from __future__ import annotations

from datetime import date

YEARS = (1900, 9000)
FIRST_YEAR, LAST_YEAR = YEARS
#: What a refused date or time is told (after the field's name).
OUTSIDE_YEARS = f"must be between the years {FIRST_YEAR} and {LAST_YEAR}"


def within_years(moment: date) -> bool:
    """Whether ``moment`` (a date or a datetime) falls in a year of ``YEARS``."""
    return FIRST_YEAR <= moment.year <= LAST_YEAR
