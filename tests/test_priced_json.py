"""The checkout's answer bytes (plugin/api/priced_json.py) are orjson.dumps(priced.to_json())'s."""
from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.workloads import make_w1
from plugin.api import priced_json
from plugin.api.priced_json import priced_cart_json
from rules import compile_rules, evaluate, parse_cart, parse_rules

PRICES = {"EUR": ["0.01", "9.99", "12.34", "100.00"], "JPY": ["1", "999", "1234"], "KWD": ["0.001", "12.345"]}
#: Text a shop or a shopper may choose: quotes, backslashes, control characters, any script.
chosen_text = st.text(min_size=1, max_size=12).filter(str.strip)


@st.composite
def priced_carts(draw):
    currency = draw(st.sampled_from(sorted(PRICES)))
    rules = []
    for index in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["discount", "increase", "discount"]))
        value_type = draw(st.sampled_from(["percent", "fixed"] + (["order_fixed"] if kind == "discount" else [])))
        amount = draw(st.sampled_from(["1", "5", "12.5", "50"] if value_type == "percent" else PRICES[currency]))
        rules.append({"id": f"r{index}", "name": draw(chosen_text), "kind": kind, "groups": ["vip"],
                      "combinable": draw(st.booleans()), "value": {"type": value_type, "amount": amount}})
    if draw(st.booleans()):
        rules.append({"id": "g", "name": draw(chosen_text), "kind": "gift", "groups": ["vip"],
                      "trigger": {}, "gift": {"product_id": draw(chosen_text), "name": draw(chosen_text)}})
    line_ids = draw(st.lists(chosen_text, max_size=5, unique=True))
    lines = [{"id": line_id, "product_id": "p", "unit_price": draw(st.sampled_from(PRICES[currency])),
              "quantity": draw(st.integers(1, 1_000_000))} for line_id in line_ids]
    cart = parse_cart({"currency": currency, "lines": lines}, groups_required=False)
    return evaluate(compile_rules(parse_rules(rules)), cart, ["vip"])


@settings(max_examples=300, deadline=None)
@given(priced_carts())
def test_the_answer_is_the_bytes_orjson_writes_for_to_json(priced):
    assert priced_cart_json(priced) == orjson.dumps(priced.to_json())


def test_w1s_answer_is_the_same_bytes_also_once_its_texts_are_kept():
    rules, cart, groups = make_w1(1)
    priced = evaluate(compile_rules(parse_rules(rules)), parse_cart(cart), groups)
    expected = orjson.dumps(priced.to_json())
    assert priced_cart_json(priced) == expected
    assert priced_json._heads and priced_json._amounts["EUR"]
    assert priced_cart_json(priced) == expected


def test_what_is_kept_is_bounded(monkeypatch):
    monkeypatch.setattr(priced_json, "KEPT_AT_MOST", 3)
    monkeypatch.setattr(priced_json, "_heads", {})
    monkeypatch.setattr(priced_json, "_amounts", {})
    rules, cart, groups = make_w1(1)
    priced = evaluate(compile_rules(parse_rules(rules)), parse_cart(cart), groups)
    assert priced_cart_json(priced) == orjson.dumps(priced.to_json())
    assert len(priced_json._heads) <= 3 and len(priced_json._amounts["EUR"]) <= 3
