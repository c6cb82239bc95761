"""The Customers page: search, filters that compile to a condition, sorting, numbered pages, and
the export of what it lists (at once when small, in the background when large)."""
from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app, redirect, render_template, request, send_file, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Form, SelectChoice, SelectField, StringField, SubmitField

from plugin.db import session
from plugin.errors import Conflict, ValidationFailed
from plugin.exports import MEDIA_TYPES, Listed, export_customers, export_file, export_status, start_export
from plugin.models import Group, Shop
from plugin.models.customer import GENDERS
from plugin.models._columns import utcnow
from plugin.segments.clock import ShopClock
from plugin.schemas import DATABASE_INTEGER
from plugin.segments.conditions import Condition
from plugin.sql import dialect_name
from plugin.years import FIRST_YEAR
from plugin.services import customer_search, groups

from . import admin_blueprint
from .access import current_shop
from .condition_form import condition_words

#: The Customers page's sort orders, as offered in its menu.
SORTS = {
    "name": "Name A–Z", "-name": "Name Z–A", "-spent": "Spent, most first", "spent": "Spent, least first",
    "-visits": "Visits, most first", "visits": "Visits, fewest first",
    "-last_visit": "Last visit, latest first", "last_visit": "Last visit, earliest first",
    "-registered": "Newest customers first", "registered": "Oldest customers first",
}
#: Lists up to this many customers download at once; longer ones are prepared in the background.
INLINE_EXPORT_LIMIT = 5000
#: Customers counted at most: past it the page says "More than 1,000" and pages on with Next, so a
#: broad filter over a big shop never costs a full count; the exact count is one click away, on a
#: request of its own (``count=all``).
COUNT_LIMIT = 1_000
#: The export of every customer: a condition that holds for each of them.
EVERYONE = {"metric": "past_count", "op": ">=", "value": 0}
#: Filters that are not part of what is exported (how the list is shown, not who is in it).
VIEW_ARGS = ("page", "per_page", "sort", "count")
#: A period without a start reaches back to this day, the first a stored time may fall on (one
#: without an end runs to today).
EARLIEST_DAY = f"{FIRST_YEAR}-01-01"


class CustomerFilters(Form):
    """The page's query string. Each filter is one leaf of a condition, all of them combined."""

    q = StringField("Search")
    visited_from = StringField("Visited from")
    visited_to = StringField("Visited to")
    absent_from = StringField("No visits from")
    absent_to = StringField("No visits to")
    spent_min = StringField("Spent at least")
    spent_max = StringField("Spent at most")
    visits_min = StringField("Visits at least")
    visits_max = StringField("Visits at most")
    gender = SelectField("Gender", validate_choice=False, choices=[
        SelectChoice("", "Any"), *(SelectChoice(gender, gender.capitalize()) for gender in GENDERS)])
    locations = StringField("Visited a location")
    online = BooleanField("Booked online")
    birthday_days = StringField("Birthday within days")
    campaign = StringField("Received campaign")
    group = SelectField("Group", validate_choice=False)
    tags = StringField("Importance (tags)")
    sort = SelectField("Sort", choices=[SelectChoice(value, label) for value, label in SORTS.items()],
                       default="name", validate_choice=False)

    def leaves(self, shop: Shop) -> list[tuple[str, dict[str, Any]]]:
        """``(field name, leaf)`` for each filter given, in the form's order."""
        found: list[tuple[str, dict[str, Any]]] = []
        text = {name: field.data.strip() if isinstance(field.data, str) else field.data
                for name, field in self._fields.items()}
        today = today_in(shop).isoformat()
        for period, op, value in (("visited", ">=", 1), ("absent", "=", 0)):
            start, end = text[f"{period}_from"], text[f"{period}_to"]
            if start or end:
                found.append((f"{period}_from", _past_count(op, value, within={
                    "from": start or EARLIEST_DAY, "to": end or _open_end(start, today)})))
        if text["spent_min"]:
            found.append(("spent_min", {"metric": "total_spent", "op": ">=", "value": text["spent_min"]}))
        if text["spent_max"]:
            found.append(("spent_max", {"metric": "total_spent", "op": "<=", "value": text["spent_max"]}))
        if text["visits_min"]:
            found.append(("visits_min", _past_count(">=", _number(text["visits_min"]))))
        if text["visits_max"]:
            found.append(("visits_max", _past_count("<=", _number(text["visits_max"]))))
        if text["gender"]:
            found.append(("gender", {"metric": "gender", "op": "=", "value": text["gender"]}))
        if locations := _listed(text["locations"]):
            visited = [_past_count(">=", 1, location=location) for location in locations]
            found.append(("locations", visited[0] if len(visited) == 1 else {"any": visited}))
        if text["online"]:
            found.append(("online", {"metric": "online_count", "op": ">=", "value": 1}))
        if text["birthday_days"]:
            found.append(("birthday_days", {"metric": "birthday_within_days", "op": "<=",
                                            "value": _number(text["birthday_days"])}))
        if text["campaign"]:
            found.append(("campaign", {"metric": "received_campaign", "op": "=", "value": text["campaign"]}))
        if tags := _listed(text["tags"]):
            found.append(("tags", {"metric": "tags", "op": "in", "value": tags}))
        return found

    def check(self, name: str, leaf: dict[str, Any]) -> bool:
        """Whether one filter's leaf is valid; if not, its messages go under the filter's field
        (a period's end under the "to" field)."""
        try:
            groups.valid_condition(leaf)
        except ValidationFailed as error:
            for path, messages in (error.fields or {"condition": [error.description]}).items():
                field = name.replace("_from", "_to") if path.endswith("within.to") else name
                self[field].errors = [*self[field].errors, *messages]
            return False
        return True

    def check_ranges(self) -> bool:
        """Whether each "at least – at most" pair can hold anybody: "spent at least 500, at most
        50" listed nobody with no word why (a reversed period is refused by its condition)."""
        fine = True
        for low, high in (("spent_min", "spent_max"), ("visits_min", "visits_max")):
            try:
                reversed_pair = Decimal(self[high].data.strip()) < Decimal(self[low].data.strip())
            except (InvalidOperation, AttributeError):  # empty or not a number: its own check speaks
                continue
            if reversed_pair:
                self[high].errors = [*self[high].errors, "must not be less than the “at least” beside it"]
                fine = False
        return fine


class ExportForm(FlaskForm):
    """The export buttons: a POST with its CSRF token, carrying the page's filters as hidden fields."""

    csv = SubmitField("CSV")
    xlsx = SubmitField("Excel")

    @property
    def format(self) -> str:
        return "xlsx" if self.xlsx.data else "csv"


@admin_blueprint.get("/customers/")
def customers_list():
    shop = current_shop()
    filters = _filters(shop, request.args)
    per_page = min(max(request.args.get("per_page", type=int) or current_app.config["CUSTOMER_GROUPS_PAGE_SIZE"], 1),
                   current_app.config["CUSTOMER_GROUPS_MAX_PAGE_SIZE"])
    # Past the last page the list is empty; past this one the row numbers would leave the
    # database's integers (a 500 on both databases).
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), (DATABASE_INTEGER - 1) // per_page)
    listing = customer_listing(shop, filters)
    context: dict[str, Any] = {
        "filters": filters, "listing": listing, "page": page, "per_page": per_page,
        "rows": [], "total": 0, "pages": 0, "page_url": _page_url, "sort_url": _sort_url,
        "sorts": SORTS, "currency": shop.currency, "page_numbers": page_numbers,
        "segment_url": save_as_segment_url(listing), "export_form": ExportForm(),
        "export_args": [(name, value) for name, value in request.args.items(multi=True) if name not in VIEW_ARGS],
        "export_source": export_source(listing),
    }
    if listing.problem:
        return render_template("customer_groups/customers/list.html", **context), 422
    context["rows"], more = customer_search.search_customers(
        shop, q=listing.q, group_id=listing.group.id if listing.group else None, condition=listing.parsed,
        sort=listing.sort, page=page, per_page=per_page,
    )
    last_page = not more and (context["rows"] or page == 1)
    # On the last page the matches are all known; counting them again would read every candidate
    # a second time, the whole shop for a rare filter.
    exact = last_page or request.args.get("count") == "all"
    if last_page:
        context["total"] = (page - 1) * per_page + len(context["rows"])
    else:
        context["total"] = listing.count(shop, at_most=None if exact else COUNT_LIMIT)
    context["capped"] = not exact and context["total"] > COUNT_LIMIT
    context["count_url"] = _count_url() if context["capped"] else None
    known = context["total"] if exact else min(context["total"], COUNT_LIMIT)
    context["pages"] = max(math.ceil(known / per_page), page + 1 if more else page, 1)
    return render_template("customer_groups/customers/list.html", **context)


@admin_blueprint.post("/customers/export")
def customers_export():
    """The listed customers as CSV or Excel: sent at once when few, else started in the background
    and followed on its own page."""
    shop = current_shop()
    form = ExportForm()
    if not form.validate_on_submit():
        raise Conflict("The export form expired; reload the Customers page and export again.")
    listing = customer_listing(shop, _filters(shop, request.form))
    source = export_source(listing)
    if source is None:
        raise Conflict("These filters have a problem: correct them on the Customers page, then export.")
    if listing.count(shop, at_most=INLINE_EXPORT_LIMIT) > INLINE_EXPORT_LIMIT:
        export_id = start_export(shop, source, form.format)
        return redirect(url_for(".customers_export_status", export_id=export_id))
    stream = io.BytesIO()
    if form.format == "xlsx":
        export_customers(shop, source, "xlsx", stream)
    else:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
        export_customers(shop, source, "csv", text)
        text.detach()
    stream.seek(0)
    name = source if isinstance(source, str) else "customers"
    return send_file(stream, mimetype=MEDIA_TYPES[form.format], as_attachment=True,
                     download_name=f"{name}-{today_in(shop).isoformat()}.{form.format}")


@admin_blueprint.get("/exports/<export_id>")
def customers_export_status(export_id: str):
    """A background export: preparing (the page reloads itself, no script needed), ready, or failed."""
    status = export_status(current_shop(), export_id)
    return render_template("customer_groups/customers/export.html", status=status)


@admin_blueprint.get("/exports/<export_id>/download")
def customers_export_download(export_id: str):
    shop = current_shop()
    status = export_status(shop, export_id)
    return send_file(export_file(shop, export_id), mimetype=MEDIA_TYPES[status.format], as_attachment=True,
                     download_name=status.filename)


def export_source(listing: Listing) -> str | dict | Listed | None:
    """What ``plugin.exports`` exports for this list: a group, a condition, everyone, or search
    text and a group with filters as the page lists them; None while the filters have a problem."""
    if listing.problem:
        return None
    if listing.q or (listing.group is not None and listing.condition is not None):
        return Listed(listing.q, listing.group.key if listing.group is not None else None, listing.condition)
    if listing.group is not None:
        return listing.group.key
    return listing.condition if listing.condition is not None else EVERYONE


def _filters(shop: Shop, formdata) -> CustomerFilters:
    filters = CustomerFilters(formdata)
    filters.group.choices = [SelectChoice("", "Any group"), *(
        SelectChoice(group.key, group.name) for group in groups.list_groups(shop) if not group.builtin)]
    return filters


@dataclass
class Listing:
    """The filters read: search text, group, condition (JSON and parsed), sort, and any problem."""

    q: str
    group: Group | None
    condition: Any
    parsed: Condition | None
    sort: str
    problem: bool

    def words(self, currency: str) -> str:
        return condition_words(self.condition, currency) if self.condition else ""

    def count(self, shop: Shop, *, at_most: int | None) -> int:
        """How many customers are listed, counted up to ``at_most + 1`` (all of them when None)."""
        listed = customer_search.filtered_customers(
            shop, q=self.q, group_id=self.group.id if self.group else None, condition=self.parsed,
        )
        if at_most is None:
            _without_jit()
        else:
            listed = listed.limit(at_most + 1)
        return session().scalar(select(func.count()).select_from(listed.subquery()))


def _without_jit() -> None:
    """PostgreSQL's JIT compiles a whole-shop count for 0.1–0.9 s (measured at 100k customers),
    more than it saves on index probes: off for the rest of this request's transaction."""
    if dialect_name() == "postgresql":
        session().execute(text("SET LOCAL jit = off"))


def customer_listing(shop: Shop, filters: CustomerFilters) -> Listing:
    """The filters as a condition, validated; another shop's (or no) group key is a 404."""
    group = groups.get_group(shop, filters.group.data) if filters.group.data else None
    named = filters.leaves(shop)
    condition = None
    if named:
        condition = named[0][1] if len(named) == 1 else {"all": [leaf for _name, leaf in named]}
    problem = not all([filters.check(name, leaf) for name, leaf in named]) or not filters.check_ranges()
    parsed = groups.valid_condition(condition) if condition is not None and not problem else None
    sort = filters.sort.data if filters.sort.data in SORTS else "name"
    return Listing((filters.q.data or "").strip()[:128], group, condition, parsed, sort, problem)


def _past_count(op: str, value: Any, **narrowing: Any) -> dict[str, Any]:
    leaf: dict[str, Any] = {"metric": "past_count"}
    leaf.update({name: value for name, value in narrowing.items() if value is not None})
    leaf.update(op=op, value=value)
    return leaf


def _open_end(start: str, today: str) -> str:
    """The end of a period given without one: today, or its start when that is later (a period
    that starts in the future, holding no visit yet, rather than an error under the empty field)."""
    try:
        return max(today, date.fromisoformat(start).isoformat())
    except ValueError:  # no start, or a bad one: its own field says so
        return today


def _number(text: str) -> Any:
    """Digits as a number, anything else as typed for the condition's check to refuse by its
    field (``isdigit`` also passed "²", which ``int`` refuses: a 500)."""
    return int(text) if text.isdecimal() else text


def _listed(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _page_url(page: int) -> str:
    args = MultiDict(request.args)
    args["page"] = str(page)
    return url_for(".customers_list", **args.to_dict(flat=False))


def _count_url() -> str:
    args = MultiDict(request.args)
    args["count"] = "all"
    return url_for(".customers_list", **args.to_dict(flat=False))


def _sort_url(sort: str) -> str:
    args = MultiDict(request.args)
    args["sort"] = sort
    args.pop("page", None)
    return url_for(".customers_list", **args.to_dict(flat=False))


def page_numbers(page: int, pages: int) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: the first, the last and two either side; None marks a gap."""
    shown = sorted({1, pages, *range(max(page - 2, 1), min(page + 2, pages) + 1)})
    numbered: list[int | None] = []
    for number in shown:
        if numbered and number - numbered[-1] > 1:
            numbered.append(None)
        numbered.append(number)
    return numbered


def today_in(shop: Shop):
    return ShopClock.at(utcnow(), shop.timezone).today


def save_as_segment_url(listing: Listing) -> str | None:
    if listing.condition is None or listing.problem:
        return None
    return url_for(".create_segment", condition=json.dumps(listing.condition, separators=(",", ":")))
