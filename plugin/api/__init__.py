"""The JSON API blueprint under ``/api/customer-groups/v1``: one module a resource."""
from __future__ import annotations

from flask import Blueprint
from werkzeug.routing import PathConverter

api_blueprint = Blueprint("customer_groups_api", __name__)


class IdConverter(PathConverter):
    """An id as a path segment or more: any characters, slashes and newlines too.

    werkzeug's ``path`` stops at a newline (its ``.`` does not match one), so an id the API
    accepts, such as a customer ``"a\\nb"``, missed its route and the catch-all alike and got
    the host's HTML 404.
    """

    regex = "(?s:[^/].*?)"


#: The converter's name in the host's url_map; prefixed so that it never shadows the host's own.
ID_CONVERTER = "customer_groups_id"
api_blueprint.record_once(lambda state: state.app.url_map.converters.setdefault(ID_CONVERTER, IdConverter))

from . import auth, checkout, customers, errors, events, groups, members, openapi, rules  # noqa: E402,F401  (routes register on import)
