"""Pricing a cart for a customer: the groups they are in now, the shop's rules as they are now."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from weakref import WeakKeyDictionary

import rules as engine
from flask import Flask, current_app
from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state

from ..db import session
from ..errors import ValidationFailed
from ..models import ApiKey, Customer, Group, Membership, PricingRule, Shop
from ..models.group import GUESTS_KEY
from ..signals import prices_evaluated
from .rules import writable
from .shops import hash_key

#: shop id -> (rules revision, compiled ruleset). A process compiles a shop's rules once per
#: revision; any rule change writes a new revision, so a stale ruleset is never used.
_compiled: dict[int, tuple[str, engine.Ruleset]] = {}


def ruleset_for(shop: Shop) -> engine.Ruleset:
    cached = _compiled.get(shop.id)
    if cached is not None and cached[0] == shop.rules_revision:
        return cached[1]
    revision = shop.rules_revision
    definitions = session().scalars(select(PricingRule.definition).where(PricingRule.shop_id == shop.id))
    ruleset = engine.compile_rules(engine.parse_rules(list(definitions)))
    _compiled[shop.id] = (revision, ruleset)
    return ruleset


def groups_of_shopper(shop: Shop, customer_id: str | None) -> list[str]:
    """The customer's group keys read now (one query); a guest or an unknown id is in ``guests``."""
    if customer_id is None:
        return [GUESTS_KEY]
    rows = session().execute(
        select(Customer.id, Group.key)
        .outerjoin(Membership, Membership.customer_id == Customer.id)
        .outerjoin(Group, Group.id == Membership.group_id)
        .where(Customer.shop_id == shop.id, Customer.external_id == customer_id)
    ).all()
    return _shopper_groups(rows)


#: A valid key's shop row with the memberships of the customer bound as ``customer_id`` (none
#: for a guest); built once, as API_KEY_SHOP is.
_SHOP_COLUMNS = tuple(Shop.__mapper__.column_attrs.keys())
_SHOP_AND_GROUPS = (
    select(*(getattr(Shop, name) for name in _SHOP_COLUMNS), Customer.id, Group.key)
    .join(ApiKey, ApiKey.shop_id == Shop.id)
    .outerjoin(Customer, (Customer.shop_id == Shop.id) & (Customer.external_id == bindparam("customer_id")))
    .outerjoin(Membership, Membership.customer_id == Customer.id)
    .outerjoin(Group, Group.id == Membership.group_id)
    .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None))
)


def shop_and_groups_for_api_key(api_key: str, customer_id: str | None) -> tuple[Shop, list[str]] | None:
    """The key's shop and the customer's group keys now, in one query: the checkout's
    authentication and its read together. None for an unknown or revoked key.

    The read is one autocommit statement on a pooled connection of its own: one round trip, no
    BEGIN and COMMIT around it, and psycopg keeps it prepared. The session is left untouched, so
    anything the host does later in the request has its own transaction. The shop comes back
    detached, as if loaded by a session now closed.
    """
    parameters = {"key_hash": hash_key(api_key), "customer_id": customer_id}
    with _shop_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        rows = connection.execute(_SHOP_AND_GROUPS, parameters).all()
    if not rows:
        return None
    shop = _detached_shop(rows[0][: len(_SHOP_COLUMNS)])
    return shop, _shopper_groups([(found, key) for *_, found, key in rows if found is not None])


def _detached_shop(values: Sequence[Any]) -> Shop:
    """The shop as a query loads it (its attributes set as loaded, none pending) and then
    detached. ``Shop(**values)`` would set each through the ORM's events, for three times the cost."""
    shop = Shop.__mapper__.class_manager.new_instance()
    instance_state(shop).dict.update(zip(_SHOP_COLUMNS, values))
    make_transient_to_detached(shop)
    return shop


#: app -> the engine its session would use for Shop. Asking the session makes one per request,
#: which the checkout's read does not otherwise need; an app's engines never change.
_shop_engines: WeakKeyDictionary[Flask, Engine] = WeakKeyDictionary()


def _shop_engine() -> Engine:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    bind = _shop_engines.get(app)
    if bind is None:
        bind = _shop_engines[app] = session().get_bind(Shop)
    return bind


def _shopper_groups(rows: Sequence[tuple[int, str | None]]) -> list[str]:
    """Rows of (customer id, group key or None): none at all is an unknown customer, a guest."""
    if not rows:
        return [GUESTS_KEY]
    return sorted(key for _, key in rows if key is not None)


def evaluate_checkout(
    shop: Shop, document: Mapping[str, Any], *, shopper: tuple[str | None, list[str]] | None = None,
) -> engine.PricedCart:
    """The storefront's call: a cart with ``customer_id`` (or none, for a guest).

    ``shopper``: a customer id and their groups, when the caller read them with the shop (see
    ``shop_and_groups_for_api_key``); used only if it is this cart's customer id.
    """
    document = dict(document)
    if "groups" in document:
        raise ValidationFailed.on("groups", "send customer_id: the plugin knows each customer's groups")
    customer_id = _customer_id(document.pop("customer_id", None))
    cart = parse_cart(shop, document)
    if shopper is not None and shopper[0] == customer_id:
        groups = shopper[1]
    else:
        groups = groups_of_shopper(shop, customer_id)
    priced = engine.evaluate(ruleset_for(shop), cart, groups)
    prices_evaluated.send(shop.id, priced=priced)
    return priced


def simulate(shop: Shop, cart_document: Mapping[str, Any], rule_documents: Sequence[Mapping[str, Any]] | None) -> engine.PricedCart:
    """Price a cart with the given rules (or the shop's own) for given groups or a customer; saves nothing."""
    document = dict(cart_document)
    customer_id = _customer_id(document.pop("customer_id", None))
    cart = parse_cart(shop, document)
    ruleset = ruleset_for(shop) if rule_documents is None else _parse_rules(rule_documents)
    groups = cart.groups if cart.groups is not None else groups_of_shopper(shop, customer_id)
    return engine.evaluate(ruleset, cart, groups)


def parse_cart(shop: Shop, document: Mapping[str, Any]) -> engine.Cart:
    try:
        cart = engine.parse_cart(document, groups_required=False)
    except engine.ValidationError as error:
        raise ValidationFailed.from_engine(error) from None
    if cart.currency != shop.currency:
        raise ValidationFailed.on("currency", f"this shop prices in {shop.currency}, not {cart.currency}")
    return cart


def _parse_rules(documents: Sequence[Mapping[str, Any]]) -> engine.Ruleset:
    if not isinstance(documents, (list, tuple)):
        raise ValidationFailed.on("rules", "must be a list of rules")
    # A rule is taken as GET /rules answers it.
    rules = [writable(document) if isinstance(document, Mapping) else document for document in documents]
    try:
        return engine.compile_rules(engine.parse_rules(rules))
    except engine.ValidationError as error:
        raise ValidationFailed.from_engine(error.prefixed("rules")) from None


def _customer_id(value: Any) -> str | None:
    """The shopper's external id; an empty one, like any the plugin has never seen, is a guest's."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed.on("customer_id", "must be the customer's external id, a string")
    return value

