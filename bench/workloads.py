"""Deterministic benchmark workloads: rule dicts, a cart dict and the customer's groups."""

from __future__ import annotations

import random
from typing import Any

NOW = "2026-11-23T12:00:00+01:00"
GROUP_COUNT = 50
RULE_COUNT = 1000
LINE_COUNT = 50
PRODUCT_COUNT = 500
CATEGORY_COUNT = 40


def _amount(rnd: random.Random, low_cents: int, high_cents: int) -> str:
    cents = rnd.randint(low_cents, high_cents)
    return f"{cents // 100}.{cents % 100:02d}"


def _targets(rnd: random.Random) -> dict[str, list[str]]:
    """Whole catalogue, a few categories, or a few products, as shops tend to write rules."""
    roll = rnd.random()
    if roll < 0.3:
        return {"products": [], "categories": []}
    if roll < 0.75:
        return {"products": [], "categories": [f"c{n}" for n in rnd.sample(range(CATEGORY_COUNT), rnd.randint(1, 3))]}
    return {"products": [f"p{n}" for n in rnd.sample(range(PRODUCT_COUNT), rnd.randint(1, 10))], "categories": []}


def _rule(rnd: random.Random, number: int, group: str) -> dict[str, Any]:
    kind = rnd.choices(["discount", "increase", "bundle", "gift"], weights=[55, 10, 15, 20])[0]
    targets = _targets(rnd)
    rule: dict[str, Any] = {
        "id": f"r{number:04d}",
        "name": f"{kind.title()} {number}",
        "kind": kind,
        "groups": [group],
        "priority": rnd.randint(0, 9),
        "combinable": rnd.random() < 0.4,
        "enabled": True,
        "starts_at": "2026-01-01T00:00:00+00:00",
        "ends_at": "2027-01-01T00:00:00+00:00" if rnd.random() < 0.5 else None,
        "applies_to": {
            **targets,
            "exclude_products": [f"p{rnd.randrange(PRODUCT_COUNT)}"] if rnd.random() < 0.2 else [],
        },
        "conditions": {},
    }
    if rnd.random() < 0.3:
        rule["conditions"]["min_subtotal"] = _amount(rnd, 1000, 20000)
    if rnd.random() < 0.2:
        rule["conditions"]["min_quantity"] = rnd.randint(1, 5)
    if kind == "discount":
        value_type = rnd.choices(["percent", "fixed", "order_fixed"], weights=[50, 25, 25])[0]
        amount = str(rnd.randint(5, 40)) if value_type == "percent" else _amount(rnd, 100, 2000)
        rule["value"] = {"type": value_type, "amount": amount}
    elif kind == "increase":
        value_type = rnd.choice(["percent", "fixed"])
        rule["value"] = {"type": value_type, "amount": str(rnd.randint(1, 15)) if value_type == "percent"
                         else _amount(rnd, 50, 500)}
    elif kind == "bundle":
        rule["applies_to"] = {"products": [], "categories": [], "exclude_products": []}
        rule["components"] = [
            {"categories": [f"c{rnd.randrange(CATEGORY_COUNT)}"], "quantity": rnd.randint(1, 2)}
            for _ in range(rnd.randint(1, 3))
        ]
        rule["value"] = rnd.choice([{"type": "percent", "amount": str(rnd.randint(5, 30))},
                                    {"type": "fixed_price", "amount": _amount(rnd, 1000, 8000)}])
    else:
        rule["conditions"] = {}
        rule["trigger"] = rnd.choice([
            {"min_subtotal": _amount(rnd, 2000, 30000)},
            {"categories": [f"c{rnd.randrange(CATEGORY_COUNT)}"], "min_quantity": rnd.randint(1, 4)},
        ])
        rule["gift"] = {"product_id": f"gift{number}", "name": f"Gift {number}", "quantity": 1}
        rule["repeat"] = rnd.random() < 0.5
        rule["max_per_order"] = rnd.choice([None, 3])
    return rule


def make_w1(seed: int = 1) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    """W1: 1,000 live rules of every kind over 50 groups, a customer in 3 groups, a 50-line cart."""
    rnd = random.Random(seed)
    groups = [f"group-{n:02d}" for n in range(GROUP_COUNT)]
    rules = [_rule(rnd, number, groups[number % GROUP_COUNT]) for number in range(RULE_COUNT)]
    customer_groups = sorted(rnd.sample(groups, 3))
    products = rnd.sample(range(PRODUCT_COUNT), LINE_COUNT)
    lines = [
        {
            "id": f"l{index:02d}",
            "product_id": f"p{product}",
            "category_ids": [f"c{n}" for n in rnd.sample(range(CATEGORY_COUNT), rnd.randint(1, 3))],
            "unit_price": _amount(rnd, 199, 15000),
            "quantity": rnd.randint(1, 4),
        }
        for index, product in enumerate(products)
    ]
    cart = {"currency": "EUR", "now": NOW, "groups": customer_groups, "lines": lines}
    return rules, cart, customer_groups
