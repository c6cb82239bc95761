"""Keys: readable, unique ones made from names (``"VIP Clients"`` → ``vip-clients``, ``-2`` …), and those in use."""
from __future__ import annotations

import itertools
import re
from collections.abc import Collection

from anyascii import anyascii
from sqlalchemy import select

from ..db import session
from ..models import Group, Shop


#: Words the admin pages and the API use as paths beside group keys (``/groups/preview``,
#: ``/admin/crm/groups/new``): never a group's key.
RESERVED_GROUP_KEYS = frozenset({"new", "rules", "static", "customers", "imports", "exports", "preview", "segments"})
#: Words the API uses as paths beside rule ids (``GET /rules/export``): never a rule's id.
RESERVED_RULE_IDS = frozenset({"export", "import", "simulate"})
#: A key made from a name is cut here: the 64-character key column keeps room for the ``-2`` …
#: that ``unused_key`` may add.
SLUG_LENGTH = 56


def slugify(name: str) -> str:
    """A key from a name, spelt in ASCII: "Straße" is ``strasse`` and "Постоянные" ``postoyannye``,
    where dropping what has no accent to strip made ``strae`` and, of a Cyrillic name, nothing."""
    ascii_name = anyascii(name)
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:SLUG_LENGTH] or "item"


def unused_key(base: str, taken: Collection[str]) -> str:
    candidates = itertools.chain([base], (f"{base}-{number}" for number in itertools.count(2)))
    return next(candidate for candidate in candidates if candidate not in taken)


def group_keys(shop: Shop) -> set[str]:
    """Every group key in use in the shop (rules refer to groups by key)."""
    return set(session().scalars(select(Group.key).where(Group.shop_id == shop.id)))


def taken_group_keys(shop: Shop) -> set[str]:
    """Keys a new group cannot have: those in use and the reserved words."""
    return group_keys(shop) | RESERVED_GROUP_KEYS
