"""Simulate checkout: price a cart the admin builds for chosen groups or a customer; nothing is saved."""
from __future__ import annotations

import re
from typing import Any

from flask import render_template, request
from flask_wtf import FlaskForm
from wtforms import (
    FieldList, Form, FormField, HiddenField, RadioField, SelectChoice, SelectMultipleField, StringField,
    TextAreaField,
)

from plugin.errors import CustomerGroupsError
from plugin.models import Shop
from plugin.models.group import GUESTS_KEY
from plugin.services import checkout, customer_search, customers, groups

from . import admin_blueprint
from .access import current_shop
from .rule_forms import local_moment, offer_spare_rows, row_filled, split_list
from .rules_display import GroupChip
from .rules_transfer import rule_list

#: The cart always offers at least this many rows, and this many blank ones below the filled rows.
MIN_CART_ROWS = 5
#: Customers listed when the admin searches by email or name.
SEARCH_RESULTS = 8
LINE_FIELDS = ("product_id", "categories", "unit_price", "quantity")
_LINE_PATH = re.compile(r"lines\[(\d+)\](?:\.(\w+))?")
#: The cart's JSON field names -> the row's form field names.
_LINE_FIELD = {"product_id": "product_id", "category_ids": "categories", "unit_price": "unit_price",
               "quantity": "quantity", "id": "product_id"}


class CartRow(Form):
    product_id = StringField("Product id")
    categories = StringField("Categories")
    unit_price = StringField("Unit price")
    quantity = StringField("Quantity")


class SimulateForm(FlaskForm):
    """Who shops, when, under which rules, and the cart.

    Enter in a field presses the form's first (hidden) button, the same for every field, so
    ``customer_q_shown`` remembers the search text the page showed: Enter after changing it
    searches, as the Search button beside it would; otherwise Enter simulates.
    """

    groups = SelectMultipleField("Groups", validate_choice=False)
    customer_id = StringField("Customer id")
    customer_q = StringField("Find a customer")
    customer_q_shown = HiddenField()
    now = StringField("At")
    rules_source = RadioField("Rules", choices=[SelectChoice("shop", "This shop's rules"), SelectChoice("json", "Rules pasted below")],
                              default="shop", validate_choice=False)
    rules_json = TextAreaField("Rules JSON")
    lines = FieldList(FormField(CartRow), min_entries=MIN_CART_ROWS)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.line_rows: list[int] = []  # cart line index -> form row
        offer_spare_rows(self.lines, LINE_FIELDS, MIN_CART_ROWS)

    def cart_document(self, shop: Shop) -> dict[str, Any] | None:
        """The cart JSON of SPEC §2 (with ``groups`` or ``customer_id``), or None with the problems shown."""
        document: dict[str, Any] = {"currency": shop.currency, "lines": []}
        chosen, customer_id = list(self.groups.data or []), (self.customer_id.data or "").strip()
        if chosen and customer_id:
            self.customer_id.errors = [*self.customer_id.errors, "Pick groups or a customer, not both."]
        elif chosen:
            document["groups"] = chosen
        elif customer_id:
            document["customer_id"] = customer_id
        if (self.now.data or "").strip():
            try:
                document["now"] = local_moment(self.now.data, shop.timezone)
            except ValueError:
                self.now.errors = [*self.now.errors, f"{self.now.data!r} is not a date and time such as 2026-11-23T12:00"]
        self.line_rows = []
        for number, row in enumerate(self.lines):
            if not row_filled(row, LINE_FIELDS):
                continue
            self.line_rows.append(number)
            quantity_text = (row.quantity.data or "").strip() or "1"
            try:
                quantity: Any = int(quantity_text)
            except ValueError:
                row.quantity.errors = [*row.quantity.errors, f"{quantity_text!r} is not a whole number"]
                quantity = None
            document["lines"].append({
                "id": line_id(number), "product_id": (row.product_id.data or "").strip(),
                "category_ids": split_list(row.categories.data),
                "unit_price": (row.unit_price.data or "").strip() or None, "quantity": quantity,
            })
        if not document["lines"]:
            self.form_errors = [*self.form_errors, "Add at least one line to the cart."]
        return None if self.has_problems else document

    def action(self) -> str:
        """The button pressed: ``search`` or ``simulate``, Enter (``enter``) read as said above."""
        pressed = request.form.get("action")
        if pressed != "enter":
            return pressed or "simulate"
        typed = (self.customer_q.data or "").strip()
        return "search" if typed and typed != (self.customer_q_shown.data or "").strip() else "simulate"

    def rule_documents(self) -> list[Any] | None:
        """None for the shop's own rules; else the pasted list (errors are marked on the field)."""
        if self.rules_source.data != "json":
            return None
        try:
            return rule_list(self.rules_json.data or "")
        except ValueError as error:
            self.rules_json.errors = [*self.rules_json.errors, str(error)]
            return None

    @property
    def has_problems(self) -> bool:
        fields = [self.customer_id, self.now, self.rules_json, self.groups,
                  *(row[name] for row in self.lines for name in LINE_FIELDS)]
        return bool(self.form_errors or any(field.errors for field in fields))

    def attach_service_error(self, error: CustomerGroupsError) -> None:
        for path, problems in (error.fields or {"": [error.description]}).items():
            problems = problems if isinstance(problems, list) else [problems]
            field = self._field_for(path)
            if field is None:
                prefix = f"{path}: " if path and path != "body" else ""
                self.form_errors = [*self.form_errors, *(f"{prefix}{problem}" for problem in problems)]
            elif field is self.rules_json:
                field.errors = [*field.errors, *(f"{path}: {problem}" for problem in problems)]
            else:
                field.errors = [*field.errors, *problems]

    def _field_for(self, path: str):
        line = _LINE_PATH.match(path)
        if line:
            index, name = int(line.group(1)), _LINE_FIELD.get(line.group(2) or "", "product_id")
            return self.lines[self.line_rows[index]][name] if index < len(self.line_rows) else None
        if path.startswith("rules"):
            return self.rules_json
        return {"customer_id": self.customer_id, "now": self.now, "groups": self.groups}.get(re.sub(r"\[\d+\]$", "", path))


def line_id(row: int) -> str:
    """Line ids follow the rows (``l1`` is the first row), so the trace reads against the table."""
    return f"l{row + 1}"


@admin_blueprint.route("/rules/simulate", methods=["GET", "POST"])
def rules_simulate():
    shop = current_shop()
    form = SimulateForm()
    context: dict[str, Any] = {"priced": None, "priced_for": None, "results": None}
    if not form.is_submitted():
        if customer_id := request.args.get("customer"):
            form.customer_id.data = customer_id
        elif group_key := request.args.get("group"):
            form.groups.data = [group_key]
        return _page(shop, form, context)
    if not form.validate_on_submit():
        return _page(shop, form, context, status=400)
    if chosen := request.form.get("use_customer"):
        form.customer_id.data, form.groups.data = chosen, []
        return _page(shop, form, context)
    if form.action() == "search":
        query = (form.customer_q.data or "").strip()
        context["results"] = customer_search.search_customers(shop, q=query, per_page=SEARCH_RESULTS)[0] if query else []
        return _page(shop, form, context)
    cart, rule_documents = form.cart_document(shop), form.rule_documents()
    if cart is None or form.has_problems:
        return _page(shop, form, context, status=422)
    try:
        priced = checkout.simulate(shop, cart, rule_documents)
    except CustomerGroupsError as error:
        form.attach_service_error(error)
        return _page(shop, form, context, status=error.code)
    context["priced"] = priced.to_json(trace=True)
    context["priced_for"] = _priced_for(shop, cart)
    return _page(shop, form, context)


def _priced_for(shop: Shop, cart: dict[str, Any]) -> dict[str, Any]:
    """Who the cart was priced for: the ticked groups, or the customer and their groups now."""
    by_key = {group.key: group for group in groups.list_groups(shop)}
    customer_id = cart.get("customer_id")
    customer = customers.get_customer(shop, customer_id) if customer_id else None
    keys = cart["groups"] if "groups" in cart else checkout.groups_of_shopper(shop, customer_id)
    return {
        "customer_id": customer_id, "customer": customer, "guest": keys == [GUESTS_KEY] and "groups" not in cart,
        "chips": [GroupChip(key, by_key.get(key)) for key in keys],
    }


def _page(shop: Shop, form: SimulateForm, context: dict[str, Any], *, status: int = 200):
    chosen = [key for key in form.groups.data or []]
    by_key = {group.key: group for group in groups.list_groups(shop)}
    options = [GroupChip(key, group) for key, group in by_key.items()]
    options += [GroupChip(key, None) for key in chosen if key not in by_key]
    rows = {line_id(number): row for number, row in enumerate(form.lines)}
    form.customer_q_shown.data = form.customer_q.data
    return render_template(
        "customer_groups/rules/simulate.html", form=form, shop=shop, group_options=options, rows=rows, **context,
    ), status
