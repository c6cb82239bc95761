"""The CRM → Groups admin pages: access, the table, the group form, deletion, members, tenancy, XSS and CSRF."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from examples.demo_shop import create_app
from plugin.db import session
from plugin.models import Customer, Group, Membership, Shop
from plugin.services import members, rules

from .conftest import group_keys

ADMIN = "/admin/crm/groups"


# ---- helpers ------------------------------------------------------------------------------

def row(page: str, attribute: str, value: str) -> str:
    """The table row (or search result) marked ``data-<attribute>="<value>"``, as HTML."""
    found = re.search(rf'<(tr|li)[^>]*data-{attribute}="{re.escape(value)}".*?</\1>', page, re.S)
    assert found, f"no row with data-{attribute}={value!r}"
    return found.group(0)


def rows(page: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr[^>]*data-{attribute}="([^"]*)"', page)


def field_error(page: str, field: str) -> str:
    """The messages shown under a form field (empty when it has none)."""
    found = re.search(rf'<div class="cg-field-error" id="{field}-error">(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def assert_unique_ids(page: str) -> None:
    ids = re.findall(r'<[^>]* id="([^"]+)"', page)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def flashes(page: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r'<p class="cg-flash[^"]*"[^>]*>(.*?)</p>', page, re.S)]


def groups_of(shop: Shop) -> dict[str, tuple[str, str, str, bool, int]]:
    """Every group of the shop as (name, colour, description, is_default, member_count), read afresh."""
    result = session().execute(
        select(Group.key, Group.name, Group.colour, Group.description, Group.is_default, Group.member_count)
        .where(Group.shop_id == shop.id)
    ).all()
    return {key: tuple(rest) for key, *rest in result}


def member_ids(shop: Shop, key: str) -> list[str]:
    return list(session().scalars(
        select(Customer.external_id).join(Membership, Membership.customer_id == Customer.id)
        .join(Group, Group.id == Membership.group_id)
        .where(Group.shop_id == shop.id, Group.key == key).order_by(Customer.external_id)
    ))


def customers_with_a_group(shop: Shop) -> int:
    return session().scalar(
        select(func.count(func.distinct(Membership.customer_id))).where(Membership.shop_id == shop.id)
    )


def form(name: str = "VIP", colour: str = "#AA00FF", **extra) -> dict[str, str]:
    return {"name": name, "colour": colour, "description": "", **extra}


def add(client, key: str, customer_id: str):
    return client.post(f"{ADMIN}/{key}/members/add", data={"customer_id": customer_id})


def remove(client, key: str, customer_id: str):
    return client.post(f"{ADMIN}/{key}/members/remove", data={"customer_id": customer_id})


@pytest.fixture
def signed_in(shop, admin):
    admin.login(shop.shop)
    return shop.shop


# ---- access -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/new", "/standard", "/standard/edit", "/standard/delete", "/standard?after=3"])
def test_without_an_admin_session_every_page_redirects_to_login(client, shop, path):
    response = client.get(ADMIN + path)
    assert response.status_code == 302
    login = urlsplit(response.headers["Location"])
    assert login.path == "/login"
    assert parse_qs(login.query) == {"next": [ADMIN + path]}


def test_a_post_without_an_admin_session_changes_nothing(client, shop):
    before = groups_of(shop.shop)
    response = client.post(f"{ADMIN}/new", data=form())
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post(f"{ADMIN}/standard/edit", data=form("Hacked")).status_code == 302
    assert groups_of(shop.shop) == before


def test_login_sends_the_admin_back_to_the_groups_table(client, shop):
    client.application.config["DEMO_SHOP_NAME"] = "Shop A"
    response = client.post("/login", data={"email": "admin@demo.shop", "password": "demo"})
    assert response.headers["Location"] == f"{ADMIN}/"
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("given, back", [
    (f"{ADMIN}/vip?q=a", f"{ADMIN}/vip?q=a"),
    ("https://evil.example/", f"{ADMIN}/"),
    ("//evil.example/", f"{ADMIN}/"),
    ("/\\evil.example/", f"{ADMIN}/"),
    ("javascript:alert(1)", f"{ADMIN}/"),
    ("/a\nb", f"{ADMIN}/"),  # no header holds a newline: a 500
    ("/\t/evil.example", f"{ADMIN}/"),  # a browser drops the tab: //evil.example
])
def test_login_goes_back_only_to_a_page_of_this_site(client, shop, given, back):
    # the demo host's login page was an open redirect
    client.application.config["DEMO_SHOP_NAME"] = "Shop A"
    response = client.post("/login", query_string={"next": given}, data={"email": "admin@demo.shop", "password": "demo"})
    assert response.headers["Location"] == back


def test_the_stylesheet_needs_no_session(client):
    response = client.get(f"{ADMIN}/static/customer_groups/admin.css")
    assert response.status_code == 200
    assert b".cg-table" in response.data
    response.close()


@pytest.mark.parametrize("method, path", [
    ("get", "/"), ("get", "/new"), ("get", "/standard"), ("get", "/standard/edit"), ("get", "/standard/delete"),
    ("post", "/new"),
])
def test_a_free_shop_sees_the_upgrade_page(client, make_shop, admin, method, path):
    free = make_shop("Free shop", plan="free")
    admin.login(free.shop)
    before = groups_of(free.shop)
    # when
    response = getattr(client, method)(ADMIN + path, data=form() if method == "post" else None)
    # then
    assert response.status_code == 403
    assert "PRO" in response.text and "Enterprise" in response.text
    assert "Free" in response.text and "Free shop" in response.text
    assert groups_of(free.shop) == before


def test_an_unknown_group_is_a_404(client, signed_in):
    for path in ("/nope", "/nope/edit", "/nope/delete"):
        assert client.get(ADMIN + path).status_code == 404


# ---- the groups table ---------------------------------------------------------------------

def test_the_table_lists_groups_with_sizes_defaults_and_actions(client, signed_in, make_group, make_customer):
    # given: 3 customers (all in Standard), two of them also in VIP
    make_group(signed_in, "VIP", colour="#AA00FF")
    for external_id in ("c1", "c2", "c3"):
        make_customer(signed_in, external_id)
    add(client, "vip", "c1"), add(client, "vip", "c2")
    # when
    page = client.get(f"{ADMIN}/").text
    # then: the default first, the built-in last, every group of the shop once
    listed = rows(page, "group")
    assert listed[0] == "standard" and listed[-1] == "guests"
    assert sorted(listed) == sorted(groups_of(signed_in)) and "vip" in listed
    assert 'href="/admin/crm/groups/new"' in page and "Create group" in page
    standard, vip, guests = row(page, "group", "standard"), row(page, "group", "vip"), row(page, "group", "guests")
    assert "✓" in standard and "✓" not in vip and "✓" not in guests
    assert re.search(r'class="cg-num"[^>]*>\s*3\s*<', standard) and re.search(r'class="cg-num"[^>]*>\s*2\s*<', vip)
    assert "--swatch: #AA00FF" in vip
    assert f"{ADMIN}/vip/edit" in vip and f"{ADMIN}/vip/delete" in vip
    assert f"{ADMIN}/standard/edit" in standard and "/delete" not in standard
    assert f"{ADMIN}/guests/edit" in guests and "/delete" not in guests


# ---- create -------------------------------------------------------------------------------

def test_create_a_group(client, signed_in):
    assert "Save group" in client.get(f"{ADMIN}/new").text
    # when
    response = client.post(f"{ADMIN}/new", data=form("VIP Clients", "#aa00ff", description="Our best"))
    # then
    assert response.status_code == 302
    assert response.headers["Location"] == f"{ADMIN}/vip-clients"
    assert groups_of(signed_in)["vip-clients"] == ("VIP Clients", "#AA00FF", "Our best", False, 0)
    assert "Created VIP Clients." in flashes(client.get(response.headers["Location"]).text)


def test_an_invalid_colour_is_shown_next_to_its_field(client, signed_in):
    before = groups_of(signed_in)
    # when
    response = client.post(f"{ADMIN}/new", data=form("VIP", "red"))
    # then
    assert response.status_code == 422
    assert "#RRGGBB" in field_error(response.text, "colour")
    assert field_error(response.text, "name") == ""
    assert 'value="red"' in response.text and 'value="VIP"' in response.text  # what was typed stays
    assert groups_of(signed_in) == before


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_a_bad_name_is_shown_next_to_its_field(client, signed_in, name):
    before = groups_of(signed_in)
    response = client.post(f"{ADMIN}/new", data=form(name))
    assert response.status_code == 422
    assert field_error(response.text, "name")
    assert groups_of(signed_in) == before


def test_a_duplicate_name_ignoring_case_is_a_conflict_on_the_name(client, signed_in, make_group):
    make_group(signed_in, "Wholesale")
    before = groups_of(signed_in)
    # when
    response = client.post(f"{ADMIN}/new", data=form("WHOLESALE"))
    # then
    assert response.status_code == 409
    assert "already taken" in field_error(response.text, "name")
    assert groups_of(signed_in) == before


@pytest.mark.parametrize("fields, saved", [
    ({"colour": "#64748B", "colour_shown": "#64748B", "colour_picker": "#ff0000"}, "#FF0000"),  # picked only
    ({"colour": "#00ff00", "colour_shown": "#64748B", "colour_picker": "#64748b"}, "#00FF00"),  # typed only
    ({"colour": "#00ff00", "colour_shown": "#64748B", "colour_picker": "#ff0000"}, "#00FF00"),  # both: typed wins
])
def test_without_javascript_the_changed_colour_input_wins(client, signed_in, fields, saved):
    client.post(f"{ADMIN}/new", data={"name": "VIP", **fields})
    assert groups_of(signed_in)["vip"][1] == saved


def test_create_a_group_as_the_new_default(client, signed_in):
    client.post(f"{ADMIN}/new", data=form("Members", is_default="y"))
    defaults = [key for key, group in groups_of(signed_in).items() if group[3]]
    assert defaults == ["members"]


# ---- modify -------------------------------------------------------------------------------

def test_modify_a_group(client, signed_in, make_group):
    make_group(signed_in, "Trade")
    page = client.get(f"{ADMIN}/trade/edit").text
    assert 'value="Trade"' in page and "Save group" in page
    # when
    response = client.post(f"{ADMIN}/trade/edit", data=form("Trade partners", "#00ff00", description="B2B"))
    # then
    assert response.headers["Location"] == f"{ADMIN}/trade"
    assert groups_of(signed_in)["trade"] == ("Trade partners", "#00FF00", "B2B", False, 0)


def test_modify_to_a_taken_name_shows_the_conflict_and_changes_nothing(client, signed_in, make_group):
    make_group(signed_in, "Trade"), make_group(signed_in, "Retail")
    before = groups_of(signed_in)
    response = client.post(f"{ADMIN}/trade/edit", data=form("retail", "#123456"))
    assert response.status_code == 409
    assert "already taken" in field_error(response.text, "name")
    assert groups_of(signed_in) == before


def test_the_default_checkbox_switches_the_default_group(client, signed_in, make_group):
    make_group(signed_in, "Retail")
    # when
    response = client.post(f"{ADMIN}/retail/edit", data=form("Retail", is_default="y"))
    # then
    assert response.status_code == 302
    assert [key for key, group in groups_of(signed_in).items() if group[3]] == ["retail"]
    table = client.get(f"{ADMIN}/").text
    assert "✓" in row(table, "group", "retail") and "✓" not in row(table, "group", "standard")
    assert "/delete" not in row(table, "group", "standard")  # Standard is never deleted, default or not
    assert "/delete" not in row(table, "group", "retail")


def test_saving_the_default_group_keeps_it_the_default(client, signed_in):
    page = client.get(f"{ADMIN}/standard/edit").text
    assert re.search(r'<input type="checkbox" checked disabled', page)  # a disabled box is never posted
    client.post(f"{ADMIN}/standard/edit", data=form("Everyone", "#2563EB"))
    name, _colour, _description, is_default, _size = groups_of(signed_in)["standard"]
    assert (name, is_default) == ("Everyone", True)


def test_guests_cannot_become_the_default(client, signed_in):
    response = client.post(f"{ADMIN}/guests/edit", data=form("Guests", "#94A3B8", is_default="y"))
    assert response.status_code == 422
    assert "static" in field_error(response.text, "is_default")
    assert [key for key, group in groups_of(signed_in).items() if group[3]] == ["standard"]


# ---- delete -------------------------------------------------------------------------------

def test_delete_asks_first_then_moves_customers_without_another_group_to_default(
    client, signed_in, make_group, make_customer,
):
    # given: c1 only in VIP, c2 in VIP and Gold, c3 only in Standard
    make_group(signed_in, "VIP"), make_group(signed_in, "Gold")
    for external_id in ("c1", "c2", "c3"):
        make_customer(signed_in, external_id)
    add(client, "vip", "c1"), add(client, "vip", "c2"), add(client, "gold", "c2")
    remove(client, "standard", "c1"), remove(client, "standard", "c2")
    assert member_ids(signed_in, "standard") == ["c3"]
    customers_before = customers_with_a_group(signed_in)
    # when: the confirmation page
    page = client.get(f"{ADMIN}/vip/delete")
    # then: it says what will happen, and nothing has happened yet
    assert page.status_code == 200
    assert re.search(r'id="impact">\s*<strong>1</strong> customer\s+will move to Standard', page.text)
    assert "vip" in groups_of(signed_in)
    # when: confirmed
    response = client.post(f"{ADMIN}/vip/delete")
    # then
    assert response.headers["Location"] == f"{ADMIN}/"
    assert "Deleted VIP; 1 customer moved to Standard." in flashes(client.get(f"{ADMIN}/").text)
    assert "vip" not in groups_of(signed_in)
    assert member_ids(signed_in, "standard") == ["c1", "c3"]
    assert member_ids(signed_in, "gold") == ["c2"]
    assert customers_with_a_group(signed_in) == customers_before == 3
    assert client.get(f"{ADMIN}/vip").status_code == 404


def test_delete_says_which_pricing_rules_it_disables(client, signed_in, make_group):
    # the rules that named only the group were disabled without a word
    make_group(signed_in, "VIP"), make_group(signed_in, "Gold")
    for rule_id, targets, enabled in [("only-vip", ["vip"], True), ("both", ["vip", "gold"], True),
                                      ("off", ["vip"], False), ("gold", ["gold"], True)]:
        rules.create_rule(signed_in, {"id": rule_id, "name": rule_id.title(), "kind": "discount", "groups": targets,
                                      "enabled": enabled, "value": {"type": "percent", "amount": "5"}})
    session().commit()
    # when
    page = client.get(f"{ADMIN}/vip/delete").text
    # then
    impact = html.unescape(re.sub(r"\s+", " ", re.search(r'id="rules-impact">(.*?)</div>', page, re.S).group(1)))
    assert "Pricing rule <strong>Only-Vip</strong> names no other group: it will be disabled" in impact
    assert "Both will no longer apply to VIP; it keeps its other groups." in impact
    assert "Off" not in impact and "Gold" not in impact
    # when: confirmed
    response = client.post(f"{ADMIN}/vip/delete")
    assert "Deleted VIP; 0 customers moved to Standard; disabled rule Only-Vip, which named no other group." in flashes(
        client.get(response.headers["Location"]).text)


@pytest.mark.parametrize("key, refusal", [("standard", "never deleted"), ("guests", "cannot be deleted")])
def test_the_default_and_built_in_groups_cannot_be_deleted(client, signed_in, key, refusal):
    page = client.get(f"{ADMIN}/{key}/delete")
    assert page.status_code == 409
    assert refusal in page.text and "Delete group" not in page.text
    # when: posted anyway
    response = client.post(f"{ADMIN}/{key}/delete")
    # then
    assert response.status_code == 302
    assert any(refusal in message for message in flashes(client.get(response.headers["Location"]).text))
    assert key in groups_of(signed_in)


# ---- the group page: members --------------------------------------------------------------

def test_members_are_paginated_by_keyset_across_page_boundaries(client, signed_in, make_customer):
    ids = [f"c{n}" for n in range(5)]
    for external_id in ids:
        make_customer(signed_in, external_id, first_name=external_id.upper())
    seen, pages, url = [], 0, f"{ADMIN}/standard?limit=2"
    # when: following "Next page" to the end
    while url and pages < 10:
        page = client.get(url).text
        pages += 1
        seen.extend(rows(page, "customer"))
        link = re.search(r'<a [^>]*rel="next" href="([^"]+)"', page)
        url = html.unescape(link.group(1)) if link else None
        assert url is None or "after=" in url and "limit=2" in url
    # then: every member once, in order, two a page
    assert seen == ids
    assert pages == 3


def test_the_page_size_defaults_to_the_configured_one(client, signed_in, make_customer, monkeypatch):
    for n in range(3):
        make_customer(signed_in, f"c{n}")
    monkeypatch.setitem(client.application.config, "CUSTOMER_GROUPS_PAGE_SIZE", 2)
    page = client.get(f"{ADMIN}/standard").text
    assert rows(page, "customer") == ["c0", "c1"]
    assert 'rel="next"' in page


@pytest.mark.parametrize("query", ["after=-1", "after=x", "limit=0", "limit=100000"])
def test_bad_page_arguments_are_a_400(client, signed_in, query):
    assert client.get(f"{ADMIN}/standard?{query}").status_code == 400


@pytest.mark.parametrize("method, path, data", [
    ("get", "/customers/?q=a%00b", None),
    ("get", "/customers/?tags=a%00b", None),
    ("get", "/standard?q=a%00b", None),
    ("get", "/standard/why/a%00b", None),
    ("post", "/new", form("A\x00B")),
    ("post", "/standard/members/add", {"customer_id": "c\x00"}),
    ("post", "/rules/simulate", {"customer_id": "a\x00b", "lines-0-product_id": "p", "lines-0-unit_price": "1"}),
])
def test_a_nul_character_anywhere_is_a_400_and_changes_nothing(client, signed_in, method, path, data):
    # PostgreSQL cannot hold U+0000 in text: each of these was a 500 there
    before = groups_of(signed_in)
    response = getattr(client, method)(ADMIN + path, data=data)
    assert response.status_code == 400
    assert "NUL character" in response.text
    assert groups_of(signed_in) == before


def test_the_group_page_shows_name_size_and_description(client, signed_in, make_group, make_customer):
    make_group(signed_in, "VIP", colour="#AA00FF", description="Spends a lot")
    make_customer(signed_in, "c1", first_name="Ana", last_name="Pop")
    add(client, "vip", "c1")
    page = client.get(f"{ADMIN}/vip").text
    assert "<h1>VIP</h1>" in page and "Spends a lot" in page and "#AA00FF" in page
    assert re.search(r'id="group-size">1<', page)
    assert "Ana Pop" in row(page, "customer", "c1")


def test_guests_has_no_member_list(client, signed_in):
    page = client.get(f"{ADMIN}/guests").text
    assert 'id="members"' not in page and "Add customers" not in page
    assert client.post(f"{ADMIN}/guests/members/add", data={"customer_id": "x"}).status_code == 409


def test_a_segments_members_are_listed_but_not_changed_by_hand(client, signed_in, make_customer):
    customer = make_customer(signed_in, "c1", first_name="Ana")
    segment = Group(shop_id=signed_in.id, key="big-spenders", name="Big spenders", kind="dynamic",
                    condition={"metric": "total_spent", "op": ">=", "value": 1000})
    session().add(segment)
    session().flush()
    members.add_members(signed_in, segment, [customer.id], source="condition")
    session().commit()
    # when
    page = client.get(f"{ADMIN}/big-spenders").text
    # then
    assert "Ana" in row(page, "customer", "c1") and "/members/remove" not in page
    assert "Add customers" not in page and "Segment" in page
    assert remove(client, "big-spenders", "c1").status_code == 409
    assert add(client, "big-spenders", "c1").status_code == 409
    assert member_ids(signed_in, "big-spenders") == ["c1"]


def test_add_a_customer_found_by_search_then_remove_them(client, signed_in, make_group, make_customer):
    make_group(signed_in, "VIP")
    make_customer(signed_in, "c1", first_name="Ana", last_name="Pop", email="ana@example.com")
    # when: searching
    page = client.get(f"{ADMIN}/vip?q=ana").text
    # then: an Add button for her
    result = row(page, "result", "c1")
    assert f'action="{ADMIN}/vip/members/add"' in result and 'value="c1"' in result
    # when: added
    response = client.post(f"{ADMIN}/vip/members/add", data={"customer_id": "c1", "q": "ana"})
    # then
    assert response.headers["Location"] == f"{ADMIN}/vip?q=ana#add"
    page = client.get(f"{ADMIN}/vip?q=ana").text
    assert "Added Ana Pop to VIP." in flashes(page)
    assert rows(page, "customer") == ["c1"]
    assert "Member" in row(page, "result", "c1") and "/members/add" not in row(page, "result", "c1")
    assert member_ids(signed_in, "vip") == ["c1"] and groups_of(signed_in)["vip"][4] == 1
    # when: removed (she is still in Standard)
    response = remove(client, "vip", "c1")
    # then
    assert "Removed Ana Pop from VIP." in flashes(client.get(response.headers["Location"]).text)
    assert member_ids(signed_in, "vip") == [] and groups_of(signed_in)["vip"][4] == 0
    assert group_keys(signed_in, session().scalar(select(Customer).where(Customer.external_id == "c1"))) == ["standard"]


def test_adding_someone_twice_changes_nothing(client, signed_in, make_customer):
    make_customer(signed_in, "c1", first_name="Ana")
    response = add(client, "standard", "c1")
    assert "Ana is already in Standard." in flashes(client.get(response.headers["Location"]).text)
    assert groups_of(signed_in)["standard"][4] == 1


def test_removing_the_last_static_group_shows_the_conflict_and_keeps_them(client, signed_in, make_customer):
    make_customer(signed_in, "c1", first_name="Ana")
    response = remove(client, "standard", "c1")
    messages = flashes(client.get(response.headers["Location"]).text)
    assert any(message.startswith("Ana stays in Standard") for message in messages)
    assert member_ids(signed_in, "standard") == ["c1"]


def test_removing_someone_from_their_only_group_moves_them_to_default(client, signed_in, make_group, make_customer):
    make_group(signed_in, "VIP")
    make_customer(signed_in, "c1", first_name="Ana")
    add(client, "vip", "c1"), remove(client, "standard", "c1")
    # when
    response = remove(client, "vip", "c1")
    # then
    assert "moved to Standard" in flashes(client.get(response.headers["Location"]).text)[-1]
    assert member_ids(signed_in, "standard") == ["c1"] and member_ids(signed_in, "vip") == []


@pytest.mark.parametrize("query", ["+40 722", "+40722111", "ANA@EXAMPLE", "CARD-777", "Ana Pop", "pop"])
def test_search_finds_customers_by_phone_email_card_or_name(client, signed_in, make_customer, query):
    make_customer(signed_in, "c1", first_name="Ana", last_name="Pop", email="ana@example.com",
                  phone="+40722111222", card_number="CARD-777")
    make_customer(signed_in, "c2", first_name="Bob", last_name="Ionescu", email="bob@example.com",
                  phone="+40733000000", card_number="CARD-888")
    page = client.get(f"{ADMIN}/standard", query_string={"q": query}).text
    assert re.findall(r'<li class="cg-result" data-result="([^"]+)"', page) == ["c1"]


def test_search_pages_through_many_results(client, signed_in, make_customer):
    for n in range(12):
        make_customer(signed_in, f"c{n:02}", first_name="Ana")
    first = client.get(f"{ADMIN}/standard?q=ana").text
    assert len(re.findall(r'class="cg-result"', first)) == 10 and "More results" in first
    second = client.get(f"{ADMIN}/standard?q=ana&search_page=2").text
    assert len(re.findall(r'class="cg-result"', second)) == 2 and "More results" not in second


# ---- tenancy ------------------------------------------------------------------------------

@pytest.fixture
def two_shops(make_shop, make_group, make_customer, admin):
    """Shop A (signed in) and shop B both have a 'vip' group; B alone has 'wholesale' and customer 'b1'."""
    a, b = make_shop("Shop A"), make_shop("Shop B")
    for shop in (a.shop, b.shop):
        make_group(shop, "VIP")
        make_customer(shop, "same")
    make_group(b.shop, "Wholesale")
    make_customer(b.shop, "b1")
    make_customer(a.shop, "a1")
    for customer_id in ("same", "b1"):
        members_of_b_vip = b.post("/groups/vip/members", json={"customer_ids": [customer_id]})
        assert members_of_b_vip.status_code == 200
    assert a.post("/groups/vip/members", json={"customer_ids": ["same"]}).status_code == 200
    admin.login(a.shop)
    return a.shop, b.shop


def snapshot(shop: Shop) -> tuple:
    return groups_of(shop), {key: member_ids(shop, key) for key in groups_of(shop)}


@pytest.mark.parametrize("method, path, data", [
    ("get", "/wholesale", None),
    ("get", "/wholesale/edit", None),
    ("post", "/wholesale/edit", form("Mine now", "#000000")),
    ("get", "/wholesale/delete", None),
    ("post", "/wholesale/delete", {}),
    ("post", "/wholesale/members/add", {"customer_id": "same"}),
    ("post", "/wholesale/members/remove", {"customer_id": "same"}),
    ("post", "/vip/members/remove", {"customer_id": "b1"}),
    ("post", "/vip/members/add", {"customer_id": "b1"}),
    ("post", "/standard/members/remove", {"customer_id": "b1"}),
])
def test_another_shops_group_or_customer_is_a_404_and_nothing_changes(client, two_shops, method, path, data):
    a, b = two_shops
    before = snapshot(a), snapshot(b)
    response = getattr(client, method)(ADMIN + path, data=data)
    assert response.status_code == 404
    assert (snapshot(a), snapshot(b)) == before


def test_the_same_key_in_two_shops_only_ever_touches_ones_own(client, two_shops):
    a, b = two_shops
    b_before = snapshot(b)
    # when: A's admin works on "vip" and the customer "same", which both shops have
    page = client.get(f"{ADMIN}/vip").text
    assert rows(page, "customer") == ["same"]
    client.post(f"{ADMIN}/vip/edit", data=form("VIP of A", "#111111"))
    client.post(f"{ADMIN}/vip/members/add", data={"customer_id": "a1"})
    client.post(f"{ADMIN}/vip/members/remove", data={"customer_id": "same"})
    client.post(f"{ADMIN}/vip/delete")
    # then: A changed, B did not
    assert "vip" not in groups_of(a)
    assert snapshot(b) == b_before
    assert groups_of(b)["vip"][0] == "VIP"


def test_the_table_shows_only_ones_own_groups(client, two_shops):
    a, _b = two_shops
    page = client.get(f"{ADMIN}/").text
    assert sorted(rows(page, "group")) == sorted(groups_of(a))
    assert "Wholesale" not in page


# ---- escaping -----------------------------------------------------------------------------

def test_what_admins_type_is_shown_as_text(client, signed_in, make_customer):
    script = "<script>alert(1)</script>"
    before = set(groups_of(signed_in))
    client.post(f"{ADMIN}/new", data=form(script, description=f"<b>{script}</b>"))
    (key,) = set(groups_of(signed_in)) - before
    make_customer(signed_in, "x1", first_name=script, email="x1@example.com")
    add(client, key, "x1")
    pages = {
        "table": client.get(f"{ADMIN}/").text,
        "group": client.get(f"{ADMIN}/{key}", query_string={"q": "x1@"}).text,
        "edit": client.get(f"{ADMIN}/{key}/edit").text,
        "delete": client.get(f"{ADMIN}/{key}/delete").text,
    }
    for name, page in pages.items():
        assert script not in page, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, name
        assert "<b>" not in page, name


def test_a_search_query_is_shown_as_text(client, signed_in):
    page = client.get(f"{ADMIN}/standard", query_string={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


# ---- CSRF ---------------------------------------------------------------------------------

@pytest.fixture
def csrf_client(app, shop, make_group, make_customer):
    """A client of an app with CSRF protection on (the suite's app switches it off), signed in to ``shop``."""
    protected = create_app({
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True,
        "WTF_CSRF_ENABLED": True, "SERVER_NAME": "shop.test",
    })
    make_group(shop.shop, "VIP")
    make_customer(shop.shop, "c1")
    client = protected.test_client()
    with client.session_transaction() as host_session:
        host_session["demo_admin"] = {"email": "admin@demo.shop", "shop_id": shop.shop.id}
    yield client
    with protected.app_context():
        protected.extensions["sqlalchemy"].engine.dispose()


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_form_in_every_row_repeats_no_id(csrf_client, shop, make_customer):
    # each row's Remove form once repeated id="csrf_token"
    for number in (2, 3):
        make_customer(shop.shop, f"c{number}")
    page = csrf_client.get(f"{ADMIN}/standard").text
    assert page.count("/members/remove") == 3 and page.count('name="csrf_token"') == 3
    assert_unique_ids(page)
    assert csrf_client.post(f"{ADMIN}/standard/members/remove",
                            data={"customer_id": "c1", "csrf_token": csrf_token(page)}).status_code == 302


@pytest.mark.parametrize("path, data", [
    ("/new", form("Sneaky")),
    ("/vip/edit", form("Sneaky")),
    ("/vip/delete", {}),
    ("/vip/members/add", {"customer_id": "c1"}),
    ("/standard/members/remove", {"customer_id": "c1"}),
])
def test_a_post_without_the_csrf_token_is_refused(csrf_client, shop, path, data):
    before = snapshot(shop.shop)
    response = csrf_client.post(ADMIN + path, data=data)
    assert response.status_code == 400
    assert snapshot(shop.shop) == before


def test_the_same_posts_with_the_token_go_through(csrf_client, shop):
    before = set(groups_of(shop.shop))
    token = csrf_token(csrf_client.get(f"{ADMIN}/new").text)
    assert csrf_client.post(f"{ADMIN}/new", data={**form("Fresh"), "csrf_token": token}).status_code == 302
    token = csrf_token(csrf_client.get(f"{ADMIN}/vip/delete").text)
    assert csrf_client.post(f"{ADMIN}/vip/delete", data={"csrf_token": token}).status_code == 302
    assert set(groups_of(shop.shop)) == before - {"vip"} | {"fresh"}


def test_standard_as_the_default_is_never_deleted_whatever_the_default(client, signed_in):
    # it was told to make another group the default first, which would not have helped
    page = client.get(f"{ADMIN}/standard/delete")
    refused = client.post(f"{ADMIN}/standard/delete", data={})
    assert page.status_code == 409 and "never deleted" in page.text and "default first" not in page.text
    message = " ".join(flashes(client.get(refused.headers["Location"]).text))
    assert "never deleted" in message and "default first" not in message
    assert "standard" in groups_of(signed_in)


def test_a_default_group_cannot_be_deleted_until_another_is_the_default(client, signed_in, make_group):
    make_group(signed_in, "Retail")
    client.post(f"{ADMIN}/retail/edit", data=form("Retail", is_default="y"))
    page = client.get(f"{ADMIN}/retail/delete")
    assert page.status_code == 409 and "Make another group the default first." in page.text


def test_standard_cannot_be_deleted_once_another_group_is_the_default(client, signed_in, make_group):
    make_group(signed_in, "Retail")
    client.post(f"{ADMIN}/retail/edit", data=form("Retail", is_default="y"))
    # when
    page = client.get(f"{ADMIN}/standard/delete")
    refused = client.post(f"{ADMIN}/standard/delete", data={})
    # then
    assert page.status_code == 409 and "never deleted" in page.text
    assert refused.status_code == 302 and "standard" in groups_of(signed_in)
