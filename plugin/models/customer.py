"""The plugin's copy of the host's customers, kept in sync by hooks and events."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint,
    func, literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, BigId
from .shop import Shop
from ..money import milli_text
from ._columns import UtcDateTime, created_at, shop_fk, updated_at, utcnow

GENDERS = ("female", "male", "other", "unknown")


class Customer(Base):
    __tablename__ = "cg_customers"
    __table_args__ = (
        UniqueConstraint("shop_id", "external_id"),
        CheckConstraint(f"gender IN {GENDERS!r}", name="gender"),
        Index("ix_cg_customers_shop_phone", "shop_id", "phone"),
        Index("ix_cg_customers_shop_card", "shop_id", "card_number"),
        # Ending with the id, as the Customers page sorts: a page is read in index order.
        Index("ix_cg_customers_shop_visits", "shop_id", "visits", "id"),
        Index("ix_cg_customers_shop_spent", "shop_id", "spent_milli", "id"),
        Index("ix_cg_customers_shop_last_visit", "shop_id", "last_visit_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = shop_fk(indexed=False)
    external_id: Mapped[str] = mapped_column(String(128))
    first_name: Mapped[str] = mapped_column(String(128), default="")
    last_name: Mapped[str] = mapped_column(String(128), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    gender: Mapped[str] = mapped_column(String(8), default="unknown")
    birthday: Mapped[date | None] = mapped_column(Date)
    city: Mapped[str] = mapped_column(String(128), default="")
    card_number: Mapped[str] = mapped_column(String(64), default="")
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    email_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    #: RFM scores (1–5) and tier, written by each refresh; scores are null outside the population.
    rfm_r: Mapped[int | None] = mapped_column(SmallInteger)
    rfm_f: Mapped[int | None] = mapped_column(SmallInteger)
    rfm_m: Mapped[int | None] = mapped_column(SmallInteger)
    rfm_tier: Mapped[str] = mapped_column(String(16), default="prospect")
    #: Past activities, their total (thousandths) and the latest, as of the last event or refresh:
    #: the Customers page sorts and shows these without aggregating every activity.
    visits: Mapped[int] = mapped_column(Integer, default=0)
    spent_milli: Mapped[int] = mapped_column(BigInteger, default=0)
    last_visit_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    shop: Mapped[Shop] = relationship(lazy="select", viewonly=True)
    tag_rows: Mapped[list[CustomerTag]] = relationship(
        cascade="all, delete-orphan", order_by="CustomerTag.tag", lazy="selectin"
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def spent(self) -> str:
        return milli_text(self.spent_milli, self.shop.currency)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email or self.external_id


Index("ix_cg_customers_shop_email", Customer.shop_id, func.lower(Customer.email))

#: "first last", as customer search matches it (a literal space, so an index can match it).
FULL_NAME = Customer.first_name + literal_column("' '") + Customer.last_name

# Prefix search (``LIKE 'ana%'``) can use an index on PostgreSQL only with text_pattern_ops.
for _name, _expression in {
    "email": func.lower(Customer.email), "last_name": func.lower(Customer.last_name),
    "full_name": func.lower(FULL_NAME), "phone": Customer.phone,
}.items():
    Index(f"ix_cg_customers_search_{_name}", _expression.label(_name),
          postgresql_ops={_name: "text_pattern_ops"}).ddl_if(dialect="postgresql")
Index("ix_cg_customers_shop_name", Customer.shop_id, func.lower(Customer.last_name), func.lower(Customer.first_name))
# "Last visit, latest first", customers never seen last, read in index order (NULLS LAST cannot
# be indexed on SQLite).
Index("ix_cg_customers_shop_last_visit_desc", Customer.shop_id, Customer.last_visit_at.desc().nulls_last(),
      Customer.id.desc()).ddl_if(dialect="postgresql")


class CustomerTag(Base):
    """One row a tag, so that segments can filter on tags in plain SQL on every database."""

    __tablename__ = "cg_customer_tags"
    __table_args__ = (Index("ix_cg_customer_tags_shop_tag", "shop_id", "tag"),)

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cg_customers.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("cg_shops.id", ondelete="CASCADE"))
