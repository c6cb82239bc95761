"""Segments in the admin: the condition builder with its preview, a segment's summary and chart on
the group page, and why a customer is (or is not) in a group."""
from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from plugin.db import session
from plugin.errors import Conflict, CustomerGroupsError, NotFound, ValidationFailed
from plugin.models import Group, Shop
from plugin.models._columns import utcnow
from plugin.schemas import GroupInSchema, GroupPatchSchema
from plugin.segments.preview import preview
from plugin.segments.why import explain_dynamic
from plugin.services import customers, groups, members

from . import admin_blueprint
from .access import current_shop
from .charts import WIDE, WIDTH, size_chart, size_series
from .condition_form import SegmentForm, condition_lines, condition_text, condition_words, leaf_words
from .forms import parse_json

#: What a new segment's builder starts from (SPEC §3's example leaf).
STARTING_CONDITION = {"metric": "past_count", "within": {"last": 12, "unit": "months"}, "op": ">=", "value": 3}
#: Customers shown under the preview's count.
SAMPLE_SIZE = 10


@admin_blueprint.route("/segments/new", methods=["GET", "POST"])
def create_segment():
    form = SegmentForm()
    if not form.is_submitted():
        form.show_colour(GroupInSchema().fields["colour"].load_default)
        form.fill_condition(_given_condition() or STARTING_CONDITION)
        return _builder(form, None)
    return _submitted(form, None)


@admin_blueprint.route("/<key>/condition", methods=["GET", "POST"])
def edit_condition(key: str):
    group = groups.get_group(current_shop(), key)
    if group.kind != "dynamic":
        raise Conflict(f"{group.name} is not a segment: its members are chosen by hand, not by a condition.")
    form = SegmentForm()
    if not form.is_submitted():
        form.fill_from(group)
        return _builder(form, group)
    return _submitted(form, group)


@admin_blueprint.get("/<key>/why/<customer_groups_id:external_id>")
def why(key: str, external_id: str):
    """Each leaf of a segment's condition with the customer's own value; for a static group, who
    or what put the customer there and when."""
    shop = current_shop()
    group = groups.get_group(shop, key)
    if group.builtin:
        raise NotFound(f"{group.name} has no members to explain.")
    customer = customers.get_customer(shop, external_id)
    if customer is None:
        raise NotFound(f"No customer {external_id!r} in this shop.")
    if group.kind == "dynamic":
        explanation = explain_dynamic(shop, group, customer, utcnow())
        for leaf in explanation["leaves"]:
            # A leaf right under "not" is a row with Not ticked: it holds when the leaf does not.
            leaf["negated"] = leaf["path"] == "not" or leaf["path"].endswith(".not")
            leaf["holds"] = leaf["matched"] != leaf["negated"]
            words = leaf_words(leaf["condition"], shop.currency)
            leaf["words"] = f"not ({words})" if leaf["negated"] else words
    else:
        explanation = members.explain(group, customer)
    return render_template(
        "customer_groups/segments/why.html", group=group, customer=customer, why=explanation,
        source_words=members.SOURCE_WORDS, **group_insights(shop, group, chart=False),
    )


def group_insights(shop: Shop, group: Group, *, chart: bool = True) -> dict[str, Any]:
    """What the group page shows beside the members: share of all customers, the size chart and,
    for a segment, its condition in words."""
    if group.builtin:
        return {}
    insights: dict[str, Any] = {"share": share_of_customers(group.member_count)}
    segment = group.kind == "dynamic" and group.condition is not None
    if chart:
        insights["chart"] = size_chart(size_series(shop, group), width=WIDTH if segment else WIDE)
    if segment:
        insights["condition_heading"], insights["condition_lines"] = condition_lines(group.condition, shop.currency)
        insights["condition_json"] = condition_text(group.condition)
    return insights


@admin_blueprint.context_processor
def _share_helper() -> dict[str, Any]:
    return {"share_of_customers": share_of_customers}


def share_of_customers(count: int) -> str:
    """``count`` as a percentage of the shop's customers: "12.5%", "<0.1%", "0%"."""
    total = shop_customer_total()
    if not total or not count:
        return "0%"
    percent = 100 * count / total
    if percent < 0.1:
        return "<0.1%"
    return f"{percent:.1f}".removesuffix(".0") + "%"


def shop_customer_total() -> int:
    """The current shop's customers, read once per request."""
    if "customer_groups_customer_total" not in g:
        g.customer_groups_customer_total = groups.customer_count(current_shop())
    return g.customer_groups_customer_total


# ---- the builder ---------------------------------------------------------------------------

def _submitted(form: SegmentForm, group: Group | None):
    shop = current_shop()
    if not form.validate_on_submit():
        return _builder(form, group, status=422)
    if form.change_rows():
        return _builder(form, group)
    condition = form.condition()
    if condition is None:
        return _builder(form, group, status=422)
    fields = form.load(GroupPatchSchema(partial=True) if group else GroupInSchema()) if form.save.data else {}
    if not form.check_rows(groups.valid_condition):
        form.keep_json(condition)
        return _builder(form, group, status=422)
    try:
        groups.valid_condition(condition)
    except ValidationFailed as error:
        form.attach_condition_errors(error.fields)
        form.keep_json(condition)
        return _builder(form, group, status=422)
    form.accept(condition)
    if fields is None:
        return _builder(form, group, status=422)
    if not form.save.data:
        return _builder(form, group, preview=preview(shop, condition, utcnow(), sample_size=SAMPLE_SIZE))
    try:
        if group is None:
            group = groups.create_group(shop, {**fields, "kind": "dynamic", "condition": condition})
            done = "Created"
        else:
            groups.update_group(shop, group, {**fields, "condition": condition})
            done = "Saved"
    except CustomerGroupsError as error:
        session().rollback()
        form.attach_service_error(error)
        return _builder(form, group, status=error.code)
    session().commit()
    flash(f"{done} {group.name}: {group.member_count:,} customer{'' if group.member_count == 1 else 's'} "
          "match its condition.", "success")
    return redirect(url_for(".show_group", key=group.key))


def _builder(form: SegmentForm, group: Group | None, *, status: int = 200, preview: dict | None = None):
    shop = current_shop()
    return render_template(
        "customer_groups/segments/builder.html", form=form, group=group, preview=preview, shop=shop,
        share=share_of_customers(preview["count"]) if preview else None,
        json_words=None if form.representable else _json_words(form.json_shown.data, shop.currency),
    ), status


def _json_words(text: str | None, currency: str) -> str | None:
    """The condition the JSON alone carries, in words (when it reads as a condition at all)."""
    try:
        condition = parse_json(text or "")
    except ValueError:
        return None
    return condition_words(condition, currency) if isinstance(condition, dict) else None


def _given_condition() -> Any | None:
    """``?condition=`` (the Customers page's "Save as segment"), when it is a JSON object."""
    try:
        condition = parse_json(request.args.get("condition", ""))
    except ValueError:
        return None
    return condition if isinstance(condition, dict) else None
