"""Shops (the platform's tenants) and their hashed API keys."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ._columns import UtcDateTime, created_at


def new_revision() -> str:
    return uuid.uuid4().hex

PLANS = ("free", "pro", "enterprise")


class Shop(Base):
    __tablename__ = "cg_shops"
    __table_args__ = (CheckConstraint(f"plan IN {PLANS!r}", name="plan"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    plan: Mapped[str] = mapped_column(String(16), default="free")
    #: A new random token whenever any of the shop's rules changes: every process compares it
    #: with the ruleset it has compiled, so no process ever prices with stale rules.
    rules_revision: Mapped[str] = mapped_column(String(32), default=new_revision)
    #: Per RFM dimension, the highest value that earned each score at the last full refresh,
    #: so that one customer's event can be scored at once without ranking the whole shop.
    rfm_breakpoints: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = created_at()


class ApiKey(Base):
    """Only the SHA-256 of a key is stored; the key itself is shown once, at creation."""

    __tablename__ = "cg_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("cg_shops.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = created_at()
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CustomerCount(Base):
    """How many customers a shop has, so a group's share of them costs no COUNT over the shop.

    Kept by triggers on ``cg_customers`` (migration 0004), in the transaction of every insert
    and delete whatever runs it: registration, imports, a shop's cascade. A row of its own, not
    a column of ``cg_shops``: the lock a new customer takes on it must not queue behind, or
    deadlock with, the locks that default switches and rule edits take on the shop's row.
    """

    __tablename__ = "cg_customer_counts"
    __table_args__ = (CheckConstraint("customers >= 0", name="customers"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("cg_shops.id", ondelete="CASCADE"), primary_key=True)
    customers: Mapped[int] = mapped_column(Integer, default=0)
