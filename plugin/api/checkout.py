"""``/checkout/evaluate``: the storefront's hot path, a cart in and the customer's prices out."""
from __future__ import annotations

from flask import jsonify

from ..rule_schemas import CheckoutCartSchema, PricedCartSchema
from ..services import checkout
from . import api_blueprint
from .auth import current_shop
from .rest import arguments, response


@api_blueprint.post("/checkout/evaluate")
@response(PricedCartSchema(), description="the cart priced for the customer's groups now")
@arguments(CheckoutCartSchema(), raw=True)
def evaluate(cart):
    return jsonify(checkout.evaluate_checkout(current_shop(), cart).to_json())
