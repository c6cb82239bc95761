"""Column helpers shared by the models."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey, Integer
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """Aware datetimes stored in UTC on every database.

    SQLite keeps no offset: without this, 10:00+02:00 and 10:00Z would be stored alike and
    time windows would compare wall-clock strings. Naive values are refused, never guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give it a time zone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def created_at():
    return mapped_column(UtcDateTime, default=utcnow, nullable=False)


def updated_at():
    return mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)


def shop_column():
    """The owning shop, without a foreign key, for rows that reach it through a parent that has
    one (an activity through its customer, an item through its activity), which their own
    foreign key already requires and whose deletion already cascades to them. The check on
    every insert cost a quarter of PostgreSQL's work in writing activities and their items
    (migration 0011)."""
    return mapped_column(Integer, nullable=False)


def shop_fk(*, indexed: bool = True):
    """The owning shop. ``indexed=False`` where an index or unique constraint already leads with
    ``shop_id``: that one serves the shop's lookups and its deletion, and a second index only
    costs every insert (an import writes millions)."""
    return mapped_column(ForeignKey("cg_shops.id", ondelete="CASCADE"), nullable=False, index=indexed)
