"""Keeping dynamic groups equal to their conditions: set differences, each change recorded."""
from __future__ import annotations

import json

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ARRAY, BigInteger, Compiled, Connection, Dialect, Select, any_, bindparam, exists, func, or_, select,
)

from ..db import session
from ..models import Customer, Group, Membership, Shop
from ..services.members import add_members, hold_group, remove_members
from .clock import DeferredClock, KeptBindParameter, ShopClock, evaluating_at
from .compiler import customer_filter, matching_customers
from .conditions import Condition, parse_condition
from .rfm import refresh_scores, score_customer

ACTOR = "refresh"


@dataclass(frozen=True)
class GroupChange:
    key: str
    added: int
    removed: int


class RefreshFailed(RuntimeError):
    """Some groups could not be refreshed (they keep their old members); the others were."""

    def __init__(self, changes: list[GroupChange], failures: dict[str, Exception]):
        super().__init__("could not refresh " + ", ".join(f"{key} ({error})" for key, error in failures.items()))
        self.changes = changes
        self.failures = failures


def refresh_shop(shop: Shop, now: datetime) -> list[GroupChange]:
    """RFM scores first (tier groups read them), then each dynamic group in its own transaction:
    a group whose refresh fails keeps its old members, and the groups after it are refreshed
    all the same before ``RefreshFailed`` names the failures."""
    clock = ShopClock.at(now, shop.timezone)
    refresh_scores(shop, clock)
    session().commit()
    changes, failures = [], {}
    for group in dynamic_groups(shop):
        key = group.key
        try:
            changes.append(refresh_group(shop, group, clock))
            session().commit()
        except Exception as error:  # noqa: BLE001  (reported below, with every other failure)
            session().rollback()
            failures[key] = error
    if failures:
        raise RefreshFailed(changes, failures)
    return changes


def refresh_customer(shop: Shop, customer: Customer, now: datetime) -> None:
    """After an activity event: the customer's RFM score, then their dynamic groups."""
    clock = ShopClock.at(now, shop.timezone)
    score_customer(shop, customer, clock)
    session().flush()
    refresh_customer_groups(shop, [customer.id], clock)


def refresh_customer_groups(
    shop: Shop, customer_ids: Sequence[int], clock: ShopClock, groups: list[tuple[int, dict]] | None = None,
) -> dict[int, list[int]]:
    """Every dynamic group for some customers (one event's, or a batch's): one query answers,
    per customer, each group's verdict and whether they are a member now; only the differences
    are written, a group at a time. ``groups`` are the shop's dynamic groups' (id, condition) in
    key order when the caller read them already. Returns the customers who entered, by group id."""
    db = session()
    db.flush()  # the reads below go straight to the connection, past the session's autoflush
    connection = db.connection()
    groups = _dynamic_group_conditions(connection, shop) if groups is None else groups
    if not groups or not customer_ids:
        return {}
    with evaluating_at(clock):
        rows = _verdicts(connection, shop, groups, clock, list(customer_ids))
    entering: dict[int, list[int]] = {}
    leaving: dict[int, list[int]] = {}
    for customer_id, *answers in rows:
        for (group_id, _condition), matches, member in zip(groups, answers, answers[len(groups):]):
            if matches and not member:
                entering.setdefault(group_id, []).append(customer_id)
            elif member and not matches:
                leaving.setdefault(group_id, []).append(customer_id)
    for group_id, _condition in groups:  # in key order: two events lock the groups they change alike
        group = session().get(Group, group_id) if group_id in entering or group_id in leaving else None
        if group is None or (group_id in entering and not hold_group(group)):
            entering.pop(group_id, None)  # unchanged, or deleted since the list was read (or while we waited)
            continue
        if group_id in entering:
            add_members(shop, group, entering[group_id], source="condition", actor=ACTOR, group_held=True)
        if group_id in leaving:
            remove_members(shop, group, leaving[group_id], source="condition", actor=ACTOR)
    return entering


def _dynamic_group_conditions(connection: Connection, shop: Shop) -> list[tuple[int, dict]]:
    """(id, condition) of the shop's dynamic groups: plain rows, no ORM objects to build."""
    groups = Group.__table__.c
    return [tuple(row) for row in connection.execute(
        select(groups.id, groups.condition).where(groups.shop_id == shop.id, groups.kind == "dynamic")
        .order_by(groups.key)
    )]


def _verdicts(connection: Connection, shop: Shop, groups: list[tuple[int, dict]], clock: ShopClock,
              customer_ids: list[int]) -> list[tuple]:
    """Rows of the customer id, each group's verdict, then each group's current membership.

    On PostgreSQL the statement runs as SQL compiled once per shop and day, its day-long values
    written in and only the clock's instants and the customers bound: the driver parses a short
    fixed string once instead of 50-odd parameters per event (and SQLAlchemy expands no lists).
    """
    statement = _verdicts_statement(shop, groups, clock, connection.dialect)
    if not isinstance(statement, Compiled):
        return connection.execute(statement, {"customer_ids": customer_ids}).all()
    return connection.exec_driver_sql(statement.string, statement.construct_params({"customer_ids": customer_ids})).all()


#: shop id -> (what the statement was built from, the statement or its compiled SQL). Building
#: six conditions' expressions costs more than running them, so it happens once per shop and
#: local day (or when a condition or the timezone changes); the clock's instants are bound at
#: execution.
_verdict_statements: dict[int, tuple[tuple, Select | Compiled]] = {}


def _verdicts_statement(shop: Shop, groups: list[tuple[int, dict]], clock: ShopClock,
                        dialect: Dialect) -> Select | Compiled:
    """Columns: the customer id, each group's verdict, then each group's current membership.
    Run it inside ``evaluating_at(clock)``."""
    built_from = (clock.today, shop.timezone, dialect.name, tuple((group_id, json.dumps(condition, sort_keys=True))
                                                             for group_id, condition in groups))
    cached = _verdict_statements.get(shop.id)
    if cached is not None and cached[0] == built_from:
        return cached[1]
    deferred = DeferredClock(shop.timezone, clock.today)
    verdicts = [customer_filter(parse_condition(condition), shop.id, deferred) for _group_id, condition in groups]
    memberships = [
        exists().where(Membership.group_id == group_id, Membership.customer_id == Customer.id)
        for group_id, _condition in groups
    ]
    statement = select(Customer.id, *verdicts, *memberships).where(Customer.shop_id == shop.id)
    if dialect.name == "postgresql":
        statement = statement.where(Customer.id == any_(KeptBindParameter("customer_ids", type_=ARRAY(BigInteger))))
        statement = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    else:
        statement = statement.where(Customer.id.in_(bindparam("customer_ids", expanding=True)))
    _verdict_statements[shop.id] = (built_from, statement)
    return statement


def refresh_group(shop: Shop, group: Group, clock: ShopClock, customer_ids: Sequence[int] | None = None) -> GroupChange:
    statement = membership_changes(parse_condition(group.condition), shop.id, group.id, clock, customer_ids)
    entering, leaving = entering_and_leaving(session().execute(statement))
    added = add_members(shop, group, entering, source="condition", actor=ACTOR)
    removed, _ = remove_members(shop, group, leaving, source="condition", actor=ACTOR)
    return GroupChange(group.key, len(added), len(removed))


def membership_changes(condition: Condition, shop_id: int, group_id: int, clock: ShopClock,
                       customer_ids: Sequence[int] | None = None) -> Select:
    """Rows of (customer id, whether they enter) for the customers entering or leaving the group,
    in id order: the matching customers FULL JOINed to the current members, kept where one side
    is missing (of ``customer_ids`` only when given).

    The set differences are the database's work: a refresh with little to change fetches only
    the changes, not the 160,000 ids of a large group twice.
    """
    matching = matching_customers(condition, shop_id, clock, customer_ids).subquery("matching")
    members = select(Membership.customer_id).where(Membership.group_id == group_id)
    if customer_ids is not None:
        members = members.where(Membership.customer_id.in_(customer_ids))
    members = members.subquery("members")
    customer_id = func.coalesce(matching.c.customer_id, members.c.customer_id)
    return (
        select(customer_id.label("customer_id"), matching.c.customer_id.is_not(None).label("enters"))
        .select_from(matching.join(members, matching.c.customer_id == members.c.customer_id, full=True))
        .where(or_(matching.c.customer_id.is_(None), members.c.customer_id.is_(None)))
        .order_by(customer_id)
    )


def entering_and_leaving(rows: Iterable[tuple[int, bool]]) -> tuple[list[int], list[int]]:
    """``membership_changes``' rows split into the ids entering and the ids leaving."""
    entering: list[int] = []
    leaving: list[int] = []
    for customer_id, enters in rows:
        (entering if enters else leaving).append(customer_id)
    return entering, leaving


def dynamic_groups(shop: Shop) -> list[Group]:
    return list(session().scalars(
        select(Group).where(Group.shop_id == shop.id, Group.kind == "dynamic").order_by(Group.key)
    ))
