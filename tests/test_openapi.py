"""The OpenAPI document is served without a key and describes every API route from its schemas."""
from __future__ import annotations


def test_openapi_document_lists_every_route(app, client):
    response = client.get("/api/customer-groups/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    api_rules = {
        rule.rule.removeprefix("/api/customer-groups/v1").replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("customer_groups_api.")
    } - {"/openapi.json"}
    assert api_rules <= set(document["paths"])


def test_request_schemas_come_from_the_marshmallow_schemas(client):
    document = client.get("/api/customer-groups/v1/openapi.json").json
    body = document["paths"]["/groups"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert "name" in schema["required"]
    assert schema["properties"]["colour"]["pattern"] == "^#[0-9A-Fa-f]{6}$"
    query = [p["name"] for p in document["paths"]["/customers"]["get"]["parameters"]]
    assert {"q", "group", "page", "per_page"} <= set(query)
