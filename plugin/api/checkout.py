"""``/checkout/evaluate``: the storefront's hot path, a cart in and the customer's prices out."""
from __future__ import annotations

from flask import Response, g

from ..db import session
from ..models import Shop
from ..rule_schemas import CheckoutCartSchema, PricedCartSchema
from ..services import checkout
from ..storable import UnreadableJson
from . import api_blueprint
from .auth import SHOP_READERS, current_shop
from .priced_json import priced_cart_json
from .rest import arguments, request_json, response


@api_blueprint.post("/checkout/evaluate")
@response(PricedCartSchema(), description="the cart priced for the customer's groups now")
@arguments(CheckoutCartSchema(), raw=True)
def evaluate(cart):
    priced = checkout.evaluate_checkout(current_shop(), cart, shopper=g.get("customer_groups_shopper"))
    body = priced_cart_json(priced)  # orjson.dumps(priced.to_json()), byte for byte
    _commit_if_used()
    return Response(body, mimetype="application/json")


def _commit_if_used() -> None:
    """When the session did work (a rule change compiled, a receiver of prices_evaluated),
    COMMIT rather than the teardown's ROLLBACK ends it: psycopg forgets its prepared statements
    on every ROLLBACK. Usually the read ran on its own connection and no session was even made:
    then there is nothing to end, and making one only to commit nothing costs more than the read."""
    sessions = session().registry
    if sessions.has() and sessions().in_transaction():
        sessions().commit()


def _shop_and_shopper(api_key: str) -> Shop | None:
    """Authentication for this endpoint: the key's shop and the shopper's groups in one query.
    The body is only peeked at here (and read once: the view takes it as read); the view validates
    it, and refuses a body ``loads`` does not take or a bad customer id."""
    try:
        body = request_json()
    except UnreadableJson:
        body = None
    customer_id = body.get("customer_id") if isinstance(body, dict) else None
    customer_id = customer_id if isinstance(customer_id, str) else None
    found = checkout.shop_and_groups_for_api_key(api_key, customer_id)
    if found is None:
        return None
    shop, groups = found
    g.customer_groups_shopper = (customer_id, groups)
    return shop


SHOP_READERS[f"{api_blueprint.name}.{evaluate.__name__}"] = _shop_and_shopper
