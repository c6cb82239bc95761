"""``/groups/<key>/members``: who is in a group, adding and removing them, and why."""
from __future__ import annotations

from ..errors import Conflict, NotFound
from ..models import Customer, Group, Shop
from ..schemas import (
    MemberPageArgs, MemberPageSchema, MemberRemovedSchema, MembersAddedSchema, MembersInSchema,
    MembershipWhySchema, WhyArgs,
)
from ..models._columns import utcnow
from ..segments.why import explain_dynamic
from ..services import customers, groups, members
from . import api_blueprint
from .auth import current_shop
from .groups import API_ACTOR
from .rest import arguments, response


@api_blueprint.get("/groups/<key>/members")
@response(MemberPageSchema())
@arguments(MemberPageArgs(), location="query")
def list_members(args, key):
    group = groups.get_group(current_shop(), key)
    rows, next_after = members.page_of_members(group, after=args.get("after"), limit=args["limit"])
    return {"items": rows, "next": None if next_after is None else str(next_after)}


@api_blueprint.post("/groups/<key>/members")
@response(MembersAddedSchema())
@arguments(MembersInSchema())
def add_members(body, key):
    shop = current_shop()
    group = _static_group(shop, key)
    ids = customers.customers_by_external_id(shop, body["customer_ids"])
    added = set(members.add_members(shop, group, ids.values(), source="api", actor=API_ACTOR))
    return {
        "added": [external for external, internal in ids.items() if internal in added],
        "already_members": [external for external, internal in ids.items() if internal not in added],
    }


@api_blueprint.delete("/groups/<key>/members/<customer_groups_id:customer_id>", merge_slashes=False)
@response(MemberRemovedSchema())
def remove_member(key, customer_id):
    shop = current_shop()
    group = _static_group(shop, key)
    removed, moved = members.remove_members(shop, group, [_customer(shop, customer_id).id], source="api", actor=API_ACTOR)
    if not removed:
        raise NotFound(f"Customer {customer_id!r} is not in {group.name}.")
    return {"removed": customer_id, "moved_to_default": bool(moved)}


@api_blueprint.get("/groups/<key>/members/<customer_groups_id:customer_id>/why", merge_slashes=False)
@response(MembershipWhySchema())
@arguments(WhyArgs(), location="query")
def why_member(args, key, customer_id):
    shop = current_shop()
    group, customer = groups.get_group(shop, key), _customer(shop, customer_id)
    if group.kind == "dynamic":
        return explain_dynamic(shop, group, customer, args.get("now") or utcnow())
    return members.explain(group, customer)


def _static_group(shop: Shop, key: str) -> Group:
    """The group whose members people and hooks set; a dynamic group's follow its condition."""
    group = groups.get_group(shop, key)
    if group.kind == "dynamic":
        raise Conflict(f"{group.name} is a dynamic group: its members are those its condition matches, "
                       "so they cannot be added or removed by hand.")
    return group


def _customer(shop: Shop, external_id: str) -> Customer:
    customer = customers.get_customer(shop, external_id)
    if customer is None:
        raise NotFound(f"No customer {external_id!r} in this shop.")
    return customer
