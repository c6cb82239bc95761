"""SPEC §1 and §4 read to the letter: answers the audit of the HTTP API found wrong, and how they read now."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from .test_checkout_api import CART, VIP_SHOES, evaluate, vip_shop  # noqa: F401  (fixture)

GUESTS_PAY_MORE = {**VIP_SHOES, "id": "g1", "name": "Guests pay 5% more", "kind": "increase",
                   "groups": ["guests"], "value": {"type": "percent", "amount": "5"}, "conditions": {}}


def test_an_empty_customer_id_is_one_the_plugin_has_never_seen_so_a_guest(vip_shop):
    # given: SPEC §1 "an evaluate call ... with one the plugin has never seen ... counts as in" guests
    vip_shop.post("/rules", json=GUESTS_PAY_MORE)
    # when
    response = vip_shop.post("/checkout/evaluate", json={**CART, "customer_id": ""})
    # then
    assert response.status_code == 200, response.json
    assert response.json["applied_rules"] == ["g1"]


def test_clearing_the_condition_of_a_static_group_changes_nothing(shop):
    response = shop.patch("/groups/standard", json={"condition": None})
    assert response.status_code == 200, response.json
    assert response.json["condition"] is None and response.json["kind"] == "static"


def test_a_body_that_is_not_an_object_names_the_body(shop):
    response = shop.post("/groups", json=[{"name": "VIP"}])
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["body"]


@pytest.mark.parametrize("path, body", [
    ("/events/customers", {"external_id": "ana"}),
    ("/events/customers/batch", {"customers": [{"external_id": "ana"}]}),
])
def test_a_registrations_201_is_documented_with_its_schema(shop, path, body):
    # given: the answer of a registration (201)
    answered = shop.post(path, json=body)
    # when
    documented = shop.client.get("/api/customer-groups/v1/openapi.json").json["paths"][path]["post"]["responses"]
    # then: the document describes a 201 as the 200 is, not only as an error ("default")
    assert answered.status_code == 201
    assert documented["201"]["content"] == documented["200"]["content"]


def test_a_new_activitys_201_is_documented_with_its_schema(shop, make_customer):
    make_customer(shop.shop, "ana")
    answered = shop.post("/events/activities", json={"external_id": "o1", "customer_external_id": "ana"})
    documented = shop.client.get("/api/customer-groups/v1/openapi.json").json["paths"]["/events/activities"]["post"]
    assert answered.status_code == 201
    assert documented["responses"]["201"]["content"] == documented["responses"]["200"]["content"]


@pytest.mark.parametrize("rule_id", ["export", "import", "simulate"])
def test_a_rule_id_the_api_uses_as_a_path_is_refused(vip_shop, rule_id):
    # given: GET /rules/export answers the export, so a rule "export" could never be read (SPEC §4 GET /rules/<id>)
    created = vip_shop.post("/rules", json={**VIP_SHOES, "id": rule_id})
    imported = vip_shop.post("/rules/import", json={"rules": [{**VIP_SHOES, "id": rule_id}]})
    assert (created.status_code, imported.status_code) == (422, 422)
    assert list(created.json["error"]["fields"]) == ["id"]
    assert list(imported.json["error"]["fields"]) == ["rules[0].id"]


def test_a_rule_named_like_a_path_gets_another_id_and_can_be_read(vip_shop):
    body = {key: value for key, value in VIP_SHOES.items() if key != "id"}
    created = vip_shop.post("/rules", json={**body, "name": "Export"})
    assert created.status_code == 201 and created.json["id"] == "export-2"
    assert vip_shop.get("/rules/export-2").json["name"] == "Export"


@pytest.mark.parametrize("path, body, field", [
    ("/events/customers", {"external_id": "ana", "registered_at": "0001-01-01T00:00:00+01:00"}, "registered_at"),
    ("/events/activities", {"external_id": "o1", "customer_external_id": "ana",
                            "occurred_at": "9999-12-31T23:59:59-12:00"}, "occurred_at"),
])
def test_an_event_time_outside_the_calendar_in_utc_is_a_422_not_a_500(shop, make_customer, path, body, field):
    make_customer(shop.shop, "ana")
    response = shop.post(path, json=body)
    assert response.status_code == 422, response.json
    assert list(response.json["error"]["fields"]) == [field]


@pytest.mark.parametrize("path, field", [
    ("/customers?page=100000000000000000000", "page"),
    ("/groups/standard/members?after=100000000000000000000", "after"),
])
def test_a_page_past_any_database_integer_is_a_422_not_a_500(shop, path, field):
    response = shop.get(path)
    assert response.status_code == 422, response.json
    assert list(response.json["error"]["fields"]) == [field]


def test_groups_created_as_the_default_at_the_same_moment_queue_up_and_leave_one_default(app, shop):
    # given: SPEC §1 "Making another group the default is one atomic switch"; a new group's row
    # holds a share lock on its shop, so a switch that then locked the shop for update deadlocked
    names = [f"Group {number}" for number in range(8)]
    start = threading.Barrier(len(names))

    def create(name: str) -> int:
        client = app.test_client()
        start.wait()
        return client.post("/api/customer-groups/v1/groups", json={"name": name, "is_default": True},
                           headers=shop.headers).status_code

    # when
    with ThreadPoolExecutor(len(names)) as pool:
        statuses = set(pool.map(create, names))
    # then
    assert statuses == {201}
    defaults = [group["key"] for group in shop.get("/groups").json["items"] if group["is_default"]]
    assert len(defaults) == 1
