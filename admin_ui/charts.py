"""A group's size over time: the daily series from its recorded entries and exits, drawn as an
inline SVG by the server (no script, no chart library)."""
from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from plugin.db import session
from plugin.models import Group, MembershipEvent, MembershipTally, Shop
from plugin.models._columns import utcnow
from plugin.models.tally import TALLY_SLOT_SECONDS
from plugin.segments.clock import ShopClock

#: Days the group page's chart covers, ending today (in the shop's timezone).
CHART_DAYS = 90
#: The drawing's size in its own units: beside a segment's condition, or across the page.
WIDTH, WIDE, HEIGHT = 640, 1160, 200
#: Room for the axis labels around the plotting area.
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 26
#: Entries and exits are added up per UTC step of this many seconds (or a divisor of it, see ``size_series``).
SLOT_SECONDS = 3600


@dataclass(frozen=True)
class SizePoint:
    day: date
    size: int
    entered: int
    left: int


def size_series(shop: Shop, group: Group, *, days: int = CHART_DAYS, now: datetime | None = None) -> list[SizePoint]:
    """The group's size at the end of each of the last ``days`` local days, today last.

    Counted backwards from ``member_count`` (the size now): the size at the end of a day is the
    size now minus the entries plus the exits recorded after that day. The entries and exits
    come from the group's tallies per quarter hour (``cg_membership_tallies``, kept by triggers
    on the events), not from the events: at most 96 rows a day whatever the group's size, where
    a group of a million read its 86,000 events of the window (a million, had the shop imported
    its customers last week). The database adds the quarters up per UTC step, the largest divisor of an hour
    that divides every local midnight's distance from the hour (a quarter of an hour in
    Kathmandu), so no step straddles two days, across daylight-saving changes too; the steps
    are then added up into local days. A midnight off the quarter hour (local mean time, kept
    by a few zones until the 1970s) falls inside a tally's slot: such a window counts its
    events instead.
    """
    clock = ShopClock.at(now or utcnow(), shop.timezone)
    first = clock.today - timedelta(days=days - 1)
    day_starts = [int(clock.day_bounds(first + timedelta(days=offset))[0].timestamp()) for offset in range(days)]
    window_end = clock.day_bounds(clock.today)[1]
    step = math.gcd(SLOT_SECONDS, *(start % SLOT_SECONDS for start in [*day_starts, int(window_end.timestamp())]))
    if step % TALLY_SLOT_SECONDS == 0:
        counts = _tallied_steps(group, day_starts[0], int(window_end.timestamp()), step)
    else:
        counts = _counted_steps(group, clock.day_bounds(first)[0], window_end, step)
    entered, left = [0] * days, [0] * days
    for number, step_entered, step_left in counts:
        day = bisect_right(day_starts, int(number) * step) - 1
        entered[day] += step_entered
        left[day] += step_left
    sizes = [0] * days
    size = group.member_count
    for offset in reversed(range(days)):
        sizes[offset] = size
        size -= entered[offset] - left[offset]
    return [SizePoint(first + timedelta(days=offset), sizes[offset], entered[offset], left[offset])
            for offset in range(days)]


def _tallied_steps(group: Group, start: int, end: int, step: int) -> list[tuple[int, int, int]]:
    """(step number, entries, exits) from the tallies of the UTC seconds ``[start, end)``, both
    multiples of ``step``, itself a multiple of the tallies' slot."""
    tally = MembershipTally
    slots_per_step = step // TALLY_SLOT_SECONDS
    # Written in, not bound: PostgreSQL groups by the select's own expression only if it is the same text.
    number = tally.slot // literal_column(str(slots_per_step), BigInteger()) if slots_per_step > 1 else tally.slot
    return session().execute(
        select(number, func.sum(tally.entered), func.sum(tally.left))
        .where(tally.group_id == group.id,
               tally.slot >= start // TALLY_SLOT_SECONDS, tally.slot < end // TALLY_SLOT_SECONDS)
        .group_by(number)
    ).all()


def _counted_steps(group: Group, start: datetime, end: datetime, step: int) -> list[tuple[int, int, int]]:
    """(step number, entries, exits) counted from the events of ``[start, end)`` themselves."""
    event = MembershipEvent
    number = _utc_slot(event.at, literal_column(str(step)))
    return session().execute(
        select(number, func.count().filter(event.change == "entered"), func.count().filter(event.change == "left"))
        .where(event.group_id == group.id, event.at >= start, event.at < end)
        .group_by(number)
    ).all()


class _utc_slot(FunctionElement):
    """``(at, seconds)``: which ``seconds``-long slot since the Unix epoch the instant ``at`` is in."""

    type = BigInteger()
    name = "utc_slot"
    inherit_cache = True


@compiles(_utc_slot)
def _utc_slot_sqlite(element: _utc_slot, compiler, **kw) -> str:
    # SQLite stores UTC as text: its whole seconds, the fraction cut off (strftime would round it
    # to milliseconds first), floor like the slot does.
    at, seconds = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(strftime('%s', substr({at}, 1, 19)) AS INTEGER) / {seconds}"


@compiles(_utc_slot, "postgresql")
def _utc_slot_postgresql(element: _utc_slot, compiler, **kw) -> str:
    at, seconds = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"floor(date_part('epoch', {at}) / {seconds})"


@dataclass(frozen=True)
class Tick:
    label: str
    position: float


@dataclass(frozen=True)
class Chart:
    """What the template draws: the line and the area under it, the axes' ticks, a summary."""

    width: int
    height: int
    line: str
    area: str
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    last_x: float
    last_y: float
    summary: str
    series: list[SizePoint]
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM


def size_chart(series: list[SizePoint], *, width: int = WIDTH) -> Chart:
    """The drawing of ``series``: y from 0 to four round steps, x one point a day, a date label
    every sixth of the way."""
    tick_step = _tick_step(max((point.size for point in series), default=0))
    top_value = 4 * tick_step
    plot_width, plot_height = width - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(series) - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + index * step, 1)

    def y(value: int) -> float:
        return round(TOP + plot_height * (1 - value / top_value), 1)

    points = [(x(index), y(point.size)) for index, point in enumerate(series)]
    line = "M" + " L".join(f"{px},{py}" for px, py in points)
    area = f"{line} L{points[-1][0]},{HEIGHT - BOTTOM} L{points[0][0]},{HEIGHT - BOTTOM} Z"
    y_ticks = [Tick(f"{value:,}", y(value)) for value in range(0, top_value + 1, tick_step)]
    x_ticks = [Tick(series[index].day.strftime("%-d %b"), x(index))
               for index in range(0, len(series), max(len(series) // 6, 1))]
    first, last = series[0], series[-1]
    summary = (f"{first.size:,} on {first.day.isoformat()}, {last.size:,} on {last.day.isoformat()}; "
               f"{sum(p.entered for p in series):,} entered and {sum(p.left for p in series):,} left "
               f"in {len(series)} days.")
    return Chart(width, HEIGHT, line, area, y_ticks, x_ticks, points[-1][0], points[-1][1], summary, series,
                 plot_right=width - RIGHT)


def _tick_step(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ such that four steps reach ``value``."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if 4 * factor * magnitude >= value:
                return factor * magnitude
        magnitude *= 10
