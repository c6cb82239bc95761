"""The customers of a group, a condition or the Customers page's list, page by page, as rows of
the customers CSV format."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Union
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from ..db import session
from ..errors import Conflict
from ..models import Customer, CustomerTag, Group, Membership, Shop
from ..models._columns import utcnow
from ..schemas import CustomerInSchema
from ..segments.clock import ShopClock
from ..segments.compiler import matching_customers
from ..services.customer_search import filtered_customers
from ..services.groups import get_group, valid_condition

#: The columns of the customers CSV (SPEC §5), in the schema's order: an export imports again.
COLUMNS = tuple(field.data_key or name for name, field in CustomerInSchema().load_fields.items())
#: Customers read per round trip.
PAGE = 1000


@dataclass(frozen=True)
class Listed:
    """The Customers page's list as it stands: search text, a group and a condition together,
    which neither a group key nor a condition can say alone."""

    q: str = ""
    group: str | None = None
    condition: dict | None = None


#: What to export: a group's key, a SPEC §3 condition (the customers page's filters), or a list.
Source = Union[str, dict, Listed]


def resolve(shop: Shop, source: Source) -> Group | Select:
    """The group, or the statement listing the ids of a condition's or a ``Listed``'s customers
    now, in id order; refuses what cannot be exported before any work starts."""
    if isinstance(source, str):
        return _stored_group(shop, source)
    now = utcnow()
    if isinstance(source, dict):
        matching = matching_customers(valid_condition(source), shop.id, ShopClock.at(now, shop.timezone)).subquery()
        return select(matching.c.customer_id).order_by(matching.c.customer_id)
    # The Customers page's own query, for the same search, group and condition.
    group_id = _stored_group(shop, source.group).id if source.group is not None else None
    condition = valid_condition(source.condition) if source.condition is not None else None
    listing = filtered_customers(shop, q=source.q, group_id=group_id, condition=condition, now=now)
    return listing.with_only_columns(Customer.id).order_by(Customer.id)


def _stored_group(shop: Shop, key: str) -> Group:
    group = get_group(shop, key)
    if group.builtin:
        raise Conflict(f"{group.name} is built in and has no stored members.")
    return group


def member_external_ids(group: Group) -> Iterator[str]:
    """The group's members' external ids in customer-id order, a keyset page at a time."""
    for page in _member_id_pages(group):
        yield from session().scalars(
            select(Customer.external_id).where(Customer.id.in_(page)).order_by(Customer.id)
        )


def customer_rows(shop: Shop, source: Source) -> Iterator[list[str]]:
    """Each customer of ``source`` as a row under ``COLUMNS``, streamed; ``source`` is checked at
    the call, so a bad one is refused before any file is written."""
    target = resolve(shop, source)
    pages = _member_id_pages(target) if isinstance(target, Group) else _streamed_ids(target)
    return _rows(pages, ZoneInfo(shop.timezone))


def _member_id_pages(group: Group) -> Iterator[list[int]]:
    # The page is cut from the membership key alone (see ``members.page_of_members``).
    after = -1
    while True:
        ids = list(session().scalars(
            select(Membership.customer_id)
            .where(Membership.group_id == group.id, Membership.customer_id > after)
            .order_by(Membership.customer_id).limit(PAGE)
        ))
        if not ids:
            return
        yield ids
        after = ids[-1]


def _streamed_ids(ids: Select) -> Iterator[list[int]]:
    """One evaluation of the statement, its ids read a page at a time (a server-side cursor on
    PostgreSQL)."""
    result = session().execute(ids.execution_options(yield_per=PAGE))
    for partition in result.partitions():
        yield [row[0] for row in partition]


def _rows(pages: Iterator[list[int]], zone: ZoneInfo) -> Iterator[list[str]]:
    columns = [getattr(Customer, name) for name in COLUMNS if name != "tags"]
    for ids in pages:
        tags: dict[int, list[str]] = {}
        for customer_id, tag in session().execute(
            select(CustomerTag.customer_id, CustomerTag.tag).where(CustomerTag.customer_id.in_(ids))
            .order_by(CustomerTag.customer_id, CustomerTag.tag)
        ):
            tags.setdefault(customer_id, []).append(tag)
        for customer_id, *values in session().execute(
            select(Customer.id, *columns).where(Customer.id.in_(ids)).order_by(Customer.id)
        ):
            yield [_text(value, zone) for value in values] + [";".join(tags.get(customer_id, ()))]


def _text(value: Any, zone: ZoneInfo) -> str:
    """A value as the import reads it back: ISO 8601 times in the shop's timezone, true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
