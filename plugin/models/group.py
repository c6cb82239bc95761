"""Groups, who is in them, and the record of every entry and exit."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..db import Base, BigId
from ._columns import UtcDateTime, created_at, shop_fk, updated_at, utcnow
from .customer import Customer

KINDS = ("static", "dynamic")
SOURCES = ("default", "manual", "import", "api", "condition")
GUESTS_KEY = "guests"
STANDARD_KEY = "standard"


class Group(Base):
    __tablename__ = "cg_groups"
    __table_args__ = (
        UniqueConstraint("shop_id", "key"),
        UniqueConstraint("shop_id", "name_folded"),
        # The database, not Python, guarantees at most one default per shop.
        Index(
            "uq_cg_groups_one_default", "shop_id", unique=True,
            postgresql_where=text("is_default"), sqlite_where=text("is_default"),
        ),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint("NOT is_default OR (kind = 'static' AND NOT builtin)", name="default_is_static"),
        CheckConstraint("member_count >= 0", name="member_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = shop_fk(indexed=False)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    #: ``name.casefold()``: names are unique per shop ignoring case, in every script.
    name_folded: Mapped[str] = mapped_column(String(256))
    colour: Mapped[str] = mapped_column(String(7), default="#64748B")
    description: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(8), default="static")
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Built-in groups (``guests``) have no stored members and cannot be deleted.
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Kept by every membership change in the same transaction, so listing sizes is free.
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    @validates("name")
    def _fold_name(self, _field: str, name: str) -> str:
        self.name_folded = name.casefold()
        return name

    @property
    def deletable(self) -> bool:
        """SPEC §1: the default group, the built-in guests and Standard (default or not) stay."""
        return not (self.is_default or self.builtin or self.key == STANDARD_KEY)


class Membership(Base):
    __tablename__ = "cg_memberships"
    __table_args__ = (
        Index("ix_cg_memberships_customer", "customer_id"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source"),
    )

    group_id: Mapped[int] = mapped_column(ForeignKey("cg_groups.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cg_customers.id", ondelete="CASCADE"), primary_key=True
    )
    shop_id: Mapped[int] = mapped_column(ForeignKey("cg_shops.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship(lazy="joined", innerjoin=True)


class MembershipEvent(Base):
    """One row per entry or exit: how a group grew, and who or what moved each customer."""

    __tablename__ = "cg_membership_events"
    __table_args__ = (
        # The size chart reads (at, change) per group: covered by the index on PostgreSQL.
        Index("ix_cg_membership_events_group_at", "group_id", "at", postgresql_include=["change"]),
        Index("ix_cg_membership_events_customer", "customer_id"),
        CheckConstraint("change IN ('entered', 'left')", name="change"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = shop_fk()
    group_id: Mapped[int] = mapped_column(ForeignKey("cg_groups.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("cg_customers.id", ondelete="CASCADE"))
    change: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
