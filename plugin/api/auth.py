"""Every API call but the OpenAPI document names its shop with ``Authorization: Bearer <key>``."""
from __future__ import annotations

from typing import Callable

from flask import g, request

from ..errors import Unauthorized
from ..licensing import require_plan
from ..models import Shop
from ..services.shops import shop_for_api_key
from . import api_blueprint

PUBLIC_ENDPOINTS = {"customer_groups_api.openapi_document"}
#: endpoint -> how it finds the key's shop, when it reads more in the same query than the shop
#: (the checkout reads the shopper's groups with it); every other endpoint uses shop_for_api_key.
SHOP_READERS: dict[str, Callable[[str], Shop | None]] = {}


@api_blueprint.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, api_key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not api_key.strip():
        raise Unauthorized("Send the shop's API key as 'Authorization: Bearer <key>'.")
    shop = SHOP_READERS.get(request.endpoint, shop_for_api_key)(api_key.strip())
    if shop is None:
        raise Unauthorized("That API key is not valid.")
    require_plan(shop)
    g.customer_groups_shop = shop


def current_shop() -> Shop:
    return g.customer_groups_shop
