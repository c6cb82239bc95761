"""The pricing rule form: one Flask-WTF form with the fields of every kind, read into the SPEC's rule JSON.

The form only turns text into JSON (lists, whole numbers, times in the shop's timezone); the
engine, through the rules service, is the one judge of a rule, and its messages, keyed by field
path (``value.amount``, ``components[1].quantity``), are shown next to the field they name.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, FieldList, Form, FormField, RadioField, SelectChoice, SelectField, SelectMultipleField,
    StringField,
)

from plugin.errors import CustomerGroupsError

from .rules_display import in_shop_time

KIND_CHOICES = [
    SelectChoice("discount", "Discount"), SelectChoice("increase", "Increase"),
    SelectChoice("gift", "Gift"), SelectChoice("bundle", "Bundle"),
]
#: ``data-kinds`` lets the optional script offer only the types the chosen kind takes.
VALUE_TYPE_CHOICES = [
    SelectChoice("percent", "Percent", {"data-kinds": "discount increase bundle"}),
    SelectChoice("fixed", "Fixed amount per unit", {"data-kinds": "discount increase"}),
    SelectChoice("order_fixed", "Fixed amount off the order (discounts)", {"data-kinds": "discount"}),
    SelectChoice("fixed_price", "Fixed price per set (bundles)", {"data-kinds": "bundle"}),
]
#: Kinds whose rules carry a ``value``; gift rules give a product instead.
KINDS_WITH_VALUE = ("discount", "increase", "bundle")
#: Keys only some kinds take: cleared when an edit moves a rule to another kind.
KIND_SPECIFIC_KEYS = ("value", "trigger", "gift", "repeat", "max_per_order", "components")
#: Blank rows offered below the filled ones (bundle components here, cart lines in the simulator).
SPARE_ROWS = 2
MIN_COMPONENT_ROWS = 3

#: The engine's field path (list indexes dropped) -> the form field that shows its messages.
FIELD_FOR_PATH = {
    "id": "name", "name": "name", "kind": "kind", "groups": "groups", "enabled": "enabled",
    "priority": "priority", "combinable": "combinable", "starts_at": "starts_at", "ends_at": "ends_at",
    "value": "value_type", "value.type": "value_type", "value.amount": "value_amount",
    "applies_to": "products", "applies_to.products": "products", "applies_to.categories": "categories",
    "applies_to.exclude_products": "exclude_products", "applies_to.exclude_categories": "exclude_categories",
    "conditions": "min_subtotal", "conditions.min_subtotal": "min_subtotal",
    "conditions.min_quantity": "min_quantity",
    "trigger": "trigger_products", "trigger.products": "trigger_products",
    "trigger.categories": "trigger_categories", "trigger.min_quantity": "trigger_min_quantity",
    "trigger.min_subtotal": "trigger_min_subtotal",
    "gift": "gift_product_id", "gift.product_id": "gift_product_id", "gift.name": "gift_name",
    "gift.quantity": "gift_quantity", "repeat": "repeat", "max_per_order": "max_per_order",
    "components": "components",
}
_COMPONENT_PATH = re.compile(r"components\[(\d+)\](?:\.(\w+))?")
COMPONENT_FIELDS = ("products", "categories", "quantity")
_LIST_INDEX = re.compile(r"\[\d+\]$")


class ComponentRow(Form):
    """One bundle component: products and/or categories, and how many units a set takes."""

    products = StringField("Products")
    categories = StringField("Categories")
    quantity = StringField("Quantity")


class RuleForm(FlaskForm):
    """Every field of every kind; only the chosen kind's fields are read.

    No WTForms validators: the text is turned into rule JSON and the engine judges it.
    """

    name = StringField("Name")
    kind = RadioField("Kind", choices=KIND_CHOICES, default="discount", validate_choice=False)
    groups = SelectMultipleField("Groups", validate_choice=False)
    enabled = BooleanField("Enabled", default=True)
    priority = StringField("Priority", default="0")
    combinable = BooleanField("Combinable with other discounts")
    starts_at = StringField("Starts")
    ends_at = StringField("Ends")

    value_type = SelectField("Value type", choices=VALUE_TYPE_CHOICES, default="percent", validate_choice=False)
    value_amount = StringField("Amount")

    products = StringField("Products")
    categories = StringField("Categories")
    exclude_products = StringField("Except products")
    exclude_categories = StringField("Except categories")
    min_subtotal = StringField("Minimum subtotal")
    min_quantity = StringField("Minimum quantity")

    trigger_products = StringField("Trigger products")
    trigger_categories = StringField("Trigger categories")
    trigger_min_quantity = StringField("Minimum quantity")
    trigger_min_subtotal = StringField("Minimum subtotal")
    gift_product_id = StringField("Gift product id")
    gift_name = StringField("Gift name")
    gift_quantity = StringField("Gift quantity", default="1")
    repeat = BooleanField("Repeat for every multiple of the trigger")
    max_per_order = StringField("At most per order")

    components = FieldList(FormField(ComponentRow), min_entries=MIN_COMPONENT_ROWS)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        #: JSON component index -> form row, for the rows that were filled in.
        self._component_rows: list[int] = []
        offer_spare_rows(self.components, COMPONENT_FIELDS, MIN_COMPONENT_ROWS)

    @classmethod
    def for_rule(cls, definition: Mapping[str, Any], timezone: str) -> RuleForm:
        """A form showing a stored rule (for GET; a submitted form reads the request instead)."""
        return cls(formdata=None, data=form_data(definition, timezone))

    def rule_document(self, timezone: str) -> dict[str, Any] | None:
        """The rule JSON the admin described, or None with each unreadable field marked."""
        problems: dict[str, str] = {}
        read = _Reader(problems, timezone)
        kind = self.kind.data
        document: dict[str, Any] = {
            "name": (self.name.data or "").strip(),
            "kind": kind,
            "groups": list(self.groups.data or []),
            "enabled": bool(self.enabled.data),
            "priority": read.integer(self.priority.data, "priority", empty=0),
            "combinable": bool(self.combinable.data),
            "starts_at": read.moment(self.starts_at.data, "starts_at"),
            "ends_at": read.moment(self.ends_at.data, "ends_at"),
            "applies_to": {
                "products": split_list(self.products.data),
                "categories": split_list(self.categories.data),
                "exclude_products": split_list(self.exclude_products.data),
                "exclude_categories": split_list(self.exclude_categories.data),
            },
            "conditions": _without_none({
                "min_subtotal": _amount(self.min_subtotal.data),
                "min_quantity": read.integer(self.min_quantity.data, "conditions.min_quantity"),
            }),
        }
        if kind in KINDS_WITH_VALUE:
            document["value"] = _without_none({"type": self.value_type.data, "amount": _amount(self.value_amount.data)})
        if kind == "gift":
            document["trigger"] = _without_none({
                "products": split_list(self.trigger_products.data) or None,
                "categories": split_list(self.trigger_categories.data) or None,
                "min_quantity": read.integer(self.trigger_min_quantity.data, "trigger.min_quantity"),
                "min_subtotal": _amount(self.trigger_min_subtotal.data),
            })
            document["gift"] = _without_none({
                "product_id": (self.gift_product_id.data or "").strip(),
                "name": (self.gift_name.data or "").strip() or None,
                "quantity": read.integer(self.gift_quantity.data, "gift.quantity"),
            })
            document["repeat"] = bool(self.repeat.data)
            document["max_per_order"] = read.integer(self.max_per_order.data, "max_per_order")
        if kind == "bundle":
            document["components"] = self._components(read)
        if problems:
            self.attach_errors({path: [message] for path, message in problems.items()})
            return None
        return document

    def _components(self, read: _Reader) -> list[dict[str, Any]]:
        components, self._component_rows = [], []
        for number, row in enumerate(self.components):
            if not row_filled(row, COMPONENT_FIELDS):
                continue
            index = len(components)
            self._component_rows.append(number)
            components.append({
                "products": split_list(row.products.data),
                "categories": split_list(row.categories.data),
                "quantity": read.integer(row.quantity.data, f"components[{index}].quantity", empty=1),
            })
        return components

    def attach_service_error(self, error: CustomerGroupsError) -> None:
        self.attach_errors(error.fields or {"": [error.description]})

    def attach_errors(self, messages: Mapping[str, Any]) -> None:
        """Show each message next to the field its path names; the rest above the form."""
        for path, problems in messages.items():
            problems = list(problems) if isinstance(problems, (list, tuple)) else [str(problems)]
            field = self._field_for(path)
            if field is None:
                prefix = f"{path}: " if path and path != "body" else ""
                self.form_errors = [*self.form_errors, *(f"{prefix}{problem}" for problem in problems)]
            else:
                field.errors = [*field.errors, *problems]

    def _field_for(self, path: str):
        component = _COMPONENT_PATH.match(path)
        if component:
            index, name = int(component.group(1)), component.group(2)
            if index >= len(self._component_rows):
                return self.components
            row = self.components[self._component_rows[index]]
            return row[name] if name in COMPONENT_FIELDS else row["products"]
        name = FIELD_FOR_PATH.get(_LIST_INDEX.sub("", path))
        return self[name] if name else None


def form_data(definition: Mapping[str, Any], timezone: str) -> dict[str, Any]:
    """A stored rule's JSON as the form's fields."""
    applies_to = definition.get("applies_to") or {}
    conditions = definition.get("conditions") or {}
    value = definition.get("value") or {}
    trigger = definition.get("trigger") or {}
    gift = definition.get("gift") or {}
    return {
        "name": definition.get("name", ""),
        "kind": definition.get("kind", "discount"),
        "groups": list(definition.get("groups", [])),
        "enabled": definition.get("enabled", True),
        "priority": str(definition.get("priority", 0)),
        "combinable": definition.get("combinable", False),
        "starts_at": local_input(definition.get("starts_at"), timezone),
        "ends_at": local_input(definition.get("ends_at"), timezone),
        "value_type": value.get("type", "percent"),
        "value_amount": value.get("amount", ""),
        "products": join_list(applies_to.get("products")),
        "categories": join_list(applies_to.get("categories")),
        "exclude_products": join_list(applies_to.get("exclude_products")),
        "exclude_categories": join_list(applies_to.get("exclude_categories")),
        "min_subtotal": conditions.get("min_subtotal", ""),
        "min_quantity": _text(conditions.get("min_quantity")),
        "trigger_products": join_list(trigger.get("products")),
        "trigger_categories": join_list(trigger.get("categories")),
        "trigger_min_quantity": _text(trigger.get("min_quantity")),
        "trigger_min_subtotal": trigger.get("min_subtotal", ""),
        "gift_product_id": gift.get("product_id", ""),
        "gift_name": gift.get("name", ""),
        "gift_quantity": _text(gift.get("quantity", 1)),
        "repeat": definition.get("repeat", False),
        "max_per_order": _text(definition.get("max_per_order")),
        "components": [
            {"products": join_list(c.get("products")), "categories": join_list(c.get("categories")),
             "quantity": _text(c.get("quantity", 1))}
            for c in definition.get("components") or []
        ],
    }


def changes_for_update(stored: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    """What to merge into a stored rule so it becomes ``document``: keys of its old kind are cleared."""
    cleared = {key: None for key in KIND_SPECIFIC_KEYS if key in stored and key not in document}
    return {**cleared, **document}


# ---- rows and text <-> JSON -------------------------------------------------------------------

def row_filled(row: Any, names: Iterable[str]) -> bool:
    """Whether the admin typed into any of the row's ``names`` fields (blank rows are skipped)."""
    return any((row[name].data or "").strip() for name in names)


def offer_spare_rows(rows: FieldList, names: Iterable[str], minimum: int) -> None:
    """At least ``minimum`` rows, and SPARE_ROWS blank ones after those the admin filled."""
    filled = sum(1 for row in rows if row_filled(row, names))
    while len(rows) < max(minimum, filled + SPARE_ROWS):
        rows.append_entry()


def split_list(text: str | None) -> list[str]:
    """``"shoes, socks ,"`` -> ``["shoes", "socks"]``: lists are typed comma-separated."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def join_list(items: Iterable[str] | None) -> str:
    return ", ".join(items or [])


def local_input(moment: str | None, timezone: str) -> str:
    """An ISO time as a ``datetime-local`` value in the shop's timezone."""
    if not moment:
        return ""
    local = (in_shop_time(moment, timezone) or datetime.fromisoformat(moment)).replace(tzinfo=None)  # else as stored
    return local.isoformat(timespec="seconds" if local.second else "minutes")


def local_moment(text: str, timezone: str) -> str:
    """A ``datetime-local`` value, read in the shop's timezone, as ISO 8601 with its offset.

    Raises ValueError when the text is not a date and time. A time typed with an offset keeps it.
    """
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.isoformat()


class _Reader:
    """Reads typed text into JSON values, noting what it cannot read under the engine's field path."""

    def __init__(self, problems: dict[str, str], timezone: str):
        self.problems = problems
        self.timezone = timezone

    def integer(self, text: str | None, path: str, *, empty: int | None = None) -> int | None:
        text = (text or "").strip()
        if not text:
            return empty
        try:
            return int(text)
        except ValueError:
            self.problems[path] = f"{text!r} is not a whole number"
            return None

    def moment(self, text: str | None, path: str) -> str | None:
        if not (text or "").strip():
            return None
        try:
            return local_moment(text or "", self.timezone)
        except ValueError:
            self.problems[path] = f"{text!r} is not a date and time such as 2026-12-31T23:59"
            return None


def _amount(text: str | None) -> str | None:
    """Amounts stay text: the engine reads them as decimals and says what is wrong with them."""
    return (text or "").strip() or None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}
