"""Pricing rules in words for the admin pages: the value, what it applies to, when it is live."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone as utc_zone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from rules.money import minor_digits

from plugin.models import Group

MINUS = "\u2212"


@dataclass(frozen=True)
class GroupChip:
    """A group a rule names: the group itself, or only its key when no such group exists."""

    key: str
    group: Group | None

    @property
    def name(self) -> str:
        return self.group.name if self.group else self.key

    @property
    def colour(self) -> str | None:
        return self.group.colour if self.group else None


@dataclass(frozen=True)
class RuleRow:
    """One line of the rules table."""

    rule_id: str
    name: str
    kind: str
    priority: int
    enabled: bool
    combinable: bool
    value: str
    scope: str
    window: str
    window_state: str
    chips: tuple[GroupChip, ...]

    @property
    def needs_group(self) -> bool:
        return not any(chip.group for chip in self.chips)


def rule_row(definition: Mapping[str, Any], groups_by_key: Mapping[str, Group], *, currency: str, timezone: str,
             now: datetime | None = None) -> RuleRow:
    return RuleRow(
        rule_id=definition["id"], name=definition["name"], kind=definition["kind"],
        priority=definition.get("priority", 0), enabled=definition.get("enabled", True),
        combinable=definition.get("combinable", False),
        value=value_text(definition, currency), scope=scope_text(definition),
        window=window_text(definition, timezone), window_state=window_state(definition, now),
        chips=tuple(GroupChip(key, groups_by_key.get(key)) for key in definition.get("groups", [])),
    )


def money(amount: str | Decimal, currency: str) -> str:
    digits = minor_digits(currency)
    return f"{Decimal(amount).quantize(Decimal(1).scaleb(-digits)):,} {currency}"


def percent(amount: str | Decimal) -> str:
    return f"{Decimal(amount).normalize():f}%"


def value_text(definition: Mapping[str, Any], currency: str) -> str:
    """``−15%``, ``+2.00 EUR per unit``, ``−10.00 EUR off the order``, ``set for 25.00 EUR``, ``1 × Tote``."""
    kind = definition["kind"]
    if kind == "gift":
        gift = definition.get("gift") or {}
        text = f"{gift.get('quantity', 1)} × {gift.get('name') or gift.get('product_id')} free"
        return text + (" (repeats)" if definition.get("repeat") else "")
    value = definition.get("value") or {}
    value_type, amount = value.get("type"), value.get("amount", "0")
    sign = "+" if kind == "increase" else MINUS
    if value_type == "percent":
        return f"{sign}{percent(amount)}" + (" per set" if kind == "bundle" else "")
    if value_type == "fixed":
        return f"{sign}{money(amount, currency)} per unit"
    if value_type == "order_fixed":
        return f"{MINUS}{money(amount, currency)} off the order"
    if value_type == "fixed_price":
        return f"set for {money(amount, currency)}"
    return str(value)


def scope_text(definition: Mapping[str, Any]) -> str:
    """What a rule applies to (or, for gifts and bundles, what triggers or makes it)."""
    kind = definition["kind"]
    if kind == "gift":
        trigger = definition.get("trigger") or {}
        named = _names(trigger.get("products"), trigger.get("categories"))
        parts = []
        if trigger.get("min_quantity") or named:
            parts.append(f"buy {trigger.get('min_quantity') or 1} of {named or 'anything'}")
        if trigger.get("min_subtotal"):
            parts.append(f"spend {trigger['min_subtotal']}")
        return ", ".join(parts) or "any order"
    if kind == "bundle":
        return " + ".join(
            f"{component.get('quantity', 1)} × {_either(component.get('products'), component.get('categories'))}"
            for component in definition.get("components") or []
        )
    applies_to = definition.get("applies_to") or {}
    text = _names(applies_to.get("products"), applies_to.get("categories")) or "whole catalogue"
    excluded = _names(applies_to.get("exclude_products"), applies_to.get("exclude_categories"))
    return f"{text}, except {excluded}" if excluded else text


def window_text(definition: Mapping[str, Any], timezone: str) -> str:
    starts, ends = definition.get("starts_at"), definition.get("ends_at")
    if starts and ends:
        return f"{_local(starts, timezone)} – {_local(ends, timezone)}"
    if starts:
        return f"from {_local(starts, timezone)}"
    if ends:
        return f"until {_local(ends, timezone)}"
    return "always"


def window_state(definition: Mapping[str, Any], now: datetime | None = None) -> str:
    """``live``, ``scheduled`` (starts later) or ``ended``, by the server's clock."""
    now = now or datetime.now(utc_zone.utc)
    starts, ends = definition.get("starts_at"), definition.get("ends_at")
    if starts and now < datetime.fromisoformat(starts):
        return "scheduled"
    if ends and now >= datetime.fromisoformat(ends):
        return "ended"
    return "live"


def _local(moment: str, timezone: str) -> str:
    shown = in_shop_time(moment, timezone)
    return shown.strftime("%d %b %Y %H:%M") if shown else moment


def in_shop_time(moment: str, timezone: str) -> datetime | None:
    """A rule's ISO time in the shop's timezone; None when that falls outside the calendar (a
    rule stored with a window in year 1 or 9999, before such windows were refused)."""
    try:
        return datetime.fromisoformat(moment).astimezone(ZoneInfo(timezone))
    except OverflowError:
        return None


def _either(products: list[str] | None, categories: list[str] | None) -> str:
    """A bundle component: ``sneaker-01``, ``any socks``, ``p1 or any socks``."""
    return " or ".join([*(products or []), *(f"any {category}" for category in categories or [])]) or "anything"


def _names(products: list[str] | None, categories: list[str] | None) -> str:
    parts = []
    if products:
        parts.append("products " + ", ".join(products))
    if categories:
        parts.append("categories " + ", ".join(categories))
    return "; ".join(parts)
