"""JSON dicts to rules and carts and back, refusing anything SPEC §2 does not allow."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from .errors import ValidationError
from .export import rule_to_json
from .model import (
    MAX_QUANTITY,
    RULE_KINDS,
    VALUE_TYPES_BY_KIND,
    AppliesTo,
    Cart,
    Component,
    Conditions,
    Gift,
    Line,
    Rule,
    Trigger,
    Value,
)
from .money import Money, UnknownCurrencyError, minor_digits

__all__ = ["parse_cart", "parse_rule", "parse_rules", "rule_to_json"]

_AMOUNT = re.compile(r"-?\d+(\.\d+)?")
_PLAIN_PRICE = re.compile(r"(\d+)(?:\.(\d+))?")
#: Bounds that keep every amount within Decimal's 28 digits of precision (a 41-digit price
#: could not be rounded to the currency) and a rule's priority within a 64-bit JSON integer.
MAX_PRIORITY = 1_000_000_000
MAX_AMOUNT = Decimal(10**12)

_RULE_KEYS = frozenset(
    {"id", "name", "kind", "groups", "priority", "combinable", "enabled", "starts_at", "ends_at",
     "applies_to", "value", "conditions", "trigger", "gift", "repeat", "max_per_order", "components"}
)
#: Fields only one kind takes, with the empty values another kind may still carry (a template
#: that lists every key): ``{}`` as a trigger is "no trigger", ``[]`` no components.
_KIND_ONLY_KEYS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "trigger": ("gift", (None, {})),
    "gift": ("gift", (None, {})),
    "repeat": ("gift", (None, False)),
    "max_per_order": ("gift", (None,)),
    "components": ("bundle", (None, [])),
}
_APPLIES_TO_KEYS = frozenset({"products", "categories", "exclude_products", "exclude_categories"})
_CART_KEYS = frozenset({"currency", "now", "groups", "lines"})
_LINE_KEYS = frozenset({"id", "product_id", "category_ids", "unit_price", "quantity"})


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(path, f"must be an object, not {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def _only_keys(data: Mapping[str, Any], path: str, allowed: Iterable[str]) -> None:
    allowed = frozenset(allowed)
    for key in data:
        if key not in allowed:
            raise ValidationError(_join(path, str(key)), "unknown field")


def _required(data: Mapping[str, Any], key: str, path: str) -> Any:
    if data.get(key) is None:
        raise ValidationError(_join(path, key), "is required")
    return data[key]


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(path, f"must be a string, not {_json_type(value)}")
    if not value.strip():
        raise ValidationError(path, "must not be empty")
    return value


def _texts(value: Any, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise ValidationError(path, f"must be a list of strings, not {_json_type(value)}")
    return tuple(_text(item, f"{path}[{index}]") for index, item in enumerate(value))


def _integer(value: Any, path: str, *, minimum: int, maximum: int = MAX_QUANTITY) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(path, f"must be an integer, not {_json_type(value)}")
    if value < minimum:
        raise ValidationError(path, f"must be at least {minimum}")
    if value > maximum:
        raise ValidationError(path, f"must be at most {maximum:,}")
    return value


def _flag(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(path, f"must be true or false, not {_json_type(value)}")
    return value


def _amount(value: Any, path: str) -> Decimal:
    """A non-negative decimal from a string or an integer; floats would lose cents."""
    if isinstance(value, float):
        raise ValidationError(path, "must be a string such as \"12.50\", not a float")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(path, f"must be a string such as \"12.50\", not {_json_type(value)}")
    text = str(value).strip()
    if not _AMOUNT.fullmatch(text):
        raise ValidationError(path, f"{value!r} is not a decimal amount such as \"12.50\"")
    amount = Decimal(text)
    if amount < 0:
        raise ValidationError(path, "must not be negative")
    if amount > MAX_AMOUNT:
        raise ValidationError(path, f"must be at most {MAX_AMOUNT:,}")
    return amount


def _moment(value: Any, path: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(path, f"must be an ISO 8601 string, not {_json_type(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(path, f"{value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(path, "must include a UTC offset, e.g. 2026-12-31T23:59:59+01:00")
    return moment


def _currency(value: Any, path: str) -> str:
    code = _text(value, path)
    try:
        minor_digits(code)
    except UnknownCurrencyError:
        raise ValidationError(path, f"unknown currency {code!r}") from None
    return code


# Rules


def parse_rule(data: Mapping[str, Any], path: str = "") -> Rule:
    """One rule from its JSON form (the API's and the import/export format)."""
    data = _mapping(data, path)
    _only_keys(data, path, _RULE_KEYS)
    rule_id = _text(_required(data, "id", path), _join(path, "id"))
    kind = _text(_required(data, "kind", path), _join(path, "kind"))
    if kind not in RULE_KINDS:
        raise ValidationError(
            _join(path, "kind"), f"unknown kind {kind!r} (expected one of {', '.join(RULE_KINDS)})"
        )
    name = data.get("name")
    name = rule_id if name is None else _text(name, _join(path, "name"))
    groups = _texts(_required(data, "groups", path), _join(path, "groups"))
    if not groups:
        raise ValidationError(
            _join(path, "groups"), "must name at least one group (target the default group for everyone)"
        )
    starts_at = _moment(data.get("starts_at"), _join(path, "starts_at"))
    ends_at = _moment(data.get("ends_at"), _join(path, "ends_at"))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValidationError(_join(path, "ends_at"), "must be after starts_at")
    _refuse_other_kinds_fields(data, kind, path)
    rule = Rule(
        id=rule_id,
        name=name,
        kind=kind,  # type: ignore[arg-type]
        groups=groups,
        value=_value(data.get("value"), kind, _join(path, "value")),
        priority=_integer(data.get("priority", 0), _join(path, "priority"), minimum=-MAX_PRIORITY, maximum=MAX_PRIORITY),
        combinable=_flag(data.get("combinable", False), _join(path, "combinable")),
        enabled=_flag(data.get("enabled", True), _join(path, "enabled")),
        starts_at=starts_at,
        ends_at=ends_at,
        applies_to=_applies_to(data.get("applies_to"), _join(path, "applies_to")),
        conditions=_conditions(data.get("conditions"), _join(path, "conditions")),
    )
    if kind == "gift":
        return _with_gift(rule, data, path)
    if kind == "bundle":
        components = _components(_required(data, "components", path), _join(path, "components"))
        return replace(rule, components=components)
    return rule


def _refuse_other_kinds_fields(data: Mapping[str, Any], kind: str, path: str) -> None:
    """Another kind's field is refused unless it holds its empty value (``"repeat": false``)."""
    for key, (owner, empty_values) in _KIND_ONLY_KEYS.items():
        value = data.get(key)
        if kind == owner or any(type(value) is type(empty) and value == empty for empty in empty_values):
            continue
        allowed = " or ".join("null" if empty is None else json.dumps(empty) for empty in empty_values)
        raise ValidationError(
            _join(path, key), f"only {owner} rules take {key} (a {kind} rule may give only {allowed})"
        )


def _value(data: Any, kind: str, path: str) -> Value | None:
    allowed = VALUE_TYPES_BY_KIND[kind]
    if not allowed:
        if data is not None:
            raise ValidationError(path, "gift rules take no value (the gift is the value)")
        return None
    if data is None:
        raise ValidationError(path, "is required")
    data = _mapping(data, path)
    _only_keys(data, path, ("type", "amount"))
    value_type = _text(_required(data, "type", path), _join(path, "type"))
    if value_type == "order_fixed" and kind != "discount":
        raise ValidationError(_join(path, "type"), "order_fixed is for discount rules only")
    if value_type == "fixed_price" and kind != "bundle":
        raise ValidationError(_join(path, "type"), "fixed_price is for bundle rules only")
    if value_type not in allowed:
        raise ValidationError(
            _join(path, "type"),
            f"{value_type!r} is not a value type for {kind} rules (expected one of {', '.join(allowed)})",
        )
    amount_path = _join(path, "amount")
    amount = _amount(_required(data, "amount", path), amount_path)
    if value_type == "percent":
        if amount <= 0:
            raise ValidationError(amount_path, "a percent must be more than 0")
        if kind != "increase" and amount > 100:
            raise ValidationError(amount_path, f"a {kind} percent must be at most 100")
    elif value_type in ("fixed", "order_fixed") and amount <= 0:
        raise ValidationError(amount_path, "must be more than 0")
    return Value(type=value_type, amount=amount)  # type: ignore[arg-type]


def _applies_to(data: Any, path: str) -> AppliesTo:
    if data is None:
        return AppliesTo()
    data = _mapping(data, path)
    _only_keys(data, path, _APPLIES_TO_KEYS)
    return AppliesTo(**{key: _texts(data.get(key), _join(path, key)) for key in _APPLIES_TO_KEYS})


def _conditions(data: Any, path: str) -> Conditions:
    if data is None:
        return Conditions()
    data = _mapping(data, path)
    _only_keys(data, path, ("min_subtotal", "min_quantity"))
    min_subtotal = data.get("min_subtotal")
    min_quantity = data.get("min_quantity")
    return Conditions(
        min_subtotal=None if min_subtotal is None else _amount(min_subtotal, _join(path, "min_subtotal")),
        min_quantity=None if min_quantity is None else _integer(min_quantity, _join(path, "min_quantity"), minimum=0),
    )


def _with_gift(rule: Rule, data: Mapping[str, Any], path: str) -> Rule:
    gift_path = _join(path, "gift")
    gift_data = _mapping(_required(data, "gift", path), gift_path)
    _only_keys(gift_data, gift_path, ("product_id", "name", "quantity"))
    product_id = _text(_required(gift_data, "product_id", gift_path), _join(gift_path, "product_id"))
    gift_name = gift_data.get("name")
    gift = Gift(
        product_id=product_id,
        name=product_id if gift_name is None else _text(gift_name, _join(gift_path, "name")),
        quantity=_integer(gift_data.get("quantity", 1), _join(gift_path, "quantity"), minimum=1),
    )
    max_per_order = data.get("max_per_order")
    return replace(
        rule,
        trigger=_trigger(data.get("trigger"), _join(path, "trigger")),
        gift=gift,
        repeat=_flag(data.get("repeat", False), _join(path, "repeat")),
        max_per_order=None
        if max_per_order is None
        else _integer(max_per_order, _join(path, "max_per_order"), minimum=1),
    )


def _trigger(data: Any, path: str) -> Trigger:
    if data is None:
        return Trigger()
    data = _mapping(data, path)
    _only_keys(data, path, ("products", "categories", "min_quantity", "min_subtotal"))
    min_quantity = data.get("min_quantity")
    min_subtotal = data.get("min_subtotal")
    return Trigger(
        products=_texts(data.get("products"), _join(path, "products")),
        categories=_texts(data.get("categories"), _join(path, "categories")),
        min_quantity=None if min_quantity is None else _integer(min_quantity, _join(path, "min_quantity"), minimum=1),
        min_subtotal=None if min_subtotal is None else _amount(min_subtotal, _join(path, "min_subtotal")),
    )


def _components(data: Any, path: str) -> tuple[Component, ...]:
    if not isinstance(data, (list, tuple)):
        raise ValidationError(path, f"must be a list, not {_json_type(data)}")
    if not data:
        raise ValidationError(path, "a bundle needs at least one component")
    components = []
    for index, item in enumerate(data):
        item_path = f"{path}[{index}]"
        item = _mapping(item, item_path)
        _only_keys(item, item_path, ("products", "categories", "quantity"))
        components.append(
            Component(
                products=_texts(item.get("products"), _join(item_path, "products")),
                categories=_texts(item.get("categories"), _join(item_path, "categories")),
                quantity=_integer(item.get("quantity", 1), _join(item_path, "quantity"), minimum=1),
            )
        )
    return tuple(components)


def parse_rules(data: Any) -> tuple[Rule, ...]:
    """A list of rules; errors are located as ``[2].value.amount``. Ids must be unique."""
    if not isinstance(data, (list, tuple)):
        raise ValidationError("", f"must be a list of rules, not {_json_type(data)}")
    rules = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        rule = parse_rule(item, f"[{index}]")
        if rule.id in seen:
            raise ValidationError(f"[{index}].id", f"duplicate rule id {rule.id!r}")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


# Carts


def parse_cart(data: Mapping[str, Any], *, groups_required: bool = True) -> Cart:
    """A cart from its JSON form; ``groups_required=False`` when the caller knows the customer."""
    data = _mapping(data, "")
    _only_keys(data, "", _CART_KEYS)
    currency = _currency(_required(data, "currency", ""), "currency")
    groups = data.get("groups")
    if groups is None and groups_required:
        raise ValidationError("groups", "is required (the customer's group keys)")
    lines_data = _required(data, "lines", "")
    if not isinstance(lines_data, (list, tuple)):
        raise ValidationError("lines", f"must be a list, not {_json_type(lines_data)}")
    lines = []
    seen: set[str] = set()
    digits = minor_digits(currency)
    for index, item in enumerate(lines_data):
        line = _plain_line(item, currency, digits) or _line(item, f"lines[{index}]", currency)
        if line.id in seen:
            raise ValidationError(f"lines[{index}].id", f"duplicate line id {line.id!r}")
        seen.add(line.id)
        lines.append(line)
    return Cart(
        currency=currency,
        lines=tuple(lines),
        groups=None if groups is None else _texts(groups, "groups"),
        now=_moment(data.get("now"), "now"),
    )


def _plain_line(data: Any, currency: str, digits: int) -> Line | None:
    """The common, well-formed line, checked without building a field path per field.

    Returns None for anything unusual (an integer price, a missing field, a bad value); the
    thorough ``_line`` then either accepts it or says exactly what is wrong.
    """
    if type(data) is not dict or not _LINE_KEYS.issuperset(data):
        return None
    try:
        line_id, product_id, price, quantity = data["id"], data["product_id"], data["unit_price"], data["quantity"]
    except KeyError:
        return None
    categories = data.get("category_ids")
    if not (
        type(line_id) is str and line_id.strip()
        and type(product_id) is str and product_id.strip()
        and type(quantity) is int and 1 <= quantity <= MAX_QUANTITY
        and type(price) is str
    ):
        return None
    if categories is None:
        categories = ()
    elif type(categories) is list:
        for category in categories:
            if type(category) is not str or not category.strip():
                return None
        categories = tuple(categories)
    else:
        return None
    matched = _PLAIN_PRICE.fullmatch(price)
    if matched is None:
        return None
    whole, fraction = matched.groups("")
    if len(fraction) > digits:
        return None
    amount = Decimal(price)
    if amount > MAX_AMOUNT:
        return None
    # The price has at most the currency's decimals, so its minor units are its digits: what
    # Line.__post_init__ would get from to_minor (hashing a Decimal for its cache costs more).
    return _trusted_line(line_id, product_id, Money.trusted(amount, currency), quantity, categories,
                         int(whole + fraction.ljust(digits, "0")))


#: Line's slots, set directly: a frozen dataclass's __init__ sets each through object.__setattr__.
_SET_LINE_SLOTS = tuple(getattr(Line, name).__set__ for name in
                        ("id", "product_id", "unit_price", "quantity", "category_ids", "category_set", "base_minor"))


def _trusted_line(line_id: str, product_id: str, unit_price: Money, quantity: int,
                  categories: tuple[str, ...], base_minor: int) -> Line:
    """The Line ``Line(...)`` would build from values the fast path has checked, at half its cost."""
    line = object.__new__(Line)
    set_id, set_product_id, set_unit_price, set_quantity, set_categories, set_category_set, set_base_minor = _SET_LINE_SLOTS
    set_id(line, line_id)
    set_product_id(line, product_id)
    set_unit_price(line, unit_price)
    set_quantity(line, quantity)
    set_categories(line, categories)
    set_category_set(line, frozenset(categories))
    set_base_minor(line, base_minor)
    return line


def _line(data: Any, path: str, currency: str) -> Line:
    data = _mapping(data, path)
    _only_keys(data, path, _LINE_KEYS)
    price_path = _join(path, "unit_price")
    price = _amount(_required(data, "unit_price", path), price_path)
    digits = minor_digits(currency)
    if price != price.quantize(Decimal(1).scaleb(-digits)):
        raise ValidationError(price_path, f"has more decimals than {currency} allows ({digits})")
    return Line(
        id=_text(_required(data, "id", path), _join(path, "id")),
        product_id=_text(_required(data, "product_id", path), _join(path, "product_id")),
        unit_price=Money(price, currency),
        quantity=_integer(_required(data, "quantity", path), _join(path, "quantity"), minimum=1),
        category_ids=_texts(data.get("category_ids"), _join(path, "category_ids")),
    )
