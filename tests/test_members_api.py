"""Group members over the API: keyset pages, adding by external id, removing, and why."""
from __future__ import annotations

import pytest

from plugin.db import session
from plugin.models import MembershipEvent


@pytest.fixture
def vip(shop, make_group, make_customer):
    make_group(shop.shop, "VIP")
    for number in range(5):
        make_customer(shop.shop, f"c{number}", first_name=f"Ann{number}", phone=f"+4070000000{number}")
    return "vip"


def test_adding_members_reports_new_and_existing(shop, vip):
    first = shop.post("/groups/vip/members", json={"customer_ids": ["c0", "c1"]})
    again = shop.post("/groups/vip/members", json={"customer_ids": ["c1", "c2"]})
    assert first.status_code == 200 and first.json == {"added": ["c0", "c1"], "already_members": []}
    assert again.json == {"added": ["c2"], "already_members": ["c1"]}
    assert shop.get("/groups/vip").json["size"] == 3


def test_an_unknown_customer_adds_nobody(shop, vip):
    response = shop.post("/groups/vip/members", json={"customer_ids": ["c0", "ghost"]})
    assert response.status_code == 404
    assert "ghost" in response.json["error"]["fields"]["customer_ids"][0]
    assert shop.get("/groups/vip").json["size"] == 0


def test_member_pages_follow_the_cursor_without_overlap(shop, vip):
    shop.post("/groups/vip/members", json={"customer_ids": [f"c{n}" for n in range(5)]})
    seen, after, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&after={after}" if after else "")
        page = shop.get("/groups/vip/members" + query).json
        seen += [item["customer"]["external_id"] for item in page["items"]]
        pages += 1
        after = page["next"]
        if after is None:
            break
    assert seen == [f"c{n}" for n in range(5)]
    assert pages == 3


def test_member_items_carry_source_and_since(shop, vip):
    shop.post("/groups/vip/members", json={"customer_ids": ["c3"]})
    item = shop.get("/groups/vip/members").json["items"][0]
    assert item["source"] == "api" and item["since"]
    assert item["customer"]["first_name"] == "Ann3"


def test_removing_records_history_and_moves_nobody_who_has_standard(shop, vip):
    shop.post("/groups/vip/members", json={"customer_ids": ["c1"]})
    response = shop.delete("/groups/vip/members/c1")
    assert response.json == {"removed": "c1", "moved_to_default": False}
    changes = [(event.change, event.source) for event in session().query(MembershipEvent)
               .filter_by(group_id=_group_id(shop, "vip")).order_by(MembershipEvent.id)]
    assert changes == [("entered", "api"), ("left", "api")]
    assert shop.get("/groups/vip").json["size"] == 0


def test_removing_the_last_static_group_lands_in_default(shop, vip):
    shop.post("/groups/vip/members", json={"customer_ids": ["c1"]})
    shop.delete("/groups/standard/members/c1")
    response = shop.delete("/groups/vip/members/c1")
    assert response.json == {"removed": "c1", "moved_to_default": True}
    assert shop.get("/groups/standard/members/c1/why").json["member"] is True


def test_the_default_group_cannot_be_anyones_last_group_removed(shop, vip):
    response = shop.delete("/groups/standard/members/c1")
    assert response.status_code == 409
    assert shop.get("/groups/standard/members/c1/why").json["member"] is True


def test_removing_a_non_member_is_a_404(shop, vip):
    assert shop.delete("/groups/vip/members/c1").status_code == 404
    assert shop.delete("/groups/vip/members/nobody").status_code == 404


def test_why_explains_how_a_customer_got_in(shop, vip):
    shop.post("/groups/vip/members", json={"customer_ids": ["c2"]})
    why = shop.get("/groups/vip/members/c2/why").json
    assert why["member"] is True and why["source"] == "api"
    assert "through the API" in why["reason"]
    assert shop.get("/groups/vip/members/c3/why").json["member"] is False


@pytest.mark.parametrize("query", ["?limit=0", "?limit=501", "?after=-1", "?after=x"])
def test_bad_page_arguments_are_422(shop, vip, query):
    response = shop.get("/groups/vip/members" + query)
    assert response.status_code == 422
    assert response.json["error"]["fields"]


def _group_id(shop, key):
    from plugin.services.groups import get_group
    return get_group(shop.shop, key).id


def test_members_of_a_dynamic_group_are_set_by_its_condition_alone(shop, vip, make_group):
    # given: a dynamic group c1 matches (city) and c2 does not
    shop.post("/events/customers", json={"external_id": "c1", "city": "Cluj"})
    make_group(shop.shop, "Cluj", kind="dynamic", condition={"metric": "city", "op": "=", "value": "Cluj"})
    # when
    added = shop.post("/groups/cluj/members", json={"customer_ids": ["c2"]})
    removed = shop.delete("/groups/cluj/members/c1")
    # then
    assert (added.status_code, added.json["error"]["code"]) == (409, "conflict")
    assert (removed.status_code, removed.json["error"]["code"]) == (409, "conflict")
    items = shop.get("/groups/cluj/members").json["items"]
    assert [(item["customer"]["external_id"], item["source"]) for item in items] == [("c1", "condition")]


def test_a_customer_id_with_a_newline_reaches_its_routes(shop, vip, make_customer):
    # given: an external id the events accept; werkzeug's path converter stopped at the newline,
    # so both routes (and the API's catch-all) missed and the host answered its HTML 404
    make_customer(shop.shop, "a\nb")
    shop.post("/groups/vip/members", json={"customer_ids": ["a\nb"]})
    # when
    why = shop.get("/groups/vip/members/a%0Ab/why")
    removed = shop.delete("/groups/vip/members/a%0Ab")
    unknown = shop.delete("/groups/vip/members/x%0Ay")
    # then
    assert why.status_code == 200 and why.json["member"] is True
    assert removed.status_code == 200 and removed.json["removed"] == "a\nb"
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "not_found"
