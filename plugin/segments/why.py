"""Why a customer is (or is not) in a dynamic group: every leaf with the customer's own value."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ..db import session
from ..models import Customer, Group, Membership, Shop
from ..money import exact_text
from .clock import ShopClock, days_until_birthday, evaluable
from .compiler import explain_customer
from .conditions import leaves, parse_condition, written_leaves

#: ``average_spent`` is explained in millionths (sum × 1000 ÷ count, rounded): exact to 6 decimals.
MICRO_PER_MILLI = 1000


def explain_dynamic(shop: Shop, group: Group, customer: Customer, now: datetime) -> dict[str, Any]:
    condition = parse_condition(group.condition)
    clock = ShopClock.at(evaluable(now), shop.timezone)
    row = session().execute(explain_customer(condition, shop.id, clock, customer.id)).one()
    parsed = list(leaves(condition))
    count = len(parsed)
    membership = session().get(Membership, (group.id, customer.id))
    matches = bool(row[2 * count])
    return {
        "member": membership is not None,
        "source": membership.source if membership else None,
        "since": membership.since if membership else None,
        "matches": matches,
        "reason": f"{customer.display_name} {'matches' if matches else 'does not match'} the condition of {group.name}.",
        "leaves": [
            {"path": path, "condition": written, "value": _shown(leaf, row[index], customer, clock),
             "matched": bool(row[count + index])}
            for index, (leaf, (path, written)) in enumerate(zip(parsed, written_leaves(group.condition)))
        ],
    }


def _shown(leaf, value, customer: Customer, clock: ShopClock):
    """The customer's value as an admin reads it: amounts in units, times in ISO 8601."""
    if leaf.metric == "birthday_within_days":
        return days_until_birthday(customer.birthday, clock.today) if customer.birthday else None
    if value is None:
        return None
    if leaf.value_type == "money":
        return exact_text(Decimal(value) / MICRO_PER_MILLI if leaf.metric == "average_spent" else value,
                          customer.shop.currency)
    if isinstance(value, datetime):
        return value.isoformat()
    if leaf.metric == "tags":
        return customer.tags
    return value
