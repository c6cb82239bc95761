"""``/events``: the host tells the plugin about customers and their activity (idempotent on ``external_id``)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..hooks import store_activity, store_customer, store_customers
from ..schemas import ActivityInSchema, ActivityRecordedSchema, CustomerEventSchema, RegistrationSchema
from . import api_blueprint
from .auth import current_shop
from .rest import arguments, response

#: Events per batch: one transaction, well under both databases' bound-parameter limits.
BATCH_LIMIT = 1000


class CustomerBatchInSchema(Schema):
    customers = fields.List(
        fields.Nested(CustomerEventSchema), required=True, validate=validate.Length(min=1, max=BATCH_LIMIT),
        metadata={"description": "customer events, applied in order (the same external_id may repeat)"},
    )


class RegistrationBatchSchema(Schema):
    registrations = fields.List(fields.Nested(RegistrationSchema),
                                metadata={"description": "one per event, in the order sent"})


@api_blueprint.post("/events/customers")
@response(RegistrationSchema(), status=200, also=(201,), description="200 for an update, 201 for a registration")
@arguments(CustomerEventSchema())
def customer_event(fields):
    registration = store_customer(current_shop().id, fields, actor="api")
    return registration, 201 if registration.created else 200


@api_blueprint.post("/events/customers/batch")
@response(RegistrationBatchSchema(), status=200, also=(201,),
          description="201 when the batch registered anyone, else 200; all events are stored or none")
@arguments(CustomerBatchInSchema())
def customer_events(body):
    registrations = store_customers(current_shop().id, body["customers"], actor="api")
    return {"registrations": registrations}, 201 if any(item.created for item in registrations) else 200


@api_blueprint.post("/events/activities")
@response(ActivityRecordedSchema(), status=200, also=(201,), description="200 for an update, 201 for a new activity")
@arguments(ActivityInSchema())
def activity_event(fields):
    recorded = store_activity(current_shop().id, fields)
    return recorded, 201 if recorded.created else 200
