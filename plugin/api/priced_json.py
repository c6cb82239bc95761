"""The checkout's answer as JSON bytes: exactly ``orjson.dumps(priced.to_json())``, built faster.

A W1 answer is 50 lines and about 240 adjustments. Building a dict for each and encoding them
cost 1.77 M instructions a request; writing the lines' text directly costs 1.08 M. What repeats
between requests is kept: the text of an adjustment up to its amount (per rule id, name and
kind) and the text of an amount (per currency). Both are pure functions of their key, so
nothing kept can go stale; both are bounded. Strings a shop or a shopper chose (ids, names) are
escaped by orjson itself, so the bytes are those ``orjson.dumps`` writes.
"""
from __future__ import annotations

from collections.abc import Callable

import orjson
from rules import PricedCart
from rules.money import minor_formatter

#: Texts kept at most, per kind (adjustment heads; amounts of one currency); then started afresh.
KEPT_AT_MOST = 8192

#: (rule id, rule name, kind) -> '{"rule_id":...,"rule_name":...,"kind":...,"amount":"'
_heads: dict[tuple[str, str, str], str] = {}
#: currency -> minor units -> the amount's text, as ``format_minor`` gives it
_amounts: dict[str, dict[int, str]] = {}


def priced_cart_json(priced: PricedCart) -> bytes:
    currency = priced.currency
    known = _amounts.setdefault(currency, {})
    amount_of, head_of = known.get, _heads.get
    text = _amount_text(known, minor_formatter(currency))
    dumps = orjson.dumps
    lines = []
    for line_id, quantity, base, unit, discount, adjustments in priced.rows:
        adjusted = '"},'.join([(head_of(rule) or _head(rule)) + (amount_of(units) or text(units))
                               for rule, units in adjustments])
        line_subtotal, line_total = base * quantity, unit * quantity - discount
        lines.append(
            f'{{"id":{dumps(line_id).decode()},"quantity":{quantity},'
            f'"base_unit_price":"{amount_of(base) or text(base)}","unit_price":"{amount_of(unit) or text(unit)}",'
            f'"subtotal":"{amount_of(line_subtotal) or text(line_subtotal)}",'
            f'"discount":"{amount_of(discount) or text(discount)}",'
            f'"total":"{amount_of(line_total) or text(line_total)}",'
            f'"adjustments":[{adjusted + _CLOSE if adjusted else ""}]}}'
        )
    subtotal, surcharge_total, discount_total, total = priced.totals_minor()
    rest = dumps({  # to_json's keys after "lines", in its order
        "gifts": [gift.to_json() for gift in priced.gifts],
        "subtotal": text(subtotal),
        "surcharge_total": text(surcharge_total),
        "discount_total": text(discount_total),
        "total": text(total),
        "applied_rules": list(priced.applied_rules),
    }).decode()
    return f'{{"currency":{dumps(currency).decode()},"lines":[{",".join(lines)}],{rest[1:]}'.encode()


#: What closes an adjustment after its amount.
_CLOSE = '"}'


def _head(rule: tuple[str, str, str]) -> str:
    """An adjustment's text up to its amount, opening quote included."""
    if len(_heads) >= KEPT_AT_MOST:
        _heads.clear()
    rule_id, rule_name, kind = rule
    whole = orjson.dumps({"rule_id": rule_id, "rule_name": rule_name, "kind": kind, "amount": ""}).decode()
    head = _heads[rule] = whole[: -len(_CLOSE)]
    return head


def _amount_text(known: dict[int, str], formatted: Callable[[int], str]) -> Callable[[int], str]:
    """The text of an amount in minor units, kept in ``known`` for the next answers."""
    def text(units: int) -> str:
        if len(known) >= KEPT_AT_MOST:
            known.clear()
        result = known[units] = formatted(units)
        return result
    return text
