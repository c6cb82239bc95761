"""Marshmallow schemas: the one definition of valid input, used by the API, the admin forms and OpenAPI."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from .db import session
from .models.activity import CHANNELS, KINDS, STATUSES
from .models.customer import GENDERS, Customer
from .years import FIRST_YEAR, LAST_YEAR, OUTSIDE_YEARS

COLOUR = validate.Regexp(r"^#[0-9A-Fa-f]{6}$", error="must be a colour written #RRGGBB")
KEY = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="use lower-case letters, digits and single dashes")
#: An event's time: one the segments can reach from a ``now`` they evaluate at (and one that
#: stays inside the calendar once moved to UTC, which a 9999-12-31 with an offset does not).
EVENT_TIME = validate.Range(
    min=datetime(FIRST_YEAR, 1, 1, tzinfo=timezone.utc),
    max=datetime(LAST_YEAR, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
    error=OUTSIDE_YEARS,
)
#: The largest integer both databases compare with their ids and offsets without overflowing.
DATABASE_INTEGER = 2**63 - 1
#: The most rows one page of the API holds: members of a group, customers of a search.
MAX_PER_PAGE = 500


#: Characters nobody sees that make two names look alike: zero-width space, word joiner, BOM,
#: soft hyphen, combining grapheme joiner, Mongolian vowel separator, the invisible operators
#: (U+2061-U+2064), Hangul fillers, the line and paragraph separators, and the bidi embeddings,
#: overrides and isolates (U+202A-U+202E, U+2066-U+2069) that reorder what is shown. Joiners
#: (U+200C, U+200D), variation selectors and the direction marks stay: scripts and emoji need them.
INVISIBLE = re.compile("[\u00ad\u034f\u115f\u1160\u180e\u200b\u2028\u2029\u2060-\u2064\u3164\uffa0\ufeff"
                       "\u202a-\u202e\u2066-\u2069]")


class GroupName(fields.String):
    """A group's name as admins see it: trimmed before any length is checked, in Unicode's
    composed form (NFC), without control or invisible characters. "Café" typed with a
    combining accent, or "VIP" with a zero-width space or a tab in it, was a second group
    that looked the same as the first."""

    def _deserialize(self, value, attr, data, **kwargs):
        name = unicodedata.normalize("NFC", super()._deserialize(value, attr, data, **kwargs).strip())
        if INVISIBLE.search(name) or any(unicodedata.category(character) == "Cc" for character in name):
            raise ValidationError("must not contain a tab, a line break or an invisible character")
        return name


class JsonBoolean(fields.Boolean):
    """JSON's true or false only: a string like "yes" or a 1 is refused, not read as true
    (``"is_default": "yes"`` made a group the default). A CSV cell is read before its field
    sees it (``imports.rows``: true or false in any case); the Python hooks keep ``fields.Boolean``."""

    default_error_messages = {"invalid": "must be true or false"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):  # 1 == True, so the truthy set alone would let 1 in
            raise self.make_error("invalid")
        return value


class GroupInSchema(Schema):
    """A new group; PATCH takes the same fields (all optional) except ``key``, which never changes."""

    name = GroupName(required=True, validate=validate.Length(max=64), metadata={"minLength": 1})
    key = fields.String(validate=[validate.Length(min=1, max=64), KEY])
    colour = fields.String(load_default="#64748B", validate=COLOUR)
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    is_default = JsonBoolean(load_default=False)
    kind = fields.String(load_default="static", validate=validate.OneOf(["static", "dynamic"]))
    condition = fields.Dict(allow_none=True, metadata={"description": "dynamic groups only: SPEC §3 condition JSON"})

    @validates("name")
    def _name_not_blank(self, name: str, **_kwargs) -> None:
        if not name:
            raise ValidationError("must not be blank")

    @post_load
    def _normalise(self, data: dict, **_kwargs) -> dict:
        if "colour" in data:
            data["colour"] = data["colour"].upper()
        return data


class GroupPatchSchema(GroupInSchema):
    """Load with ``partial=True``: PATCH changes only what it names, no defaults filled in."""

    class Meta:
        exclude = ("key", "kind")


class GroupOutSchema(Schema):
    key = fields.String()
    name = fields.String()
    colour = fields.String()
    description = fields.String()
    is_default = fields.Boolean()
    kind = fields.String()
    condition = fields.Dict(allow_none=True)
    builtin = fields.Boolean()
    size = fields.Integer(attribute="member_count")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class GroupListSchema(Schema):
    items = fields.List(fields.Nested(GroupOutSchema))


class CustomerInSchema(Schema):
    """A customer event from the host: register (new ``external_id``) or update."""

    external_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    first_name = fields.String(validate=validate.Length(max=128))
    last_name = fields.String(validate=validate.Length(max=128))
    email = fields.Email(validate=validate.Length(max=254))
    phone = fields.String(validate=validate.Length(max=32))
    gender = fields.String(validate=validate.OneOf(GENDERS))
    birthday = fields.Date(allow_none=True)
    city = fields.String(validate=validate.Length(max=128))
    card_number = fields.String(validate=validate.Length(max=64))
    registered_at = fields.AwareDateTime(validate=EVENT_TIME)
    email_opt_in = fields.Boolean()
    sms_opt_in = fields.Boolean()
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=64)), validate=validate.Length(max=100))


class CustomerEventSchema(CustomerInSchema):
    """A customer event sent as JSON: its opt-ins are true or false, where the Python hooks
    (through ``CustomerInSchema``) also take what ``fields.Boolean`` reads, such as "yes" or 1."""

    email_opt_in = JsonBoolean()
    sms_opt_in = JsonBoolean()


#: Zeros past the thousandth are allowed (spreadsheets write ``12.5000``): amounts are kept in
#: thousandths, so only a non-zero 4th decimal is refused, by the API and the imports alike.
AMOUNT = validate.Regexp(r"^\d{1,11}(\.\d{1,3}0*)?$", error='must be an amount such as "12.50" (at most 3 decimals)')


class ActivityInSchema(Schema):
    """An order or appointment from the host: the whole activity, each time it changes."""

    external_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    customer_external_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    kind = fields.String(load_default="order", validate=validate.OneOf(KINDS))
    status = fields.String(load_default="completed", validate=validate.OneOf(STATUSES))
    occurred_at = fields.AwareDateTime(load_default=None, validate=EVENT_TIME, metadata={
        "description": "start time, ISO 8601 with offset; when it is recorded if left out (SPEC §5: only the ids are required)"})
    amount = fields.String(load_default="0", validate=AMOUNT)
    currency = fields.String(validate=validate.Length(equal=3), metadata={"description": "the shop's currency"})
    location = fields.String(load_default="", validate=validate.Length(max=128))
    channel = fields.String(load_default="offline", validate=validate.OneOf(CHANNELS))
    product_ids = fields.List(fields.String(validate=validate.Length(min=1, max=128)), load_default=list)
    category_ids = fields.List(fields.String(validate=validate.Length(min=1, max=128)), load_default=list)
    staff = fields.List(fields.String(validate=validate.Length(min=1, max=128)), load_default=list)


class ActivityOutSchema(Schema):
    external_id = fields.String()
    customer_external_id = fields.Function(
        lambda activity: _customer_external_id(activity.customer_id),
        metadata={"description": "the customer's external id (SPEC §1: an activity's customer)"},
    )
    kind = fields.String()
    status = fields.String()
    occurred_at = fields.DateTime()
    amount = fields.String(metadata={"example": "12.50"})
    currency = fields.String()
    location = fields.String()
    channel = fields.String()
    product_ids = fields.Function(lambda activity: activity.item_values("product"))
    category_ids = fields.Function(lambda activity: activity.item_values("category"))
    staff = fields.Function(lambda activity: activity.item_values("staff"))


def _customer_external_id(customer_id: int) -> str:
    return session().get(Customer, customer_id).external_id


class ActivityRecordedSchema(Schema):
    activity = fields.Nested(ActivityOutSchema)
    created = fields.Boolean()
    groups = fields.List(fields.String(), metadata={"description": "the customer's group keys after the event"})


class PreviewInSchema(Schema):
    condition = fields.Dict(required=True, metadata={"description": "SPEC §3 condition JSON"})
    now = fields.AwareDateTime(metadata={"description": "evaluate as of this time (default: now)"})
    sample_size = fields.Integer(load_default=10, validate=validate.Range(min=0, max=100))


class PreviewSchema(Schema):
    count = fields.Integer()
    share = fields.Float(metadata={"description": "count ÷ all the shop's customers"})
    sample = fields.List(fields.Nested(lambda: CustomerOutSchema()))


class CustomerOutSchema(Schema):
    external_id = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    email = fields.String()
    phone = fields.String()
    gender = fields.String()
    birthday = fields.Date(allow_none=True)
    city = fields.String()
    card_number = fields.String()
    registered_at = fields.DateTime()
    email_opt_in = fields.Boolean()
    sms_opt_in = fields.Boolean()
    tags = fields.List(fields.String())
    visits = fields.Integer(dump_only=True, metadata={"description": "past activities"})
    spent = fields.String(dump_only=True, metadata={"description": "their total amount", "example": "120.50"})
    last_visit_at = fields.DateTime(allow_none=True, dump_only=True)
    rfm_r = fields.Integer(allow_none=True, dump_only=True,
                           metadata={"description": "RFM recency score 1–5, null outside the population"})
    rfm_f = fields.Integer(allow_none=True, dump_only=True, metadata={"description": "RFM frequency score 1–5"})
    rfm_m = fields.Integer(allow_none=True, dump_only=True, metadata={"description": "RFM monetary score 1–5"})
    rfm_tier = fields.String(dump_only=True)


class RegistrationSchema(Schema):
    customer = fields.Nested(CustomerOutSchema)
    groups = fields.List(fields.String(), metadata={"description": "keys of the customer's groups"})
    created = fields.Boolean(metadata={"description": "true when this event registered the customer"})


class MemberOutSchema(Schema):
    customer = fields.Nested(CustomerOutSchema)
    source = fields.String(metadata={"description": "default, manual, import, api or condition"})
    since = fields.DateTime()


class MemberPageSchema(Schema):
    items = fields.List(fields.Nested(MemberOutSchema))
    next = fields.String(allow_none=True, metadata={"description": "pass as ?after= for the next page"})


class MembersInSchema(Schema):
    customer_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=128)), required=True,
        validate=validate.Length(min=1, max=1000), metadata={"description": "external ids"},
    )


class MembersAddedSchema(Schema):
    added = fields.List(fields.String())
    already_members = fields.List(fields.String())


class MemberRemovedSchema(Schema):
    removed = fields.String()
    moved_to_default = fields.Boolean()


class GroupDeletedSchema(Schema):
    deleted = fields.String()
    moved_to_default = fields.Integer(metadata={"description": "customers who had no other static group"})


class LeafWhySchema(Schema):
    path = fields.String(metadata={"example": "all[1]"})
    condition = fields.Dict(metadata={"description": "the leaf as written"})
    value = fields.Raw(allow_none=True, metadata={"description": "the customer's own value"})
    matched = fields.Boolean()


class MembershipWhySchema(Schema):
    member = fields.Boolean()
    source = fields.String(allow_none=True)
    since = fields.DateTime(allow_none=True)
    reason = fields.String()
    matches = fields.Boolean(metadata={"description": "dynamic groups: whether the condition holds now"})
    leaves = fields.List(fields.Nested(LeafWhySchema), metadata={"description": "dynamic groups: each leaf"})


class WhyArgs(Schema):
    now = fields.AwareDateTime(metadata={
        "description": "explain as of this time, ISO 8601 with offset (default: now), e.g. the --now of a refresh"})


class MemberPageArgs(Schema):
    after = fields.Integer(validate=validate.Range(min=0, max=DATABASE_INTEGER))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class CustomerSearchArgs(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=128))
    group = fields.String(validate=validate.Length(max=64))
    condition = fields.String(metadata={"description": "a SPEC §3 condition as JSON, e.g. the page's filters"})
    sort = fields.String(load_default="registered", validate=validate.OneOf(
        [f"{sign}{name}" for name in ("registered", "name", "spent", "visits", "last_visit") for sign in ("", "-")]
    ))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=DATABASE_INTEGER // MAX_PER_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class CustomerPageSchema(Schema):
    items = fields.List(fields.Nested(CustomerOutSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    next_page = fields.Integer(allow_none=True)


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={
        "description": "bad_request, unauthorized, plan_required, not_found, method_not_allowed, conflict, validation_error"})
    message = fields.String(required=True)
    field_messages = fields.Dict(required=True, data_key="fields",
                                 metadata={"description": "messages by field name; {} when no field is to blame"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema)
