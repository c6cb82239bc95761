"""Column helpers shared by the models."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def created_at():
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def shop_fk():
    return mapped_column(ForeignKey("cg_shops.id", ondelete="CASCADE"), nullable=False, index=True)
