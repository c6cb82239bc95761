"""Storing customers from the host's events, and finding them again."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update

from ..db import session
from ..errors import NotFound
from ..models import Customer, CustomerTag, Membership, Shop
from ..models.customer import FULL_NAME
from ..models._columns import utcnow
from ..segments.clock import ShopClock
from ..segments.compiler import customer_filter
from ..segments.conditions import Condition
from ..sql import insert_ignoring_duplicates
from .members import add_members, default_group

CUSTOMER_COLUMNS = (
    "first_name", "last_name", "email", "phone", "gender", "birthday", "city", "card_number",
    "registered_at", "email_opt_in", "sms_opt_in",
)


def register_customer(shop: Shop, fields: dict[str, Any], *, actor: str = "") -> tuple[Customer, bool]:
    """Store or update a customer by ``external_id``; a new one joins the default group.

    Returns the customer and whether it was new. Sending the same event twice changes nothing.
    """
    columns = {name: fields[name] for name in CUSTOMER_COLUMNS if name in fields}
    db = session()
    customer_id = db.scalar(
        insert_ignoring_duplicates(Customer)
        .values(shop_id=shop.id, external_id=fields["external_id"], **columns)
        .returning(Customer.id)
    )
    created = customer_id is not None
    if created:
        add_members(shop, default_group(shop), [customer_id], source="default", actor=actor)
    else:
        customer_id = db.scalar(
            update(Customer)
            .where(Customer.shop_id == shop.id, Customer.external_id == fields["external_id"])
            .values(**columns, updated_at=utcnow())
            .returning(Customer.id)
        )
    if "tags" in fields:
        _replace_tags(shop, customer_id, fields["tags"])
    return db.get(Customer, customer_id, populate_existing=True), created


def customers_by_external_id(shop: Shop, external_ids: list[str]) -> dict[str, int]:
    """Internal ids by external id; refuses the whole list (404, as for any other shop's data)
    if any id is unknown to this shop."""
    found = dict(session().execute(
        select(Customer.external_id, Customer.id)
        .where(Customer.shop_id == shop.id, Customer.external_id.in_(external_ids))
    ).all())
    unknown = [external_id for external_id in external_ids if external_id not in found]
    if unknown:
        listed = ", ".join(unknown[:10])
        raise NotFound(f"No customers {listed} in this shop.", fields={"customer_ids": [f"unknown: {listed}"]})
    return found


def get_customer(shop: Shop, external_id: str) -> Customer | None:
    return session().scalar(
        select(Customer).where(Customer.shop_id == shop.id, Customer.external_id == external_id)
    )


#: Sort orders of the Customers page; a leading ``-`` is descending. Ties go by id.
SORTS = {
    "registered": (Customer.id,),
    "name": (func.lower(Customer.last_name), func.lower(Customer.first_name)),
    "spent": (Customer.spent_milli,),
    "visits": (Customer.visits,),
    "last_visit": (Customer.last_visit_at,),
}
#: Columns that may be empty; customers without a value come last either way, on every database.
NULLABLE_SORTS = {"last_visit"}


def search_customers(
    shop: Shop, *, q: str = "", group_id: int | None = None, condition: Condition | None = None,
    now: datetime | None = None, sort: str = "registered", page: int = 1, per_page: int = 50,
) -> tuple[list[Customer], bool]:
    """A page of customers matching ``q`` (a name, email or phone prefix, a card number or
    external id), a group and a condition (the Customers page's filters), sorted; also says
    whether another page follows."""
    query = filtered_customers(shop, q=q, group_id=group_id, condition=condition, now=now)
    query = query.order_by(*_order(sort)).offset((page - 1) * per_page).limit(per_page + 1)
    rows = list(session().scalars(query))
    return rows[:per_page], len(rows) > per_page


def filtered_customers(shop: Shop, *, q: str = "", group_id: int | None = None,
                       condition: Condition | None = None, now: datetime | None = None) -> Select:
    """``SELECT`` of the shop's customers narrowed by search, group and condition (unordered)."""
    query = select(Customer).where(Customer.shop_id == shop.id)
    if q.strip():
        query = query.where(_matches(q.strip()))
    if group_id is not None:
        query = query.join(Membership, Membership.customer_id == Customer.id).where(Membership.group_id == group_id)
    if condition is not None:
        query = query.where(customer_filter(condition, shop.id, ShopClock.at(now or utcnow(), shop.timezone)))
    return query


def _order(sort: str) -> list:
    name = sort.removeprefix("-")
    descending = sort.startswith("-")
    columns = [column.desc() if descending else column.asc() for column in SORTS[name]]
    if name in NULLABLE_SORTS:
        columns = [column.nulls_last() for column in columns]
    return [*columns, Customer.id.desc() if descending else Customer.id]


def _matches(q: str):
    words = q.lower().split()
    prefix = _like_prefix(q.lower())
    name_match = (
        func.lower(FULL_NAME).like(prefix, escape="\\")
        | func.lower(Customer.last_name).like(prefix, escape="\\")
    )
    if len(words) == 2:
        name_match |= (func.lower(Customer.last_name) == words[0]) & (func.lower(Customer.first_name) == words[1])
    return or_(
        name_match,
        func.lower(Customer.email).like(prefix, escape="\\"),
        Customer.phone.like(_like_prefix(q.replace(" ", "")), escape="\\"),
        Customer.card_number == q,
        Customer.external_id == q,
    )


def _like_prefix(text: str) -> str:
    """A LIKE pattern matching values that start with ``text`` taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _replace_tags(shop: Shop, customer_id: int, tags: list[str]) -> None:
    session().execute(delete(CustomerTag).where(CustomerTag.customer_id == customer_id))
    if tags:
        session().execute(CustomerTag.__table__.insert(), [
            {"customer_id": customer_id, "tag": tag, "shop_id": shop.id} for tag in dict.fromkeys(tags)
        ])
