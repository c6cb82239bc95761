"""Creating, changing and deleting groups, and switching the shop's default group."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from ..db import session
from ..errors import Conflict, ValidationFailed
from ..models import CustomerCount, Group, Membership, MembershipEvent, Shop
from ..models.group import STANDARD_KEY
from ..models._columns import utcnow
from ..segments.clock import ShopClock
from ..segments.conditions import Condition, ConditionError, check_years, parse_condition
from ..segments.refresh import refresh_group
from .keys import RESERVED_GROUP_KEYS, slugify, taken_group_keys, unused_key
from .members import hold_group, missing_group, rehome_members_of, reread_group
from .rules import detach_group
from .shops import hold_shop


def list_groups(shop: Shop) -> list[Group]:
    """Default group first, built-in groups last, the rest by name."""
    return list(session().scalars(
        select(Group).where(Group.shop_id == shop.id)
        .order_by(Group.is_default.desc(), Group.builtin, Group.name_folded)
    ))


def customer_count(shop: Shop) -> int:
    """The shop's customers, for each group's share: one row the database's triggers keep, not a
    COUNT over a million customers on every page."""
    return session().scalar(select(CustomerCount.customers).where(CustomerCount.shop_id == shop.id)) or 0


def get_group(shop: Shop, key: str) -> Group:
    group = session().scalar(select(Group).where(Group.shop_id == shop.id, Group.key == key))
    if group is None:
        raise missing_group(key)
    return group


def create_group(shop: Shop, fields: dict[str, Any], *, now: datetime | None = None) -> Group:
    """A static group, or a dynamic one whose members are computed at once."""
    fields = dict(fields)
    make_default = fields.pop("is_default", False)
    _check_kind(fields.get("kind", "static"), fields.get("condition"))
    _check_name_free(shop, fields["name"])
    key = fields.pop("key", None) or unused_key(slugify(fields["name"]), taken_group_keys(shop))
    if key in RESERVED_GROUP_KEYS:
        raise ValidationFailed.on("key", f"{key!r} is a reserved word; choose another key")
    if session().scalar(select(Group.id).where(Group.shop_id == shop.id, Group.key == key)):
        raise Conflict(f"A group with key {key!r} exists already.", fields={"key": ["already taken"]})
    group = Group(shop_id=shop.id, key=key, **fields)
    session().add(group)
    session().flush()
    if make_default:
        make_default_group(shop, group)
    if group.kind == "dynamic":
        refresh_group(shop, group, ShopClock.at(now or utcnow(), shop.timezone))
    return group


def update_group(shop: Shop, group: Group, changes: dict[str, Any]) -> Group:
    changes = dict(changes)
    make_default = changes.pop("is_default", None)
    if "name" in changes and changes["name"].casefold() != group.name_folded:
        _check_name_free(shop, changes["name"])
    if "condition" in changes:
        _check_kind(group.kind, changes["condition"])
    if make_default is False and group.is_default:
        raise ValidationFailed.on("is_default", "a shop always has a default group: make another group the default instead")
    if make_default and not group.is_default:
        # Before the changes: their flush locks the group's row, and a deletion holding the
        # shop's row waits for that one while the switch waits for the shop's (a deadlock).
        make_default_group(shop, group)
    if not hold_group(group):  # deleted by the request we waited for: the UPDATE would match no row
        raise missing_group(group.key)
    for field, value in changes.items():
        setattr(group, field, value)
    session().flush()
    if "condition" in changes and group.kind == "dynamic":
        refresh_group(shop, group, ShopClock.at(utcnow(), shop.timezone))
    return group


def make_default_group(shop: Shop, group: Group) -> None:
    """One atomic switch: the shop row is locked so concurrent switches queue up, not collide.

    The lock is an UPDATE's (``FOR NO KEY UPDATE``), not ``FOR UPDATE``: a group just inserted
    holds a share lock on its shop (the foreign key), which ``FOR UPDATE`` would wait for, so two
    groups created as the default at once deadlocked.
    """
    if group.builtin or group.kind != "static":
        raise ValidationFailed.on("is_default", "only a static group can be the default group")
    hold_shop(shop)
    reread_group(group)  # one deleted meanwhile: clearing the old default would leave none
    session().execute(
        update(Group).where(Group.shop_id == shop.id, Group.is_default, Group.id != group.id)
        .values(is_default=False)
    )
    session().execute(
        update(Group).where(Group.id == group.id).values(is_default=True)
    )
    session().expire(group, ["is_default"])


def _check_kind(kind: str, condition: Any) -> None:
    """A dynamic group needs a valid condition; a static one has none."""
    if kind == "static":
        if condition is not None:
            raise ValidationFailed.on("condition", "only a dynamic group has a condition")
        return
    if condition is None:
        raise ValidationFailed.on("condition", "a dynamic group needs a condition")
    valid_condition(condition)


def valid_condition(data: Any) -> Condition:
    """The parsed condition, or a 422 naming the path of the first mistake in it."""
    try:
        condition = parse_condition(data)
        check_years(condition, data)
        return condition
    except ConditionError as error:
        field = "condition" if error.path == "condition" else f"condition.{error.path}"
        raise ValidationFailed.on(field, error.message) from None


def delete_group(shop: Shop, group: Group, *, actor: str) -> list[int]:
    """Delete a group; returns the customers moved to the default group so that none is lost.

    The shop's row, then the group's are locked first: writers adding members (which lock the
    group's row) finish before, or find the group gone after; none is half-way through when the
    row is deleted.
    """
    hold_shop(shop)
    reread_group(group, lock=True)
    if group.key == STANDARD_KEY:  # first: making another group the default would not help
        raise Conflict(f"{group.name} is the group every shop starts with: it can be renamed and recoloured, never deleted.")
    if group.is_default:
        raise Conflict("The default group cannot be deleted; make another group the default first.")
    if group.builtin:
        raise Conflict(f"{group.name} is built in and cannot be deleted.")
    moved = rehome_members_of(shop, group, actor=actor)
    detach_group(shop, group.key)
    session().execute(delete(MembershipEvent).where(MembershipEvent.group_id == group.id))
    session().execute(delete(Membership).where(Membership.group_id == group.id))
    session().delete(group)
    session().flush()
    return moved


def _check_name_free(shop: Shop, name: str) -> None:
    clash = session().scalar(
        select(Group.name).where(Group.shop_id == shop.id, Group.name_folded == name.casefold())
    )
    if clash is not None:
        raise Conflict(f"A group named {clash!r} exists already.", fields={"name": ["already taken (names ignore case)"]})
