"""The Import page: upload a customers or activities CSV (SPEC §5), all or nothing."""
from __future__ import annotations

from flask import render_template
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectChoice

from plugin.imports import ImportFailed, import_activities, import_customers
from plugin.imports.reading import open_text
from plugin.schemas import ActivityInSchema, CustomerInSchema

from . import admin_blueprint
from .access import current_admin, current_shop

#: What each kind of file imports with, and its columns in the SPEC's order.
IMPORTERS = {"customers": import_customers, "activities": import_activities}
SCHEMAS = {"customers": CustomerInSchema(), "activities": ActivityInSchema()}
COLUMNS = {kind: [field.data_key or name for name, field in schema.load_fields.items()]
           for kind, schema in SCHEMAS.items()}
REQUIRED = {kind: [field.data_key or name for name, field in schema.load_fields.items() if field.required]
            for kind, schema in SCHEMAS.items()}

class ImportForm(FlaskForm):
    kind = RadioField("The file holds", default="customers", choices=[
        SelectChoice("customers", "Customers"), SelectChoice("activities", "Activities")])
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])


@admin_blueprint.route("/imports/", methods=["GET", "POST"])
def imports_page():
    """One upload, one transaction: on the first bad row nothing is imported and the row and
    column are named; otherwise the counts."""
    form = ImportForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate_on_submit() or form.kind.data not in IMPORTERS:
        if form.kind.data not in IMPORTERS:
            form.kind.errors = [*form.kind.errors, "Choose customers or activities."]
        return _page(form, status=422)
    text, _bytes_read = open_text(form.file.data.stream)
    try:
        # Refreshed at once either way (SPEC §3: groups follow every event about a customer).
        report = IMPORTERS[form.kind.data](current_shop(), text, actor=current_admin(), refresh=True)
    except ImportFailed as failure:
        return _page(form, failure=failure, filename=form.file.data.filename, status=422)
    finally:
        text.close()
    return _page(form, report=report, filename=form.file.data.filename)


def _page(form: ImportForm, *, status: int = 200, **outcome):
    report = outcome.get("report")
    return render_template(
        "customer_groups/imports/page.html", form=form, columns=COLUMNS, required=REQUIRED,
        failure=outcome.get("failure"), report=report, filename=outcome.get("filename"),
        changed=[change for change in report.group_changes if change.added or change.removed] if report else [],
    ), status
