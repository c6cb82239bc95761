"""``/groups``: list, create, read, change and delete a shop's groups."""
from __future__ import annotations

from ..models._columns import utcnow
from ..schemas import (
    GroupDeletedSchema, GroupInSchema, GroupListSchema, GroupOutSchema, GroupPatchSchema, PreviewInSchema,
    PreviewSchema,
)
from ..segments.preview import preview
from ..services import groups
from . import api_blueprint
from .auth import current_shop
from .rest import arguments, response

API_ACTOR = "api"


@api_blueprint.get("/groups")
@response(GroupListSchema())
def list_groups():
    return {"items": groups.list_groups(current_shop())}


@api_blueprint.post("/groups")
@response(GroupOutSchema(), status=201)
@arguments(GroupInSchema())
def create_group(fields):
    return groups.create_group(current_shop(), fields)


@api_blueprint.post("/groups/preview")
@response(PreviewSchema())
@arguments(PreviewInSchema())
def preview_condition(body):
    now = body.get("now") or utcnow()
    return preview(current_shop(), body["condition"], now, sample_size=body["sample_size"])


@api_blueprint.get("/groups/<key>")
@response(GroupOutSchema())
def get_group(key):
    return groups.get_group(current_shop(), key)


@api_blueprint.patch("/groups/<key>")
@response(GroupOutSchema())
@arguments(GroupPatchSchema(partial=True))
def update_group(changes, key):
    shop = current_shop()
    return groups.update_group(shop, groups.get_group(shop, key), changes)


@api_blueprint.delete("/groups/<key>")
@response(GroupDeletedSchema())
def delete_group(key):
    shop = current_shop()
    moved = groups.delete_group(shop, groups.get_group(shop, key), actor=API_ACTOR)
    return {"deleted": key, "moved_to_default": len(moved)}
