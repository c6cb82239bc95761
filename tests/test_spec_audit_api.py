"""SPEC §1 and §4 read to the letter: answers the audit of the HTTP API found wrong, and how they read now."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import api_path
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


def _at_once(app, shop, calls: list[tuple]) -> list[int]:
    """The API calls (method, path[, JSON body]) sent together from threads that start at the same moment."""
    start = threading.Barrier(len(calls))

    def send(call: tuple) -> int:
        method, path, *body = call
        client = app.test_client()
        start.wait()
        return client.open(api_path(path), method=method, json=body[0] if body else None, headers=shop.headers).status_code

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(send, calls))


@pytest.mark.parametrize("leave", ["delete each group", "remove from each group"])
def test_leaving_two_static_groups_at_the_same_moment_still_lands_in_the_default_group(
        app, shop, make_group, make_customer, leave):
    # given: SPEC §1 "a customer left in no static group joins the default group"; each customer
    # is in two groups and not in Standard, and both memberships end at the same moment
    pairs = [(make_group(shop.shop, f"A{n}").key, make_group(shop.shop, f"B{n}").key) for n in range(4)]
    for number, pair in enumerate(pairs):
        make_customer(shop.shop, f"c{number}")
        for key in pair:
            shop.post(f"/groups/{key}/members", json={"customer_ids": [f"c{number}"]})
        shop.delete(f"/groups/standard/members/c{number}")
    # when
    for number, pair in enumerate(pairs):
        paths = [f"/groups/{key}" if leave == "delete each group" else f"/groups/{key}/members/c{number}"
                 for key in pair]
        assert _at_once(app, shop, [("DELETE", path) for path in paths]) == [200, 200]
    # then
    in_standard = {item["customer"]["external_id"] for item in shop.get("/groups/standard/members").json["items"]}
    assert in_standard == {f"c{number}" for number in range(len(pairs))}


def test_members_added_while_their_group_is_deleted_answer_a_conflict_never_a_500(app, shop, make_group, make_customer):
    # given: adding members takes a share lock on the group, then updates its size; a deletion
    # waiting for the group's row in between made PostgreSQL abort one of them (deadlock)
    for number in range(10):
        make_customer(shop.shop, f"c{number}")
    statuses = []
    for round_number in range(4):
        key = make_group(shop.shop, f"Temporary {round_number}").key
        # when
        statuses += _at_once(app, shop, [
            ("POST", f"/groups/{key}/members", {"customer_ids": [f"c{number}" for number in range(5)]}),
            ("DELETE", f"/groups/{key}"),
            ("POST", f"/groups/{key}/members", {"customer_ids": [f"c{number}" for number in range(5, 10)]}),
        ])
    # then
    assert set(statuses) <= {200, 404, 409}, statuses


def test_a_rule_changed_while_its_group_is_deleted_answers_no_500(app, vip_shop):
    # given: a deletion locks the shop, then changes the rules of its group; a rule change locked
    # its rule, then the shop (for the new revision): each waited for the other
    statuses = []
    for round_number in range(4):
        vip_shop.post("/groups", json={"name": f"Temporary {round_number}"})
        key = f"temporary-{round_number}"
        vip_shop.post("/rules", json={**VIP_SHOES, "id": f"t{round_number}", "groups": [key, "vip"]})
        # when
        statuses += _at_once(app, vip_shop, [("DELETE", f"/groups/{key}"),
                                             ("PATCH", f"/rules/t{round_number}", {"priority": round_number})])
    # then: both happen, in either order; the rule keeps its other group
    assert statuses == [200] * 8
    assert {rule["id"]: rule["groups"] for rule in vip_shop.get("/rules").json["items"] if rule["id"] != "r1"} == {
        f"t{number}": ["vip"] for number in range(4)}


@pytest.mark.parametrize("sent", ["yes", "true", "1", 1, 0, None])
def test_a_json_boolean_is_true_or_false_only(shop, sent):
    # given: "is_default": "yes" used to make a group the default
    response = shop.post("/groups", json={"name": "VIP", "is_default": sent})
    # then
    assert response.status_code == 422, response.json
    assert list(response.json["error"]["fields"]) == ["is_default"]
    assert shop.get("/groups/standard").json["is_default"] is True


@pytest.mark.parametrize("path, body", [
    ("/events/customers", {"external_id": "ana", "email_opt_in": "yes"}),
    ("/events/customers/batch", {"customers": [{"external_id": "ana", "sms_opt_in": 1}]}),
])
def test_a_customers_opt_in_sent_as_json_is_true_or_false_only(shop, path, body):
    response = shop.post(path, json=body)
    assert response.status_code == 422, response.json
    assert "opt_in" in str(response.json["error"]["fields"])


def test_a_json_boolean_true_or_false_is_taken(shop):
    response = shop.post("/groups", json={"name": "VIP", "is_default": True})
    assert response.status_code == 201, response.json
    assert shop.post("/events/customers", json={"external_id": "ana", "email_opt_in": False}).status_code == 201


@pytest.mark.parametrize("customer_id", ["gid://shopify/Customer/123", "a/why", "gid%3A%2F%2Fshop%2F7"])
def test_a_customer_id_with_slashes_is_reachable_under_its_group(shop, make_group, make_customer, customer_id):
    # given: host ids like Shopify's "gid://shopify/Customer/123" are accepted at registration
    external_id = customer_id.replace("%3A", ":").replace("%2F", "/")
    make_customer(shop.shop, external_id)
    make_group(shop.shop, "VIP")
    assert shop.post("/groups/vip/members", json={"customer_ids": [external_id]}).status_code == 200
    # when
    why = shop.get(f"/groups/vip/members/{customer_id}/why")
    removed = shop.delete(f"/groups/vip/members/{customer_id}")
    # then
    assert why.status_code == 200 and why.json["member"] is True, why.json
    assert removed.status_code == 200 and removed.json["removed"] == external_id, removed.json


def test_a_rule_id_with_slashes_is_reachable(vip_shop):
    created = vip_shop.post("/rules", json={**VIP_SHOES, "id": "vip/shoes"})
    assert created.status_code == 201, created.json
    assert vip_shop.get("/rules/vip/shoes").json["id"] == "vip/shoes"
    assert vip_shop.patch("/rules/vip/shoes", json={"name": "VIP shoes"}).status_code == 200
    assert vip_shop.delete("/rules/vip/shoes").status_code == 200


@pytest.mark.parametrize("method, path", [
    ("PATCH", "/groups/standard"), ("POST", "/groups"), ("POST", "/rules/import"), ("POST", "/checkout/evaluate"),
])
@pytest.mark.parametrize("data, status", [(None, 400), ("", 400), ("null", 422)])
def test_no_body_is_a_400_and_a_null_body_a_422_on_every_route(shop, method, path, data, status):
    # given: a PATCH without a body answered 200 (nothing changed) where /checkout/evaluate answered 400
    headers = {**shop.headers, "Content-Type": "application/json"}
    # when
    response = shop.client.open(api_path(path), method=method, headers=headers, data=data)
    # then
    assert response.status_code == status, response.json
    assert response.json["error"]["fields"] == ({"body": response.json["error"]["fields"]["body"]} if status == 422 else {})


def test_a_rule_changed_while_it_is_deleted_answers_a_404_never_a_500(app, vip_shop):
    # given: both read the rule, then wait for the shop's row; the second found it gone (500)
    statuses = []
    for round_number in range(4):
        vip_shop.post("/rules", json={**VIP_SHOES, "id": f"t{round_number}"})
        # when
        statuses += sorted(_at_once(app, vip_shop, [("DELETE", f"/rules/t{round_number}"),
                                                    ("PATCH", f"/rules/t{round_number}", {"priority": 1})]))
    # then: the deletion happens; the change either before it or refused as not found
    assert set(statuses) <= {200, 404} and statuses.count(200) >= 4, statuses
    assert [rule["id"] for rule in vip_shop.get("/rules").json["items"]] == ["r1"]


def test_a_group_deleted_twice_at_once_answers_a_404_never_a_500(app, shop):
    statuses = []
    for round_number in range(4):
        shop.post("/groups", json={"name": f"Temporary {round_number}"})
        statuses += sorted(_at_once(app, shop, [("DELETE", f"/groups/temporary-{round_number}")] * 2))
    assert statuses == [200, 404] * 4, statuses  # one deletes, the other finds it gone
