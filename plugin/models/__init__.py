"""The plugin's tables, all scoped by ``shop_id``."""
from __future__ import annotations

from .activity import Activity, ActivityItem, Delivery
from .customer import Customer, CustomerTag
from .group import Group, Membership, MembershipEvent
from .rule import PricingRule
from .shop import ApiKey, CustomerCount, Shop
from .tally import MembershipTally

__all__ = [
    "Activity", "ActivityItem", "ApiKey", "Customer", "CustomerCount", "CustomerTag", "Group", "Membership", "Delivery", "MembershipEvent", "MembershipTally", "PricingRule", "Shop",
]
