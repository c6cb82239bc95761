"""Rules back to their JSON form: the API's answers and the import/export format."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .model import Rule, Trigger

__all__ = ["rule_to_json"]


def rule_to_json(rule: Rule) -> dict[str, Any]:
    """The rule's JSON form; ``parse_rule(rule_to_json(rule)) == rule`` always holds."""
    applies_to: dict[str, Any] = {
        "products": list(rule.applies_to.products),
        "categories": list(rule.applies_to.categories),
        "exclude_products": list(rule.applies_to.exclude_products),
    }
    if rule.applies_to.exclude_categories:
        applies_to["exclude_categories"] = list(rule.applies_to.exclude_categories)
    conditions: dict[str, Any] = {}
    if rule.conditions.min_subtotal is not None:
        conditions["min_subtotal"] = _plain(rule.conditions.min_subtotal)
    if rule.conditions.min_quantity is not None:
        conditions["min_quantity"] = rule.conditions.min_quantity
    data: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "kind": rule.kind,
        "groups": list(rule.groups),
        "priority": rule.priority,
        "combinable": rule.combinable,
        "enabled": rule.enabled,
        "starts_at": None if rule.starts_at is None else rule.starts_at.isoformat(),
        "ends_at": None if rule.ends_at is None else rule.ends_at.isoformat(),
        "applies_to": applies_to,
    }
    if rule.value is not None:
        data["value"] = {"type": rule.value.type, "amount": _plain(rule.value.amount)}
    data["conditions"] = conditions
    if rule.kind == "gift" and rule.gift is not None:
        trigger = rule.trigger or Trigger()
        trigger_data: dict[str, Any] = {}
        if trigger.products:
            trigger_data["products"] = list(trigger.products)
        if trigger.categories:
            trigger_data["categories"] = list(trigger.categories)
        if trigger.min_quantity is not None:
            trigger_data["min_quantity"] = trigger.min_quantity
        if trigger.min_subtotal is not None:
            trigger_data["min_subtotal"] = _plain(trigger.min_subtotal)
        data["trigger"] = trigger_data
        data["gift"] = {"product_id": rule.gift.product_id, "name": rule.gift.name, "quantity": rule.gift.quantity}
        data["repeat"] = rule.repeat
        data["max_per_order"] = rule.max_per_order
    if rule.kind == "bundle":
        data["components"] = [
            {"products": list(c.products), "categories": list(c.categories), "quantity": c.quantity}
            for c in rule.components
        ]
    return data


def _plain(amount: Decimal) -> str:
    """The amount as parsing reads it back: ``str`` writes 0.0000001 as "1E-7", which it refuses."""
    return format(amount, "f")
