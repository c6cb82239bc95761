"""One JSON error shape for every failure on the API blueprint (the host's pages keep theirs)."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from ..db import session
from ..errors import Conflict, CustomerGroupsError
from . import api_blueprint

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 415: "unsupported_media_type", 422: "validation_error"}


@api_blueprint.errorhandler(CustomerGroupsError)
def _our_error(error: CustomerGroupsError):
    session().rollback()
    return _shaped(error.payload()), error.code


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
    return {"error": {"code": _CODES.get(code, "error"), "message": error.description, "fields": {}}}, code


def _shaped(payload: dict) -> dict:
    """SPEC §4's shape to the letter: ``fields`` is always there, empty when no field is to blame."""
    payload["error"].setdefault("fields", {})
    return payload
