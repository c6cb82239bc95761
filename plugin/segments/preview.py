"""How many customers a condition would hold now, and who, before the admin saves it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..db import session
from ..models import Customer, Shop
from ..services.groups import valid_condition
from .clock import ShopClock, evaluable
from .compiler import matching_customers


def preview(shop: Shop, condition_json: Any, now: datetime, *, sample_size: int = 10) -> dict[str, Any]:
    condition = valid_condition(condition_json)
    members = matching_customers(condition, shop.id, ShopClock.at(evaluable(now), shop.timezone)).subquery()
    count = session().scalar(select(func.count()).select_from(members))
    everyone = session().scalar(select(func.count(Customer.id)).where(Customer.shop_id == shop.id))
    sample = session().scalars(
        select(Customer).where(Customer.id.in_(select(members.c.customer_id))).order_by(Customer.id).limit(sample_size)
    )
    return {"count": count, "share": count / everyone if everyone else 0.0, "sample": list(sample)}
