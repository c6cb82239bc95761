"""``/openapi.json``: the OpenAPI 3 document, built from the schemas the views really use."""
from __future__ import annotations

import re
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from .. import __version__
from ..schemas import ErrorSchema
from . import api_blueprint

_PATH_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@api_blueprint.get("/openapi.json")
def openapi_document():
    return _document(current_app.config["CUSTOMER_GROUPS_API_PREFIX"])


def _document(prefix: str) -> dict:
    spec = APISpec(
        title="Customer Groups API", version=__version__, openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()], servers=[{"url": prefix}],
        security=[{"shopApiKey": []}],
    )
    spec.components.security_scheme("shopApiKey", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions[rule.endpoint]
        if rule.endpoint.startswith(f"{api_blueprint.name}.") and hasattr(view, "apidoc"):
            path = _PATH_PARAMETER.sub(r"{\1}", rule.rule.removeprefix(prefix))
            spec.path(path=path, operations={
                method.lower(): _operation(rule, view) for method in rule.methods - {"HEAD", "OPTIONS"}
            })
    return spec.to_dict()


def _operation(rule, view) -> dict:
    operation: dict = {
        "operationId": view.__name__,
        "summary": view.__name__.replace("_", " ").capitalize(),
        "parameters": [
            {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
            for name in rule.arguments
        ],
    }
    for schema, location in view.apidoc.get("arguments", []):
        if location == "json":
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
        else:
            operation["parameters"].append({"in": "query", "schema": schema})
    schema, statuses, description = view.apidoc["response"]
    operation["responses"] = {
        **{str(status): {"description": description or "OK", "content": {"application/json": {"schema": schema}}}
           for status in statuses},
        "default": {"description": "An error", "content": {"application/json": {"schema": "Error"}}},
    }
    return operation
