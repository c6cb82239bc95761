"""Marshmallow schemas of the rule, cart and priced-cart JSON of SPEC §2.

They describe the structure (and feed OpenAPI); the engine's own parser then checks every
rule of pricing semantics, so the two never disagree about what a valid rule is.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from .schemas import JsonBoolean

RULE_KINDS = ("discount", "increase", "gift", "bundle")
VALUE_TYPES = ("percent", "fixed", "order_fixed", "fixed_price")


def _ids(description: str = "") -> fields.List:
    return fields.List(fields.String(), metadata={"description": description} if description else {})


def _amount(**kwargs) -> fields.String:
    return fields.String(metadata={"description": 'a decimal amount as a string, e.g. "12.50"', "example": "12.50"}, **kwargs)


class AppliesToSchema(Schema):
    products = _ids("product ids; empty products and categories mean the whole catalogue")
    categories = _ids()
    exclude_products = _ids()
    exclude_categories = _ids()


class ValueSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(VALUE_TYPES))
    amount = _amount(required=True)


class ConditionsSchema(Schema):
    min_subtotal = _amount(allow_none=True)
    min_quantity = fields.Integer(strict=True, allow_none=True)


class TriggerSchema(Schema):
    products = _ids()
    categories = _ids()
    min_quantity = fields.Integer(strict=True, allow_none=True)
    min_subtotal = _amount(allow_none=True)


class GiftSchema(Schema):
    product_id = fields.String(required=True)
    name = fields.String()
    quantity = fields.Integer(strict=True)


class ComponentSchema(Schema):
    products = _ids()
    categories = _ids()
    quantity = fields.Integer(strict=True)


class RuleSchema(Schema):
    id = fields.String(metadata={"description": "unique in the shop; made from the name when left out"})
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(RULE_KINDS))
    groups = _ids("group keys; the rule applies to a customer in any of them")
    priority = fields.Integer(strict=True)
    combinable = fields.Boolean()
    enabled = fields.Boolean()
    starts_at = fields.String(allow_none=True, metadata={"description": "ISO 8601 with offset; inclusive"})
    ends_at = fields.String(allow_none=True, metadata={"description": "ISO 8601 with offset; exclusive"})
    applies_to = fields.Nested(AppliesToSchema)
    value = fields.Nested(ValueSchema, allow_none=True)
    conditions = fields.Nested(ConditionsSchema)
    trigger = fields.Nested(TriggerSchema, allow_none=True)
    gift = fields.Nested(GiftSchema, allow_none=True)
    repeat = fields.Boolean()
    max_per_order = fields.Integer(strict=True, allow_none=True)
    components = fields.List(fields.Nested(ComponentSchema))


class RulePatchSchema(RuleSchema):
    """Load with ``partial=True``: the keys sent replace the rule's, the rest stay."""


class StoredRuleSchema(RuleSchema):
    needs_group = fields.Boolean(metadata={"description": "true when none of the rule's groups exists any more"})


class RuleListSchema(Schema):
    items = fields.List(fields.Nested(StoredRuleSchema))


class RuleImportSchema(Schema):
    """``rules``, or ``items`` as ``GET /rules/export`` answers them, so an export posts back as it is."""

    rules = fields.List(fields.Dict(), metadata={"description": "rules in the export format"})
    items = fields.List(fields.Dict(), metadata={"description": "the same, under the export's own key"})
    replace = JsonBoolean(load_default=False, metadata={"description": "drop the rules the file does not name"})

    @validates_schema
    def _one_list(self, data, **_kwargs):
        if ("rules" in data) == ("items" in data):
            raise ValidationError("send the rules as either rules or items (an export), once", "rules")

    @post_load
    def _as_rules(self, data, **_kwargs):
        return {"rules": data["rules"] if "rules" in data else data["items"], "replace": data["replace"]}


class RuleDeletedSchema(Schema):
    deleted = fields.String()


class LineSchema(Schema):
    id = fields.String(required=True)
    product_id = fields.String(required=True)
    category_ids = _ids()
    unit_price = _amount(required=True)
    quantity = fields.Integer(required=True, strict=True)


class CheckoutCartSchema(Schema):
    currency = fields.String(required=True, metadata={"description": "ISO 4217; must be the shop's currency"})
    now = fields.String(metadata={"description": "ISO 8601; defaults to the server's clock"})
    customer_id = fields.String(allow_none=True, metadata={"description": "the host's customer id; none for a guest"})
    lines = fields.List(fields.Nested(LineSchema), required=True)


class SimulateCartSchema(CheckoutCartSchema):
    groups = _ids("price as a member of these groups (instead of customer_id)")


class SimulateSchema(Schema):
    cart = fields.Nested(SimulateCartSchema, required=True)
    rules = fields.List(fields.Dict(), metadata={"description": "rules to try; the shop's own rules when left out"})


class AdjustmentSchema(Schema):
    rule_id = fields.String()
    rule_name = fields.String()
    kind = fields.String()
    amount = _amount()


class PricedLineSchema(Schema):
    id = fields.String()
    quantity = fields.Integer()
    base_unit_price = _amount()
    unit_price = _amount()
    subtotal = _amount()
    discount = _amount()
    total = _amount()
    adjustments = fields.List(fields.Nested(AdjustmentSchema))


class GiftLineSchema(Schema):
    product_id = fields.String()
    name = fields.String()
    quantity = fields.Integer()
    unit_price = _amount()
    rule_id = fields.String()


class TraceEntrySchema(Schema):
    rule_id = fields.String()
    rule_name = fields.String()
    applied = fields.Boolean()
    message = fields.String(metadata={"example": "Summer sale skipped: subtotal below 50.00 EUR"})


class PricedCartSchema(Schema):
    currency = fields.String()
    lines = fields.List(fields.Nested(PricedLineSchema))
    gifts = fields.List(fields.Nested(GiftLineSchema))
    subtotal = _amount()
    surcharge_total = _amount()
    discount_total = _amount()
    total = _amount()
    applied_rules = _ids()
    trace = fields.List(fields.Nested(TraceEntrySchema), metadata={"description": "simulate only: why each rule did or did not apply"})
