"""A group's page: its members a page at a time, and adding or removing customers found by search."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from plugin.db import session
from plugin.errors import BadRequest, Conflict, NotFound
from plugin.models import Customer, Group, Shop
from plugin.schemas import CustomerSearchArgs, MemberPageArgs
from plugin.services import customer_search, customers, groups, members

from . import admin_blueprint
from .access import current_admin, current_shop
from .forms import MemberForm
from .segment_views import group_insights

#: Customers shown per page of search results under "Add customers".
SEARCH_PAGE_SIZE = 10


@admin_blueprint.get("/<key>")
def show_group(key: str):
    shop = current_shop()
    group = groups.get_group(shop, key)
    context: dict[str, Any] = {
        "group": group, "form": MemberForm(), "editable": _has_stored_members(group),
        "source_words": members.SOURCE_WORDS,
    }
    if not group.builtin:
        page = _query_args(
            MemberPageArgs(), after=request.args.get("after"),
            limit=request.args.get("limit", str(current_app.config["CUSTOMER_GROUPS_PAGE_SIZE"])),
        )
        context["memberships"], context["next_after"] = members.page_of_members(
            group, after=page.get("after"), limit=page["limit"],
        )
        context["limit"] = request.args.get("limit", type=int)  # kept in the "Next page" link when asked for
    context.update(group_insights(shop, group))
    if context["editable"]:
        context.update(_search(shop, group))
    return render_template("customer_groups/group.html", **context), 422 if context.get("search_error") else 200


@admin_blueprint.post("/<key>/members/add")
def add_member(key: str):
    shop, group, customer, form = _member_request(key)
    if members.add_members(shop, group, [customer.id], source="manual", actor=current_admin()):
        flash(f"Added {customer.display_name} to {group.name}.", "success")
    else:
        flash(f"{customer.display_name} is already in {group.name}.", "info")
    session().commit()
    return redirect(url_for(".show_group", key=key, q=form.q.data or None, _anchor="add"))


@admin_blueprint.post("/<key>/members/remove")
def remove_member(key: str):
    shop, group, customer, _form = _member_request(key)
    try:
        removed, moved = members.remove_members(shop, group, [customer.id], source="manual", actor=current_admin())
    except Conflict as error:
        session().rollback()
        flash(f"{customer.display_name} stays in {group.name}: {error.description}", "error")
        return redirect(url_for(".show_group", key=key))
    session().commit()
    if not removed:
        flash(f"{customer.display_name} was not in {group.name}.", "info")
    elif moved:
        default_name = members.default_group(shop).name
        flash(f"Removed {customer.display_name} from {group.name}; "
              f"with no other group left, they moved to {default_name}.", "success")
    else:
        flash(f"Removed {customer.display_name} from {group.name}.", "success")
    return redirect(url_for(".show_group", key=key))


def _member_request(key: str) -> tuple[Shop, Group, Customer, MemberForm]:
    """The shop, group, customer and form of an add or remove; another shop's customer is a 404."""
    shop = current_shop()
    group = groups.get_group(shop, key)
    form = MemberForm()
    if not form.validate_on_submit():
        raise BadRequest("Name the customer to add or remove.")
    if not _has_stored_members(group):
        raise Conflict(f"{group.name} has no members to change.")
    customer = customers.get_customer(shop, form.customer_id.data)
    if customer is None:
        raise NotFound(f"No customer {form.customer_id.data!r} in this shop.")
    return shop, group, customer, form


def _search(shop: Shop, group: Group) -> dict[str, Any]:
    """The "Add customers" results; a search the schema refuses (too long) keeps its text and is
    explained under the box, where it was a bare 400 page that lost the group."""
    typed = request.args.get("q", "")
    refused = CustomerSearchArgs().validate({"q": typed}).get("q")
    if refused:
        return {"q": typed, "results": [], "more_results": False, "search_error": " ".join(refused)}
    args = _query_args(CustomerSearchArgs(), q=typed, page=request.args.get("search_page"))
    query = args["q"].strip()
    if not query:
        return {"q": "", "results": [], "more_results": False}
    rows, more = customer_search.search_customers(shop, q=query, page=args["page"], per_page=SEARCH_PAGE_SIZE)
    return {
        "q": query, "search_page": args["page"], "more_results": more,
        "results": [(customer, members.membership_of(group, customer) is not None) for customer in rows],
    }


def _query_args(schema, **given: str | None) -> dict[str, Any]:
    try:
        return schema.load({name: value for name, value in given.items() if value is not None})
    except ValidationError as error:
        problems = " ".join(f"{name}: {' '.join(texts)}" for name, texts in error.messages_dict.items())
        raise BadRequest(f"Invalid page arguments. {problems} Follow the page's own links instead.") from None


def _has_stored_members(group: Group) -> bool:
    """Only static, non built-in groups have members an admin sets by hand."""
    return group.kind == "static" and not group.builtin
