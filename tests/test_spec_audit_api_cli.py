"""SPEC §4 and §5 read to the letter as a storefront developer and an operator would: answers the
audit of the API's edges and of both command lines found wrong, and how they read now."""
from __future__ import annotations

import json

import pytest

from rules.cli import main as evaluate_main

from .conftest import api_path


# SPEC §4 "Errors: {"error": {"code", "message", "fields"}}": every answer under the prefix ----

@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND"])
@pytest.mark.parametrize("path", ["/groups", "/groups/standard", "/nowhere"])
def test_a_method_no_route_takes_answers_the_error_shape_not_the_hosts_page(shop, method, path):
    # given: a method outside GET, POST, PUT, PATCH and DELETE answered the host's HTML 405
    # when
    response = shop.client.open(api_path(path), method=method, headers=shop.headers)
    # then
    assert response.is_json, response.get_data(as_text=True)
    assert response.json["error"]["code"] == ("not_found" if path == "/nowhere" else "method_not_allowed")
    assert set(response.json["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("path", ["", "/"])
def test_the_prefix_itself_answers_the_error_shape_not_the_hosts_page(shop, path):
    response = shop.client.get(api_path(path), headers=shop.headers)
    assert response.status_code == 404
    assert response.is_json and response.json["error"]["code"] == "not_found", response.get_data(as_text=True)


def test_the_allow_header_of_a_405_names_the_routes_methods_only(shop):
    response = shop.client.open(api_path("/groups"), method="TRACE", headers=shop.headers)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_a_hosts_catch_all_page_never_takes_a_path_under_the_prefix(app, shop):
    # given: a host with a page for every path (a CMS storefront)
    app.add_url_rule("/<path:page>", "cms_page", lambda page: f"<h1>{page}</h1>")
    # when
    missing = shop.get("/nowhere")
    wrong_method = shop.client.open(api_path("/groups"), method="PUT", headers=shop.headers)
    # then
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405 and wrong_method.json["error"]["code"] == "method_not_allowed"
    assert shop.client.get("/about").get_data(as_text=True) == "<h1>about</h1>"
