"""Conditions compiled to one SQL statement: aggregates over the shop's activities joined to
its customers, identical on SQLite and PostgreSQL (integer money, UTC instants, no floats)."""
from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, exists, false, func, not_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

from ..models import Activity, ActivityItem, Customer, CustomerTag, Delivery
from ..money import MILLI
from .clock import ShopClock, month_days_by_distance
from .conditions import ACTIVITY_METRICS, AllOf, AnyOf, Condition, Leaf, Not, Period, leaves

COMPARISONS = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
#: What each activity metric aggregates, over which activities.
AGGREGATES = {
    "past_count": (("count", "past"),), "upcoming_count": (("count", "upcoming"),),
    "online_count": (("count", "online"),), "total_spent": (("sum", "past"),),
    "average_spent": (("sum", "past"), ("count", "past")),
    "last_activity_at": (("max", "past"),), "first_activity_at": (("min", "past"),),
}
#: The status of the activities each scope counts.
SCOPE_STATUS = {"past": "completed", "online": "completed", "upcoming": "booked"}


class month_day(FunctionElement):
    """``MM-DD`` of a date column, for birthdays."""

    type = String()
    inherit_cache = True


@compiles(month_day, "postgresql")
def _month_day_postgresql(element, compiler, **kw):
    return "to_char(%s, 'MM-DD')" % compiler.process(element.clauses, **kw)


@compiles(month_day, "sqlite")
def _month_day_sqlite(element, compiler, **kw):
    return "strftime('%%m-%%d', %s)" % compiler.process(element.clauses, **kw)


def matching_customers(condition: Condition, shop_id: int, clock: ShopClock,
                       customer_ids: Sequence[int] | None = None) -> Select:
    """``SELECT id`` of the shop's customers (or of ``customer_ids`` only) matching ``condition``."""
    compiled = _Compiler(condition, shop_id, clock, customer_ids)
    return compiled.select([Customer.id.label("customer_id")], compiled.predicate)


def customer_filter(condition: Condition, shop_id: int, clock: ShopClock) -> ColumnElement[bool]:
    """The condition as a WHERE clause on ``cg_customers`` with per-customer subqueries, for
    paginated browsing: the database can stop at the first page of matches instead of
    aggregating every activity of the shop."""
    return _Compiler(condition, shop_id, clock, None, correlated=True).predicate


def explain_customer(condition: Condition, shop_id: int, clock: ShopClock, customer_id: int) -> Select:
    """One row: each leaf's value for the customer, then each leaf's verdict, then the whole verdict."""
    compiled = _Compiler(condition, shop_id, clock, [customer_id])
    return compiled.select([*compiled.values, *compiled.verdicts, _never_null(compiled.predicate).label("matched")], None)


class _Compiler:
    def __init__(self, condition: Condition, shop_id: int, clock: ShopClock, customer_ids: Sequence[int] | None,
                 *, correlated: bool = False):
        self.shop_id = shop_id
        self.clock = clock
        self.customer_ids = customer_ids
        self.correlated = correlated
        self.values: list[ColumnElement] = []
        self.verdicts: list[ColumnElement[bool]] = []
        self.totals = self._totals_subquery(condition)
        self.predicate = self._node(condition)
        #: Whether a customer without totals (no activity in their scopes) can match, or be asked about.
        self.keeps_inactive = customer_ids is not None or _verdict_without_activity(condition) is not False

    def select(self, columns: list, where) -> Select:
        query = select(*columns).select_from(Customer).where(Customer.shop_id == self.shop_id)
        if where is not None:
            query = query.where(where)
        if self.totals is not None:
            query = query.join(self.totals, self.totals.c.customer_id == Customer.id, isouter=self.keeps_inactive)
        if self.customer_ids is not None:
            query = query.where(Customer.id.in_(self.customer_ids))
        return query

    # pass 1: one aggregate subquery with every total the leaves need -------------------------
    def _totals_subquery(self, condition: Condition):
        if self.correlated:
            return None
        columns, statuses, earliest = {}, set(), []
        for leaf in leaves(condition):
            for function, scope in AGGREGATES.get(leaf.metric, ()):
                columns.setdefault(_total_key(function, scope, leaf), self._total(function, scope, leaf))
                statuses.add(SCOPE_STATUS[scope])
                earliest.append(self._earliest(scope, leaf))
        if not columns:
            return None
        self.labels = {key: f"t{index}" for index, key in enumerate(columns)}
        # Every total has its own FILTER; this WHERE only drops the rows none of them counts, so
        # the aggregate reads (and hashes) fewer rows.
        query = (
            select(Activity.customer_id, *(column.label(self.labels[key]) for key, column in columns.items()))
            .where(Activity.shop_id == self.shop_id, Activity.status.in_(sorted(statuses)))
            .group_by(Activity.customer_id)
        )
        if None not in earliest:
            query = query.where(Activity.occurred_at >= min(earliest))
        if self.customer_ids is not None:
            query = query.where(Activity.customer_id.in_(self.customer_ids))
        return query.subquery("activity_totals")

    def _total(self, function: str, scope: str, leaf: Leaf) -> ColumnElement:
        return self._unfiltered_total(function).filter(self._scope(scope, leaf))

    @staticmethod
    def _unfiltered_total(function: str) -> ColumnElement:
        if function == "count":
            return func.count()   # not count(id): the per-customer index answers it without the table
        if function == "sum":
            return func.sum(Activity.amount_milli)
        return getattr(func, function)(Activity.occurred_at, type_=Activity.occurred_at.type)

    def _earliest(self, scope: str, leaf: Leaf) -> datetime | None:
        """An instant before which ``scope`` counts nothing for ``leaf`` (None: it counts all time)."""
        if isinstance(leaf.within, Period):
            return self.clock.day_bounds(leaf.within.start)[0]
        if scope == "upcoming":
            return self.clock.now
        if leaf.within:
            return self.clock.shifted(-leaf.within.last, leaf.within.unit)
        return None

    def _scope(self, scope: str, leaf: Leaf) -> ColumnElement[bool]:
        now = self.clock.now
        conditions = [Activity.status == SCOPE_STATUS[scope]]
        if scope == "upcoming":
            conditions.append(Activity.occurred_at > now)
        else:
            conditions.append(Activity.occurred_at <= now)
        if isinstance(leaf.within, Period):
            conditions += self._in_period(Activity.occurred_at, leaf.within)
        elif leaf.within and scope == "upcoming":
            conditions.append(Activity.occurred_at <= self.clock.shifted(leaf.within.last, leaf.within.unit))
        elif leaf.within:
            conditions.append(Activity.occurred_at > self.clock.shifted(-leaf.within.last, leaf.within.unit))
        if scope == "online":
            conditions.append(Activity.channel == "online")
        if leaf.location:
            conditions.append(Activity.location == leaf.location)
        for item_type in ("product", "category", "staff"):
            if getattr(leaf, item_type):
                conditions.append(exists().where(
                    ActivityItem.activity_id == Activity.id, ActivityItem.item_type == item_type,
                    ActivityItem.value == getattr(leaf, item_type),
                ))
        return and_(*conditions)

    def _in_period(self, column, period: Period) -> list[ColumnElement[bool]]:
        return [column >= self.clock.day_bounds(period.start)[0], column < self.clock.day_bounds(period.end)[1]]

    def _column(self, function: str, scope: str, leaf: Leaf) -> ColumnElement:
        if self.correlated:
            # The scope in WHERE (not FILTER) lets the per-customer index narrow the rows read.
            column = select(self._unfiltered_total(function)).where(
                Activity.customer_id == Customer.id, self._scope(scope, leaf)).scalar_subquery()
        else:
            column = self.totals.c[self.labels[_total_key(function, scope, leaf)]]
        return func.coalesce(column, 0) if function in ("count", "sum") else column

    # pass 2: the predicate, leaf by leaf ------------------------------------------------------
    def _node(self, condition: Condition) -> ColumnElement[bool]:
        if isinstance(condition, AllOf):
            return and_(*(self._node(part) for part in condition.parts))
        if isinstance(condition, AnyOf):
            return or_(*(self._node(part) for part in condition.parts))
        if isinstance(condition, Not):
            # A NULL verdict (a comparison with no value) does not match, so its negation does.
            return not_(_never_null(self._node(condition.part)))
        value, verdict = self._activity_leaf(condition) if condition.metric in ACTIVITY_METRICS \
            else getattr(self, f"_attribute_{condition.value_type}")(condition)
        self.values.append(value)
        self.verdicts.append(_never_null(verdict))
        # Bare in WHERE (NULL filters a row out like false): the planner can estimate it, use an
        # index for it, and turn an EXISTS into a semi-join.
        return verdict

    def _activity_leaf(self, leaf: Leaf):
        (function, scope), *_ = AGGREGATES[leaf.metric]
        if self.correlated and function == "count" and (wanted := _asks_for_any(leaf.op, leaf.value)) is not None:
            # "at least one" / "none" as EXISTS: the database stops at the first matching row.
            found = exists().where(Activity.customer_id == Customer.id, self._scope(scope, leaf))
            return found, found if wanted else not_(found)
        column = self._column(function, scope, leaf)
        if leaf.metric == "total_spent":
            return column, _compare(column, leaf.op, _milli(leaf.value))
        if leaf.metric == "average_spent":
            count = self._column("count", "past", leaf)
            average = func.round(column * 1000.0 / func.nullif(count, 0))
            return average, and_(count > 0, _compare_scaled(column, count, leaf.op, leaf.value))
        if function in ("max", "min"):
            return column, self._compare_time(column, leaf)
        return column, _compare(column, leaf.op, leaf.value)

    def _compare_time(self, column, leaf: Leaf) -> ColumnElement[bool]:
        """A date compares with the whole local day: ``<= 2026-01-31`` includes all of the 31st."""
        if leaf.op == "between":
            low, high = leaf.value
            return and_(column >= self._start(low), column < self._end(high) if _is_day(high) else column <= self._start(high))
        if _is_day(leaf.value):
            start, end = self.clock.day_bounds(leaf.value)
            return {"<": column < start, "<=": column < end, ">": column >= end, ">=": column >= start}[leaf.op]
        return COMPARISONS[leaf.op](column, self.clock.instant(leaf.value))

    def _start(self, value) -> datetime:
        return self.clock.day_bounds(value)[0] if _is_day(value) else self.clock.instant(value)

    def _end(self, value: date) -> datetime:
        return self.clock.day_bounds(value)[1]

    def _attribute_time(self, leaf: Leaf):
        return Customer.registered_at, self._compare_time(Customer.registered_at, leaf)

    def _attribute_choice(self, leaf: Leaf):
        column = getattr(Customer, leaf.metric)
        return column, _compare(column, leaf.op, leaf.value)

    _attribute_text = _attribute_choice
    _attribute_flag = _attribute_choice

    def _attribute_count(self, leaf: Leaf):
        if leaf.metric == "birthday_within_days":
            distances = month_days_by_distance(self.clock.today)
            days = sorted(day for day, distance in distances.items() if _holds(distance, leaf.op, leaf.value))
            birthday = month_day(Customer.birthday)
            return birthday, and_(Customer.birthday.is_not(None), birthday.in_(days)) if days else false()
        return self._attribute_choice(leaf)

    def _attribute_tags(self, leaf: Leaf):
        wanted = list(leaf.value) if leaf.op == "in" else [leaf.value]
        has = exists().where(CustomerTag.customer_id == Customer.id, CustomerTag.tag.in_(wanted))
        return has, not_(has) if leaf.op == "!=" else has

    def _attribute_campaign(self, leaf: Leaf):
        scope = [Delivery.customer_id == Customer.id, Delivery.sent_at <= self.clock.now]
        if leaf.value != "*":
            scope.append(Delivery.campaign == leaf.value)
        if isinstance(leaf.within, Period):
            scope += self._in_period(Delivery.sent_at, leaf.within)
        elif leaf.within:
            scope.append(Delivery.sent_at > self.clock.shifted(-leaf.within.last, leaf.within.unit))
        received = exists().where(*scope)
        return received, received if leaf.op == "=" else not_(received)


def _never_null(verdict: ColumnElement[bool]) -> ColumnElement[bool]:
    return func.coalesce(verdict, false())


def _asks_for_any(op: str, value) -> bool | None:
    """For a count compared by ``op`` with ``value``: True when the comparison means "at least
    one", False when it means "none", None when it depends on how many."""
    if op not in COMPARISONS:
        return None
    # Past 0, a comparison with a whole number changes its verdict only at value or value + 1.
    positive = {COMPARISONS[op](count, value) for count in (1, value, value + 1) if count >= 1}
    if len(positive) > 1 or COMPARISONS[op](0, value) in positive:
        return None
    return positive.pop()


def _verdict_without_activity(condition: Condition) -> bool | None:
    """The condition's verdict for a customer with no activity in any scope it counts, when
    that does not depend on the customer (None when it does): if False, the totals can be
    inner-joined, so customers without activity are never read."""
    if isinstance(condition, (AllOf, AnyOf)):
        verdicts = {_verdict_without_activity(part) for part in condition.parts}
        decisive = isinstance(condition, AnyOf)   # any True decides AnyOf; any False decides AllOf
        if decisive in verdicts:
            return decisive
        return None if None in verdicts else not decisive
    if isinstance(condition, Not):
        verdict = _verdict_without_activity(condition.part)
        return None if verdict is None else not verdict
    if condition.metric not in ACTIVITY_METRICS:
        return None
    if condition.metric in ("past_count", "upcoming_count", "online_count"):
        return _holds(0, condition.op, condition.value)
    if condition.metric == "total_spent":
        return _holds(0, condition.op, _milli(condition.value))
    return False   # an average, first or last time of nothing compares as false


def _total_key(function: str, scope: str, leaf: Leaf) -> tuple:
    return (function, scope, leaf.within, leaf.location, leaf.product, leaf.category, leaf.staff)


def _is_day(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _holds(value, op: str, target) -> bool:
    if op == "in":
        return value in target
    if op == "between":
        return target[0] <= value <= target[1]
    return COMPARISONS[op](value, target)


def _compare(column, op: str, value) -> ColumnElement[bool]:
    if op == "in":
        return column.in_(list(value))
    if op == "between":
        return and_(column >= value[0], column <= value[1])
    return COMPARISONS[op](column, value)


def _milli(value):
    if isinstance(value, tuple):
        return tuple(_milli(item) for item in value)
    return int(Decimal(value) * MILLI)


def _compare_scaled(total, count, op: str, value) -> ColumnElement[bool]:
    """``total / count OP value`` as ``total OP value × count``: exact integer arithmetic."""
    if op == "between":
        low, high = _milli(value)
        return and_(total >= count * low, total <= count * high)
    return COMPARISONS[op](total, count * _milli(value))
