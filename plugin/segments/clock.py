"""Time in the shop's timezone: window starts, relative times, dates as instants, birthdays."""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import BindParameter
from sqlalchemy.ext.compiler import compiles

from ..errors import ValidationFailed
from ..years import OUTSIDE_YEARS, within_years
from .conditions import RelativeTime


def evaluable(now: datetime) -> datetime:
    """``now`` when a segment can be evaluated at it (in ``years.YEARS``), else a 422 naming ``now``."""
    if not within_years(now):
        raise ValidationFailed.on("now", OUTSIDE_YEARS)
    return now


@dataclass(frozen=True)
class ShopClock:
    """``now`` seen from a shop: calendar arithmetic happens on its local wall time."""

    now: datetime
    zone: ZoneInfo

    @classmethod
    def at(cls, now: datetime, timezone_name: str) -> ShopClock:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return cls(now.astimezone(timezone.utc), ZoneInfo(timezone_name))

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.zone)

    @property
    def today(self) -> date:
        return self.local_now.date()

    def shifted(self, amount: int, unit: str) -> datetime:
        """``now`` moved by whole calendar days or months (31 Mar − 1 month = 28/29 Feb)."""
        step = relativedelta(days=amount) if unit == "days" else relativedelta(months=amount)
        local = (self.local_now + step).replace(tzinfo=None)
        return local.replace(tzinfo=self.zone).astimezone(timezone.utc)

    def instant(self, value: datetime | RelativeTime) -> datetime:
        if isinstance(value, RelativeTime):
            return self.shifted(-value.ago, value.unit)
        if value.tzinfo is None:
            return value.replace(tzinfo=self.zone).astimezone(timezone.utc)
        return value.astimezone(timezone.utc)

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The instants a local calendar day starts and the next one starts."""
        start = datetime.combine(day, time(), self.zone)
        end = datetime.combine(day + timedelta(days=1), time(), self.zone)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


#: The clock a statement built with ``DeferredClock`` is executed at (set by ``evaluating_at``).
_executing_at: ContextVar[ShopClock] = ContextVar("segments_executing_at")


class DeferredClock:
    """A shop's clock for statements reused at many instants of one local day: ``now`` and the
    windows counted back from it are bind parameters read when the statement runs (from
    ``evaluating_at``), so the statement is built and compiled once a day, not per event.
    Calendar days (``day_bounds``, ``today``) do not move within the day and stay values.
    The parameters carry no type: compared with a column, they take the column's."""

    def __init__(self, timezone_name: str, today: date):
        self.zone = ZoneInfo(timezone_name)
        self.today = today

    @property
    def now(self) -> BindParameter:
        return KeptBindParameter(None, callable_=lambda: _executing_at.get().now)

    def shifted(self, amount: int, unit: str) -> BindParameter:
        return KeptBindParameter(None, callable_=lambda: _executing_at.get().shifted(amount, unit))

    instant = ShopClock.instant
    day_bounds = ShopClock.day_bounds


class KeptBindParameter(BindParameter):
    """A bind parameter that stays a placeholder when a statement is compiled with its other
    values as literals (``literal_binds``): a statement reused all day is then one fixed SQL
    string with a few parameters, which the driver parses once, not at every execution."""

    inherit_cache = True


@compiles(KeptBindParameter)
def _placeholder(element: KeptBindParameter, compiler, **kw) -> str:
    return compiler.visit_bindparam(element, **{**kw, "literal_binds": False})


@contextmanager
def evaluating_at(clock: ShopClock) -> Iterator[None]:
    """Statements built with a ``DeferredClock`` run inside this block at ``clock``."""
    token = _executing_at.set(clock)
    try:
        yield
    finally:
        _executing_at.reset(token)


def event_time() -> datetime:
    """The instant an event is evaluated at: the end of the second it arrived in, so an order
    completed the moment it is sent counts at once, and the many events of one second share
    one compiled segment statement."""
    return datetime.now(timezone.utc).replace(microsecond=999_999)


def days_until_birthday(birthday: date, today: date) -> int:
    """Days from ``today`` to the next birthday (0 on the day); 29 February falls on the 28th
    in common years."""
    for year in (today.year, today.year + 1):
        try:
            next_birthday = birthday.replace(year=year)
        except ValueError:
            next_birthday = date(year, 2, 28)
        if next_birthday >= today:
            return (next_birthday - today).days
    raise AssertionError("a birthday comes within a year")


@lru_cache(maxsize=4)
def month_days_by_distance(today: date) -> Mapping[str, int]:
    """Every ``MM-DD`` with its days until it next comes round, for birthdays in SQL; the same
    table serves every segment and event of a day, so it is built once a day (read-only)."""
    return MappingProxyType({
        f"{month:02d}-{day:02d}": days_until_birthday(date(2000, month, day), today)
        for month in range(1, 13) for day in range(1, 32)
        if _exists(month, day)
    })


def _exists(month: int, day: int) -> bool:
    try:
        date(2000, month, day)
    except ValueError:
        return False
    return True
