"""One JSON error shape for every failure on the API blueprint (the host's pages keep theirs)."""
from __future__ import annotations

from flask import current_app, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule

from ..db import session
from ..errors import Conflict, CustomerGroupsError, Unauthorized
from . import api_blueprint

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 415: "unsupported_media_type", 422: "validation_error"}


@api_blueprint.errorhandler(CustomerGroupsError)
def _our_error(error: CustomerGroupsError):
    session().rollback()
    challenge = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else {}  # RFC 6750
    return _shaped(error.payload()), error.code, challenge


@api_blueprint.errorhandler(IntegrityError)
def _integrity_error(_error: IntegrityError):
    """Two requests racing for the same unique name or key: the loser gets a 409."""
    session().rollback()
    conflict = Conflict("That conflicts with a change made at the same moment; reload and try again.")
    return _shaped(conflict.payload()), conflict.code


@api_blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    session().rollback()
    code = error.code or 500
    headers = {"Allow": ", ".join(error.valid_methods)} if isinstance(error, MethodNotAllowed) and error.valid_methods else {}
    return {"error": {"code": _CODES.get(code, "error"), "message": error.description, "fields": {}}}, code, headers


@api_blueprint.before_app_request
def _unrouted():
    """A path under the API's prefix that is no route, or a method its route does not take.

    Routing errors never reach a blueprint's error handlers, and a host's own catch-all route
    may take such a path; this app-wide hook answers both in the API's shape, matching the
    path against the API's routes alone, any method and the prefix itself included.
    """
    if request.blueprint == api_blueprint.name or not _under_api_prefix(request.path):
        return None
    try:
        _api_routes().match(request.path, method=request.method)
    except RequestRedirect:
        return None   # the host's map redirects it, to the request's own host
    except (NotFound, MethodNotAllowed) as error:
        return _http_error(error)
    return None


def _under_api_prefix(path: str) -> bool:
    prefix = current_app.config["CUSTOMER_GROUPS_API_PREFIX"].rstrip("/")
    return path == prefix or path.startswith(prefix + "/")


def _api_routes():
    rules = [Rule(rule.rule, endpoint=rule.endpoint, methods=rule.methods)
             for rule in current_app.url_map.iter_rules() if rule.endpoint.startswith(f"{api_blueprint.name}.")]
    return Map(rules, converters=current_app.url_map.converters).bind("api")


def _shaped(payload: dict) -> dict:
    """SPEC §4's shape to the letter: ``fields`` is always there, empty when no field is to blame."""
    payload["error"].setdefault("fields", {})
    return payload
