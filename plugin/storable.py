"""Text the API takes holds no character a database cannot store, on SQLite and PostgreSQL alike.

A NUL is refused by PostgreSQL's text (a 500 there, while SQLite stored it as sent) and a lone
UTF-16 surrogate (JSON's ``"\\udc00"``) by both databases' UTF-8 encoding (a 500 on both). No
stored name, id or key can hold either, so the API refuses such input by the field (422), and
a path naming one finds nothing (404).
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

import orjson

from .errors import NotFound, ValidationFailed

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: How either character reaches a JSON document sent in UTF-8: as a ``\u`` escape (JSON forbids a
#: raw control character, and a raw surrogate is no UTF-8), so a document with none is not walked.
#: (A NUL byte means UTF-16 or UTF-32, which the parser reads too: that document is walked.)
_UNSTORABLE_ESCAPE_TEXT = r"\x00|\\u(?:0000|[dD][89a-fA-F])"
_UNSTORABLE_ESCAPE = {str: re.compile(_UNSTORABLE_ESCAPE_TEXT), bytes: re.compile(_UNSTORABLE_ESCAPE_TEXT.encode())}
UNSTORABLE = "must not contain a NUL character (\\u0000) or a lone surrogate (\\ud800-\\udfff)"


class UnreadableJson(ValueError):
    """JSON text the plugin does not take: what ``field`` (the document's name, or the place in it)
    hears, as ``message``. Each case is a subclass, so a caller answers each in its own words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field, self.message = field, message


class NotJson(UnreadableJson):
    """Text that is no JSON document (the parser's own error is the ``__cause__``)."""


class TooDeep(UnreadableJson):
    """JSON nested deeper than Python's parser goes (its RecursionError was a 500)."""


class Unstorable(UnreadableJson):
    """A JSON document holding a string or key no database can store; ``document`` is it, parsed."""

    def __init__(self, field: str, document: Any) -> None:
        super().__init__(field, UNSTORABLE)
        self.document = document


def storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def loads(text: str | bytes, *, field: str = "") -> Any:
    """``json.loads`` for input the plugin stores or queries with: an ``UnreadableJson`` for text
    that does not parse, is nested too deeply, or holds what no database stores (the first such
    place named as the engine names a field: ``lines[2].product_id``). ``field``: the name of the
    document itself (an object's keys are named alone when empty). A document without a NUL or
    surrogate escape is not walked, so a normal one costs only its parse and one search."""
    try:
        document = _parsed(text)
    except RecursionError:
        raise TooDeep(field, "is nested too deeply to read") from None
    except ValueError as error:  # a UnicodeDecodeError too
        raise NotJson(field, "is not valid JSON") from error
    if _may_hold_unstorable(text):
        where = first_unstorable(document, field)
        if where is not None:
            raise Unstorable(where, document)
    return document


def _parsed(text: str | bytes) -> Any:
    """``json.loads(text)``, read by orjson when it reads it the same way: a W1 cart in half
    the instructions. orjson refuses what json alone takes (NaN, a lone surrogate, a byte order
    mark, another encoding than UTF-8), and json then reads it as before. Two things orjson takes
    otherwise: an integer past 64 bits (it reads a float), so a body with 19 digits in a row
    anywhere goes to json alone; and nesting up to 1024 deep, where json stops short of Python's
    recursion limit, so a body with more brackets than any such nesting needs goes to json too."""
    if type(text) is bytes:
        shape = text.translate(_DIGITS_AND_OPENINGS)
        if _DIGIT_RUN not in shape and shape.count(b"[") <= _OPENINGS_FOR_ORJSON:
            try:
                return orjson.loads(text)
            except orjson.JSONDecodeError:
                pass
    return json.loads(text)


#: Every digit as "0", an opening bracket or brace as "[", any other byte as a space.
_DIGITS_AND_OPENINGS = bytes(ord("0") if byte in b"0123456789" else ord("[") if byte in b"[{" else ord(" ")
                             for byte in range(256))
#: The run of digits that could spell an integer past 64 bits (the smallest such, 2**63, has 19).
_DIGIT_RUN = b"0" * 19
#: Openings a body read by orjson may hold: well within the nesting json reads inside a request
#: (its RecursionError comes at about 1,000 less the stack's depth); a cart of 200 lines has 400.
_OPENINGS_FOR_ORJSON = 500


def _may_hold_unstorable(text: str | bytes) -> bool:
    """Whether the raw document spells a NUL or a surrogate. Plain substring tests first: the
    pattern alone, tried at every position of a W1 cart, cost three times the parse of it."""
    escape, nul = ("\\u", "\x00") if isinstance(text, str) else (b"\\u", b"\x00")
    return (escape in text or nul in text) and _UNSTORABLE_ESCAPE[type(text)].search(text) is not None


def check_query(args: Iterable[tuple[str, str]]) -> None:
    """Refuse a query string argument (or its name) that is not storable, naming it."""
    _refuse(next((name for name, value in args if not (storable(name) and storable(value))), None))


def check_path(view_args: dict[str, Any]) -> None:
    """A path segment naming what no shop can hold finds nothing."""
    for value in view_args.values():
        if isinstance(value, str) and not storable(value):
            raise NotFound(f"Nothing in this shop is called {value!r}.")


def _refuse(field: str | None) -> None:
    if field is not None:
        raise ValidationFailed.on(field, UNSTORABLE)


def first_unstorable(document: Any, field: str = "") -> str | None:
    """Where the first string or key no database stores is, named as ``loads`` names it."""
    pending = [(document, field)]
    while pending:  # iterative: the document may be nested as deep as the parser goes
        value, path = pending.pop()
        if isinstance(value, str) and not storable(value):
            return path or "body"
        if isinstance(value, dict):
            for key, item in reversed(value.items()):
                name = f"{path}.{key}" if path else key
                pending += [(item, name), (key, name)]  # the key is read first
        elif isinstance(value, list):
            pending += [(item, f"{path or 'body'}[{index}]") for index, item in reversed(list(enumerate(value)))]
    return None
