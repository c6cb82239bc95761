"""Differential test: the whole priced cart from the engine against reference_engine.py.

Rules of every kind and value type over a small domain (four products, three categories, a
few ids and priorities), so that the same line is wanted by several rules, options tie and
sets overlap often; carts in EUR, JPY and KWD.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from reference_engine import AmbiguousBundle, TooLarge
from reference_engine import price as reference_price

from rules import evaluate, parse_cart, parse_rules

PRODUCTS = ["p1", "p2", "p3", "p4"]
CATEGORIES = ["c1", "c2", "c3"]
NOW = "2026-11-23T12:00:00+01:00"
TIMES = ["2026-11-23T11:00:00+00:00", "2026-11-23T12:00:00+01:00", "2026-11-23T11:00:00.000001+00:00",
         "2026-11-01T00:00:00+00:00", "2026-12-31T00:00:00-05:00"]
PRICES = {
    "EUR": ["0.01", "0.05", "0.15", "1.00", "5.00", "9.99", "10.00", "12.34", "20.00", "33.33"],
    "JPY": ["1", "3", "7", "100", "150", "999", "1000", "1234", "3333"],
    "KWD": ["0.001", "0.005", "0.015", "1.000", "2.500", "9.999", "10.000", "12.345", "33.333"],
}
AMOUNTS = ["0.0005", "0.005", "0.5", "1", "1.5", "2.50", "5", "7.005", "10", "15", "20", "25.004", "100", "1000"]
PERCENTS = ["0.01", "0.5", "5", "10", "12.5", "15", "20", "33.3", "33.335", "50", "99.99", "100"]

def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


names = st.lists(st.sampled_from(PRODUCTS), max_size=2, unique=True)
categories = st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True)


@st.composite
def applies_to(draw: st.DrawFn) -> dict[str, Any]:
    found: dict[str, Any] = {"products": draw(names), "categories": draw(categories),
                             "exclude_products": draw(st.lists(st.sampled_from(PRODUCTS), max_size=1))}
    if draw(st.integers(0, 4)) == 0:
        found["exclude_categories"] = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=1))
    return found


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if draw(st.integers(0, 3)) == 0:
        found["min_subtotal"] = draw(st.sampled_from(["0", "1", "10.00", "20", "49.994", "100", "2000"]))
    if draw(st.integers(0, 3)) == 0:
        found["min_quantity"] = draw(st.integers(0, 4))
    return found


@st.composite
def rule(draw: st.DrawFn, rule_id: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["discount", "discount", "discount", "increase", "bundle", "bundle", "gift"]))
    found: dict[str, Any] = {
        "id": rule_id, "name": f"Rule {rule_id}", "kind": kind,
        "groups": draw(st.sampled_from([["vip"], ["vip"], ["vip"], ["gold"], ["other"], ["other", "vip"]])),
        "priority": draw(st.integers(0, 2)), "combinable": draw(st.booleans()),
        "enabled": draw(st.integers(0, 9)) > 0,
        "applies_to": draw(applies_to()) if draw(st.booleans()) else {"products": [], "categories": []},
        "conditions": draw(conditions()),
    }
    if draw(st.integers(0, 5)) == 0:
        found["starts_at"] = draw(st.sampled_from(TIMES))
    if draw(st.integers(0, 5)) == 0:
        later = [t for t in TIMES if "starts_at" not in found or instant(t) > instant(found["starts_at"])]
        if later:
            found["ends_at"] = draw(st.sampled_from(later))
    if kind == "discount":
        value_type = draw(st.sampled_from(["percent", "fixed", "order_fixed"]))
        found["value"] = {"type": value_type,
                          "amount": draw(st.sampled_from(PERCENTS if value_type == "percent" else AMOUNTS))}
    elif kind == "increase":
        value_type = draw(st.sampled_from(["percent", "fixed"]))
        found["value"] = {"type": value_type,
                          "amount": draw(st.sampled_from(PERCENTS + ["150"] if value_type == "percent" else AMOUNTS))}
    elif kind == "bundle":
        value_type = draw(st.sampled_from(["percent", "fixed_price"]))
        found["value"] = {"type": value_type,
                          "amount": draw(st.sampled_from(PERCENTS if value_type == "percent" else AMOUNTS))}
        found["components"] = [
            {"products": draw(names), "categories": draw(categories), "quantity": draw(st.integers(1, 2))}
            for _ in range(draw(st.integers(1, 3)))
        ]
    else:
        trigger: dict[str, Any] = {}
        if draw(st.booleans()):
            trigger["products"] = draw(names)
        if draw(st.booleans()):
            trigger["categories"] = draw(categories)
        if draw(st.booleans()):
            trigger["min_quantity"] = draw(st.integers(1, 4))
        if draw(st.booleans()):
            trigger["min_subtotal"] = draw(st.sampled_from(["0", "5", "10.00", "25.004", "100"]))
        found["trigger"] = trigger
        found["gift"] = {"product_id": draw(st.sampled_from(["g1", "g2"])), "name": "Tote",
                         "quantity": draw(st.integers(1, 3))}
        found["repeat"] = draw(st.booleans())
        if draw(st.booleans()):
            found["max_per_order"] = draw(st.integers(1, 5))
    for key, default in (("name", None), ("priority", 0), ("combinable", False), ("enabled", True)):
        if found.get(key, default) == default or key == "name":
            if draw(st.integers(0, 3)) == 0:
                del found[key]  # the defaults: name = id, priority 0, not combinable, enabled
    if kind == "gift" and draw(st.booleans()):
        del found["gift"]["name"]  # a gift's name defaults to its product id
    return found


@st.composite
def rule_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    ids = draw(st.lists(st.sampled_from(["a", "b", "r1", "r10", "r2", "z"]), min_size=1, max_size=6, unique=True))
    return [draw(rule(rule_id)) for rule_id in ids]


@st.composite
def carts(draw: st.DrawFn) -> dict[str, Any]:
    currency = draw(st.sampled_from(["EUR", "JPY", "KWD"]))
    lines = [
        {"id": f"l{index}", "product_id": draw(st.sampled_from(PRODUCTS)), "category_ids": draw(categories),
         "unit_price": draw(st.sampled_from(PRICES[currency])), "quantity": draw(st.integers(1, 3))}
        for index in range(draw(st.integers(1, 8)))
    ]
    return {"currency": currency, "now": NOW, "groups": draw(st.sampled_from([["vip"], ["vip"], ["vip", "gold"], ["gold"]])),
            "lines": lines}


def engine_price(rules: list[dict[str, Any]], cart: dict[str, Any]) -> dict[str, Any]:
    return evaluate(parse_rules(rules), parse_cart(cart)).to_json()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(rule_sets(), carts())
def test_engine_matches_the_reference(rules: list[dict[str, Any]], cart: dict[str, Any]) -> None:
    try:
        expected = reference_price(rules, cart)
    except (AmbiguousBundle, TooLarge):
        assume(False)
    assert engine_price(rules, cart) == expected
