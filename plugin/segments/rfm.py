"""RFM scores and tiers (SPEC §3): ranked in SQL over the shop at each full refresh; one
customer's event is scored against the breakpoints that refresh left on the shop."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, exists, func, literal, or_, select, update

from ..db import session
from ..models import Activity, Customer, Shop
from .clock import ShopClock

def tier_of(total: int) -> str:
    return "high_value" if total >= 12 else "regular" if total >= 8 else "potential"


def refresh_scores(shop: Shop, clock: ShopClock) -> None:
    """Score every customer of the shop as of ``clock.now`` and keep the breakpoints."""
    rows = _scored(shop, clock).subquery("rows")
    tier = case(
        (rows.c.r.is_(None), literal("lapsed")),
        (rows.c.r + rows.c.f + rows.c.m >= 12, literal("high_value")),
        (rows.c.r + rows.c.f + rows.c.m >= 8, literal("regular")),
        else_=literal("potential"),
    )
    scored_values = {"rfm_r": rows.c.r, "rfm_f": rows.c.f, "rfm_m": rows.c.m, "rfm_tier": tier,
                     "visits": rows.c.visits, "spent_milli": rows.c.spent, "last_visit_at": rows.c.last_at}
    session().execute(
        update(Customer)
        .where(Customer.id == rows.c.customer_id, _changed(scored_values))
        .values(**scored_values)
        .execution_options(synchronize_session=False)
    )
    session().execute(
        update(Customer)
        .where(Customer.shop_id == shop.id, _changed(PROSPECT),
               ~exists().where(_past(shop, clock), Activity.customer_id == Customer.id))
        .values(**PROSPECT)
        .execution_options(synchronize_session=False)
    )
    shop.rfm_breakpoints = _breakpoints(_scored(shop, clock).subquery("scored"))


#: What a customer with no past activity is stored with.
PROSPECT = {"rfm_r": None, "rfm_f": None, "rfm_m": None, "rfm_tier": "prospect", "visits": 0, "spent_milli": 0,
            "last_visit_at": None}


def _changed(values: dict):
    """Only rows whose stored values differ are rewritten: a refresh of a settled shop writes
    (and re-indexes) almost nothing."""
    return or_(*(getattr(Customer, name).is_distinct_from(value) for name, value in values.items()))


def score_customer(shop: Shop, customer: Customer, clock: ShopClock) -> None:
    """Score one customer after an event, against the last full refresh's breakpoints."""
    last_at, frequency, monetary, visits, spent = session().execute(
        select(
            func.max(Activity.occurred_at),
            func.count(Activity.id).filter(Activity.occurred_at > _year_ago(clock)),
            func.coalesce(func.sum(Activity.amount_milli).filter(Activity.occurred_at > _year_ago(clock)), 0),
            func.count(Activity.id),
            func.coalesce(func.sum(Activity.amount_milli), 0),
        ).where(_past(shop, clock), Activity.customer_id == customer.id)
    ).one()
    customer.visits, customer.spent_milli, customer.last_visit_at = visits, int(spent), last_at
    if not frequency:
        customer.rfm_r = customer.rfm_f = customer.rfm_m = None
        customer.rfm_tier = "lapsed" if visits else "prospect"
        return
    points = shop.rfm_breakpoints or {}
    customer.rfm_r = _score(points.get("r"), last_at)
    customer.rfm_f = _score(points.get("f"), frequency)
    customer.rfm_m = _score(points.get("m"), int(monetary))
    customer.rfm_tier = tier_of(customer.rfm_r + customer.rfm_f + customer.rfm_m)


def _past(shop: Shop, clock: ShopClock):
    return and_(Activity.shop_id == shop.id, Activity.status == "completed", Activity.occurred_at <= clock.now)


def _year_ago(clock: ShopClock) -> datetime:
    return clock.shifted(-12, "months")


def _stats(shop: Shop, clock: ShopClock):
    """Per customer with any past activity: the last one, count and amount in 12 months, and
    count and amount of all time."""
    recent = Activity.occurred_at > _year_ago(clock)
    return (
        select(
            Activity.customer_id,
            func.max(Activity.occurred_at).label("last_at"),
            func.count(Activity.id).filter(recent).label("frequency"),
            func.coalesce(func.sum(Activity.amount_milli).filter(recent), 0).label("monetary"),
            func.count(Activity.id).label("visits"),
            func.sum(Activity.amount_milli).label("spent"),
        )
        .where(_past(shop, clock)).group_by(Activity.customer_id)
    )


def _scored(shop: Shop, clock: ShopClock):
    """Every customer with past activity, with ``ceil(5 × cume_dist)`` per dimension among those
    active in 12 months, in integers: ``(5k + n − 1) / n``, k counting ties as peers; r, f, m
    are NULL for the others (lapsed). One aggregate over the activities, one pass of windows."""
    stats = _stats(shop, clock).subquery("stats")
    active = stats.c.frequency > 0
    size = func.count().filter(active).over()

    def score(column, name: str):
        return case((active, (5 * func.count().filter(active).over(order_by=column) + size - 1) // size)).label(name)

    return select(
        stats, score(stats.c.last_at, "r"), score(stats.c.frequency, "f"), score(stats.c.monetary, "m"),
    )


def _breakpoints(scored) -> dict:
    """The highest value that earned each score, per dimension (times as ISO 8601): one row of
    ``max(value) FILTER (WHERE score = s)`` for every dimension and score."""
    values = {"r": scored.c.last_at, "f": scored.c.frequency, "m": scored.c.monetary}
    wanted = [(dimension, points) for dimension in values for points in range(1, 6)]
    row = session().execute(select(*(
        func.max(values[dimension]).filter(scored.c[dimension] == points) for dimension, points in wanted
    ))).one()
    breakpoints: dict[str, list] = {dimension: [] for dimension in values}
    for (dimension, points), highest in zip(wanted, row):
        if highest is not None:   # no customer earned that score
            breakpoints[dimension].append([points, highest.isoformat() if isinstance(highest, datetime) else int(highest)])
    return breakpoints


def _score(breakpoints: list | None, value) -> int:
    """The lowest score whose highest value reaches ``value``; above them all (or none yet), 5."""
    for score, highest in breakpoints or []:
        if value <= (datetime.fromisoformat(highest) if isinstance(value, datetime) else highest):
            return score
    return 5
