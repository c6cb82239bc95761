"""Customers' orders and appointments, the facts dynamic groups and RFM are computed from."""
from __future__ import annotations

from datetime import datetime
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, BigId
from ..money import milli_text
from ._columns import UtcDateTime, created_at, shop_column, shop_fk, updated_at

KINDS = ("order", "appointment")
STATUSES = ("completed", "booked", "cancelled", "no_show")
CHANNELS = ("online", "offline")
ITEM_TYPES = ("product", "category", "staff")


class Activity(Base):
    __tablename__ = "cg_activities"
    __table_args__ = (
        UniqueConstraint("shop_id", "external_id"),
        # Every aggregate a segment needs reads one customer's activities of one status in time
        # order; on PostgreSQL sums and online counts come from the index alone.
        Index("ix_cg_activities_customer_status_time", "customer_id", "status", "occurred_at",
              postgresql_include=["amount_milli", "channel"]),
        Index("ix_cg_activities_shop_time", "shop_id", "occurred_at"),
        # "Visited a location": the activities at one location, in customer order.
        Index("ix_cg_activities_location_status_customer", "location", "status", "customer_id", "occurred_at"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        CheckConstraint("amount_milli >= 0", name="amount_milli"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = shop_column()
    external_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("cg_customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="order")
    status: Mapped[str] = mapped_column(String(16), default="completed")
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The amount in thousandths of the currency unit: exact sums and averages on SQLite and
    #: PostgreSQL alike (SQLite would sum NUMERIC as floats), for every currency of ≤ 3 decimals.
    amount_milli: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    location: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(8), default="offline")
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    items: Mapped[list[ActivityItem]] = relationship(
        cascade="all, delete-orphan", order_by="(ActivityItem.item_type, ActivityItem.value)", lazy="selectin"
    )

    @property
    def amount(self) -> str:
        return milli_text(self.amount_milli, self.currency)

    def item_values(self, item_type: str) -> list[str]:
        return [item.value for item in self.items if item.item_type == item_type]


class ActivityItem(Base):
    """A product, category or staff member of an activity: one row each, so SQL can filter on them."""

    __tablename__ = "cg_activity_items"
    __table_args__ = (
        Index("ix_cg_activity_items_lookup", "shop_id", "item_type", "value", "activity_id"),
        CheckConstraint(f"item_type IN {ITEM_TYPES!r}", name="item_type"),
    )

    activity_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cg_activities.id", ondelete="CASCADE"), primary_key=True
    )
    item_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(128), primary_key=True)
    shop_id: Mapped[int] = shop_column()


class Delivery(Base):
    """A message a customer received (email or SMS), for the ``received_campaign`` condition."""

    __tablename__ = "cg_deliveries"
    __table_args__ = (Index("ix_cg_deliveries_customer", "customer_id", "campaign", "sent_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = shop_fk()
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("cg_customers.id", ondelete="CASCADE"))
    campaign: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
