"""Small builders for rule and cart JSON, so each test case reads like the admin's form."""

from __future__ import annotations

from typing import Any

NOW = "2026-11-23T12:00:00+01:00"


def rule(rule_id: str, kind: str, *, groups: tuple[str, ...] = ("vip",), **fields: Any) -> dict[str, Any]:
    return {"id": rule_id, "name": fields.pop("name", rule_id), "kind": kind, "groups": list(groups), **fields}


def discount(rule_id: str, amount: str = "20", value_type: str = "percent", **fields: Any) -> dict[str, Any]:
    return rule(rule_id, "discount", value={"type": value_type, "amount": amount}, **fields)


def increase(rule_id: str, amount: str, value_type: str = "percent", **fields: Any) -> dict[str, Any]:
    return rule(rule_id, "increase", value={"type": value_type, "amount": amount}, **fields)


def bundle(rule_id: str, components: list[dict[str, Any]], amount: str, value_type: str = "fixed_price",
           **fields: Any) -> dict[str, Any]:
    return rule(rule_id, "bundle", value={"type": value_type, "amount": amount}, components=components, **fields)


def gift(rule_id: str, trigger: dict[str, Any], *, product: str = "g1", name: str = "Tote", quantity: int = 1,
         **fields: Any) -> dict[str, Any]:
    return rule(rule_id, "gift", trigger=trigger, gift={"product_id": product, "name": name, "quantity": quantity},
                **fields)


def on(products: tuple[str, ...] = (), categories: tuple[str, ...] = (), exclude: tuple[str, ...] = (),
       exclude_categories: tuple[str, ...] = ()) -> dict[str, Any]:
    applies_to: dict[str, Any] = {"products": list(products), "categories": list(categories),
                                  "exclude_products": list(exclude)}
    if exclude_categories:
        applies_to["exclude_categories"] = list(exclude_categories)
    return applies_to


def line(line_id: str, price: str, quantity: int = 1, product: str | None = None,
         categories: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"id": line_id, "product_id": product or f"p{line_id[1:]}", "category_ids": list(categories),
            "unit_price": price, "quantity": quantity}


def cart(lines: list[dict[str, Any]], *, currency: str = "EUR", groups: tuple[str, ...] = ("vip",),
         now: str | None = NOW) -> dict[str, Any]:
    return {"currency": currency, "now": now, "groups": list(groups), "lines": lines}
