"""Storing a shop's pricing rules: validated by the engine, checked against the shop's groups."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import rules as engine
from sqlalchemy import delete, select, update

from ..db import session
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import PricingRule, Shop
from ..models.shop import new_revision
from ..years import OUTSIDE_YEARS, within_years
from .keys import RESERVED_RULE_IDS, group_keys, slugify, unused_key
from .shops import hold_shop


def list_rules(shop: Shop) -> list[PricingRule]:
    """In rule order, (priority, id), as the engine applies them."""
    stored = session().scalars(select(PricingRule).where(PricingRule.shop_id == shop.id))
    return sorted(stored, key=lambda rule: (rule.definition.get("priority", 0), rule.rule_id))


def get_rule(shop: Shop, rule_id: str) -> PricingRule:
    rule = session().scalar(select(PricingRule).where(PricingRule.shop_id == shop.id, PricingRule.rule_id == rule_id))
    if rule is None:
        raise NotFound(f"No rule {rule_id!r} in this shop.")
    return rule


def create_rule(shop: Shop, document: Mapping[str, Any]) -> PricingRule:
    """Store a new rule; without an ``id`` it gets one made from its name."""
    hold_shop(shop)
    if "id" not in document and isinstance(document.get("name"), str):
        taken = set(session().scalars(select(PricingRule.rule_id).where(PricingRule.shop_id == shop.id)))
        document = {**document, "id": unused_key(slugify(document["name"]), taken | RESERVED_RULE_IDS)}
    definition = _valid_new_definition(shop, document)
    if session().scalar(select(PricingRule.id).where(
        PricingRule.shop_id == shop.id, PricingRule.rule_id == definition["id"]
    )) is not None:
        raise Conflict(f"A rule with id {definition['id']!r} exists already.", fields={"id": ["already taken"]})
    rule = PricingRule(shop_id=shop.id, rule_id=definition["id"], definition=definition)
    session().add(rule)
    _rules_changed(shop)
    return rule


def _as_stored_now(rule: PricingRule) -> PricingRule:
    """The rule read again once the shop is held: another request may have changed or deleted it
    while we waited (a deletion read before would have been a 500, not a 404)."""
    stored = session().get(PricingRule, rule.id, populate_existing=True)
    if stored is None:
        raise NotFound(f"No rule {rule.rule_id!r} in this shop.")
    return stored


def update_rule(shop: Shop, rule: PricingRule, changes: Mapping[str, Any]) -> PricingRule:
    """Merge ``changes`` into the rule's JSON (top-level keys) and validate the whole again."""
    hold_shop(shop)
    rule = _as_stored_now(rule)  # as a group's deletion may have left it while we waited
    if "id" in changes and changes["id"] != rule.rule_id:
        raise ValidationFailed.on("id", "a rule's id never changes; create a new rule instead")
    window = [name for name in WINDOW if name in changes]  # a stored window outside the years is kept
    rule.definition = _valid_definition(shop, {**rule.definition, **changes}, window=window)
    _rules_changed(shop)
    return rule


def delete_rule(shop: Shop, rule: PricingRule) -> None:
    hold_shop(shop)
    session().delete(_as_stored_now(rule))
    _rules_changed(shop)


def import_rules(shop: Shop, documents: list[Mapping[str, Any]], *, replace: bool) -> list[PricingRule]:
    """All or nothing: every rule is validated before any is written. ``replace`` drops the
    rules the file does not name; otherwise rules with a known id are updated, others added."""
    hold_shop(shop)
    definitions = []
    for index, document in enumerate(documents):
        try:
            definitions.append(_valid_new_definition(shop, document))
        except ValidationFailed as error:
            raise ValidationFailed(
                f"rules[{index}]: {error.description}",
                fields={f"rules[{index}].{field}": problem for field, problem in error.fields.items()},
            ) from None
    ids = [definition["id"] for definition in definitions]
    duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if duplicates:
        raise ValidationFailed.on("rules", f"ids appear twice: {', '.join(duplicates)}")
    existing = {rule.rule_id: rule for rule in session().scalars(select(PricingRule).where(PricingRule.shop_id == shop.id))}
    if replace:
        session().execute(delete(PricingRule).where(PricingRule.shop_id == shop.id, PricingRule.rule_id.not_in(ids)))
    imported = []
    for definition in definitions:
        rule = existing.get(definition["id"]) or PricingRule(shop_id=shop.id, rule_id=definition["id"])
        rule.definition = definition
        session().add(rule)
        imported.append(rule)
    _rules_changed(shop)
    return imported


def export_rules(shop: Shop) -> list[dict[str, Any]]:
    return [rule.definition for rule in list_rules(shop)]


def rules_naming(shop: Shop, key: str) -> tuple[list[PricingRule], list[PricingRule]]:
    """The rules naming group ``key``, in rule order: those naming it alone (its deletion disables
    them) and those naming other groups too (they only lose it). The admin's confirmation says so."""
    alone, among_others = [], []
    for rule in list_rules(shop):
        if key in rule.definition["groups"]:
            (alone if rule.definition["groups"] == [key] else among_others).append(rule)
    return alone, among_others


def detach_group(shop: Shop, key: str) -> list[str]:
    """A group is going: drop it from every rule's groups; a rule that targeted only that group
    keeps it, is disabled and so waits for an admin to give it a group. Returns those rule ids."""
    alone, among_others = rules_naming(shop, key)
    for rule in alone:
        rule.definition = {**rule.definition, "enabled": False}
    for rule in among_others:
        rule.definition = {**rule.definition, "groups": [g for g in rule.definition["groups"] if g != key]}
    if alone or among_others:
        _rules_changed(shop)
    return [rule.rule_id for rule in alone]


#: What the API adds to a stored rule when it answers one: read-only, so a rule sent back as it
#: was read (POST, PATCH, import) is taken without it rather than refused.
READ_ONLY_RULE_KEYS = frozenset({"needs_group"})
#: A stored rule's window names years of ``years.YEARS``: shown in a shop's timezone it stays inside
#: the calendar (a start in year 1 made the admin's whole Rules list a 500). Checked when a window is
#: written, not by the engine, so a rule stored before still prices (and can be switched off).
WINDOW = ("starts_at", "ends_at")


def writable(document: Mapping[str, Any]) -> dict[str, Any]:
    """The rule JSON without the keys only the API's answers carry."""
    return {key: value for key, value in document.items() if key not in READ_ONLY_RULE_KEYS}


def _valid_definition(
    shop: Shop, document: Mapping[str, Any], *, window: Iterable[str] = WINDOW,
) -> dict[str, Any]:
    """The canonical JSON of a rule the engine accepts and whose groups exist (when enabled);
    ``window``: the times being written, which must fall within ``years.YEARS``."""
    try:
        rule = engine.parse_rule(writable(document))
    except engine.ValidationError as error:
        raise ValidationFailed.from_engine(error) from None
    for name in window:
        moment = getattr(rule, name)
        if moment is not None and not within_years(moment):
            raise ValidationFailed.on(name, OUTSIDE_YEARS)
    existing = group_keys(shop)
    unknown = [key for key in rule.groups if key not in existing]
    if unknown and rule.enabled:
        raise ValidationFailed.on("groups", f"no such group in this shop: {', '.join(unknown)}")
    return engine.rule_to_json(rule)


def _valid_new_definition(shop: Shop, document: Mapping[str, Any]) -> dict[str, Any]:
    """A rule about to be stored under its id: one the API's own paths do not shadow."""
    definition = _valid_definition(shop, document)
    if definition["id"] in RESERVED_RULE_IDS:
        raise ValidationFailed.on("id", f"{definition['id']!r} is a word the API uses as a path; choose another id")
    return definition


def _rules_changed(shop: Shop) -> None:
    """Every process prices with the revision it compiled; a new token makes them all reload."""
    session().execute(update(Shop).where(Shop.id == shop.id).values(rules_revision=new_revision()))
    session().expire(shop, ["rules_revision"])
