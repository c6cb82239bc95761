"""The condition language of SPEC §3: parsed into a small tree, with errors naming the path."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Union

from ..years import OUTSIDE_YEARS, within_years

#: Metrics over activities, and the type of value each compares with.
ACTIVITY_METRICS = {
    "past_count": "count", "upcoming_count": "count", "online_count": "count",
    "total_spent": "money", "average_spent": "money",
    "last_activity_at": "time", "first_activity_at": "time",
}
#: Attributes of the customer (``received_campaign`` reads the deliveries table).
ATTRIBUTES = {
    "gender": "choice", "city": "text", "tags": "tags", "registered_at": "time",
    "birthday_within_days": "count", "email_opt_in": "flag", "sms_opt_in": "flag",
    "received_campaign": "campaign", "rfm_tier": "choice", "rfm_r": "count", "rfm_f": "count", "rfm_m": "count",
}
METRICS = {**ACTIVITY_METRICS, **ATTRIBUTES}
CHOICES = {
    "gender": ("female", "male", "other", "unknown"),
    "rfm_tier": ("high_value", "regular", "potential", "prospect", "lapsed"),
}
OPERATORS = {
    "count": {"=", "!=", "<", "<=", ">", ">=", "in", "between"},
    "money": {"=", "!=", "<", "<=", ">", ">=", "between"},
    "time": {"<", "<=", ">", ">=", "between"},
    "choice": {"=", "!=", "in"},
    "text": {"=", "!=", "in"},
    "tags": {"=", "!=", "in"},
    "flag": {"=", "!="},
    "campaign": {"=", "!="},
}
NARROWINGS = ("location", "product", "category", "staff")
#: Bounds that keep every value inside the database's integers and the calendar.
MAX_COUNT = {"rfm_r": 32_767, "rfm_f": 32_767, "rfm_m": 32_767}  # SMALLINT columns
MAX_WHOLE_NUMBER = 2**31 - 1
#: A lifetime's spend in a currency of large units (VND, IDR) passes 10^9; in thousandths this
#: still fits a BIGINT with room for the sums it is compared with.
MAX_AMOUNT = Decimal(10) ** 15
MILLI = Decimal("0.001")
MAX_SPAN = {"days": 36_600, "months": 1_200}
WINDOW_UNITS = ("days", "months")
MAX_DEPTH = 8
MAX_LEAVES = 50


class ConditionError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path or "condition"
        self.message = message


@dataclass(frozen=True)
class Window:
    """``{"last": N, "unit": ...}``: the N units before now (after now, for upcoming activity)."""

    last: int
    unit: str


@dataclass(frozen=True)
class Period:
    """``{"from": date, "to": date}``: whole local days, both included."""

    start: date
    end: date


@dataclass(frozen=True)
class RelativeTime:
    """``{"ago": N, "unit": "days"}``: N units before ``now``."""

    ago: int
    unit: str


@dataclass(frozen=True)
class Leaf:
    metric: str
    op: str
    value: Any
    within: Window | Period | None = None
    location: str | None = None
    product: str | None = None
    category: str | None = None
    staff: str | None = None

    @property
    def value_type(self) -> str:
        return METRICS[self.metric]


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = Union[Leaf, AllOf, AnyOf, Not]


def parse_condition(data: Any) -> Condition:
    condition = _node(data, "", depth=1)
    if sum(1 for _ in leaves(condition)) > MAX_LEAVES:
        raise ConditionError("", f"at most {MAX_LEAVES} conditions in one group")
    return condition


def leaves(condition: Condition):
    """Every leaf, depth first, in the order written."""
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, Not):
        yield from leaves(condition.part)
    else:
        for part in condition.parts:
            yield from leaves(part)


def written_leaves(data: dict, path: str = ""):
    """``(path, leaf JSON)`` of a valid condition, in the order ``leaves`` yields them."""
    for combinator in ("all", "any"):
        if combinator in data:
            for index, part in enumerate(data[combinator]):
                yield from written_leaves(part, f"{_at(path, combinator)}[{index}]")
            return
    if "not" in data:
        yield from written_leaves(data["not"], _at(path, "not"))
        return
    yield path or "condition", data


def check_years(condition: Condition, data: dict) -> None:
    """Refuse a date or time outside ``years.YEARS`` (the years events are stored in) in a parsed
    condition (``data``, as written).

    Checked when a condition is written or asked about, not by ``parse_condition``: a condition
    stored before the check keeps refreshing.
    """
    for (written_path, written), leaf in zip(written_leaves(data), leaves(condition)):
        path = "" if written_path == "condition" else written_path
        moments: list[tuple[str, Any]] = []
        if isinstance(leaf.within, Period):
            moments += [(_at(path, "within.from"), leaf.within.start), (_at(path, "within.to"), leaf.within.end)]
        if METRICS[leaf.metric] == "time" and isinstance(written["value"], list):
            moments += [(f"{_at(path, 'value')}[{index}]", value) for index, value in enumerate(leaf.value)]
        elif METRICS[leaf.metric] == "time":
            moments.append((_at(path, "value"), leaf.value))
        for where, moment in moments:
            if isinstance(moment, date) and not within_years(moment):
                raise ConditionError(where, OUTSIDE_YEARS)


def _node(data: Any, path: str, depth: int) -> Condition:
    if depth > MAX_DEPTH:
        raise ConditionError(path, f"nested deeper than {MAX_DEPTH} levels")
    if not isinstance(data, dict):
        raise ConditionError(path, "must be an object: {\"all\": [...]}, {\"any\": [...]}, {\"not\": {...}} or a metric")
    for combinator, kind in (("all", AllOf), ("any", AnyOf)):
        if combinator in data:
            _only(data, {combinator}, path)
            parts = data[combinator]
            if not isinstance(parts, list) or not parts:
                raise ConditionError(_at(path, combinator), "must be a non-empty list")
            return kind(tuple(_node(part, f"{_at(path, combinator)}[{i}]", depth + 1) for i, part in enumerate(parts)))
    if "not" in data:
        _only(data, {"not"}, path)
        return Not(_node(data["not"], _at(path, "not"), depth + 1))
    return _leaf(data, path)


def _leaf(data: dict, path: str) -> Leaf:
    metric = data.get("metric")
    if metric not in METRICS:
        raise ConditionError(_at(path, "metric"), f"unknown metric {metric!r}; one of {', '.join(sorted(METRICS))}")
    value_type = METRICS[metric]
    allowed = {"metric", "op", "value"}
    if metric in ACTIVITY_METRICS:
        allowed |= {"within", *NARROWINGS}
    if metric == "received_campaign":
        allowed |= {"within"}
    _only(data, allowed, path)
    op = data.get("op")
    if op not in OPERATORS[value_type]:
        raise ConditionError(_at(path, "op"), f"{op!r} does not apply to {metric}; use one of {', '.join(sorted(OPERATORS[value_type]))}")
    if "value" not in data:
        raise ConditionError(_at(path, "value"), "is required")
    narrowings = {}
    for name in NARROWINGS:
        if name in data:
            if not isinstance(data[name], str) or not data[name]:
                raise ConditionError(_at(path, name), "must be a non-empty string")
            narrowings[name] = data[name]
    return Leaf(
        metric=metric, op=op, value=_value(metric, value_type, op, data["value"], _at(path, "value")),
        within=_window(data["within"], _at(path, "within")) if "within" in data else None, **narrowings,
    )


def _value(metric: str, value_type: str, op: str, value: Any, path: str) -> Any:
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise ConditionError(path, "between takes a list of two values [low, high]")
        low, high = (_scalar(metric, value_type, item, f"{path}[{i}]") for i, item in enumerate(value))
        return (low, high)
    if op == "in":
        if not isinstance(value, list) or not value:
            raise ConditionError(path, "in takes a non-empty list")
        return tuple(_scalar(metric, value_type, item, f"{path}[{i}]") for i, item in enumerate(value))
    return _scalar(metric, value_type, value, path)


def _scalar(metric: str, value_type: str, value: Any, path: str) -> Any:
    if value_type == "count":
        return _whole_number(value, path, 0, MAX_COUNT.get(metric, MAX_WHOLE_NUMBER))
    if value_type == "money":
        return _amount(value, path)
    if value_type == "time":
        return _time(value, path)
    if value_type == "flag":
        if not isinstance(value, bool):
            raise ConditionError(path, "must be true or false")
        return value
    if not isinstance(value, str) or not value:
        raise ConditionError(path, "must be a non-empty string")
    if metric in CHOICES and value not in CHOICES[metric]:
        raise ConditionError(path, f"{value!r} is not one of {', '.join(CHOICES[metric])}")
    return value


def _amount(value: Any, path: str) -> Decimal:
    """An amount from a string or a JSON number; a float goes through its shortest text
    (10.5 -> "10.5"), so no binary rounding reaches the Decimal."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ConditionError(path, 'must be an amount, e.g. "100.00" or 100.5')
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ConditionError(path, f"{value!r} is not an amount") from None
    if not amount.is_finite() or amount < 0:
        raise ConditionError(path, "must be an amount, 0 or more")
    if amount > MAX_AMOUNT:
        raise ConditionError(path, f"must be at most {MAX_AMOUNT:,}")
    if amount != amount.quantize(MILLI):
        raise ConditionError(path, "at most 3 decimals (amounts are kept to the thousandth)")
    return amount.quantize(MILLI) if amount.as_tuple().exponent < -3 else amount


def _time(value: Any, path: str) -> datetime | date | RelativeTime:
    if isinstance(value, dict):
        _only(value, {"ago", "unit"}, path)
        ago, unit = value.get("ago"), value.get("unit")
        if unit not in WINDOW_UNITS:
            raise ConditionError(_at(path, "unit"), "must be days or months")
        return RelativeTime(_whole_number(ago, _at(path, "ago"), 0, MAX_SPAN[unit]), unit)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ConditionError(path, 'must be an ISO 8601 date or time, or {"ago": N, "unit": "days"|"months"}')


def _window(data: Any, path: str) -> Window | Period:
    if not isinstance(data, dict):
        raise ConditionError(path, 'must be {"last": N, "unit": "days"|"months"} or {"from": date, "to": date}')
    if "from" in data or "to" in data:
        return _period(data, path)
    _only(data, {"last", "unit"}, path)
    last, unit = data.get("last"), data.get("unit")
    if unit not in WINDOW_UNITS:
        raise ConditionError(_at(path, "unit"), "must be days or months")
    return Window(_whole_number(last, _at(path, "last"), 1, MAX_SPAN[unit]), unit)


def _whole_number(value: Any, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConditionError(path, f"must be a whole number, {low} or more and at most {high:,}")
    return value


def _period(data: dict, path: str) -> Period:
    _only(data, {"from", "to"}, path)
    bounds = []
    for key in ("from", "to"):
        try:
            bounds.append(date.fromisoformat(data.get(key)))
        except (TypeError, ValueError):
            raise ConditionError(_at(path, key), "must be a date such as 2026-01-31") from None
    if bounds[0] > bounds[1]:
        raise ConditionError(_at(path, "to"), "must not be before from")
    return Period(*bounds)


def _only(data: dict, allowed: set[str], path: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConditionError(_at(path, unknown[0]), f"unknown key; expected {', '.join(sorted(allowed))}")


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
