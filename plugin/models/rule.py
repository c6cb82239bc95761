"""A shop's pricing rules, stored in the engine's own JSON form (SPEC §2)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ._columns import created_at, shop_fk, updated_at


class PricingRule(Base):
    """``definition`` is ``rules.rule_to_json`` of a parsed rule: valid by construction."""

    __tablename__ = "cg_rules"
    __table_args__ = (UniqueConstraint("shop_id", "rule_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = shop_fk(indexed=False)
    rule_id: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
