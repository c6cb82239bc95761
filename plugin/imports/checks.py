"""A schema field's rules in SQL, for checking a whole staged file at once on PostgreSQL.

``certifies`` is deliberately narrower than the field: a cell it accepts is one the field accepts
and converts to the very value ``converts`` computes in SQL. Any other cell (an error, or merely an
unusual spelling such as a time without seconds' leading zeros) is handed to the Python row loader,
which gives the exact error, or the value to store. So the SQL never decides what is wrong, only
what is certainly right, and the messages stay the schema's own.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from marshmallow import fields, validate

from .rows import lower_case_choices

#: Every character ``str.strip()`` removes, so ``btrim`` in SQL trims exactly as Python does.
WHITESPACE = "".join(chr(code) for code in range(0x3100) if chr(code).isspace())

_DIGITS = "[0-9]"
_DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_CLOCK = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
#: Offsets PostgreSQL reads as Python does (it refuses hours past 15).
_OFFSET = r"(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])"
#: A subset of marshmallow's ``Email``: dotted words, a dotted host name and a letters-only suffix.
_EMAIL = (r"^[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*@"
          r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,6}$")


def quote(text: str) -> str:
    """A SQL string literal (views take no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def certifies(field: fields.Field, cell: str, zone: str) -> str:
    """SQL true when the cell (trimmed text, NULL when empty) is certainly valid for ``field``."""
    check = _value_check(field, cell, zone)
    if field.required:
        return f"({cell} IS NOT NULL AND {check})"
    return f"({cell} IS NULL OR {check})"


def converts(field: fields.Field, cell: str, zone: str) -> str:
    """SQL for the value of a certified (or canonical, see ``canonical``) non-empty cell."""
    if isinstance(field, fields.Boolean):
        return f"(lower({cell}) = 'true')"
    if type(field) is fields.Date:
        return f"({cell})::date"
    if lower_case_choices(field):
        return f"lower({cell})"
    if isinstance(field, fields.DateTime):
        return (f"(CASE WHEN {_has_offset(cell)} THEN ({cell})::timestamptz "
                f"ELSE ({cell})::timestamp AT TIME ZONE {quote(zone)} END)")
    return cell


def canonical(value: Any) -> str | None:
    """A loaded value as text that ``converts`` turns back into the same value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def split_list(cell: str) -> str:
    """SQL: the items of a ``;``-separated cell, trimmed, the empty ones dropped (one row each)."""
    return (f"SELECT DISTINCT item FROM unnest(string_to_array({cell}, ';')) AS piece, "
            f"btrim(piece, {quote(WHITESPACE)}) AS item WHERE item <> ''")


def _value_check(field: fields.Field, cell: str, zone: str) -> str:
    kind = type(field)
    if kind is fields.List:
        return _list_check(field, cell)
    if kind in (fields.String, fields.Email) and lower_case_choices(field):
        # Read in any case (``rows``): only printable ASCII, whose lower case SQL and Python agree on.
        lowered = f"lower({cell})"
        return _all([f"{cell} ~ '^[ -~]*$'", *(_validator_check(check, lowered) for check in field.validators)])
    if kind in (fields.String, fields.Email):  # (``Email`` is a validator in the field's list)
        return _all([_validator_check(check, cell) for check in field.validators])
    if kind is fields.AwareDateTime and all(isinstance(check, validate.Range) for check in field.validators):
        return _time_check(cell, zone, [_years_inside(check, cell) for check in field.validators])
    if field.validators:
        return "false"
    if kind is fields.Boolean:
        return f"({cell} ~ '^[A-Za-z]{{4,5}}$' AND lower({cell}) IN ('true', 'false'))"
    if kind is fields.Date:
        return f"(CASE WHEN {cell} ~ '^{_DATE}$' THEN {_real_day(cell)} ELSE false END)"
    return "false"


def _time_check(cell: str, zone: str, also: list[str]) -> str:
    """An ISO time whose day exists (and that meets ``also``, tested once the cell is known to
    be one); one without offset only when no clock change is near (two days either side), where
    PostgreSQL's and Python's reading of local time agree."""
    def offset(sign: str) -> str:
        moment = f"(({cell})::timestamp {sign} interval '2 days')"
        return f"({moment} AT TIME ZONE 'UTC' AT TIME ZONE {quote(zone)} - {moment})"
    steady = f"{offset('-')} = {offset('+')}"
    return (f"(CASE WHEN NOT {cell} ~ '^{_DATE}[T ]{_CLOCK}{_OFFSET}?$' THEN false "
            f"WHEN NOT {_real_day(cell)} THEN false "
            + "".join(f"WHEN NOT {check} THEN false " for check in also) +
            f"WHEN {_has_offset(cell)} THEN true ELSE {steady} END)")


def _years_inside(check: validate.Range, cell: str) -> str:
    """A time written in a year strictly inside the range's years: no offset moves it out. The
    years at the edges go to the Python loader, which applies the range exactly."""
    year = f"substr({cell}, 1, 4)::int"
    bounds = [f"{year} > {check.min.year}" if check.min is not None else "",
              f"{year} < {check.max.year}" if check.max is not None else ""]
    return _all([bound for bound in bounds if bound])


def _has_offset(cell: str) -> str:
    """Of an ISO time (as ``_time_check`` certifies): ends in ``Z`` or ``±HH:MM``."""
    return f"(right({cell}, 1) = 'Z' OR substr({cell}, char_length({cell}) - 5, 1) IN ('+', '-'))"


def _real_day(cell: str) -> str:
    year, month, day = (f"substr({cell}, {start}, {length})::int" for start, length in ((1, 4), (6, 2), (9, 2)))
    return (f"(CASE WHEN substr({cell}, 1, 4) = '0000' THEN false WHEN substr({cell}, 9, 2) <= '28' THEN true "
            f"ELSE {day} <= extract(day from make_date({year}, {month}, 1) + interval '1 month - 1 day') END)")


def _list_check(field: fields.List, cell: str) -> str:
    """Cheap bounds: no item is longer than the whole cell, and n items need 2n − 1 characters."""
    inner = field.inner
    if type(inner) is not fields.String or not all(isinstance(check, validate.Length) for check in inner.validators):
        return "false"
    checks = [f"char_length({cell}) <= {check.max}" for check in inner.validators if check.max is not None]
    for check in field.validators:
        if not isinstance(check, validate.Length) or check.min or check.equal is not None:
            return "false"
        if check.max is not None:
            checks.append(f"char_length({cell}) <= {2 * check.max - 1}")
    return _all(checks)


def _validator_check(check: validate.Validator, cell: str) -> str:
    if isinstance(check, validate.Length):
        if check.equal is not None:
            return f"char_length({cell}) = {check.equal}"
        bounds = [f"char_length({cell}) >= {check.min}" if check.min else "",
                  f"char_length({cell}) <= {check.max}" if check.max is not None else ""]
        return _all([bound for bound in bounds if bound])
    if isinstance(check, validate.OneOf):
        if not all(isinstance(choice, str) for choice in check.choices):
            return "false"
        return f"{cell} IN ({', '.join(quote(choice) for choice in check.choices)})"
    if type(check) is validate.Email:
        return f"{cell} ~ '{_EMAIL}'"
    if isinstance(check, validate.Regexp) and check.regex.flags == re.UNICODE and check.regex.pattern[:1] == "^":
        pattern = check.regex.pattern.replace(r"\d", _DIGITS)
        if re.fullmatch(r"[\^$\\.()?*{},0-9\[\]-]*", pattern):  # plain enough to read the same in SQL
            return f"{cell} ~ {quote(pattern)}"
    return "false"


def _all(checks: list[str]) -> str:
    return "(" + " AND ".join(checks) + ")" if checks else "true"
