"""Segment fixtures: a salon in Bucharest, hand-made activity histories, group members by key."""
from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from plugin.db import session
from plugin.models import Activity, ActivityItem, Customer, Delivery, Group, Membership, Shop

#: Every segment test's shop lives here: EET/EEST, DST on the last Sundays of March and October.
TZ = "Europe/Bucharest"
ZONE = ZoneInfo(TZ)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, *, fold: int = 0) -> datetime:
    """A wall-clock time in Bucharest, as an aware datetime."""
    return datetime(year, month, day, hour, minute, second, tzinfo=ZONE, fold=fold)


def utc(text: str) -> datetime:
    """``"2026-10-11T09:30:00"`` read as UTC."""
    return datetime.fromisoformat(text + "+00:00")


@dataclass(frozen=True)
class Visit:
    """One activity of a hand-made history."""

    at: datetime
    status: str = "completed"
    amount: str = "0"
    channel: str = "offline"
    location: str = ""
    kind: str = "appointment"
    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    staff: tuple[str, ...] = ()


def done(at: datetime, amount: str = "0", **fields) -> Visit:
    return Visit(at, "completed", amount, **fields)


def booked(at: datetime, amount: str = "0", **fields) -> Visit:
    return Visit(at, "booked", amount, **fields)


def cancelled(at: datetime, amount: str = "0", **fields) -> Visit:
    return Visit(at, "cancelled", amount, **fields)


def no_show(at: datetime, amount: str = "0", **fields) -> Visit:
    return Visit(at, "no_show", amount, **fields)


@dataclass
class History:
    """Writes activities straight into the tables, without the event path's refresh, so a test
    decides the ``now`` of the refresh itself."""

    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add(self, shop: Shop, customer: Customer, visits: Iterable[Visit]) -> list[Activity]:
        added = []
        for visit in visits:
            activity = Activity(
                shop_id=shop.id, customer_id=customer.id, external_id=f"act-{next(self.counter)}",
                kind=visit.kind, status=visit.status, occurred_at=visit.at,
                amount_milli=int(Decimal(visit.amount) * 1000), currency=shop.currency,
                location=visit.location, channel=visit.channel,
            )
            session().add(activity)
            session().flush()
            for item_type, values in (("product", visit.products), ("category", visit.categories), ("staff", visit.staff)):
                for value in dict.fromkeys(values):
                    session().add(ActivityItem(activity_id=activity.id, item_type=item_type, value=value, shop_id=shop.id))
            added.append(activity)
        session().commit()
        return added

    def deliver(self, shop: Shop, customer: Customer, campaign: str, sent_at: datetime, channel: str = "email") -> None:
        session().add(Delivery(shop_id=shop.id, customer_id=customer.id, campaign=campaign, channel=channel, sent_at=sent_at))
        session().commit()


@pytest.fixture
def history() -> History:
    return History()


@pytest.fixture
def salon(make_shop):
    """A shop in Europe/Bucharest (its presets included)."""
    return make_shop("Salon", timezone=TZ)


def members(shop: Shop, key: str) -> set[str]:
    """External ids of a group's stored members."""
    return set(session().scalars(
        select(Customer.external_id)
        .join(Membership, Membership.customer_id == Customer.id)
        .join(Group, Group.id == Membership.group_id)
        .where(Group.shop_id == shop.id, Group.key == key)
    ))


def birthday(text: str) -> date:
    return date.fromisoformat(text)
