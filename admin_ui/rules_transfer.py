"""Rules out and in as a JSON file (SPEC §2's rule JSON, a list): the download and the all-or-nothing upload."""
from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField

from plugin.db import session
from plugin.errors import CustomerGroupsError
from plugin.services import rules

from . import admin_blueprint
from .access import current_shop
from .forms import parse_json

EXPORT_FILENAME = "customer-group-rules.json"
#: The largest file the upload reads; a shop's rules are a few hundred kilobytes at most.
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportForm(FlaskForm):
    file = FileField("Rules file (JSON)")
    replace = BooleanField("Replace: delete the rules the file does not name")


@admin_blueprint.get("/rules/export")
def rules_export():
    """A list of rules in rule order, the format ``customer-groups evaluate --rules`` and the upload read."""
    body = json.dumps(rules.export_rules(current_shop()), indent=2, ensure_ascii=False) + "\n"
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"',
    })


@admin_blueprint.route("/rules/import", methods=["GET", "POST"])
def rules_import():
    shop = current_shop()
    form = ImportForm()
    if not form.is_submitted():
        return _import_page(form)
    if not form.validate_on_submit():
        return _import_page(form, status=400)
    documents = _documents(form)
    if documents is None:
        return _import_page(form, status=422)
    try:
        imported = rules.import_rules(shop, documents, replace=bool(form.replace.data))
    except CustomerGroupsError as error:
        session().rollback()
        form.file.errors = [*form.file.errors, _first_problem(error)]
        return _import_page(form, status=error.code)
    session().commit()
    flash(f"Imported {len(imported)} rule{'' if len(imported) == 1 else 's'}"
          f"{' and removed the rules the file did not name' if form.replace.data else ''}.", "success")
    return redirect(url_for(".rules_list"))


def _documents(form: ImportForm) -> list[Any] | None:
    """The file's rules: a list, or an object with a ``rules`` (or exported ``items``) list."""
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [*form.file.errors, "Choose a JSON file of rules."]
        return None
    raw = upload.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        form.file.errors = [*form.file.errors, f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB."]
        return None
    try:
        return rule_list(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        form.file.errors = [*form.file.errors, "The file is not UTF-8 text."]
    except ValueError as error:
        form.file.errors = [*form.file.errors, str(error)]
    return None


def rule_list(text: str) -> list[Any]:
    """Rules from JSON text: a list, or an object with a ``rules`` (or exported ``items``) list.
    A ``ValueError`` says what is wrong, for the form field."""
    try:
        data = parse_json(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"Not JSON: {error.msg} at line {error.lineno}, column {error.colno}.") from None
    except ValueError as error:
        raise ValueError(f"Not JSON: {error}.") from None
    if isinstance(data, dict):
        data = data.get("rules", data.get("items"))
    if not isinstance(data, list):
        raise ValueError('Expected a list of rules (or {"rules": [...]}).')
    for index, rule in enumerate(data):
        if not isinstance(rule, dict):
            raise ValueError(f"rules[{index}] is not a rule: each rule is a JSON object, {{...}}.")
    return data


def _first_problem(error: CustomerGroupsError) -> str:
    """``rules[1].value.amount: a discount percent must be at most 100``: where, then what."""
    for path, problems in (error.fields or {}).items():
        problem = problems[0] if isinstance(problems, list) and problems else problems
        return f"Nothing was imported. {path}: {problem}"
    return f"Nothing was imported. {error.description}"


def _import_page(form: ImportForm, *, status: int = 200):
    return render_template("customer_groups/rules/import.html", form=form), status
