"""The groups table and creating, modifying and deleting a group."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from plugin.db import session
from plugin.errors import Conflict, CustomerGroupsError, NotFound
from plugin.models.group import STANDARD_KEY
from plugin.schemas import GroupInSchema, GroupPatchSchema
from plugin.services import groups, members, rules

from . import admin_blueprint
from .access import current_admin, current_shop
from .forms import ConfirmForm, GroupForm


@admin_blueprint.get("/")
def list_groups():
    return render_template("customer_groups/groups.html", groups=groups.list_groups(current_shop()))


@admin_blueprint.route("/new", methods=["GET", "POST"])
def create_group():
    form = GroupForm()
    if not form.is_submitted():
        form.show_colour(GroupInSchema().fields["colour"].load_default)
        return _group_form(form, None)
    if form.validate_on_submit() and (fields := form.load(GroupInSchema())) is not None:
        return _saved(form, None, lambda: groups.create_group(current_shop(), fields), "Created")
    return _group_form(form, None, status=422)


@admin_blueprint.route("/<key>/edit", methods=["GET", "POST"])
def edit_group(key: str):
    shop = current_shop()
    group = groups.get_group(shop, key)
    form = GroupForm()
    if not form.is_submitted():
        form.fill_from(group)
        return _group_form(form, group)
    if form.validate_on_submit() and (changes := form.load(GroupPatchSchema(partial=True))) is not None:
        return _saved(form, group, lambda: groups.update_group(shop, group, changes), "Saved")
    return _group_form(form, group, status=422)


def _saved(form: GroupForm, group, save, done: str):
    """Run the service call and commit; a refusal goes back to the form, next to its field."""
    try:
        saved = save()
    except NotFound:  # the group was deleted meanwhile: no form to show it in, as a fresh GET would find
        session().rollback()
        raise
    except CustomerGroupsError as error:
        session().rollback()
        form.attach_service_error(error)
        return _group_form(form, group, status=error.code)
    session().commit()
    flash(f"{done} {saved.name}.", "success")
    return redirect(url_for(".show_group", key=saved.key))


@admin_blueprint.route("/<key>/delete", methods=["GET", "POST"])
def delete_group(key: str):
    shop = current_shop()
    group = groups.get_group(shop, key)
    form = ConfirmForm()
    parked, narrowed = _rules_naming(shop, key)
    if form.validate_on_submit():
        name = group.name
        try:
            moved = groups.delete_group(shop, group, actor=current_admin())
        except Conflict as error:
            session().rollback()
            flash(error.description, "error")
            return redirect(url_for(".show_group", key=key))
        default_name = members.default_group(shop).name
        session().commit()
        disabled = f"; disabled {_rules(parked)}, which named no other group" if parked else ""
        flash(f"Deleted {name}; {_customers(len(moved))} moved to {default_name}{disabled}.", "success")
        return redirect(url_for(".list_groups"))
    return render_template(
        "customer_groups/group_delete.html", group=group, form=form, deletable=group.deletable,
        moving=members.count_moving_on_delete(group) if group.deletable else 0,
        default_group=members.default_group(shop), standard_key=STANDARD_KEY, parked=parked, narrowed=narrowed,
    ), 200 if group.deletable else 409


def _rules_naming(shop, key: str) -> tuple[list[str], list[str]]:
    """The names of the enabled rules a deletion of group ``key`` disables (they name no other
    group), and of the rules that only lose it from their groups."""
    alone, among_others = rules.rules_naming(shop, key)
    return ([rule.definition["name"] for rule in alone if rule.definition.get("enabled", True)],
            [rule.definition["name"] for rule in among_others])


def _rules(names: list[str]) -> str:
    return f"{'rule' if len(names) == 1 else 'rules'} {', '.join(names)}"


def _group_form(form: GroupForm, group, *, status: int = 200):
    return render_template("customer_groups/group_form.html", form=form, group=group), status


def _customers(count: int) -> str:
    return f"{count} customer{'' if count == 1 else 's'}"


from . import member_views  # noqa: E402,F401  (the group page and its members register here)
