"""The JSON API blueprint under ``/api/customer-groups/v1``: one module a resource."""
from __future__ import annotations

from flask import Blueprint

api_blueprint = Blueprint("customer_groups_api", __name__)

from . import auth, checkout, customers, errors, events, groups, members, openapi, rules  # noqa: E402,F401  (routes register on import)
