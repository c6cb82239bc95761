"""The OpenAPI document is served without a key and describes every API route from its schemas."""
from __future__ import annotations

import re


def test_openapi_document_lists_every_route(app, client):
    response = client.get("/api/customer-groups/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    api_rules = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/customer-groups/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("customer_groups_api.") and rule.endpoint != "customer_groups_api.unrouted"
    } - {"/openapi.json"}
    assert api_rules <= set(document["paths"])


SPEC_ROUTES = [  # SPEC §4, every method of every route
    ("post", "/checkout/evaluate"), ("get", "/groups"), ("post", "/groups"), ("get", "/groups/{key}"),
    ("patch", "/groups/{key}"), ("delete", "/groups/{key}"), ("get", "/groups/{key}/members"),
    ("post", "/groups/{key}/members"), ("delete", "/groups/{key}/members/{customer_id}"),
    ("get", "/groups/{key}/members/{customer_id}/why"), ("post", "/groups/preview"), ("get", "/rules"),
    ("post", "/rules"), ("get", "/rules/{rule_id}"), ("patch", "/rules/{rule_id}"), ("delete", "/rules/{rule_id}"),
    ("post", "/rules/simulate"), ("post", "/events/customers"), ("post", "/events/activities"), ("get", "/customers"),
]


def test_every_route_and_method_of_the_spec_is_documented(client):
    paths = client.get("/api/customer-groups/v1/openapi.json").json["paths"]
    assert [(method, path) for method, path in SPEC_ROUTES if method not in paths.get(path, {})] == []
    assert not any("unrouted" in path for path in paths)


def test_request_schemas_come_from_the_marshmallow_schemas(client):
    document = client.get("/api/customer-groups/v1/openapi.json").json
    body = document["paths"]["/groups"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert "name" in schema["required"]
    assert schema["properties"]["colour"]["pattern"] == "^#[0-9A-Fa-f]{6}$"
    query = [p["name"] for p in document["paths"]["/customers"]["get"]["parameters"]]
    assert {"q", "group", "page", "per_page"} <= set(query)


def test_the_error_shape_is_documented_with_all_three_keys_required(client):
    schemas = client.get("/api/customer-groups/v1/openapi.json").json["components"]["schemas"]
    detail = schemas[schemas["Error"]["properties"]["error"]["$ref"].rsplit("/", 1)[1]]
    assert set(detail["properties"]) == {"code", "message", "fields"}
    assert sorted(detail["required"]) == ["code", "fields", "message"]
