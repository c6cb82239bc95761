"""The admin's forms: Flask-WTF renders them and checks CSRF; the marshmallow schemas judge the input."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from marshmallow import Schema, ValidationError
from wtforms import BooleanField, ColorField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired

from plugin.errors import CustomerGroupsError
from plugin.models import Group
from plugin.schemas import COLOUR
from plugin.storable import NotJson, TooDeep, loads

#: What the colour picker shows while the hex field holds something that is not a colour.
FALLBACK_PICKER_COLOUR = "#64748b"


class GroupForm(FlaskForm):
    """Name, default flag, colour and description of a group.

    No WTForms validators on purpose: ``GroupInSchema``/``GroupPatchSchema`` are the one
    definition of valid input, and their messages are attached to the fields here.

    The colour comes as a picker plus a hex text field. Without JavaScript nothing keeps the
    two in step, so ``colour_shown`` remembers what the page showed: the field the admin
    changed wins, and the typed hex wins if both changed.
    """

    name = StringField("Name")
    is_default = BooleanField("Default group")
    colour_picker = ColorField("Colour")
    colour = StringField("Hex")
    colour_shown = HiddenField()
    description = TextAreaField("Description")

    def fill_from(self, group: Group) -> None:
        self.name.data = group.name
        self.is_default.data = group.is_default
        self.description.data = group.description
        self.show_colour(group.colour)

    def show_colour(self, colour: str) -> None:
        self.colour.data = colour
        self.colour_shown.data = colour
        if is_colour(colour):
            self.colour_picker.data = colour.lower()
        elif not self.colour_picker.data:
            self.colour_picker.data = FALLBACK_PICKER_COLOUR

    def chosen_colour(self) -> str:
        """The typed hex if the admin changed it, else the picked colour if that changed, else the shown one."""
        typed = (self.colour.data or "").strip()
        picked = (self.colour_picker.data or "").strip()
        shown = self.colour_shown.data
        if typed != shown or not picked:
            return typed
        return picked if picked.lower() != shown.lower() else typed

    def group_input(self) -> dict[str, Any]:
        """The submitted fields as the schemas expect them.

        The checkbox only ever makes a group the default: a shop always has one, so the way
        to change it is to tick the box on the group that should take over.
        """
        data: dict[str, Any] = {
            "name": self.name.data or "", "colour": self.chosen_colour(), "description": self.description.data or "",
        }
        if self.is_default.data:
            data["is_default"] = True
        return data

    def load(self, schema: Schema) -> dict[str, Any] | None:
        """The input loaded through ``schema``, or None with each message shown next to its field."""
        data = self.group_input()
        try:
            return schema.load(data)
        except ValidationError as error:
            self.show_colour(data["colour"])
            self.attach_errors(error.messages_dict)
            return None

    def attach_service_error(self, error: CustomerGroupsError) -> None:
        self.show_colour(self.chosen_colour())
        self.attach_errors(error.fields or {"": [error.description]})

    def attach_errors(self, messages: dict[str, Any]) -> None:
        for name, problems in messages.items():
            problems = problems if isinstance(problems, list) else [problems]
            field = self._fields.get(name)
            if field is None or name in {"csrf_token", "colour_shown", "colour_picker"}:
                prefix = f"{name}: " if name and not name.startswith("_") else ""
                self.form_errors = [*self.form_errors, *(f"{prefix}{problem}" for problem in problems)]
            else:
                field.errors = [*field.errors, *problems]


class MemberForm(FlaskForm):
    """Add or remove one customer, named by the host's id for it (``external_id``)."""

    customer_id = HiddenField(validators=[DataRequired()])
    q = HiddenField()


class ConfirmForm(FlaskForm):
    """A bare POST with its CSRF token: confirming a deletion."""


def is_colour(text: str) -> bool:
    try:
        COLOUR(text)
    except ValidationError:
        return False
    return True


def parse_json(text: str) -> Any:
    """``storable.loads``: a ValueError for text that is not JSON (the parser's words), for JSON
    nested deeper than Python's parser goes (a RecursionError: a 500), and for a ``\\u0000`` or lone
    surrogate escape that no database can store, as the API refuses them (a 500 once it
    reached a refresh's SQL or a rule's id)."""
    try:
        return loads(text)
    except NotJson as error:
        raise error.__cause__ from None  # the parser's own words, with the line and column
    except TooDeep:
        raise ValueError("nested too deeply to read") from None
