"""The /rules API: rules stored in the SPEC's JSON, validated by the engine, exported and imported."""
from __future__ import annotations

import pytest

VIP_SHOES = {
    "id": "r1", "name": "VIP 20% on shoes", "kind": "discount", "groups": ["vip"], "priority": 10,
    "combinable": False, "enabled": True, "starts_at": None, "ends_at": "2026-12-31T23:59:59+01:00",
    "applies_to": {"products": [], "categories": ["shoes"], "exclude_products": []},
    "value": {"type": "percent", "amount": "20"},
    "conditions": {"min_subtotal": "50.00", "min_quantity": 1},
}


@pytest.fixture
def vip_shop(shop, make_group):
    make_group(shop.shop, "VIP")
    make_group(shop.shop, "Trade")
    return shop


def test_create_and_read_a_rule(vip_shop):
    response = vip_shop.post("/rules", json=VIP_SHOES)
    assert response.status_code == 201
    assert response.json["id"] == "r1" and response.json["needs_group"] is False
    stored = vip_shop.get("/rules/r1").json
    assert stored["value"] == {"type": "percent", "amount": "20"}
    assert stored["ends_at"] == "2026-12-31T23:59:59+01:00"


def test_a_rule_without_id_gets_one_from_its_name(vip_shop):
    body = {key: value for key, value in VIP_SHOES.items() if key != "id"}
    first, second = vip_shop.post("/rules", json=body), vip_shop.post("/rules", json=body)
    assert (first.json["id"], second.json["id"]) == ("vip-20-on-shoes", "vip-20-on-shoes-2")


@pytest.mark.parametrize("change, field", [
    ({"kind": "rebate"}, "kind"),
    ({"groups": []}, "groups"),
    ({"groups": ["ghosts"]}, "groups"),
    ({"value": {"type": "percent", "amount": "120"}}, "value.amount"),
    ({"value": {"type": "percent", "amount": 20.5}}, "value.amount"),
    ({"value": {"type": "fixed_price", "amount": "5"}}, "value.type"),
    ({"starts_at": "tomorrow"}, "starts_at"),
    ({"starts_at": "0001-01-01T00:00:00+05:00"}, "starts_at"),  # shown in a timezone it left the calendar
    ({"ends_at": "9999-12-31T23:59:00-05:00"}, "ends_at"),
    ({"colour": "#FF0000"}, "colour"),
])
def test_bad_rules_are_refused_naming_the_field(vip_shop, change, field):
    response = vip_shop.post("/rules", json={**VIP_SHOES, **change})
    assert response.status_code == 422, response.json
    assert any(name.startswith(field) for name in response.json["error"]["fields"]), response.json
    assert vip_shop.get("/rules").json["items"] == []


def test_a_disabled_rule_may_name_a_group_that_does_not_exist_yet(vip_shop):
    response = vip_shop.post("/rules", json={**VIP_SHOES, "groups": ["later"], "enabled": False})
    assert response.status_code == 201 and response.json["needs_group"] is True


def test_duplicate_ids_conflict(vip_shop):
    vip_shop.post("/rules", json=VIP_SHOES)
    assert vip_shop.post("/rules", json=VIP_SHOES).status_code == 409


def test_rules_are_listed_in_rule_order(vip_shop):
    for rule_id, priority in [("b", 5), ("a", 5), ("c", 1)]:
        vip_shop.post("/rules", json={**VIP_SHOES, "id": rule_id, "priority": priority})
    assert [rule["id"] for rule in vip_shop.get("/rules").json["items"]] == ["c", "a", "b"]


def test_patch_merges_and_revalidates(vip_shop):
    vip_shop.post("/rules", json=VIP_SHOES)
    response = vip_shop.patch("/rules/r1", json={"value": {"type": "percent", "amount": "25"}, "enabled": False})
    assert response.status_code == 200
    assert response.json["value"]["amount"] == "25" and response.json["enabled"] is False
    assert response.json["applies_to"]["categories"] == ["shoes"]
    assert vip_shop.patch("/rules/r1", json={"value": {"type": "percent", "amount": "0"}}).status_code == 422
    assert vip_shop.patch("/rules/r1", json={"id": "r2"}).status_code == 422
    assert vip_shop.get("/rules/r1").json["value"]["amount"] == "25"


def test_delete(vip_shop):
    vip_shop.post("/rules", json=VIP_SHOES)
    assert vip_shop.delete("/rules/r1").json == {"deleted": "r1"}
    assert vip_shop.get("/rules/r1").status_code == 404


def test_export_then_import_replaces_all_or_nothing(vip_shop):
    vip_shop.post("/rules", json=VIP_SHOES)
    vip_shop.post("/rules", json={**VIP_SHOES, "id": "r2", "groups": ["trade"]})
    exported = vip_shop.get("/rules/export").json["items"]
    bad = [exported[0], {**exported[1], "value": {"type": "percent", "amount": "-1"}}]
    # when: a file with a bad second rule
    refused = vip_shop.post("/rules/import", json={"rules": bad, "replace": True})
    # then: nothing changed, and the error names the rule and field
    assert refused.status_code == 422
    assert "rules[1].value.amount" in refused.json["error"]["fields"]
    assert vip_shop.get("/rules/export").json["items"] == exported
    # when: the good file replaces everything but r1
    replaced = vip_shop.post("/rules/import", json={"rules": [exported[0]], "replace": True})
    assert replaced.status_code == 200
    assert [rule["id"] for rule in vip_shop.get("/rules").json["items"]] == ["r1"]


def test_an_export_posts_back_as_it_is(vip_shop):
    vip_shop.post("/rules", json=VIP_SHOES)
    exported = vip_shop.get("/rules/export").json
    vip_shop.delete("/rules/r1")
    # when: GET /rules/export's answer, {"items": [...]}, is the import's body
    restored = vip_shop.post("/rules/import", json={**exported, "replace": True})
    assert restored.status_code == 200
    assert vip_shop.get("/rules/export").json == exported
    # both keys, or neither, is a mistake named on rules
    for body in ({"items": [], "rules": []}, {"replace": True}):
        refused = vip_shop.post("/rules/import", json=body)
        assert refused.status_code == 422 and "rules" in refused.json["error"]["fields"]


def test_import_merge_updates_known_ids_and_adds_new_ones(vip_shop):
    vip_shop.post("/rules", json=VIP_SHOES)
    changed = {**VIP_SHOES, "name": "VIP 30%", "value": {"type": "percent", "amount": "30"}}
    response = vip_shop.post("/rules/import", json={"rules": [changed, {**VIP_SHOES, "id": "r9"}]})
    assert response.status_code == 200
    items = {rule["id"]: rule for rule in vip_shop.get("/rules").json["items"]}
    assert set(items) == {"r1", "r9"} and items["r1"]["name"] == "VIP 30%"


def test_import_refuses_repeated_ids(vip_shop):
    response = vip_shop.post("/rules/import", json={"rules": [VIP_SHOES, VIP_SHOES]})
    assert response.status_code == 422 and "rules" in response.json["error"]["fields"]


def test_deleting_a_group_parks_rules_that_targeted_only_it(vip_shop):
    vip_shop.post("/rules", json=VIP_SHOES)
    vip_shop.post("/rules", json={**VIP_SHOES, "id": "r2", "groups": ["vip", "trade"]})
    # when
    vip_shop.delete("/groups/vip")
    # then
    only_vip, shared = vip_shop.get("/rules/r1").json, vip_shop.get("/rules/r2").json
    assert (only_vip["enabled"], only_vip["needs_group"], only_vip["groups"]) == (False, True, ["vip"])
    assert (shared["enabled"], shared["needs_group"], shared["groups"]) == (True, False, ["trade"])
    assert vip_shop.patch("/rules/r1", json={"enabled": True}).status_code == 422
    assert vip_shop.patch("/rules/r1", json={"enabled": True, "groups": ["trade"]}).status_code == 200


def test_rules_are_per_shop(vip_shop, make_shop, make_group):
    other = make_shop("Other")
    make_group(other.shop, "VIP")
    vip_shop.post("/rules", json=VIP_SHOES)
    assert other.get("/rules/r1").status_code == 404
    assert other.patch("/rules/r1", json={"name": "x"}).status_code == 404
    assert other.delete("/rules/r1").status_code == 404
    assert other.get("/rules").json["items"] == []
    assert vip_shop.get("/rules/r1").json["name"] == VIP_SHOES["name"]


def test_a_rule_sent_back_as_it_was_read_is_taken_without_its_read_only_needs_group(vip_shop):
    # given: a rule as GET answers it, with needs_group
    read = vip_shop.post("/rules", json=VIP_SHOES).json
    assert read["needs_group"] is False
    # when
    patched = vip_shop.patch("/rules/r1", json={**read, "name": "VIP shoes", "needs_group": True})
    copied = vip_shop.post("/rules", json={**read, "id": "r2"})
    imported = vip_shop.post("/rules/import", json={"rules": [{**read, "priority": 5}]})
    # then
    assert (patched.status_code, copied.status_code, imported.status_code) == (200, 201, 200)
    assert (patched.json["name"], patched.json["needs_group"]) == ("VIP shoes", False)
    assert [rule["priority"] for rule in vip_shop.get("/rules").json["items"]] == [5, 10]
    assert all("needs_group" not in rule for rule in vip_shop.get("/rules/export").json["items"])


def test_a_rule_id_with_a_newline_is_reachable_and_a_missing_one_answers_json(vip_shop):
    assert vip_shop.post("/rules", json={**VIP_SHOES, "id": "vip\nshoes"}).status_code == 201
    assert vip_shop.get("/rules/vip%0Ashoes").json["id"] == "vip\nshoes"
    missing = vip_shop.delete("/rules/no%0Asuch")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    unrouted = vip_shop.get("/no%0Asuch")
    assert unrouted.status_code == 404 and unrouted.is_json
