"""The segment builder: a condition as rows (metric, window, operator, value, narrowing, "not"),
the rows turned back into condition JSON, and any condition put into words."""
from __future__ import annotations

import json
import re
from typing import Any

from wtforms import (
    BooleanField, FieldList, Form, FormField, HiddenField, RadioField, SelectChoice, SelectField, StringField,
    SubmitField, TextAreaField,
)

from plugin.errors import CustomerGroupsError
from plugin.segments.conditions import ACTIVITY_METRICS, CHOICES, METRICS, NARROWINGS

from .forms import GroupForm, parse_json

#: What the admin reads for each metric; every metric of the condition language has one.
METRIC_LABELS = {
    "past_count": "Past visits", "upcoming_count": "Upcoming bookings", "online_count": "Online visits",
    "total_spent": "Total spent", "average_spent": "Average spent",
    "last_activity_at": "Last visit", "first_activity_at": "First visit",
    "gender": "Gender", "city": "City", "tags": "Tags", "registered_at": "Registered",
    "birthday_within_days": "Days until birthday", "email_opt_in": "Email opt-in", "sms_opt_in": "SMS opt-in",
    "received_campaign": "Received campaign", "rfm_tier": "RFM tier",
    "rfm_r": "RFM recency score", "rfm_f": "RFM frequency score", "rfm_m": "RFM monetary score",
}
METRIC_CHOICES = [
    SelectChoice(metric, METRIC_LABELS[metric], optgroup="Activity" if metric in ACTIVITY_METRICS else "Customer")
    for metric in METRICS
]
OPERATOR_SIGNS = {
    "=": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "in": "is one of", "between": "between",
}
#: Counts of activity read better as words at 0 and 1: "No past visits in the last 2 months".
COUNTED = {"past_count": ("past visit", "past visits"), "upcoming_count": ("upcoming booking", "upcoming bookings"),
           "online_count": ("online visit", "online visits")}
#: Times read better as words than as signs: "Last visit before 3 months ago".
TIME_OPERATORS = {"<": "before", "<=": "on or before", ">": "after", ">=": "on or after"}
#: Under each row: what its value may be, for the metric it names.
VALUE_HINTS = {
    "count": "A whole number; between takes “low, high”, is one of takes “a, b, c”.",
    "money": "An amount such as 100.00; between takes “low, high”.",
    "time": "A date (2026-01-31), a time with offset, or “3 months ago”; between takes “from, to”.",
    "choice": "One of {choices}; is one of takes a list with commas.",
    "text": "Exact text; is one of takes a list with commas.",
    "tags": "= has the tag, ≠ lacks it, is one of has any of them (a list with commas).",
    "flag": "true or false.",
    "campaign": "A campaign key, or * for any campaign; = received, ≠ did not.",
}
ROW_FIELDS = ("negate", "metric", "last", "unit", "period_from", "period_to", "op", "value", *NARROWINGS)
_AGO = re.compile(r"^\s*(\d+)\s+(day|days|month|months)\s+ago\s*$", re.I)
_ROW_PATH = re.compile(r"^(?:(?:all|any)\[(\d+)\]\.?)?(?:not\.?)?(.*)$")
_WITHIN_FIELDS = {"last": "last", "unit": "unit", "from": "period_from", "to": "period_to"}


class RowForm(Form):
    """One row of the builder: ``[not] metric [window] operator value [narrowing]``."""

    negate = BooleanField("Not")
    metric = SelectField("Metric", choices=METRIC_CHOICES, default="past_count", validate_choice=False)
    last = StringField("In the last")
    unit = SelectField("Unit", choices=[SelectChoice("months"), SelectChoice("days")], default="months",
                       validate_choice=False)
    period_from = StringField("From")
    period_to = StringField("To")
    op = SelectField("Operator", choices=[SelectChoice(op, sign) for op, sign in OPERATOR_SIGNS.items()],
                     default=">=", validate_choice=False)
    value = StringField("Value")
    location = StringField("Location")
    product = StringField("Product")
    category = StringField("Category")
    staff = StringField("Staff")
    remove = SubmitField("Remove")

    def value_hint(self) -> str:
        value_type = METRICS.get(self.metric.data or "")
        if value_type is None:
            return ""
        return VALUE_HINTS[value_type].format(choices=", ".join(CHOICES.get(self.metric.data, ())))

    @property
    def narrowed(self) -> bool:
        return any((self[name].data or "").strip() or self[name].errors for name in NARROWINGS)


class SegmentForm(GroupForm):
    """A dynamic group: the group's name, colour and description, and its condition as rows or JSON.

    The JSON textarea and the rows say the same thing when the page is drawn; ``json_shown``
    remembers what it said, so on submit the JSON wins if the admin edited it, else the rows do.
    A condition nested deeper than rows can show is carried by the JSON alone.
    """

    is_default = None
    match = RadioField("Match", choices=[SelectChoice("all"), SelectChoice("any")], default="all",
                       validate_choice=False)
    rows = FieldList(FormField(RowForm), min_entries=1)
    add_row = SubmitField("Add row")
    condition_json = TextAreaField("Condition as JSON")
    json_shown = HiddenField()
    preview = SubmitField("Preview")
    save = SubmitField("Save segment")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shown = (self.json_shown.data or "").strip()
        #: Whether the rows show the condition (else the JSON alone does).
        self.representable = not shown or condition_rows(_loads(shown)) is not None
        #: Whether the last condition read came from the JSON textarea.
        self.from_json = False

    def fill_from(self, group) -> None:
        self.name.data = group.name
        self.description.data = group.description
        self.show_colour(group.colour)
        self.fill_condition(group.condition)

    def group_input(self) -> dict[str, Any]:
        return {"name": self.name.data or "", "colour": self.chosen_colour(),
                "description": self.description.data or ""}

    # ---- the condition -------------------------------------------------------------------
    def fill_condition(self, condition: Any) -> None:
        """Rows and JSON both showing ``condition``."""
        self._show_json(condition)
        rows = condition_rows(condition)
        self.representable = rows is not None
        if rows is not None:
            self.match.data, row_data = rows
            _replace_rows(self.rows, row_data)

    def json_edited(self) -> bool:
        typed = (self.condition_json.data or "").strip()
        shown = (self.json_shown.data or "").strip()
        if not typed:
            return False
        try:
            return parse_json(typed) != parse_json(shown)
        except ValueError:
            return typed.replace("\r\n", "\n") != shown.replace("\r\n", "\n")

    def condition(self) -> Any | None:
        """The submitted condition (the edited JSON, else the rows), or None with the problem shown."""
        self.from_json = self.json_edited() or not self.representable
        if self.from_json:
            try:
                return parse_json(self.condition_json.data or "")
            except ValueError as error:
                self.condition_json.errors = [f"not valid JSON: {error}"]
                return None
        rows = [entry.form for entry in self.rows]
        for row in rows:
            if _text(row.last) and (_text(row.period_from) or _text(row.period_to)):
                row.period_from.errors = ["give either the last N days or months, or a period, not both"]
        if any(row.period_from.errors for row in rows):
            return None
        return rows_condition(self.match.data, [row.data for row in rows])

    def check_rows(self, check) -> bool:
        """Each row's leaf through ``check`` (which raises ``ValidationFailed``), so that every bad
        row is marked at once, not only the first; True when all rows pass (or the JSON is in charge)."""
        if self.from_json:
            return True
        passed = True
        for index, entry in enumerate(self.rows.entries):
            try:
                check(row_leaf(entry.form.data))
            except CustomerGroupsError as error:
                passed = False
                self.attach_condition_errors({
                    _in_row(name, index): problems for name, problems in (error.fields or {}).items()})
        return passed

    def accept(self, condition: Any) -> None:
        """After a valid submit: rows and JSON redrawn from what was accepted."""
        if self.from_json:
            self.fill_condition(condition)
        else:
            self._show_json(condition)

    def keep_json(self, condition: Any) -> None:
        """After a refused submit from the rows: the JSON shows what the rows said."""
        if not self.from_json and condition is not None:
            self._show_json(condition)

    def show_rows_as_json(self) -> None:
        """After Add row or Remove: the JSON says what the rows now say, unless the admin edited it."""
        if self.representable and not self.json_edited():
            self._show_json(rows_condition(self.match.data, [entry.form.data for entry in self.rows]))

    def _show_json(self, condition: Any) -> None:
        self.condition_json.data = self.json_shown.data = condition_text(condition)

    def attach_condition_errors(self, fields: dict[str, list[str]]) -> None:
        """``condition.all[1].op`` → row 2's operator; with the JSON in charge, under the JSON with its path."""
        for name, messages in fields.items():
            path = name.removeprefix("condition").lstrip(".")
            index, field = row_field(path) if path else (0, None)
            if self.from_json or not path or index >= len(self.rows.entries):
                where = f"{path}: " if path else ""
                self.condition_json.errors = [*self.condition_json.errors, *(where + message for message in messages)]
                continue
            row = self.rows.entries[index].form
            if field is None:
                row.form_errors = [*row.form_errors, *messages]
            else:
                row[field].errors = [*row[field].errors, *messages]

    def attach_service_error(self, error: CustomerGroupsError) -> None:
        fields = error.fields or {"": [error.description]}
        about_condition = {name: problems for name, problems in fields.items() if name.startswith("condition")}
        self.attach_condition_errors(about_condition)
        rest = {name: problems for name, problems in fields.items() if name not in about_condition}
        if rest:
            super().attach_service_error(type(error)(error.description, fields=rest))

    # ---- rows added and removed without JavaScript ---------------------------------------
    def change_rows(self) -> bool:
        """Handle "Add row" or a row's "Remove"; True when one was pressed (nothing else to do)."""
        if self.add_row.data:
            self.rows.append_entry()
        elif removed := next((entry for entry in self.rows.entries if entry.form.remove.data), None):
            remaining = [entry.form.data for entry in self.rows.entries if entry is not removed]
            _replace_rows(self.rows, remaining or [{}])
        else:
            return False
        self.show_rows_as_json()
        return True


# ---- rows ↔ condition ----------------------------------------------------------------------

def rows_condition(match: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One row is a bare leaf (or ``{"not": leaf}``); more are combined with ``all`` or ``any``."""
    leaves = [row_leaf(row) for row in rows]
    if len(leaves) == 1:
        return leaves[0]
    return {"any" if match == "any" else "all": leaves}


def row_leaf(row: dict[str, Any]) -> dict[str, Any]:
    metric = (row.get("metric") or "").strip()
    leaf: dict[str, Any] = {"metric": metric}
    last, start, end = ((row.get(name) or "").strip() for name in ("last", "period_from", "period_to"))
    if last:
        leaf["within"] = {"last": int(last) if last.isdecimal() else last, "unit": row.get("unit") or "months"}
    elif start or end:
        leaf["within"] = {"from": start, "to": end}
    for name in NARROWINGS:
        if (text := (row.get(name) or "").strip()):
            leaf[name] = text
    leaf["op"] = row.get("op") or ""
    leaf["value"] = form_value(metric, leaf["op"], row.get("value") or "")
    return {"not": leaf} if row.get("negate") else leaf


def form_value(metric: str, op: str, text: str) -> Any:
    """The typed text as the JSON value: lists for ``in``/``between``, numbers, booleans, relative
    times. What cannot be read stays text, so the condition's own checks name the mistake."""
    if op in ("in", "between"):
        return [_scalar(metric, part.strip()) for part in text.split(",")] if text.strip() else []
    return _scalar(metric, text.strip())


def _scalar(metric: str, text: str) -> Any:
    value_type = METRICS.get(metric)
    if value_type == "count" and text.isdecimal():  # isdigit also passes "²", which int refuses
        return int(text)
    if value_type == "flag" and text.lower() in ("true", "yes", "false", "no"):
        return text.lower() in ("true", "yes")
    if value_type == "time" and (ago := _AGO.match(text)):
        unit = ago.group(2).lower()
        return {"ago": int(ago.group(1)), "unit": unit if unit.endswith("s") else unit + "s"}
    return text


def condition_rows(condition: Any) -> tuple[str, list[dict[str, Any]]] | None:
    """``(match, rows)`` for a condition the builder can show, else None (nested groups)."""
    if not isinstance(condition, dict):
        return None
    for match in ("all", "any"):
        if match in condition:
            parts = condition[match]
            if len(condition) != 1 or not isinstance(parts, list) or not parts:
                return None
            rows = [leaf_row(part) for part in parts]
            return None if any(row is None for row in rows) else (match, rows)
    row = leaf_row(condition)
    return None if row is None else ("all", [row])


def leaf_row(node: Any) -> dict[str, Any] | None:
    negate = isinstance(node, dict) and set(node) == {"not"}
    leaf = node["not"] if negate else node
    if not isinstance(leaf, dict) or not {"metric", "op", "value"} <= set(leaf) \
            or set(leaf) - {"metric", "op", "value", "within", *NARROWINGS}:
        return None
    row: dict[str, Any] = {"negate": negate, "metric": leaf["metric"], "op": leaf["op"],
                           "last": "", "unit": "months", "period_from": "", "period_to": ""}
    within = leaf.get("within")
    if within is not None:
        if not isinstance(within, dict):
            return None
        if set(within) == {"last", "unit"}:
            row.update(last=str(within["last"]), unit=within["unit"])
        elif set(within) == {"from", "to"}:
            row.update(period_from=str(within["from"]), period_to=str(within["to"]))
        else:
            return None
    for name in NARROWINGS:
        row[name] = str(leaf.get(name, ""))
    text = value_text(leaf["value"])
    if text is None:
        return None
    row["value"] = text
    return row


def value_text(value: Any) -> str | None:
    if isinstance(value, list):
        parts = [value_text(item) for item in value]
        return None if any(part is None or "," in part for part in parts) else ", ".join(parts)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if set(value) == {"ago", "unit"}:
            return f"{value['ago']} {value['unit']} ago"
        return None
    return str(value)


def row_field(path: str) -> tuple[int, str | None]:
    """``all[1].not.within.last`` → ``(1, "last")``; a path the rows have no field for → ``(1, None)``."""
    found = _ROW_PATH.match(path)
    index = int(found.group(1)) if found.group(1) else 0
    rest = found.group(2).split(".")
    head = re.sub(r"\[\d+\]$", "", rest[0])
    if head == "within":
        return index, _WITHIN_FIELDS.get(rest[1] if len(rest) > 1 else "last", "last")
    return index, head if head in ROW_FIELDS else None


def condition_text(condition: Any) -> str:
    return json.dumps(condition, indent=2, ensure_ascii=False) if condition is not None else ""


def _in_row(name: str, index: int) -> str:
    """A path inside one row's leaf (``condition.not.value``) as a path in the rows' condition."""
    return f"condition.all[{index}]." + name.removeprefix("condition").lstrip(".")


def _text(field) -> str:
    return (field.data or "").strip()


def _loads(text: str | None) -> Any:
    try:
        return parse_json(text or "")
    except ValueError:
        return None


def _replace_rows(field_list: FieldList, rows: list[dict[str, Any]]) -> None:
    while field_list.entries:
        field_list.pop_entry()
    field_list.last_index = -1
    for row in rows:
        field_list.append_entry(row)


# ---- words ---------------------------------------------------------------------------------

def condition_lines(condition: Any, currency: str) -> tuple[str, list[str]]:
    """A heading and one line per part, for the group page: ("All of:", ["Past visits … ≥ 3", …])."""
    if isinstance(condition, dict) and len(condition) == 1 and ("all" in condition or "any" in condition):
        match = "all" if "all" in condition else "any"
        return ("All of these hold:" if match == "all" else "Any of these holds:"), \
            [condition_words(part, currency, nested=True) for part in condition[match]]
    return "", [condition_words(condition, currency)]


def condition_words(condition: Any, currency: str, *, nested: bool = False) -> str:
    """The whole condition on one line, inner groups in brackets."""
    if not isinstance(condition, dict):
        return json.dumps(condition)
    for match, joiner in (("all", " and "), ("any", " or ")):
        if match in condition and isinstance(condition[match], list):
            words = joiner.join(condition_words(part, currency, nested=True) for part in condition[match])
            return f"({words})" if nested else words
    if "not" in condition:
        return f"not ({condition_words(condition['not'], currency)})"
    return leaf_words(condition, currency)


def leaf_words(leaf: dict[str, Any], currency: str) -> str:
    """``Past visits in the last 12 months ≥ 3``, ``Total spent ≥ 100.00 EUR``, ``Has tag vip``."""
    metric, op, value = leaf.get("metric"), leaf.get("op"), leaf.get("value")
    label = METRIC_LABELS.get(metric, str(metric))
    scope = "".join(_narrowing_words(leaf)) + _window_words(leaf.get("within"), metric)
    if metric == "tags":
        if op == "in":
            return f"Has any tag of {_values(value, metric, currency)}"
        return f"{'Lacks' if op == '!=' else 'Has'} tag {_values(value, metric, currency)}"
    if metric == "received_campaign":
        what = "any campaign" if value == "*" else f"campaign {value}"
        return f"{'Did not receive' if op == '!=' else 'Received'} {what}{scope}"
    if METRICS.get(metric) == "time" and op in TIME_OPERATORS:
        return f"{label}{scope} {TIME_OPERATORS[op]} {_values(value, metric, currency)}"
    if metric in COUNTED and (op, value) in (("=", 0), (">=", 1)):
        return f"{'No' if value == 0 else 'At least one'} {COUNTED[metric][value == 0]}{scope}"
    if op == "between" and isinstance(value, list) and len(value) == 2:
        low, high = (_values(item, metric, currency) for item in value)
        return f"{label}{scope} between {low} and {high}"
    return f"{label}{scope} {OPERATOR_SIGNS.get(op, op)} {_values(value, metric, currency)}"


def _narrowing_words(leaf: dict[str, Any]):
    for name, words in (("location", "at"), ("product", "of product"), ("category", "in category"),
                        ("staff", "with")):
        if leaf.get(name):
            yield f" {words} {leaf[name]}"


def _window_words(within: Any, metric: str) -> str:
    if not isinstance(within, dict):
        return ""
    if "last" in within:
        count, unit = within.get("last"), str(within.get("unit", ""))
        direction = "next" if metric == "upcoming_count" else "last"
        if count == 1:
            return f" in the {direction} {unit.removesuffix('s')}"
        return f" in the {direction} {count} {unit}"
    return f" from {within.get('from')} to {within.get('to')}"


def _values(value: Any, metric: str, currency: str) -> str:
    if isinstance(value, list):
        return ", ".join(_values(item, metric, currency) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict) and "ago" in value:
        count, unit = value.get("ago"), str(value.get("unit", ""))
        return f"{count} {unit.removesuffix('s') if count == 1 else unit} ago"
    if METRICS.get(metric) == "money":
        return f"{value} {currency}"
    if metric == "rfm_tier" and isinstance(value, str):
        return value.replace("_", " ")
    return str(value)
