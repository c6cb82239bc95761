"""Adding and removing group members: set differences, kept counts and a recorded history."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.orm import aliased

from ..db import session
from ..errors import Conflict, NotFound
from ..models import Customer, Group, Membership, MembershipEvent, Shop
from ..signals import membership_changed
from ..sql import dialect_name, insert_ignoring_duplicates
from .shops import hold_shop

SOURCE_WORDS = {
    "default": "joined the default group", "manual": "added by an admin", "import": "imported from a file",
    "api": "added through the API", "condition": "matches the group's condition",
}

#: Rows per INSERT statement, well under both databases' bound-parameter limits.
CHUNK = 500


def default_group(shop: Shop) -> Group:
    return session().scalar(select(Group).where(Group.shop_id == shop.id, Group.is_default))


def missing_group(key: str) -> NotFound:
    """What a request hears of a group the shop does not have (or no longer has: deleted by the
    request it waited for)."""
    return NotFound(f"No group {key!r} in this shop.")


def reread_group(group: Group, *, lock: bool = False) -> None:
    """Once the shop's row is held: the group as committed now (a default switch that committed
    while we waited counts), or a 404 for one deleted meanwhile; one statement. ``lock``: hold its
    row too (``FOR UPDATE``)."""
    if session().get(Group, group.id, populate_existing=True, with_for_update=lock or None) is None:
        raise missing_group(group.key)


def hold_group(group: Group) -> bool:
    """Lock the group's row until the transaction ends.

    Writers adding customers to the default group take their locks in one order: this row, then
    the shop's customer count, then the group's tallies, as a registration's single statement
    does (it updates ``member_count`` before its triggers fire). A writer taking the count first
    could deadlock with a registration, and PostgreSQL would abort one of them. The lock is an
    UPDATE's (``FOR NO KEY UPDATE``): memberships referencing the group are not held up.
    SQLite has no row locks (it would run the SELECT for nothing): its writers take turns anyway.
    False when the group is gone: deleted by the transaction this one waited for.
    """
    if dialect_name() == "sqlite":
        return True
    return session().scalar(select(Group.id).where(Group.id == group.id).with_for_update(key_share=True)) is not None


def add_members(
    shop: Shop, group: Group, customer_ids: Iterable[int], *, source: str, actor: str = "",
    group_held: bool = False,
) -> list[int]:
    """Add customers to a group; returns the ids that were not members yet.

    The group's row is locked before the memberships are inserted: their foreign key would take
    a share lock first, and raising it to update the size while a deletion waits for the row
    was a deadlock. ``group_held``: the caller took ``hold_group`` already (one round trip less).
    """
    if group.builtin:
        raise Conflict(f"{group.name} is built in and has no stored members.")
    added: list[int] = []
    ids = list(dict.fromkeys(customer_ids))
    if ids and not group_held and not hold_group(group):
        raise missing_group(group.key)
    # One statement compiled once, its rows sent in batches (SQLAlchemy's "insertmanyvalues"):
    # a multi-row VALUES built per call would be compiled again for every chunk.
    statement = insert_ignoring_duplicates(Membership.__table__).returning(Membership.customer_id)
    for start in range(0, len(ids), CHUNK):
        rows = [
            {"group_id": group.id, "customer_id": customer_id, "shop_id": shop.id, "source": source}
            for customer_id in ids[start:start + CHUNK]
        ]
        added.extend(session().scalars(statement, rows))
    _record(shop, group, added, change="entered", source=source, actor=actor)
    return added


def remove_members(
    shop: Shop, group: Group, customer_ids: Sequence[int], *, source: str, actor: str = "",
) -> tuple[list[int], list[int]]:
    """Remove customers from a group; anyone left in no static group lands in the default group.

    Returns the ids removed and, among them, those moved to the default group.
    """
    if group.kind == "static":
        hold_shop(shop)
        reread_group(group)
    if group.is_default and _without_other_static_group(group, customer_ids):
        raise Conflict(
            "A customer always keeps at least one static group: add them to another group "
            "before removing them from the default group."
        )
    removed: list[int] = []
    ids = list(customer_ids)
    for start in range(0, len(ids), CHUNK):
        removed.extend(session().scalars(
            delete(Membership)
            .where(Membership.group_id == group.id, Membership.customer_id.in_(ids[start:start + CHUNK]))
            .returning(Membership.customer_id)
        ))
    _record(shop, group, removed, change="left", source=source, actor=actor)
    if group.kind != "static":
        return removed, []
    orphans = _without_any_static_group(shop, removed)
    return removed, add_members(shop, default_group(shop), orphans, source="default", actor=actor)


def rehome_members_of(shop: Shop, group: Group, *, actor: str) -> list[int]:
    """Before ``group`` goes: move its members who have no other static group to the default."""
    orphans = _without_other_static_group(group, None)
    return add_members(shop, default_group(shop), orphans, source="default", actor=actor)


def count_moving_on_delete(group: Group) -> int:
    """How many members deleting ``group`` would move to the default group (one COUNT, the same
    question ``rehome_members_of`` asks)."""
    return session().scalar(select(func.count()).select_from(_orphans_query(group).subquery()))


def group_keys_of(shop: Shop, customer_id: int) -> list[str]:
    return list(session().scalars(
        select(Group.key).join(Membership, Membership.group_id == Group.id)
        .where(Membership.customer_id == customer_id, Group.shop_id == shop.id)
        .order_by(Group.key)
    ))


def page_of_members(group: Group, *, after: int | None, limit: int) -> tuple[list[Membership], int | None]:
    """One page of memberships in customer-id order (keyset: no OFFSET scan however deep the page).

    The page is cut from the membership key first and only then joined to its customers: joined
    in one step, PostgreSQL may pick a merge join that walks every customer before ``after``.
    """
    page = select(Membership).where(Membership.group_id == group.id)
    if after is not None:
        page = page.where(Membership.customer_id > after)
    member = aliased(Membership, page.order_by(Membership.customer_id).limit(limit + 1).subquery())
    rows = list(session().scalars(select(member).order_by(member.customer_id)))
    next_after = rows[limit - 1].customer_id if len(rows) > limit else None
    return rows[:limit], next_after


def membership_of(group: Group, customer: Customer) -> Membership | None:
    return session().get(Membership, (group.id, customer.id))


def explain(group: Group, customer: Customer) -> dict:
    """Why a customer is (or is not) in a static group: who or what put them there, and when."""
    membership = membership_of(group, customer)
    if membership is None:
        return {"member": False, "source": None, "since": None,
                "reason": f"{customer.display_name} is not in {group.name}."}
    return {"member": True, "source": membership.source, "since": membership.since,
            "reason": f"Added to {group.name} ({SOURCE_WORDS[membership.source]})."}


def _record(shop: Shop, group: Group, customer_ids: list[int], *, change: str, source: str, actor: str) -> None:
    if not customer_ids:
        return
    delta = len(customer_ids) if change == "entered" else -len(customer_ids)
    session().execute(update(Group).where(Group.id == group.id).values(member_count=Group.member_count + delta))
    # RETURNING makes SQLAlchemy send the rows as multi-row INSERTs ("insertmanyvalues"), not one
    # statement per row: the tallies' statement trigger then runs once per chunk, and a refresh
    # recording a million entries does not update the same tally row a million times.
    statement = MembershipEvent.__table__.insert().returning(MembershipEvent.id)
    for start in range(0, len(customer_ids), CHUNK):
        session().execute(statement, [
            {"shop_id": shop.id, "group_id": group.id, "customer_id": customer_id,
             "change": change, "source": source, "actor": actor}
            for customer_id in customer_ids[start:start + CHUNK]
        ])
    session().expire(group, ["member_count"])
    added, removed = (customer_ids, []) if change == "entered" else ([], customer_ids)
    membership_changed.send(shop.id, group_key=group.key, added=added, removed=removed)


def _other_static_membership(customer_id_column, excluded_group_id: int | None):
    other, other_group = aliased(Membership), aliased(Group)
    return exists(
        select(other.customer_id)
        .join(other_group, and_(other_group.id == other.group_id, other_group.kind == "static"))
        .where(other.customer_id == customer_id_column, other.group_id != (excluded_group_id or -1))
    )


def _orphans_query(group: Group):
    return select(Membership.customer_id).where(
        Membership.group_id == group.id, ~_other_static_membership(Membership.customer_id, group.id)
    )


def _without_other_static_group(group: Group, customer_ids: Sequence[int] | None) -> list[int]:
    query = _orphans_query(group)
    if customer_ids is not None:
        query = query.where(Membership.customer_id.in_(customer_ids))
    return list(session().scalars(query))


def _without_any_static_group(shop: Shop, customer_ids: list[int]) -> list[int]:
    if not customer_ids:
        return []
    return list(session().scalars(
        select(Customer.id).where(
            Customer.shop_id == shop.id, Customer.id.in_(customer_ids),
            ~_other_static_membership(Customer.id, None),
        )
    ))

