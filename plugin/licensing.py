"""Which shops get the plugin: those whose plan is one of ``CUSTOMER_GROUPS_PLANS_WITH_ACCESS``."""
from __future__ import annotations

from flask import current_app

from .errors import PlanRequired
from .models import Shop


def has_access(shop: Shop) -> bool:
    return shop.plan in current_app.config["CUSTOMER_GROUPS_PLANS_WITH_ACCESS"]


def require_plan(shop: Shop) -> None:
    if not has_access(shop):
        plans = " or ".join(current_app.config["CUSTOMER_GROUPS_PLANS_WITH_ACCESS"])
        raise PlanRequired(f"Customer Groups needs the {plans} plan; this shop is on {shop.plan}.")
