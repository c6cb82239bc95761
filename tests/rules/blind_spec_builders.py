"""Builders for the blind SPEC §2 carts: rule and cart documents as an outside checker sends
them, and the exact priced cart expected back, checked for its own arithmetic first."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

NOW = "2026-11-23T12:00:00+00:00"

#: the keys SPEC §2 shows; the engine may add more, these must be there and exact
LINE_KEYS = ("id", "quantity", "base_unit_price", "unit_price", "subtotal", "discount", "total", "adjustments")
ADJUSTMENT_KEYS = ("rule_id", "rule_name", "kind", "amount")
GIFT_KEYS = ("product_id", "name", "quantity", "unit_price", "rule_id")
CART_KEYS = ("currency", "subtotal", "surcharge_total", "discount_total", "total", "applied_rules")
MINOR_DIGITS = {"EUR": 2, "JPY": 0, "KWD": 3}


def rule(rule_id: str, kind: str, value: dict | None = None, *, groups=("vip",), priority: int = 0,
         combinable: bool = False, enabled: bool = True, starts_at: str | None = None,
         ends_at: str | None = None, products=(), categories=(), exclude=(),
         conditions: dict | None = None, name: str | None = None, **extra: Any) -> dict:
    """A rule with every field SPEC §2's example shows, as a checker writes it."""
    document = {
        "id": rule_id, "name": name or rule_id, "kind": kind, "groups": list(groups),
        "priority": priority, "combinable": combinable, "enabled": enabled,
        "starts_at": starts_at, "ends_at": ends_at,
        "applies_to": {"products": list(products), "categories": list(categories),
                       "exclude_products": list(exclude)},
        "conditions": conditions or {},
    }
    if value is not None:
        document["value"] = value
    document.update(extra)
    return document


def percent(amount: str) -> dict:
    return {"type": "percent", "amount": amount}


def fixed(amount: str) -> dict:
    return {"type": "fixed", "amount": amount}


def order_fixed(amount: str) -> dict:
    return {"type": "order_fixed", "amount": amount}


def fixed_price(amount: str) -> dict:
    return {"type": "fixed_price", "amount": amount}


def gift_rule(rule_id: str, trigger: dict, product_id: str, gift_name: str, quantity: int = 1, *,
              repeat: bool = False, max_per_order: int | None = None, **options: Any) -> dict:
    return rule(rule_id, "gift", trigger=trigger,
                gift={"product_id": product_id, "name": gift_name, "quantity": quantity},
                repeat=repeat, max_per_order=max_per_order, **options)


def component(quantity: int, *, products=(), categories=()) -> dict:
    return {"products": list(products), "categories": list(categories), "quantity": quantity}


def line(line_id: str, product_id: str, unit_price: str, quantity: int = 1, categories=()) -> dict:
    return {"id": line_id, "product_id": product_id, "category_ids": list(categories),
            "unit_price": unit_price, "quantity": quantity}


def cart(*lines: dict, currency: str = "EUR", groups=("vip",), now: str | None = NOW) -> dict:
    document = {"currency": currency, "groups": list(groups), "lines": list(lines)}
    if now is not None:
        document["now"] = now
    return document


@dataclass(frozen=True)
class Priced:
    """One expected line: amounts as the SPEC prints them; adjustments as (rule_id, kind, amount)."""

    id: str
    quantity: int
    base: str
    unit: str
    discount: str
    total: str
    adjustments: tuple = ()


def priced(line_id, quantity, base, unit=None, *, discount=None, total=None, adj=()) -> Priced:
    unit = unit or base
    zero = "0" if "." not in base else "0." + "0" * len(base.split(".")[1])
    if discount is None:
        discount = zero
    if total is None:
        total = str(Decimal(unit) * quantity - Decimal(discount))
    return Priced(line_id, quantity, base, unit, discount, total, tuple(adj))


@dataclass
class Case:
    """A hand-computed cart: the SPEC sentence it checks, the input, the exact answer."""

    name: str
    cite: str
    rules: list
    cart: dict
    lines: list
    totals: tuple  # (subtotal, surcharge_total, discount_total, total)
    applied: list
    gifts: list = field(default_factory=list)  # (product_id, name, quantity, rule_id)

    def expected(self) -> dict:
        self._check_own_arithmetic()
        currency = self.cart["currency"]
        names = {r["id"]: r.get("name") or r["id"] for r in self.rules}
        zero = format(Decimal(0).scaleb(-MINOR_DIGITS[currency]), "f")
        subtotal, surcharge, discount, total = self.totals
        return {
            "currency": currency,
            "lines": [{
                "id": p.id, "quantity": p.quantity, "base_unit_price": p.base, "unit_price": p.unit,
                "subtotal": _money(Decimal(p.base) * p.quantity, currency),
                "discount": p.discount, "total": p.total,
                "adjustments": [{"rule_id": rid, "rule_name": names[rid], "kind": kind, "amount": amount}
                                for rid, kind, amount in p.adjustments],
            } for p in self.lines],
            "gifts": [{"product_id": pid, "name": gname, "quantity": qty, "unit_price": zero, "rule_id": rid}
                      for pid, gname, qty, rid in self.gifts],
            "subtotal": subtotal, "surcharge_total": surcharge, "discount_total": discount, "total": total,
            "applied_rules": list(self.applied),
        }

    def _check_own_arithmetic(self) -> None:
        """My hand sums must hold together before the engine is asked (SPEC §2 step 8)."""
        currency = self.cart["currency"]
        for p in self.lines:
            surcharge = (Decimal(p.unit) - Decimal(p.base)) * p.quantity
            adjusted = sum((Decimal(a) for _, _, a in p.adjustments), Decimal(0))
            assert adjusted == surcharge - Decimal(p.discount), (self.name, p.id, "adjustments")
            assert Decimal(p.total) == Decimal(p.unit) * p.quantity - Decimal(p.discount), (self.name, p.id)
            for text in (p.base, p.unit, p.discount, p.total, *(a for _, _, a in p.adjustments)):
                assert _money(Decimal(text), currency) == text.lstrip("+"), (self.name, text)
        subtotal, surcharge, discount, total = (Decimal(t) for t in self.totals)
        assert subtotal == sum(Decimal(p.base) * p.quantity for p in self.lines), self.name
        assert surcharge == sum((Decimal(p.unit) - Decimal(p.base)) * p.quantity for p in self.lines), self.name
        assert discount == sum(Decimal(p.discount) for p in self.lines), self.name
        assert total == subtotal + surcharge - discount, self.name


def _money(amount: Decimal, currency: str) -> str:
    return format(amount.quantize(Decimal(1).scaleb(-MINOR_DIGITS[currency])), "f")


def project(priced_cart: dict) -> dict:
    """The SPEC §2 keys of an engine answer (a missing key fails with KeyError)."""
    return {
        **{key: priced_cart[key] for key in CART_KEYS},
        "lines": [{**{key: row[key] for key in LINE_KEYS},
                   "adjustments": [{key: a[key] for key in ADJUSTMENT_KEYS} for a in row["adjustments"]]}
                  for row in priced_cart["lines"]],
        "gifts": [{key: g[key] for key in GIFT_KEYS} for g in priced_cart["gifts"]],
    }
