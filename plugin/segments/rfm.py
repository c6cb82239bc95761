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
    scored = _scored(shop, clock).subquery("scored")
    stats = _stats(shop, clock).subquery("stats")
    tier = case(
        (scored.c.r.is_(None), literal("lapsed")),
        (scored.c.r + scored.c.f + scored.c.m >= 12, literal("high_value")),
        (scored.c.r + scored.c.f + scored.c.m >= 8, literal("regular")),
        else_=literal("potential"),
    )
    rows = (
        select(stats.c.customer_id, stats.c.visits, stats.c.spent, stats.c.last_at,
               scored.c.r, scored.c.f, scored.c.m, tier.label("tier"))
        .select_from(stats.outerjoin(scored, scored.c.customer_id == stats.c.customer_id))
        .subquery("rows")
    )
    scored_values = {"rfm_r": rows.c.r, "rfm_f": rows.c.f, "rfm_m": rows.c.m, "rfm_tier": rows.c.tier,
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
    shop.rfm_breakpoints = _breakpoints(scored_query=_scored(shop, clock))


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
    """``ceil(5 × cume_dist)`` in integers: ``(5k + n − 1) / n``, k counting ties as peers."""
    population = _stats(shop, clock).subquery("population")
    active = select(population).where(population.c.frequency > 0).subquery("active")
    size = func.count().over()

    def score(column, name: str):
        return ((5 * func.count().over(order_by=column) + size - 1) // size).label(name)

    return select(
        active.c.customer_id, active.c.last_at, active.c.frequency, active.c.monetary,
        score(active.c.last_at, "r"), score(active.c.frequency, "f"), score(active.c.monetary, "m"),
    )


def _breakpoints(scored_query) -> dict:
    """The highest value that earned each score, per dimension (times as ISO 8601)."""
    scored = scored_query.subquery("scored")
    points: dict[str, list] = {}
    for dimension, value in (("r", scored.c.last_at), ("f", scored.c.frequency), ("m", scored.c.monetary)):
        score = scored.c[dimension]
        rows = session().execute(select(score, func.max(value)).group_by(score).order_by(score)).all()
        points[dimension] = [[int(s), v.isoformat() if isinstance(v, datetime) else int(v)] for s, v in rows]
    return points


def _score(breakpoints: list | None, value) -> int:
    """The lowest score whose highest value reaches ``value``; above them all (or none yet), 5."""
    for score, highest in breakpoints or []:
        if value <= (datetime.fromisoformat(highest) if isinstance(value, datetime) else highest):
            return score
    return 5
