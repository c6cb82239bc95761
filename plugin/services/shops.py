"""Creating shops, issuing their API keys and finding a shop by key."""
from __future__ import annotations

import hashlib
import secrets
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import list_currencies
from sqlalchemy import Select, bindparam, select, update

from ..db import session
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import ApiKey, Group, Shop
from ..models.group import GUESTS_KEY, STANDARD_KEY
from ..models.shop import PLANS
from ..segments.presets import PRESETS
from ..sql import dialect_name

KEY_PREFIX = "cg_"
#: The largest shop id (an INTEGER column): a longer number given as a shop can only be a name.
LARGEST_ID = 2**31 - 1


def hash_key(api_key: str) -> str:
    """Keys are long random tokens, so one SHA-256 is enough to keep them unusable if leaked."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def create_shop(name: str, *, plan: str = "pro", currency: str = "EUR", timezone: str = "UTC") -> tuple[Shop, str]:
    """Create a shop with its Standard, guests and preset groups; returns the shop and its API key."""
    name = name.strip()  # "Salon " would be a second "Salon", found only with the space
    _check_shop_fields(name, plan, currency, timezone)
    db = session()
    if db.scalar(select(Shop.id).where(Shop.name == name)) is not None:
        raise Conflict(f"A shop named {name!r} exists already.", fields={"name": ["already taken"]})
    shop = Shop(name=name, plan=plan, currency=currency, timezone=timezone)
    db.add(shop)
    db.flush()
    db.add_all([
        Group(shop_id=shop.id, key=STANDARD_KEY, name="Standard", colour="#2563EB", is_default=True,
              description="Every customer who registers joins this group."),
        Group(shop_id=shop.id, key=GUESTS_KEY, name="Guests", colour="#94A3B8", builtin=True,
              description="Shoppers without an account; has no stored members."),
        *(Group(shop_id=shop.id, kind="dynamic", **preset) for preset in PRESETS),
    ])
    api_key = issue_api_key(shop)
    db.commit()
    return shop, api_key


def issue_api_key(shop: Shop) -> str:
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    session().add(ApiKey(shop_id=shop.id, key_hash=hash_key(api_key), prefix=api_key[:10]))
    return api_key


#: The shop of a valid (known, not revoked) key whose hash is bound as ``key_hash``. Built once:
#: composing it again for every request cost more CPU than running it. A caller may join more
#: onto it, to read what it needs in the same round trip (the checkout does).
API_KEY_SHOP: Select[tuple[Shop]] = (
    select(Shop).join(ApiKey, ApiKey.shop_id == Shop.id)
    .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None))
)


def shop_for_api_key(api_key: str) -> Shop | None:
    return session().scalar(API_KEY_SHOP, {"key_hash": hash_key(api_key)})


def hold_shop(shop: Shop) -> None:
    """Lock the shop's row until the transaction ends, so that the changes which decide who is
    left in no static group (a removal from a static group, a group's deletion, a default switch)
    run one at a time per shop: each then sees the others' outcome, and two customers' last two
    groups ending at once cannot both count on the other. Rule changes take it first too: they
    write their revision on this row, and a deletion changes its group's rules after taking it.

    ``FOR NO KEY UPDATE``: rows inserted with the shop's id (a registration's key-share locks)
    are not held up. SQLite has no row locks and reads outside a transaction: there a write that
    changes nothing takes the database's write lock first.
    """
    if dialect_name() == "sqlite":
        session().execute(update(Shop).where(Shop.id == shop.id).values(id=Shop.id))
    else:
        session().execute(select(Shop.id).where(Shop.id == shop.id).with_for_update(key_share=True))


def get_shop(shop_id: int) -> Shop:
    shop = session().get(Shop, shop_id)
    if shop is None:
        raise NotFound(f"No shop with id {shop_id}.")
    return shop


def find_shop(reference: str | None) -> Shop:
    """The shop named or numbered by ``reference``; with none given, the only shop there is."""
    db = session()
    if reference is None:
        shops = db.scalars(select(Shop).limit(2)).all()
        if len(shops) != 1:
            raise NotFound("Name the shop with --shop ID|NAME" if shops else "There is no shop yet; run create-shop.")
        return shops[0]
    query = select(Shop).where(Shop.name == reference)
    if reference.isascii() and reference.isdigit() and int(reference) <= LARGEST_ID:
        query = select(Shop).where((Shop.id == int(reference)) | (Shop.name == reference))
    found = db.scalars(query.limit(2)).all()
    if not found:
        raise NotFound(f"No shop {reference!r}.")
    if len(found) > 1:  # one shop's id, another's name: never guess which
        by_id, by_name = sorted(found, key=lambda shop: shop.name == reference)
        raise Conflict(f"{reference!r} is the id of shop {by_id.name!r} and the name of shop {by_name.id}: "
                       f"give {by_id.name!r} or {by_name.id} instead.")
    return found[0]


def _check_shop_fields(name: str, plan: str, currency: str, timezone: str) -> None:
    if not name or not name.strip() or len(name) > 128:
        raise ValidationFailed.on("name", "must be 1 to 128 characters")
    if plan not in PLANS:
        raise ValidationFailed.on("plan", f"must be one of {', '.join(PLANS)}")
    if currency not in list_currencies():
        raise ValidationFailed.on("currency", f"{currency!r} is not an ISO 4217 currency code")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.on("timezone", f"{timezone!r} is not an IANA time zone") from None
