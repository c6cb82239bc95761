"""From CSV cells to the fields a schema loads, validated by that schema's own fields.

The cells are converted first (SPEC §5: ``;``-separated lists, ``true``/``false``, ISO 8601
times where a time without an offset is in the shop's timezone, empty cells absent; a boolean or
one of a field's lower-case choices in any case), then each value goes through the schema's
field for its column, so ``CustomerInSchema`` and ``ActivityInSchema`` stay the one definition
of a valid row.

A file may hold millions of rows, so the fields are called the cheap way round: a cell text
seen before gets the value its field gave last time (the fields used here are pure functions
of the value), and a plain string is checked by its validators without the field's machinery.
Whenever such a shortcut would not say "valid", the field itself is asked, so its message and
its verdict are the ones reported. A schema with schema-level hooks is loaded row by row with
``schema.load`` instead. ``tests/test_imports.py`` compares both ways on good and bad rows.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, missing, validate

from .errors import ImportFailed

#: Distinct cell texts remembered per column: plenty for kinds, statuses, places and prices,
#: and a bounded cost for columns whose every cell differs (ids, times).
CACHE_LIMIT = 20_000
_MISS = object()

#: Fields whose result depends on the value alone, so a remembered result is the same answer.
_PURE_FIELDS = (
    fields.String, fields.Boolean, fields.Date, fields.DateTime, fields.Integer, fields.Decimal,
    fields.Float, fields.List,
)


class Column:
    """One CSV column: how its cells convert, and its schema field."""

    def __init__(self, name: str, attribute: str, field: fields.Field, zone: ZoneInfo):
        self.name = name
        self.attribute = attribute
        self.field = field
        self.convert = _converter(field, zone)
        self.fast = _shortcut(field)
        self.cache: dict[str, Any] | None = {} if _pure(field) else None

    def load(self, text: str, data: dict[str, Any]) -> Any:
        cache = self.cache
        if cache is not None:
            value = cache.get(text, _MISS)
            if value is not _MISS:
                return value
        value = self.convert(text)
        result = self.fast(value) if self.fast is not None else _MISS
        if result is _MISS:
            result = self.field.deserialize(value, self.attribute, data)
        if cache is not None and len(cache) < CACHE_LIMIT:
            cache[text] = result
        return result


class RowLoader:
    """Loads one CSV record into the dict ``schema.load`` would give for it, or names the bad cell."""

    def __init__(self, schema: Schema, header: list[str], zone: ZoneInfo):
        self.schema = schema
        by_data_key = {field.data_key or name: (name, field) for name, field in schema.load_fields.items()}
        self.columns = [
            Column(name, by_data_key[name][1].attribute or by_data_key[name][0], by_data_key[name][1], zone)
            for name in header
        ]
        #: Schema-level hooks (``@validates_schema``, ``@post_load``…) need the whole row: load it with the schema.
        self.whole_rows = any(schema._hooks.values())
        self.defaults = [
            (field.attribute or name, field.load_default)
            for name, field in schema.load_fields.items() if field.load_default is not missing
        ]

    def load(self, row: int, cells: list[str]) -> dict[str, Any]:
        self.check_width(row, cells)
        if len(cells) < len(self.columns):  # a short row leaves its last cells empty
            cells = cells + [""] * (len(self.columns) - len(cells))
        if self.whole_rows:
            return self._load_with_schema(row, cells)
        data: dict[str, Any] = {}
        for column, text in zip(self.columns, cells):
            text = text.strip()
            if not text:
                if column.field.required:
                    raise ImportFailed(row, column.name, _required_message(column.field))
                continue
            cache = column.cache  # the common case, inline: a cell text seen before
            value = cache.get(text, _MISS) if cache is not None else _MISS
            try:
                data[column.attribute] = value if value is not _MISS else column.load(text, data)
            except ValidationError as error:
                raise ImportFailed(row, column.name, _first_message(error.messages)) from None
        for attribute, default in self.defaults:
            if attribute not in data:
                data[attribute] = default() if callable(default) else default
        return data

    def converted(self, row: int, cells: list[str]) -> dict[str, Any]:
        """The row as converted cells, before the schema: what ``schema.load`` is given."""
        data: dict[str, Any] = {}
        for column, text in zip(self.columns, cells):
            text = text.strip()
            if text:
                try:
                    data[column.name] = column.convert(text)
                except ValidationError as error:
                    raise ImportFailed(row, column.name, _first_message(error.messages)) from None
        return data

    def _load_with_schema(self, row: int, cells: list[str]) -> dict[str, Any]:
        try:
            return self.schema.load(self.converted(row, cells))
        except ValidationError as error:
            messages = error.normalized_messages()
            names = [column.name for column in self.columns] + sorted(messages)
            bad = next(name for name in names if name in messages)
            raise ImportFailed(row, None if bad == "_schema" else bad, _first_message(messages[bad])) from None

    def check_width(self, row: int, cells: list[str]) -> None:
        width = len(self.columns)
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            raise ImportFailed(row, None, f"{len(cells)} cells, but the header names {width} columns")


def _converter(field: fields.Field, zone: ZoneInfo) -> Callable[[str], Any]:
    if isinstance(field, fields.List):
        return _split_list
    if isinstance(field, fields.Boolean):
        return _boolean
    if isinstance(field, fields.DateTime):
        return lambda text: _time(text, zone)
    if lower_case_choices(field):
        return str.lower
    return _same


def lower_case_choices(field: fields.Field) -> bool:
    """A field whose values are lower-case words (gender, kind, status, channel): its cells are
    read in any case, as booleans are (other systems' exports write ``Female``, ``Completed``)."""
    return any(isinstance(check, validate.OneOf) and check.choices
               and all(isinstance(choice, str) and choice == choice.lower() for choice in check.choices)
               for check in field.validators)


def _same(text: str) -> str:
    return text


def _split_list(text: str) -> list[str]:
    return [part for part in (piece.strip() for piece in text.split(";")) if part]


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ValidationError("must be true or false")


def _time(text: str, zone: ZoneInfo) -> datetime | str:
    """An ISO 8601 time; one without an offset is wall-clock time in the shop's timezone.

    Text that is no ISO 8601 time goes on unchanged, for the schema's field to refuse in its words.
    """
    if text[-1:] == "z":   # ISO 8601 lets the UTC designator be lowercase; Python reads only ``Z``
        text = text[:-1] + "Z"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return text
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _pure(field: fields.Field) -> bool:
    if type(field).__module__ != fields.__name__ or not isinstance(field, _PURE_FIELDS):
        return False
    if getattr(field, "pre_load", None) or getattr(field, "post_load", None):
        return False
    if not all(isinstance(check, validate.Validator) for check in field.validators):
        return False
    return _pure(field.inner) if isinstance(field, fields.List) else True


def _shortcut(field: fields.Field) -> Callable[[Any], Any] | None:
    """What the field would answer for the common valid case, computed without the field;
    ``_MISS`` whenever the field must be asked."""
    if not _pure(field):
        return None
    checks = tuple(field.validators)
    if isinstance(field, fields.String) and type(field)._deserialize is fields.String._deserialize:
        def string(value):
            if type(value) is not str:
                return _MISS
            try:
                for check in checks:
                    check(value)
            except ValidationError:
                return _MISS
            return value
        return string
    if type(field) is fields.AwareDateTime and not checks:
        def aware_time(value):
            if type(value) is datetime and value.utcoffset() is not None:
                return value
            return _MISS
        return aware_time
    return None


def _required_message(field: fields.Field) -> str:
    return str(field.error_messages["required"])


def _first_message(messages: Any) -> str:
    """The first message of a marshmallow error (lists nest by index, e.g. a bad list item)."""
    while isinstance(messages, (dict, list)):
        if not messages:
            return "invalid"
        if isinstance(messages, dict):
            key, value = next(iter(messages.items()))
            if isinstance(key, int):
                return f"item {key + 1}: {_first_message(value)}"
            messages = value
        else:
            messages = messages[0]
    return str(messages)
