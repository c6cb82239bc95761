"""Merging a chunk of customer rows: update the known ones, insert the new, who join the default group."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, exists, func, literal, or_, select, union, update

from ..db import session
from ..models import Customer, CustomerTag, Group, Membership, MembershipEvent, Shop
from ..models._columns import UtcDateTime
from ..services.customers import CUSTOMER_COLUMNS
from ..services.members import add_members, default_group, hold_group
from ..signals import membership_changed
from ..sql import dialect_name, insert_ignoring_duplicates
from . import staging
from .bulk import RawFile

#: How new customers join the default group, in its history.
SOURCE = "import"

#: New members per ``membership_changed`` signal when an import adds them in one statement.
SIGNAL_BATCH = 10_000

#: What a new customer gets for a column the file leaves out or empty (as ``register_customer``).
NEW_CUSTOMER_DEFAULTS: dict[str, Any] = {
    "first_name": "", "last_name": "", "email": "", "phone": "", "gender": "unknown", "birthday": None,
    "city": "", "card_number": "", "email_opt_in": False, "sms_opt_in": False,
}


class CustomerChunks:
    """Writes chunks of loaded customer rows; a row's empty cells leave stored values alone."""

    tables = (staging.customers, staging.tags)
    written_tables = (Customer.__table__, CustomerTag.__table__, Membership.__table__, MembershipEvent.__table__)
    #: Rows naming the same customer add up, as successive updates would.
    merges_repeated_rows = True

    def __init__(self, shop: Shop, header: list[str], *, actor: str, now: datetime):
        self.shop = shop
        self.actor = actor
        self.now = now
        self.given = [name for name in CUSTOMER_COLUMNS if name in header]
        self.with_tags = "tags" in header
        self.default_group = default_group(shop)

    def prepare(self, row: int, data: dict[str, Any]) -> dict[str, Any]:
        return data

    def certified_rows(self) -> list[str]:
        return []

    def canonical_overrides(self, data: dict[str, Any]) -> dict[str, Any]:
        return {}

    def check_database(self, before: int | None, staged: Table | None = None) -> None:
        """Nothing about a customers row needs the database to be refused."""

    def stage_file(self, raw: RawFile) -> None:
        """The whole file as the staging tables: views over ``raw``."""
        raw.create_view(staging.customers.name, {
            "row_no": "r.row_no", "external_id": "r.external_id",
            **{name: raw.cell(name) for name in CUSTOMER_COLUMNS}, "tags_given": "r.tags IS NOT NULL",
        })
        raw.create_view(staging.tags.name, {"external_id": "r.external_id", "tag": "items.item"},
                        f"CROSS JOIN LATERAL ({raw.list_items('tags')}) AS items")

    def write(self, chunk: list[tuple[int, dict[str, Any]]]) -> tuple[int, int, int]:
        """Store a chunk of rows naming one customer each (``spool`` folds the file first);
        returns (customers in it, created, updated)."""
        staging.refill(staging.customers, [
            (row, data["external_id"], *(data.get(name) for name in CUSTOMER_COLUMNS), "tags" in data)
            for row, data in chunk
        ])
        if self.with_tags:
            staging.refill(staging.tags, [
                (data["external_id"], tag) for _, data in chunk if "tags" in data for tag in dict.fromkeys(data["tags"])
            ])
        return len(chunk), *self.merge(records=len(chunk))

    def merge(self, records: int) -> tuple[int, int]:
        """Store the staged customers (``records`` of them); returns (created, updated)."""
        hold_group(self.default_group)  # before the count and the tallies, as registrations
        updated = self._update_known()
        created = self._insert_new()
        if self.with_tags:
            self._replace_tags()
        return created, updated

    def _update_known(self) -> int:
        """Update the known customers a row changes (a column or the tags, which ``_replace_tags``
        writes next); returns how many."""
        if not (self.given or self.with_tags):
            return 0
        customer, staged = Customer.__table__, staging.customers
        values = {name: func.coalesce(staged.c[name], customer.c[name]) for name in self.given}
        changed = or_(*(customer.c[name].is_distinct_from(value) for name, value in values.items()),
                      *([customer.c.id.in_(self._retagged())] if self.with_tags else []))
        return session().execute(
            update(customer)
            .where(customer.c.shop_id == self.shop.id, customer.c.external_id == staged.c.external_id, changed)
            .values(**values, updated_at=literal(self.now, UtcDateTime))
        ).rowcount

    def _insert_new(self) -> int:
        customer, staged = Customer.__table__, staging.customers
        now = literal(self.now, UtcDateTime)
        columns = {
            "shop_id": literal(self.shop.id), "external_id": staged.c.external_id,
            **{name: func.coalesce(staged.c[name], literal(NEW_CUSTOMER_DEFAULTS[name], customer.c[name].type))
               if NEW_CUSTOMER_DEFAULTS[name] is not None else staged.c[name]
               for name in CUSTOMER_COLUMNS if name != "registered_at"},
            "registered_at": func.coalesce(staged.c.registered_at, now),
            "rfm_tier": literal("prospect"), "created_at": now, "updated_at": now,
        }
        insert_new = (
            insert_ignoring_duplicates(customer)
            .from_select(list(columns), select(*columns.values()).where(staged.c.external_id.is_not(None))
                         .order_by(staged.c.row_no))  # ids in the file's order
            .returning(customer.c.id)
        )
        if dialect_name() == "postgresql":
            return self._insert_joining_at_once(insert_new)
        new_ids = list(session().scalars(insert_new))
        add_members(self.shop, self.default_group, sorted(new_ids), source=SOURCE, actor=self.actor,
                    group_held=True)  # by merge
        return len(new_ids)

    def _insert_joining_at_once(self, insert_new) -> int:
        """PostgreSQL: the new customers, their default-group memberships and their history in one
        statement (``add_members`` would send every new id back in batches of a few hundred)."""
        group, now = self.default_group, literal(self.now, UtcDateTime)
        new = insert_new.cte("new_customers")
        joined = insert_ignoring_duplicates(Membership.__table__).from_select(
            ["group_id", "customer_id", "shop_id", "source", "since"],
            select(literal(group.id), new.c.id, literal(self.shop.id), literal(SOURCE), now),
        ).returning(Membership.customer_id).cte("joined")
        history = MembershipEvent.__table__.insert().from_select(
            ["shop_id", "group_id", "customer_id", "change", "source", "actor", "at"],
            select(literal(self.shop.id), literal(group.id), joined.c.customer_id, literal("entered"),
                   literal(SOURCE), literal(self.actor), now),
        ).cte("history")
        joined_count = session().scalar(select(func.count()).select_from(joined).add_cte(history))
        session().execute(update(Group).where(Group.id == group.id).values(member_count=Group.member_count + joined_count))
        session().expire(group, ["member_count"])
        # Listeners hear of the new members a batch at a time: a million ids never sit in memory.
        new_members = (select(Membership.customer_id)
                       .where(Membership.group_id == group.id, Membership.since == now, Membership.source == SOURCE)
                       .order_by(Membership.customer_id).execution_options(yield_per=SIGNAL_BATCH))
        for batch in session().scalars(new_members).partitions():
            membership_changed.send(self.shop.id, group_key=group.key, added=list(batch), removed=[])
        return joined_count

    def _replace_tags(self) -> None:
        """Customers whose row names tags get exactly those: the others go, the missing come."""
        tag = CustomerTag.__table__
        tagged, wanted, wanted_tag = self._tags_named(Customer.__table__, staging.customers, staging.tags, tag)
        session().execute(tag.delete().where(tag.c.customer_id.in_(tagged), ~exists(wanted_tag)))
        session().execute(insert_ignoring_duplicates(tag).from_select(
            ["customer_id", "tag", "shop_id"], wanted.add_columns(literal(self.shop.id)),
        ))

    def _retagged(self):
        """The ids of the known customers whose row names other tags than they have (before
        ``_replace_tags``): over aliases, so that the UPDATE of customers it sits in leaves it whole."""
        customer, staged, staged_tags, tag = (table.alias() for table in (
            Customer.__table__, staging.customers, staging.tags, CustomerTag.__table__))
        tagged, wanted, wanted_tag = self._tags_named(customer, staged, staged_tags, tag)
        dropping = select(tag.c.customer_id).where(tag.c.customer_id.in_(tagged), ~exists(wanted_tag))
        adding = wanted.with_only_columns(customer.c.id).where(
            ~exists().where(tag.c.customer_id == customer.c.id, tag.c.tag == staged_tags.c.tag))
        return union(dropping, adding)

    def _tags_named(self, customer, staged, staged_tags, tag):
        """Selects over these tables: the ids of the known customers whose row names tags, the
        (id, tag) pairs those rows name, and those pairs matching a stored ``tag`` (for EXISTS)."""
        known = and_(customer.c.shop_id == self.shop.id, customer.c.external_id == staged.c.external_id)
        tagged = select(customer.c.id).where(known, staged.c.tags_given)
        wanted = select(customer.c.id, staged_tags.c.tag).where(
            customer.c.shop_id == self.shop.id, customer.c.external_id == staged_tags.c.external_id
        )
        return tagged, wanted, wanted.where(customer.c.id == tag.c.customer_id, staged_tags.c.tag == tag.c.tag)

