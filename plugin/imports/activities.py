"""Merging a chunk of activity rows: each replaces the stored activity of its external id, items too."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, and_, exists, func, literal, or_, select, update

from ..db import session
from ..models import Activity, ActivityItem, Customer, Shop
from ..models._columns import UtcDateTime
from ..money import MILLI
from ..services.activities import ITEM_FIELDS
from ..sql import dialect_name, insert_ignoring_duplicates
from . import staging
from .bulk import RawFile
from .checks import quote
from .errors import ImportFailed
from .rows import CACHE_LIMIT

#: The stored columns an activity row sets (besides its customer), in the staging table's order.
STORED = ("kind", "status", "occurred_at", "amount_milli", "currency", "location", "channel")


class ActivityChunks:
    """Writes chunks of loaded activity rows; a row names its customer by external id."""

    tables = (staging.activities, staging.items)
    written_tables = (Activity.__table__, ActivityItem.__table__)
    #: The last row naming an activity is the whole activity, as its latest event would be.
    merges_repeated_rows = False

    def __init__(self, shop: Shop, header: list[str], *, actor: str, now: datetime):
        self.shop = shop
        self.now = now
        self.currency = shop.currency
        self._milli: dict[str, int] = {}

    def prepare(self, row: int, data: dict[str, Any]) -> dict[str, Any]:
        """What ``record_activity`` does beyond the schema: the shop's currency (written in any
        case), the amount in thousandths. (A missing time stays ``None``: a new activity gets the
        import's time, a stored one keeps its own, so re-importing the file changes nothing.)"""
        currency = data.get("currency")
        if currency is not None and currency.upper() != self.currency.upper():  # ``ron`` is RON
            raise ImportFailed(row, "currency", f"this shop counts in {self.currency}, not {currency}")
        data["currency"] = self.currency
        amount = data["amount"]
        milli = self._milli.get(amount)
        if milli is None:  # the schema allows at most 3 decimals, so this is exact
            milli = int(Decimal(amount) * MILLI)
            if len(self._milli) < CACHE_LIMIT:
                self._milli[amount] = milli
        data["amount_milli"] = milli
        return data

    def certified_rows(self) -> list[str]:
        """What ``prepare`` refuses, as SQL over the staged text (``bulk``): another currency (the
        shop's in another case is certified for letters whose upper case SQL and Python agree on)."""
        return [f"(currency IS NULL OR currency = {quote(self.currency)} "
                f"OR (currency ~ '^[A-Za-z]+$' AND upper(currency) = {quote(self.currency.upper())}))"]

    def canonical_overrides(self, data: dict[str, Any]) -> dict[str, Any]:
        """The amount as plain digits: the schema also lets other scripts' digits through."""
        return {"amount": format(Decimal(data["amount_milli"]) / MILLI, "f")}

    def stage_file(self, raw: RawFile) -> None:
        """The whole file as the staging tables: views over ``raw``."""
        raw.create_view(staging.activities.name, {
            "row_no": "r.row_no", "external_id": "r.external_id", "customer_external_id": "r.customer_external_id",
            **{name: raw.cell(name) for name in STORED if name not in ("amount_milli", "currency")},
            "amount_milli": f"(({raw.cell('amount')})::numeric * {MILLI})::bigint",
            "currency": quote(self.currency),  # (a row's, certified or canonical, is the shop's)
        })
        lists = ", ".join(f"({quote(item_type)}, r.{field})" for field, item_type in ITEM_FIELDS.items())
        raw.create_view(staging.items.name, {"external_id": "r.external_id", "item_type": "lists.item_type",
                                             "value": "items.item"},
                        f"CROSS JOIN LATERAL (VALUES {lists}) AS lists (item_type, cell) "
                        f"CROSS JOIN LATERAL ({raw.list_items('cell', source='lists')}) AS items")

    def write(self, chunk: list[tuple[int, dict[str, Any]]]) -> tuple[int, int, int]:
        """Store a chunk of rows naming one activity each (the importer checks the file's customers,
        then ``spool`` folds its rows); returns (activities in it, created, updated)."""
        staging.refill(staging.activities, [
            (row, data["external_id"], data["customer_external_id"], *(data[name] for name in STORED))
            for row, data in chunk
        ])
        staging.refill(staging.items, [
            (data["external_id"], item_type, value)
            for _, data in chunk for field, item_type in ITEM_FIELDS.items() for value in dict.fromkeys(data[field])
        ])
        return len(chunk), *self.merge(records=len(chunk))

    def merge(self, records: int) -> tuple[int, int]:
        """Store the staged activities (``records`` of them); returns (created, updated)."""
        updated = self._update_known()
        created = self._insert_new()
        self._replace_items(every_activity_is_new=created == records)
        return created, updated

    def check_database(self, before: int | None, staged: Table = staging.activities) -> None:
        """Refuse the first row of ``staged`` (before row ``before``) whose customer the shop does not have."""
        customer = Customer.__table__
        query = (select(staged.c.row_no, staged.c.customer_external_id)
                 .where(~exists().where(customer.c.shop_id == self.shop.id,
                                        customer.c.external_id == staged.c.customer_external_id))
                 .order_by(staged.c.row_no).limit(1))
        if before is not None:
            query = query.where(staged.c.row_no < before)
        unknown = session().execute(query).first()
        if unknown is not None:
            raise ImportFailed(
                unknown.row_no, "customer_external_id",
                f"no customer {unknown.customer_external_id!r} in this shop; import the customers first",
            )

    def _owner(self):
        staged, customer = staging.activities, Customer.__table__
        return and_(customer.c.shop_id == self.shop.id, customer.c.external_id == staged.c.customer_external_id)

    def _update_known(self) -> int:
        activity, staged, customer = Activity.__table__, staging.activities, Customer.__table__
        values = {"customer_id": customer.c.id, **{name: staged.c[name] for name in STORED},
                  "occurred_at": func.coalesce(staged.c.occurred_at, activity.c.occurred_at)}
        changed = or_(*(activity.c[name].is_distinct_from(value) for name, value in values.items()))
        return session().execute(
            update(activity)
            .where(activity.c.shop_id == self.shop.id, activity.c.external_id == staged.c.external_id,
                   self._owner(), changed)
            .values(**values, updated_at=literal(self.now, UtcDateTime))
        ).rowcount

    def _insert_new(self) -> int:
        """Inserted by customer, then time, and their items by activity: the indexes that lead
        with the customer (or with a location, then the customer) then grow at a few places
        instead of all over, which matters once they outgrow PostgreSQL's buffers. A file comes
        in time order, which scatters each customer's activities across those indexes."""
        staged, customer = staging.activities, Customer.__table__
        now = literal(self.now, UtcDateTime)
        columns = {
            "shop_id": literal(self.shop.id), "external_id": staged.c.external_id, "customer_id": customer.c.id,
            **{name: staged.c[name] for name in STORED}, "created_at": now, "updated_at": now,
            "occurred_at": func.coalesce(staged.c.occurred_at, now),
        }
        return session().execute(
            insert_ignoring_duplicates(Activity.__table__)
            .from_select(list(columns), select(*columns.values()).where(self._owner())
                         .order_by(customer.c.id, columns["occurred_at"]))
            .execution_options(preserve_rowcount=True)
        ).rowcount

    def _replace_items(self, *, every_activity_is_new: bool) -> None:
        """Each activity of the chunk keeps exactly the items its row lists."""
        activity, staged, staged_items, item = (
            Activity.__table__, staging.activities, staging.items, ActivityItem.__table__
        )
        wanted = select(activity.c.id, staged_items.c.item_type, staged_items.c.value).where(
            activity.c.shop_id == self.shop.id, activity.c.external_id == staged_items.c.external_id
        )
        if not every_activity_is_new:
            in_chunk = select(activity.c.id).where(
                activity.c.shop_id == self.shop.id, activity.c.external_id == staged.c.external_id
            )
            still_wanted = wanted.where(activity.c.id == item.c.activity_id,
                                        staged_items.c.item_type == item.c.item_type, staged_items.c.value == item.c.value)
            session().execute(item.delete().where(item.c.activity_id.in_(in_chunk), ~exists(still_wanted)))
        # New activities have no items, and no one else sees them yet to add any: a plain INSERT
        # spares PostgreSQL the speculative insertion of ON CONFLICT, row by row.
        insert = item.insert() if every_activity_is_new else insert_ignoring_duplicates(item)
        rows = wanted.add_columns(literal(self.shop.id))
        if dialect_name() == "postgresql":
            # Only there: SQLite takes the ORDER BY as a reason to walk every activity of the
            # shop in id order, scanning the chunk's items for each one (200,000 activities
            # took 20 minutes instead of seconds); its B-trees don't need the order anyway.
            rows = rows.order_by(activity.c.id)
        session().execute(insert.from_select(["activity_id", "item_type", "value", "shop_id"], rows))
