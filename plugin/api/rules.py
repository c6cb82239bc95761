"""``/rules``: a shop's pricing rules, their export and import, and the checkout simulator."""
from __future__ import annotations

from flask import jsonify

from ..errors import ValidationFailed
from ..rule_schemas import (
    PricedCartSchema, RuleDeletedSchema, RuleImportSchema, RuleListSchema, RulePatchSchema, RuleSchema,
    SimulateSchema, StoredRuleSchema,
)
from ..services import checkout, rules
from ..services.keys import group_keys
from . import api_blueprint
from .auth import current_shop
from .rest import arguments, response


@api_blueprint.get("/rules")
@response(RuleListSchema())
def list_rules():
    shop = current_shop()
    existing = group_keys(shop)
    return {"items": [_stored(rule, existing) for rule in rules.list_rules(shop)]}


@api_blueprint.post("/rules")
@response(StoredRuleSchema(), status=201)
@arguments(RuleSchema(), raw=True)
def create_rule(document):
    shop = current_shop()
    return _stored(rules.create_rule(shop, document), group_keys(shop))


@api_blueprint.get("/rules/<customer_groups_id:rule_id>", merge_slashes=False)
@response(StoredRuleSchema())
def get_rule(rule_id):
    shop = current_shop()
    return _stored(rules.get_rule(shop, rule_id), group_keys(shop))


@api_blueprint.patch("/rules/<customer_groups_id:rule_id>", merge_slashes=False)
@response(StoredRuleSchema())
@arguments(RulePatchSchema(partial=True), raw=True)
def update_rule(changes, rule_id):
    shop = current_shop()
    rule = rules.update_rule(shop, rules.get_rule(shop, rule_id), changes)
    return _stored(rule, group_keys(shop))


@api_blueprint.delete("/rules/<customer_groups_id:rule_id>", merge_slashes=False)
@response(RuleDeletedSchema())
def delete_rule(rule_id):
    shop = current_shop()
    rules.delete_rule(shop, rules.get_rule(shop, rule_id))
    return {"deleted": rule_id}


@api_blueprint.get("/rules/export")
@response(RuleListSchema(), description="every rule in the import format, in rule order")
def export_rules():
    return {"items": rules.export_rules(current_shop())}


@api_blueprint.post("/rules/import")
@response(RuleListSchema())
@arguments(RuleImportSchema())
def import_rules(body):
    shop = current_shop()
    imported = rules.import_rules(shop, body["rules"], replace=body["replace"])
    existing = group_keys(shop)
    return {"items": [_stored(rule, existing) for rule in imported]}


@api_blueprint.post("/rules/simulate")
@response(PricedCartSchema(), description="the priced cart with a trace; nothing is saved")
@arguments(SimulateSchema(), raw=True)
def simulate(body):
    unknown = sorted(set(body) - {"cart", "rules"})
    if unknown:  # a mistyped "rule" would otherwise price with the shop's own rules, unsaid
        raise ValidationFailed.on(unknown[0], "unknown field: the body takes cart and rules")
    try:
        priced = checkout.simulate(current_shop(), _object(body, "cart"), body.get("rules"))
    except ValidationFailed as error:
        raise _in_cart(error) from None
    return jsonify(priced.to_json(trace=True))


def _in_cart(error: ValidationFailed) -> ValidationFailed:
    """A cart's error names its field inside the body's ``cart`` (``cart.lines[0].quantity``),
    as a rule's names it inside ``rules``; the admin's simulator takes the service's bare names."""
    if len(error.fields) != 1:
        return error
    [(field, problems)] = error.fields.items()
    if field.split("[")[0] in ("cart", "rules"):
        return error
    return ValidationFailed.on(f"cart.{field}", problems[0])


def _object(body: dict, key: str) -> dict:
    value = body.get(key)
    if not isinstance(value, dict):
        raise ValidationFailed.on(key, "is required and must be a JSON object")
    return value


def _stored(rule, group_keys: set[str]) -> dict:
    return {**rule.definition, "needs_group": not set(rule.definition["groups"]) & group_keys}
