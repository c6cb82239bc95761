"""``/events``: the host tells the plugin about customers and their activity (idempotent on ``external_id``)."""
from __future__ import annotations

from ..hooks import store_activity, store_customer
from ..schemas import ActivityInSchema, ActivityRecordedSchema, CustomerInSchema, RegistrationSchema
from . import api_blueprint
from .auth import current_shop
from .rest import arguments, response


@api_blueprint.post("/events/customers")
@response(RegistrationSchema(), status=200, description="200 for an update, 201 for a registration")
@arguments(CustomerInSchema())
def customer_event(fields):
    registration = store_customer(current_shop().id, fields, actor="api")
    return registration, 201 if registration.created else 200


@api_blueprint.post("/events/activities")
@response(ActivityRecordedSchema(), status=200, description="200 for an update, 201 for a new activity")
@arguments(ActivityInSchema())
def activity_event(fields):
    recorded = store_activity(current_shop().id, fields)
    return recorded, 201 if recorded.created else 200
