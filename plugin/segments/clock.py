"""Time in the shop's timezone: window starts, relative times, dates as instants, birthdays."""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from .conditions import RelativeTime


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
