"""Storing customers from the host's events, and reading them back by id."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import lru_cache
from itertools import groupby
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, literal, select, true, type_coerce, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.util import identity_key

from ..db import session
from ..errors import NotFound
from ..models import Customer, CustomerTag, Group, Membership, MembershipEvent, Shop
from ..models._columns import UtcDateTime, utcnow
from ..money import milli_text
from ..signals import membership_changed
from ..sql import insert_ignoring_duplicates
from .members import add_members, default_group, hold_group

CUSTOMER_COLUMNS = (
    "first_name", "last_name", "email", "phone", "gender", "birthday", "city", "card_number",
    "registered_at", "email_opt_in", "sms_opt_in",
)


@dataclass(frozen=True)
class StoredCustomer:
    """A customer as an event left them, read back with the write (``RETURNING``) or in one
    Core query: what the answer shows, without loading ORM objects again after the commit."""

    id: int
    external_id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    gender: str
    birthday: date | None
    city: str
    card_number: str
    registered_at: datetime
    email_opt_in: bool
    sms_opt_in: bool
    visits: int
    spent_milli: int
    last_visit_at: datetime | None
    rfm_r: int | None
    rfm_f: int | None
    rfm_m: int | None
    rfm_tier: str
    tags: list[str]
    currency: str

    @classmethod
    def from_row(cls, row, tags: list[str], currency: str) -> StoredCustomer:
        return cls(**{name: row[name] for name in _STORED_COLUMNS}, tags=tags, currency=currency)

    @property
    def spent(self) -> str:
        return milli_text(self.spent_milli, self.currency)


_STORED_COLUMNS = tuple(field.name for field in fields(StoredCustomer) if field.name not in ("tags", "currency"))


def register_customer(shop: Shop, fields: dict[str, Any], *, actor: str = "") -> tuple[Customer, bool]:
    """Store or update a customer by ``external_id``; a new one joins the default group.

    Returns the customer and whether it was new. Sending the same event twice changes nothing.
    """
    [(customer_id, created)] = register_customers(shop, [fields], actor=actor)
    return session().get(Customer, customer_id, populate_existing=True), created


def register_customers(shop: Shop, events: list[dict[str, Any]], *, actor: str = "") -> list[tuple[int, bool]]:
    """Store or update customers by ``external_id``, a batch at a time; the new ones join the
    default group. Returns each event's customer id and whether that event registered them.

    The batch costs a handful of statements whatever its size: one ``INSERT … ON CONFLICT DO
    NOTHING`` for all (executemany's rows cost less to send than one VALUES list with a bind
    parameter per cell), the default group's members added as a set, one ``UPDATE`` run over
    the known customers. Events for the same ``external_id`` apply in order, as if sent one by
    one (the first may register, the others update).
    """
    known = _known_ids(shop, {fields["external_id"] for fields in events})
    inserted = _insert_then_join(shop, [fields for fields in events if fields["external_id"] not in known], actor)
    registered, updates = set(), []
    created = []
    for fields in events:
        registers = fields["external_id"] in inserted and fields["external_id"] not in registered
        created.append(registers)
        if registers:
            registered.add(fields["external_id"])
        else:
            updates.append(fields)
    _update_known(shop, updates)
    ids = {**known, **inserted}
    missing = {fields["external_id"] for fields in updates} - ids.keys()
    if missing:  # registered meanwhile by another request, whose row our insert skipped
        ids.update(_known_ids(shop, missing))
    _replace_tags(shop, {ids[fields["external_id"]]: fields["tags"] for fields in events if "tags" in fields})
    return [(ids[fields["external_id"]], registers) for fields, registers in zip(events, created)]


def _insert_then_join(shop: Shop, events: list[dict[str, Any]], actor: str) -> dict[str, int]:
    """Insert each ``external_id``'s first event unless the customer exists (the events of
    customers not known a moment ago), then add the new ones to the default group; the ids
    inserted, by external id."""
    inserted: dict[str, int] = {}
    if not events:  # a batch of known customers inserts nothing and waits for no one
        return inserted
    group = default_group(shop)
    hold_group(group)  # before the inserts take the shop's customer count (an import holds it until it commits)
    statement = insert_ignoring_duplicates(Customer.__table__).returning(Customer.external_id, Customer.id)
    for rows in _first_events_by_columns(shop, events):
        inserted.update(session().execute(statement, rows).all())
    if inserted:
        add_members(shop, group, list(inserted.values()), source="default", actor=actor, group_held=True)
    return inserted


@dataclass(frozen=True)
class NewCustomer:
    """What registering a new customer in one statement returns: the customer, their default
    group's key, and the shop's dynamic groups as (id, key, condition) in key order, for the
    refresh that follows."""

    customer: StoredCustomer
    default_group_key: str
    dynamic_groups: list[tuple[int, str, dict]]


def register_new_customer(shop: Shop, fields: dict[str, Any], *, actor: str) -> NewCustomer | None:
    """PostgreSQL, one event: insert the customer unless their ``external_id`` is known, and
    with it their default-group membership, its history row and the kept count, in one
    prepared statement (data-modifying CTEs, compiled once per process); ``None`` when the
    customer exists already (nothing was written: the caller updates them)."""
    session().flush()  # what the session holds (a group just created) must be seen: Core skips autoflush
    now, connection = utcnow(), session().connection()
    row = connection.execute(_registering_statement(), {
        **_NEW_CUSTOMER_DEFAULTS, "registered_at": now,
        **{name: fields[name] for name in CUSTOMER_COLUMNS if name in fields},
        "external_id": fields["external_id"], "event_shop_id": shop.id, "event_actor": actor, "event_now": now,
    }).one()._mapping
    if row["id"] is None:
        return None
    tags = list(dict.fromkeys(fields.get("tags", ())))
    if tags:
        connection.execute(CustomerTag.__table__.insert(),
                           [{"customer_id": row["id"], "tag": tag, "shop_id": shop.id} for tag in tags])
    group = session().identity_map.get(identity_key(Group, row["default_group_id"]))
    if group is not None:
        session().expire(group, ["member_count"])
    membership_changed.send(shop.id, group_key=row["default_group_key"], added=[row["id"]], removed=[])
    return NewCustomer(StoredCustomer.from_row(row, sorted(tags), shop.currency), row["default_group_key"],
                       [tuple(group) for group in row["dynamic_groups"] or ()])


def _scalar_default(column) -> Any:
    """The model's default of a column when it is a plain value (else None)."""
    return None if column.default is None or column.default.is_callable else column.default.arg


#: A new customer's columns the event leaves out (``registered_at`` is bound to the event's time).
_NEW_CUSTOMER_DEFAULTS = {name: _scalar_default(Customer.__table__.c[name]) for name in CUSTOMER_COLUMNS}
#: Columns no event sends, at their defaults: inside a CTE SQLAlchemy applies no Python defaults.
_UNSENT_DEFAULTS = {column.name: _scalar_default(column) for column in Customer.__table__.c
                    if column.name not in CUSTOMER_COLUMNS and _scalar_default(column) is not None}


@lru_cache(maxsize=1)
def _registering_statement() -> Select:
    """Built once: composing and compiling these CTEs took more CPU than running them."""
    customers, groups = Customer.__table__, Group.__table__
    memberships, history = Membership.__table__, MembershipEvent.__table__
    shop_id, now = bindparam("event_shop_id"), bindparam("event_now", type_=UtcDateTime)
    default = select(groups.c.id, groups.c.key).where(groups.c.shop_id == shop_id, groups.c.is_default).cte("default")
    new = (
        postgresql.insert(customers)
        .values(shop_id=shop_id, external_id=bindparam("external_id"), created_at=now, updated_at=now,
                **_UNSENT_DEFAULTS, **{name: bindparam(name, type_=customers.c[name].type) for name in CUSTOMER_COLUMNS})
        .on_conflict_do_nothing().returning(*customers.c).cte("new")
    )
    joined = postgresql.insert(memberships).from_select(
        ["group_id", "customer_id", "shop_id", "source", "since"],
        select(default.c.id, new.c.id, shop_id, literal("default"), now).select_from(new.join(default, true())),
    ).on_conflict_do_nothing().returning(memberships.c.customer_id).cte("joined")
    recorded = history.insert().from_select(
        ["shop_id", "group_id", "customer_id", "change", "source", "actor", "at"],
        select(shop_id, default.c.id, joined.c.customer_id, literal("entered"), literal("default"),
               bindparam("event_actor"), now).select_from(joined.join(default, true())),
    ).returning(history.c.id).cte("recorded")
    counted = (
        update(groups).where(groups.c.id == select(default.c.id).scalar_subquery())
        .values(member_count=groups.c.member_count + select(func.count()).select_from(joined).scalar_subquery(),
                updated_at=now)
        .returning(groups.c.id).cte("counted")
    )
    listed = (
        select(func.json_agg(postgresql.aggregate_order_by(
            func.json_build_array(groups.c.id, groups.c.key, groups.c.condition), groups.c.key)))
        .where(groups.c.shop_id == shop_id, groups.c.kind == "dynamic").scalar_subquery()
    )
    return (
        select(*(new.c[name] for name in _STORED_COLUMNS), default.c.id.label("default_group_id"),
               default.c.key.label("default_group_key"), type_coerce(listed, postgresql.JSON).label("dynamic_groups"))
        .select_from(default.outerjoin(new, true())).add_cte(recorded, counted)
    )


def _first_events_by_columns(shop: Shop, events: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Each ``external_id``'s first event (the one that may register it), as rows of one
    statement per run of events naming the same columns (a column left out takes the model's
    default)."""
    first: dict[str, dict[str, Any]] = {}
    for fields in events:
        first.setdefault(fields["external_id"], fields)
    for _names, rows in _runs_of_same_columns(shop, first.values()):
        yield rows


def _known_ids(shop: Shop, external_ids: set[str]) -> dict[str, int]:
    if not external_ids:
        return {}
    return dict(session().execute(
        select(Customer.external_id, Customer.id)
        .where(Customer.shop_id == shop.id, Customer.external_id.in_(external_ids))
    ).all())


def _update_known(shop: Shop, events: list[dict[str, Any]]) -> None:
    """The fields each event sends, in the events' order (an event sending none touches only
    ``updated_at``)."""
    for names, rows in _runs_of_same_columns(shop, events):
        table = Customer.__table__
        session().connection().execute(
            update(table)
            .where(table.c.shop_id == shop.id, table.c.external_id == bindparam("event_external_id"))
            .values({**{name: bindparam(f"new_{name}") for name in names}, "updated_at": bindparam("new_updated_at")}),
            [{**{f"new_{name}": row[name] for name in names}, "event_external_id": row["external_id"],
              "new_updated_at": utcnow()} for row in rows],
        )


def _runs_of_same_columns(shop: Shop, events) -> Iterator[tuple[tuple[str, ...], list[dict[str, Any]]]]:
    """Consecutive events naming the same customer columns, as rows of one executemany."""
    rows = (
        {"shop_id": shop.id, "external_id": fields["external_id"],
         **{name: fields[name] for name in CUSTOMER_COLUMNS if name in fields}}
        for fields in events
    )
    for names, run in groupby(rows, key=lambda row: tuple(name for name in row if name in CUSTOMER_COLUMNS)):
        yield names, list(run)


def customers_by_external_id(shop: Shop, external_ids: list[str]) -> dict[str, int]:
    """Internal ids by external id, in the order given (the rows come in whatever order the
    plan reads them); refuses the whole list (404, as for any other shop's data) if any id is
    unknown to this shop."""
    found = _known_ids(shop, set(external_ids))
    unknown = [external_id for external_id in external_ids if external_id not in found]
    if unknown:
        listed = ", ".join(unknown[:10])
        raise NotFound(f"No customers {listed} in this shop.", fields={"customer_ids": [f"unknown: {listed}"]})
    return {external_id: found[external_id] for external_id in external_ids}


def stored_customers(shop: Shop, customer_ids: list[int]) -> dict[int, StoredCustomer]:
    """The shop's customers as stored now, with their tags: two Core queries, no ORM objects."""
    customers, tags = Customer.__table__, CustomerTag.__table__
    tags_by_customer: dict[int, list[str]] = {}
    for customer_id, tag in session().execute(
        select(tags.c.customer_id, tags.c.tag).where(tags.c.shop_id == shop.id, tags.c.customer_id.in_(customer_ids))
        .order_by(tags.c.customer_id, tags.c.tag)
    ):
        tags_by_customer.setdefault(customer_id, []).append(tag)
    return {row["id"]: StoredCustomer.from_row(row, tags_by_customer.get(row["id"], []), shop.currency)
            for row in session().execute(
                select(*(customers.c[name] for name in _STORED_COLUMNS))
                .where(customers.c.shop_id == shop.id, customers.c.id.in_(customer_ids))
            ).mappings()}


def group_keys_by_customer(shop: Shop, customer_ids: list[int]) -> dict[int, list[str]]:
    """Each customer's group keys in key order, for many customers in one query."""
    keys: dict[int, list[str]] = {}
    for customer_id, key in session().execute(
        select(Membership.customer_id, Group.key).join(Group, Group.id == Membership.group_id)
        .where(Group.shop_id == shop.id, Membership.customer_id.in_(customer_ids))
        .order_by(Membership.customer_id, Group.key)
    ):
        keys.setdefault(customer_id, []).append(key)
    return keys


def get_customer(shop: Shop, external_id: str, *, held: bool = False) -> Customer | None:
    """``held``: the row is locked until the transaction ends (``FOR NO KEY UPDATE``) and read as
    it is once the lock is granted, so that two events about one customer take turns."""
    query = select(Customer).where(Customer.shop_id == shop.id, Customer.external_id == external_id)
    if held:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    return session().scalar(query)


def _replace_tags(shop: Shop, tags_by_customer: dict[int, list[str]]) -> None:
    """Each customer's tags become exactly those of their last event that sent tags."""
    if not tags_by_customer:
        return
    session().execute(delete(CustomerTag).where(CustomerTag.customer_id.in_(list(tags_by_customer))))
    rows = [
        {"customer_id": customer_id, "tag": tag, "shop_id": shop.id}
        for customer_id, tags in tags_by_customer.items() for tag in dict.fromkeys(tags)
    ]
    if rows:
        session().execute(CustomerTag.__table__.insert(), rows)
