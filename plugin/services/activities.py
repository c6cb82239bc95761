"""Recording orders and appointments from the host, and refreshing that customer's groups at once."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from ..db import session
from ..errors import NotFound, ValidationFailed
from ..models import Activity, ActivityItem, Shop
from ..money import MILLI
from ..segments.clock import event_time
from ..segments.refresh import refresh_customer
from .customers import get_customer

#: Activity fields that hold a list of ids, and the item type each is stored as.
ITEM_FIELDS = {"product_ids": "product", "category_ids": "category", "staff": "staff"}


def record_activity(shop: Shop, fields: dict[str, Any]) -> tuple[Activity, bool]:
    """Store or replace an activity by ``external_id``; returns it and whether it was new.

    The event carries the whole activity (a status change resends it), so the stored one is
    replaced, and the customer's RFM score and dynamic groups are refreshed in the same
    transaction.
    """
    # Held: the customer's totals are counted again from their activities, and an event counting
    # while another's order is uncommitted would write a total without it.
    customer = get_customer(shop, fields["customer_external_id"], held=True)
    if customer is None:
        raise NotFound(
            f"No customer {fields['customer_external_id']!r} in this shop; register them first.",
            fields={"customer_external_id": ["unknown customer"]},
        )
    currency = fields.get("currency") or shop.currency
    if currency != shop.currency:
        raise ValidationFailed.on("currency", f"this shop counts in {shop.currency}, not {currency}")
    activity = session().scalar(
        select(Activity).where(Activity.shop_id == shop.id, Activity.external_id == fields["external_id"])
    )
    created = activity is None
    if created:
        activity = Activity(shop_id=shop.id, external_id=fields["external_id"])
        session().add(activity)
    previous_customer_id = activity.customer_id
    activity.customer_id = customer.id
    activity.currency = currency
    activity.amount_milli = to_milli(fields.get("amount", "0"))
    now = event_time()
    # Left out, the time is the event's arrival for a new activity; a stored one keeps its own
    # (as an import's does), so a retried event moves nothing.
    activity.occurred_at = fields.get("occurred_at") or (now if created else activity.occurred_at)
    for name in ("kind", "status", "location", "channel"):
        setattr(activity, name, fields[name])
    session().flush()
    replace_items(shop, activity.id, fields)
    refresh_customer(shop, customer, now)
    if previous_customer_id not in (None, customer.id):
        previous = session().get(type(customer), previous_customer_id, with_for_update={"key_share": True},
                                 populate_existing=True)
        refresh_customer(shop, previous, now)
    session().expire(activity, ["items"])
    return activity, created


def replace_items(shop: Shop, activity_id: int, fields: dict[str, Any]) -> None:
    session().execute(delete(ActivityItem).where(ActivityItem.activity_id == activity_id))
    rows = [
        {"activity_id": activity_id, "item_type": item_type, "value": value, "shop_id": shop.id}
        for field, item_type in ITEM_FIELDS.items()
        for value in dict.fromkeys(fields.get(field) or ())
    ]
    if rows:
        session().execute(ActivityItem.__table__.insert(), rows)


def to_milli(amount: str | Decimal) -> int:
    """An amount of at most 3 decimals in thousandths of the unit, exactly."""
    value = Decimal(amount) * MILLI
    if value != value.to_integral_value():
        raise ValidationFailed.on("amount", "at most 3 decimals")
    return int(value)
