"""CRM → Groups → Rules: the table of a shop's pricing rules, the rule form, the toggle and deletion."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from plugin.db import session
from plugin.errors import BadRequest, CustomerGroupsError
from plugin.models import PricingRule, Shop
from plugin.services import groups, rules

from . import admin_blueprint
from .access import current_shop
from .forms import ConfirmForm
from .rule_forms import RuleForm, changes_for_update
from .rules_display import GroupChip, rule_row


@admin_blueprint.get("/rules/")
def rules_list():
    """Every rule in rule order (priority, then id), or only those naming ``?group=KEY``."""
    shop = current_shop()
    by_key = {group.key: group for group in groups.list_groups(shop)}
    group_key = request.args.get("group", "").strip() or None
    stored = rules.list_rules(shop)
    if group_key:
        stored = [rule for rule in stored if group_key in rule.definition["groups"]]
    rows = [rule_row(rule.definition, by_key, currency=shop.currency, timezone=shop.timezone) for rule in stored]
    return render_template(
        "customer_groups/rules/list.html", rows=rows, groups=list(by_key.values()),
        group_key=group_key, filter_chip=GroupChip(group_key, by_key.get(group_key)) if group_key else None,
        form=ConfirmForm(),
    )


@admin_blueprint.route("/rules/new", methods=["GET", "POST"])
def rules_create():
    shop = current_shop()
    form = RuleForm()
    if not form.is_submitted():
        if group_key := request.args.get("group"):
            form.groups.data = [group_key]
        return _rule_form(shop, form, None)
    if form.validate_on_submit() and (document := form.rule_document(shop.timezone)) is not None:
        try:
            rule = rules.create_rule(shop, document)
        except CustomerGroupsError as error:
            session().rollback()
            form.attach_service_error(error)
            return _rule_form(shop, form, None, status=error.code)
        session().commit()
        flash(f"Created {rule.definition['name']}.", "success")
        return redirect(url_for(".rules_list", _anchor=f"rule-{rule.rule_id}"))
    return _rule_form(shop, form, None, status=422)


@admin_blueprint.route("/rules/<customer_groups_id:rule_id>/edit", methods=["GET", "POST"])
def rules_edit(rule_id: str):
    shop = current_shop()
    rule = rules.get_rule(shop, rule_id)
    if request.method == "GET":
        return _rule_form(shop, RuleForm.for_rule(rule.definition, shop.timezone), rule)
    form = RuleForm()
    if form.validate_on_submit() and (document := form.rule_document(shop.timezone)) is not None:
        try:
            rules.update_rule(shop, rule, changes_for_update(rule.definition, document))
        except CustomerGroupsError as error:
            session().rollback()
            form.attach_service_error(error)
            return _rule_form(shop, form, rules.get_rule(shop, rule_id), status=error.code)
        session().commit()
        flash(f"Saved {rule.definition['name']}.", "success")
        return redirect(url_for(".rules_list", _anchor=f"rule-{rule.rule_id}"))
    return _rule_form(shop, form, rule, status=422)


@admin_blueprint.post("/rules/<customer_groups_id:rule_id>/toggle")
def rules_toggle(rule_id: str):
    """Enable or disable; enabling a rule whose groups are gone is refused by the service."""
    shop = current_shop()
    rule = rules.get_rule(shop, rule_id)
    if not ConfirmForm().validate_on_submit():
        raise BadRequest("The form has expired: reload the page and try again.")
    name, enable = rule.definition["name"], not rule.definition.get("enabled", True)
    try:
        rules.update_rule(shop, rule, {"enabled": enable})
    except CustomerGroupsError as error:
        session().rollback()
        flash(f"{name} stays disabled: {error.description}", "error")
    else:
        session().commit()
        flash(f"{'Enabled' if enable else 'Disabled'} {name}.", "success")
    return redirect(url_for(".rules_list", group=request.form.get("group") or None, _anchor=f"rule-{rule_id}"))


@admin_blueprint.route("/rules/<customer_groups_id:rule_id>/delete", methods=["GET", "POST"])
def rules_delete(rule_id: str):
    shop = current_shop()
    rule = rules.get_rule(shop, rule_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = rule.definition["name"]
        rules.delete_rule(shop, rule)
        session().commit()
        flash(f"Deleted {name}.", "success")
        return redirect(url_for(".rules_list"))
    return render_template("customer_groups/rules/delete.html", row=_row(shop, rule), form=form)


def _rule_form(shop: Shop, form: RuleForm, rule: PricingRule | None, *, status: int = 200):
    by_key = {group.key: group for group in groups.list_groups(shop)}
    chosen = [key for key in form.groups.data or [] if key not in by_key]
    options = [GroupChip(key, group) for key, group in by_key.items()] + [GroupChip(key, None) for key in chosen]
    context: dict[str, Any] = {
        "form": form, "rule": rule, "group_options": options,
        "shop": shop, "row": _row(shop, rule) if rule else None,
    }
    return render_template("customer_groups/rules/form.html", **context), status


def _row(shop: Shop, rule: PricingRule):
    by_key = {group.key: group for group in groups.list_groups(shop)}
    return rule_row(rule.definition, by_key, currency=shop.currency, timezone=shop.timezone)


from . import rules_simulate, rules_transfer  # noqa: E402,F401  (export, import and the simulator register here)
