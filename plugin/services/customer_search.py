"""Finding a shop's customers: the Customers page's search, group and condition filters, sorted
and paged, each read the way its index allows."""
from __future__ import annotations

import math
import string
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql.util import ClauseAdapter

from ..db import session
from ..models import Customer, Group, Membership, Shop
from ..models.customer import FULL_NAME
from ..models._columns import utcnow
from ..segments.clock import ShopClock
from ..segments.compiler import customer_filter
from ..segments.conditions import Condition
from ..sql import dialect_name
from .groups import customer_count


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
    q, order, offset = q.strip(), _order(sort), (page - 1) * per_page
    if q and condition is None:
        rows = _in_order(_best_of_each_match(shop, q, group_id, sort, offset + per_page + 1), order, offset, per_page)
    elif q:
        # Fenced: else the planner walks the sort's index betting that a match comes early, and
        # reads the whole shop for a rare name; this way it finds the matches by the prefix
        # indexes, then sorts them (830 -> 82 ms at 100k customers).
        rows = _in_order(*_fenced(filtered_customers(shop, q=q, group_id=group_id, condition=condition, now=now),
                                  order), offset, per_page)
    elif group_id is not None and condition is None:
        rows = _group_page(shop, group_id, order, offset, per_page)
    else:
        rows = _in_order(filtered_customers(shop, group_id=group_id, condition=condition, now=now),
                         order, offset, per_page)
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
    return [*columns, Customer.id.desc() if descending else Customer.id.asc()]


def _in_order(query: Select, order: list, offset: int, per_page: int) -> list[Customer]:
    """A page of ``query`` and the row after it, if any (which says that another page follows)."""
    return list(session().scalars(query.order_by(*order).offset(offset).limit(per_page + 1)))


def _fenced(query: Select, order: list) -> tuple[Select, list]:
    """``query``'s customers computed first (a materialized CTE the planner cannot look into),
    and ``order`` on its columns: for a set that is small or scattered along every sort's index."""
    fence = query.cte("fenced").prefix_with("MATERIALIZED")
    return select(aliased(Customer, fence)), [ClauseAdapter(fence).traverse(column) for column in order]


def _best_of_each_match(shop: Shop, q: str, group_id: int | None, sort: str, rows: int) -> Select:
    """The customers matching ``q`` (in a group) among which the first ``rows`` in ``sort``'s
    order are: each way of matching's own first ``rows``, each read by its own index.

    One ``OR`` of all the ways sent the planner either down the sort's index, reading the whole
    shop for a rare name, or, fenced, to every match before sorting them: 28,000 rows for a
    common surname at 1M customers. Apart, a common surname reads the name index from that
    surname on and stops after ``rows``; a rare one is a handful of index probes. Read together
    and fenced, as before: by name, the other ways (a longer surname sits in one stretch of the
    name index, which the planner would walk from its start); in a group, every way on the
    other sorts (a common surname in a group of 1% is one customer in 3,600 along the spent
    index: 172,000 rows read for a page, 495 ms against 52 ms fenced).
    """
    order = _order(sort)

    def narrowed(match) -> Select:
        query = select(Customer).where(Customer.shop_id == shop.id, match)
        return query if group_id is None else query.where(_member_of(group_id, Customer.id))

    by_name, others = _match_branches(q)
    if sort.removeprefix("-") == "name":
        walked, fenced = by_name, others
    elif group_id is None:
        walked, fenced = [*by_name, *others], []
    else:
        walked, fenced = [], [*by_name, *others]
    ranked = [(narrowed(match), order) for match in walked]
    if fenced:
        ranked.append(_fenced(narrowed(or_(*fenced)), order))
    tops = [select(top.order_by(*top_order).limit(rows).subquery().c.id) for top, top_order in ranked]
    return select(Customer).where(Customer.shop_id == shop.id, Customer.id.in_(union_all(*tops)))


#: The group filter walks as far along the sort's index as should hold the members a page needs
#: plus this many times their square root (the spread of a random sample's count), at the group's
#: share of the shop.
WALK_SPARE = 3


def _group_page(shop: Shop, group_id: int, order: list, offset: int, per_page: int) -> list[Customer]:
    """A page of a group's members: read along the sort's index when the group is a large share
    of the shop, else (or when that stretch of the index held too few) the members first.

    Joining a large group to the sort let the planner hash all its members and sort them (96,000
    for 443 ms at 1M customers), or walk the whole index when the group's members sort last (a
    group of the lowest spenders, by most spent first: seconds). The walk here is bounded: the
    first ``reach`` customers in order are the first of all, so the members among them are the
    page exactly when there are enough of them.
    """
    members = session().scalar(select(Group.member_count).where(Group.id == group_id, Group.shop_id == shop.id)) or 0
    shoppers = customer_count(shop)
    needed = offset + per_page + 1
    reach = math.ceil((needed + WALK_SPARE * math.sqrt(needed)) * shoppers / members) if members else shoppers
    # A walk reads ``reach`` customers, the other plan each member: walk while that is at most
    # about twice as many rows and short of the whole shop; once more, four times as far, when
    # the stretch held too few by chance. A group the sort puts late (regulars by spent,
    # ascending) falls back after two short walks.
    for reach in (reach, 4 * reach):
        if reach >= shoppers or reach > 2 * members:
            break
        walked = select(Customer).where(Customer.shop_id == shop.id).order_by(*order).limit(reach).subquery("walked")
        customer = aliased(Customer, walked)
        rows = _in_order(select(customer).where(_member_of(group_id, customer.id)),
                         [ClauseAdapter(walked).traverse(column) for column in order], offset, per_page)
        if len(rows) > per_page:
            return rows
    return _in_order(*_fenced(filtered_customers(shop, group_id=group_id), order), offset, per_page)


def _member_of(group_id: int, customer_id) -> Any:
    """Whether the customer is in the group: one probe of the membership's primary key."""
    return select(Membership.customer_id).where(
        Membership.group_id == group_id, Membership.customer_id == customer_id).exists()


def _matches(q: str):
    by_name, others = _match_branches(q)
    return or_(*by_name, *others)


def _match_branches(q: str) -> tuple[list, list]:
    """The ways a customer matches ``q``: those the name index reads in its order (the last name
    equal to the text, or the last and first name to its two words), and the others.

    A last name starting with the text is either equal to it or longer; on PostgreSQL the longer
    ones are the names after the text in byte order, so the pattern index's range skips the
    equal ones (28,000 of a common surname at 1M customers).
    """
    last_name = func.lower(Customer.last_name)
    by_name, others = [], []
    for text in _lowered(" ".join(q.split())):  # "Ana  Pop" is the full name "Ana Pop"
        words, prefix = text.split(), _like_prefix(text)
        by_name.append(last_name == text)
        if len(words) == 2:
            by_name.append((last_name == words[0]) & (func.lower(Customer.first_name) == words[1]))
        longer = last_name.op("~>~")(text) if dialect_name() == "postgresql" else last_name != text
        others += [
            func.lower(FULL_NAME).like(prefix, escape="\\"),
            last_name.like(prefix, escape="\\") & longer,
            func.lower(Customer.email).like(prefix, escape="\\"),
        ]
    return by_name, [
        *others,
        # As typed or without its spaces, so "+40 721" finds "+40 721 000 111" and "+40721…" alike.
        Customer.phone.like(_like_prefix(q), escape="\\"),
        Customer.phone.like(_like_prefix(q.replace(" ", "")), escape="\\"),
        Customer.card_number == q,
        Customer.external_id == q,
    ]


#: SQLite's ``lower()``: it folds the ASCII letters only.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _lowered(q: str) -> list[str]:
    """``q`` as the database's ``lower()`` writes the values that match it: Python's ``lower``,
    and on SQLite also ``q`` with only its ASCII letters folded, since SQLite keeps a stored
    "Ștefan" as "Ștefan" (typed as stored, it was never found)."""
    texts = [q.lower()]
    if dialect_name() == "sqlite" and q.translate(_ASCII_LOWER) != texts[0]:
        texts.append(q.translate(_ASCII_LOWER))
    return texts


def _like_prefix(text: str) -> str:
    """A LIKE pattern matching values that start with ``text`` taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
