"""A group's entries and exits per quarter hour: what the size chart reads instead of the events."""
from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

#: A tally's slot in seconds: every timezone's midnight is a whole number of them from UTC today.
TALLY_SLOT_SECONDS = 900


class MembershipTally(Base):
    """How many ``cg_membership_events`` of a group fall in one 900-second UTC slot, per change.

    ``slot`` is ``floor(epoch seconds of at / 900)``. Kept by triggers on the events (migration
    0009) in the transaction of every insert, update and delete whatever runs it: registration,
    members, imports, a customer's or a group's deletion. A slot left with no event has no row. Scoped by
    its group (no ``shop_id``): read only for a group of the current shop.
    """

    __tablename__ = "cg_membership_tallies"
    __table_args__ = (
        CheckConstraint("entered >= 0", name="entered"),
        CheckConstraint('"left" >= 0', name="left"),
    )

    group_id: Mapped[int] = mapped_column(ForeignKey("cg_groups.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entered: Mapped[int] = mapped_column(Integer, default=0)
    left: Mapped[int] = mapped_column(Integer, default=0)
