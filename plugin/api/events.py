"""``/events``: the host tells the plugin about its customers (idempotent on ``external_id``)."""
from __future__ import annotations

from ..hooks import store_customer
from ..schemas import CustomerInSchema, RegistrationSchema
from . import api_blueprint
from .auth import current_shop
from .rest import arguments, response


@api_blueprint.post("/events/customers")
@response(RegistrationSchema(), status=200, description="200 for an update, 201 for a registration")
@arguments(CustomerInSchema())
def customer_event(fields):
    registration = store_customer(current_shop().id, fields, actor="api")
    return registration, 201 if registration.created else 200
