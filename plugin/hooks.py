"""What the host calls (in process, or through ``/events``) when something happens to a customer."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError

from .db import session
from .errors import ValidationFailed
from .licensing import require_plan
from .models import Activity, Shop
from .schemas import ActivityInSchema, CustomerInSchema
from .segments.clock import ShopClock, event_time
from .segments.refresh import refresh_customer_groups
from .services.activities import record_activity
from .services.customers import (
    StoredCustomer, group_keys_by_customer, register_customers, register_new_customer, stored_customers,
)
from .services.members import group_keys_of
from .services.shops import get_shop
from .signals import customer_registered as customer_registered_signal
from .sql import dialect_name
from .storable import UNSTORABLE, first_unstorable


@dataclass(frozen=True)
class Registration:
    customer: StoredCustomer
    groups: list[str]
    created: bool


@dataclass(frozen=True)
class Recorded:
    activity: Activity
    groups: list[str]
    created: bool


def customer_registered(shop_id: int, fields: dict[str, Any], *, actor: str = "hook") -> Registration:
    """Store the customer (idempotent on ``external_id``); a new one joins the default group."""
    return store_customer(shop_id, _valid(CustomerInSchema(), fields), actor=actor)


def customers_registered(shop_id: int, events: list[dict[str, Any]], *, actor: str = "hook") -> list[Registration]:
    """Many customer events at once (a sync, an import from the host): validated first, then
    stored in one transaction, each answered as ``customer_registered`` would."""
    return store_customers(shop_id, _valid(CustomerInSchema(many=True), events), actor=actor)


def activity_recorded(shop_id: int, fields: dict[str, Any]) -> Recorded:
    """Store an order or appointment (idempotent on ``external_id``) and refresh the customer's groups."""
    return store_activity(shop_id, _valid(ActivityInSchema(), fields))


def store_customer(shop_id: int, valid: dict[str, Any], *, actor: str) -> Registration:
    """Register or update from already-validated fields, commit, and tell subscribers.

    A new customer on PostgreSQL takes the lean path, the one a host's sign-ups take: one
    prepared statement stores them, joins the default group and reads the dynamic groups, one
    more decides those groups, and the answer is built from what was written. Anything else
    (an update, SQLite) is a batch of one.
    """
    shop = _event_shop(shop_id)
    new = register_new_customer(shop, valid, actor=actor) if dialect_name() == "postgresql" else None
    if new is None:
        [registration] = store_customers(shop_id, [valid], actor=actor)
        return registration
    entered = refresh_customer_groups(shop, [new.customer.id], ShopClock.at(event_time(), shop.timezone),
                                      [(group_id, condition) for group_id, _key, condition in new.dynamic_groups])
    keys = {group_id: key for group_id, key, _condition in new.dynamic_groups}
    session().commit()
    registration = Registration(new.customer, sorted([new.default_group_key, *map(keys.get, entered)]), True)
    customer_registered_signal.send(shop_id, customer=new.customer)
    return registration


def store_customers(shop_id: int, events: list[dict[str, Any]], *, actor: str) -> list[Registration]:
    """A batch of validated customer events in one transaction (all stored, or none), their
    dynamic groups refreshed together; then commit and tell subscribers of each new customer."""
    shop = _event_shop(shop_id)
    stored = register_customers(shop, events, actor=actor)
    customer_ids = list(dict.fromkeys(customer_id for customer_id, _created in stored))
    refresh_customer_groups(shop, customer_ids, ShopClock.at(event_time(), shop.timezone))
    keys = group_keys_by_customer(shop, customer_ids)
    session().commit()
    # Loaded after the commit, which expires what the session holds: one query for the batch
    # instead of one reload per customer when the caller reads them.
    customers = stored_customers(shop, customer_ids)
    registrations = [Registration(customers[customer_id], keys.get(customer_id, []), created)
                     for customer_id, created in stored]
    for registration in registrations:
        if registration.created:
            customer_registered_signal.send(shop_id, customer=registration.customer)
    return registrations


def store_activity(shop_id: int, valid: dict[str, Any]) -> Recorded:
    shop = _event_shop(shop_id)
    activity, created = record_activity(shop, valid)
    recorded = Recorded(activity, group_keys_of(shop, activity.customer_id), created)
    session().commit()
    return recorded


def _event_shop(shop_id: int) -> Shop:
    """The shop an event is about, on a plan that has the plugin."""
    shop = get_shop(shop_id)
    require_plan(shop)
    return shop


def _valid(schema: Schema, fields: Any) -> Any:
    """The schema's load, after the API's refusal of text no database stores: a host's NUL is
    the caller's mistake, named by its field, not a database error at the write."""
    unstorable = first_unstorable(fields)
    if unstorable is not None:
        raise ValidationFailed.on(unstorable, UNSTORABLE)
    try:
        return schema.load(fields)
    except ValidationError as error:
        raise ValidationFailed(f"Invalid input: {error.messages}", fields=error.messages) from None
