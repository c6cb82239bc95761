"""Two decorators over webargs and marshmallow: views take parsed input and return objects.

``@arguments`` parses and validates the request; ``@response`` serialises what the view
returns, commits the request's one transaction, and records both schemas for OpenAPI.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import Response, request
from marshmallow import Schema
from webargs.flaskparser import FlaskParser, is_json_request

from ..db import session
from ..errors import BadRequest, ValidationFailed
from .storable import check_json, check_path, check_query


#: What a body that is not a JSON document hears, on every route.
NOT_JSON = "The request body is not valid JSON (send Content-Type: application/json)."
#: What a body nested deeper than Python's JSON parser goes hears (its RecursionError was a 500).
TOO_DEEP = "The request body is JSON nested too deeply to read."


class Parser(FlaskParser):
    def _raw_load_json(self, req):
        """A body sent without a JSON Content-Type, or no body at all, is refused as such (400),
        like a malformed one and as on the raw-body routes, rather than read as an empty object
        ("name: missing", or a PATCH changing nothing)."""
        if not is_json_request(req) or not req.get_data(cache=True).strip():
            raise BadRequest(NOT_JSON)
        try:
            document = super()._raw_load_json(req)
        except RecursionError:
            raise BadRequest(TOO_DEEP) from None
        check_json(document, req.get_data(cache=True))
        return document

    def load_querystring(self, req, schema):
        check_query(req.args.items(multi=True))
        return super().load_querystring(req, schema)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        """webargs' hook for a body that does not parse (its default answers werkzeug's bare 400)."""
        raise BadRequest(NOT_JSON)


parser = Parser()


#: marshmallow's name for a problem with the input as a whole (a JSON array where an object
#: belongs); the API names it as the raw-body routes do.
_WHOLE_INPUT = "_schema"


@parser.error_handler
def _invalid_input(error, req, schema, *, error_status_code, error_headers):
    messages = {"body" if field == _WHOLE_INPUT else field: problem
                for by_location in error.messages.values() for field, problem in by_location.items()}
    summary = "; ".join(f"{field}: {_first(problem)}" for field, problem in messages.items())
    raise ValidationFailed(f"Invalid input: {summary}", fields=messages)


def _first(problem: Any) -> str:
    while isinstance(problem, (list, dict)) and problem:
        problem = problem[0] if isinstance(problem, list) else next(iter(problem.values()))
    return str(problem)


def arguments(schema: Schema, *, location: str = "json", raw: bool = False) -> Callable:
    """Pass the request's parsed ``location`` (json or query) to the view as its first argument.

    ``raw=True`` passes the JSON object as sent, for bodies the pricing engine parses itself
    (its errors name the field just as well) on the checkout hot path, where parsing twice
    would cost more than the pricing; the schema still documents the body.
    """
    def decorator(view: Callable) -> Callable:
        parsed_view = _raw_json_object(view) if raw else parser.use_args(schema, location=location)(view)
        parsed_view.__dict__.setdefault("apidoc", {}).setdefault("arguments", []).append((schema, location))
        return parsed_view
    return decorator


def _raw_json_object(view: Callable) -> Callable:
    @wraps(view)
    def json_object_view(*args, **kwargs):
        body = request_json()
        if body is None and request.get_data(cache=True).strip() != b"null":
            raise BadRequest(NOT_JSON)
        if not isinstance(body, dict):
            raise ValidationFailed.on("body", "must be a JSON object")
        check_json(body, request.get_data(cache=True))
        return view(body, *args, **kwargs)
    return json_object_view


def request_json() -> Any:
    """``request.get_json(silent=True)``: None for a body that is no JSON, and a 400 for one
    nested deeper than the parser goes."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise BadRequest(TOO_DEEP) from None


def response(schema: Schema, *, status: int = 200, also: tuple[int, ...] = (), description: str = "") -> Callable:
    """Serialise the view's return value (or ``(value, status)``) and commit the transaction.

    ``also``: the other success statuses the view returns (an event's 201 beside its 200), so
    that OpenAPI documents every answer with its schema rather than only as an error.
    """
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def serialising_view(*args, **kwargs):
            check_path(kwargs)
            result = view(*args, **kwargs)
            if isinstance(result, Response):
                return result
            value, code = result if isinstance(result, tuple) else (result, status)
            body = schema.dump(value)
            session().commit()
            return body, code
        serialising_view.__dict__.setdefault("apidoc", {})["response"] = (schema, (status, *also), description)
        return serialising_view
    return decorator
