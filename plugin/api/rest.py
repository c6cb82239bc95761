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
from ..storable import NotJson, TooDeep, UnreadableJson, Unstorable, check_path, check_query, loads


#: What a body that is not a JSON document hears, on every route.
NOT_JSON = "The request body is not valid JSON (send Content-Type: application/json)."
#: What a body nested deeper than Python's JSON parser goes hears (its RecursionError was a 500).
TOO_DEEP = "The request body is JSON nested too deeply to read."


class Parser(FlaskParser):
    def _raw_load_json(self, req):
        """A body sent without a JSON Content-Type, or no body at all, is refused as such (400),
        like a malformed one and as on the raw-body routes, rather than read as an empty object
        ("name: missing", or a PATCH changing nothing)."""
        data = req.get_data(cache=True)
        if not is_json_request(req) or not data.strip():
            raise BadRequest(NOT_JSON)
        try:
            return loads(data.decode())  # UTF-8 only, as webargs reads a body
        except UnicodeDecodeError:
            raise BadRequest(NOT_JSON) from None
        except UnreadableJson as error:
            raise _refusal(error) from None

    def load_querystring(self, req, schema):
        check_query(req.args.items(multi=True))
        return super().load_querystring(req, schema)


parser = Parser()


def _refusal(error: UnreadableJson) -> BadRequest | ValidationFailed:
    """What a request body ``loads`` refused hears: a 400 for one the parser cannot read, and a
    422 naming where it holds what no database stores."""
    if isinstance(error, NotJson):
        return BadRequest(NOT_JSON)
    if isinstance(error, TooDeep):
        return BadRequest(TOO_DEEP)
    return ValidationFailed.on(error.field, error.message)


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
        unstorable = None
        try:
            body = request_json()
        except Unstorable as error:  # a body that is no object hears that first
            body, unstorable = error.document, error
        except UnreadableJson as error:
            raise _refusal(error) from None
        if body is None and request.get_data(cache=True).strip() != b"null":
            raise BadRequest(NOT_JSON)
        if not isinstance(body, dict):
            raise ValidationFailed.on("body", "must be a JSON object")
        if unstorable is not None:
            raise _refusal(unstorable)
        return view(body, *args, **kwargs)
    return json_object_view


#: Where ``request_json`` keeps the body it read, for the rest of the request.
_READ_BODY = "customer_groups.json"


def request_json() -> Any:
    """The body ``loads`` reads (as ``request.get_json`` would, any encoding JSON allows), once a
    request: the checkout reads it to authenticate and again in its view. None for a body not
    sent as JSON; an ``UnreadableJson`` for one not taken (raised again on every read)."""
    environ = request.environ
    if _READ_BODY not in environ:
        environ[_READ_BODY] = loads(request.get_data(cache=True)) if request.is_json else None
    return environ[_READ_BODY]


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
