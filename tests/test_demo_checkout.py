"""The demo shop's checkout: the plugin prices the cart in process for the signed-in shopper's groups now."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from examples.demo_shop.seed import RULES, seed
from plugin.db import session
from plugin.models import Customer, Group
from plugin.services import groups, members, rules


def text_of(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|dl|table)>', page, re.S)
    assert found, f"no #{element_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def line(page: str, product_id: str) -> str:
    found = re.search(rf'<tr data-line="{product_id}">.*?</tr>', page, re.S)
    assert found, f"no line for {product_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


def buy(client, **quantities: int):
    data = {f"qty-{product_id.replace('_', '-')}": str(quantity) for product_id, quantity in quantities.items()}
    return client.post("/checkout/cart", data=data)


def sign_in(client, email: str):
    return client.post("/checkout/sign-in", data={"email": email})


@pytest.fixture
def demo_shop(make_shop, make_group):
    """The demo's shop with its groups and the seed's pricing rules (but not its 300 customers)."""
    shop = make_shop("Demo Shop").shop
    for name in ("VIP", "Wholesale", "Staff", "Newsletter"):
        make_group(shop, name)
    for rule in RULES:
        rules.create_rule(shop, rule)
    session().commit()
    return shop


@pytest.fixture
def vera(client, demo_shop):
    """Registered through the storefront form (email as the external id), then put in VIP by an admin."""
    response = client.post("/register", data={"first_name": "Vera", "email": "Vera@Example.com"})
    assert response.status_code == 302
    customer = session().scalar(select(Customer).where(Customer.external_id == "vera@example.com"))
    members.add_members(demo_shop, groups.get_group(demo_shop, "vip"), [customer.id], source="manual", actor="test")
    session().commit()
    return customer


def test_a_guest_pays_guest_prices_and_gets_no_vip_discount(client, demo_shop):
    buy(client, sneaker_01=1)
    page = client.get("/checkout").text
    assert "Shopping as a guest" in page
    assert "Guest price +5% +4.45" in line(page, "sneaker-01")
    assert "VIP 15%" not in page
    assert text_of(page, "total") == "Total 93.45 EUR"
    assert 'data-chip="guests"' in page


def test_a_vip_customer_sees_the_discount_explained(client, vera):
    buy(client, sneaker_01=1, cap_07=2)
    sign_in(client, "VERA@example.com ")
    page = client.get("/checkout").text
    assert "vera@example.com" in page
    assert "VIP 15% −13.35" in line(page, "sneaker-01")
    assert "VIP 15% −5.70" in line(page, "cap-07")
    assert "Guest price" not in page
    assert text_of(page, "total") == "Total 107.95 EUR"
    assert "You save −19.05" in text_of(page, "totals")
    assert 'data-chip="vip"' in page and 'data-chip="standard"' in page
    # the gift the seed gives every account over 100.00 EUR
    assert 'data-gift="tote-bag"' in page and "Canvas tote bag" in page


def test_a_membership_change_shows_at_the_next_page_load(client, demo_shop, vera):
    buy(client, sneaker_01=1)
    sign_in(client, "vera@example.com")
    assert "VIP 15%" in client.get("/checkout").text
    # when: an admin takes her out of VIP
    members.remove_members(demo_shop, groups.get_group(demo_shop, "vip"), [vera.id], source="manual", actor="test")
    session().commit()
    # then
    page = client.get("/checkout").text
    assert "VIP 15%" not in page and text_of(page, "total") == "Total 89.00 EUR"
    # when: and puts her in Staff
    members.add_members(demo_shop, groups.get_group(demo_shop, "staff"), [vera.id], source="manual", actor="test")
    session().commit()
    assert "Staff 5.00 off −5.00" in line(client.get("/checkout").text, "sneaker-01")


def test_a_rule_change_shows_at_the_next_page_load(client, demo_shop, vera):
    buy(client, sneaker_01=1)
    sign_in(client, "vera@example.com")
    rule = rules.get_rule(demo_shop, "vip-15")
    rules.update_rule(demo_shop, rule, {"value": {"type": "percent", "amount": "20"}, "name": "VIP 20%"})
    session().commit()
    assert "VIP 20% −17.80" in line(client.get("/checkout").text, "sneaker-01")


def test_an_email_without_an_account_gets_guest_prices(client, demo_shop):
    buy(client, sneaker_01=1)
    sign_in(client, "nobody@example.com")
    page = client.get("/checkout").text
    assert "no account for this email" in page and "Guest price +5%" in page


def test_signing_out_makes_the_shopper_a_guest_again(client, vera):
    buy(client, sneaker_01=1)
    sign_in(client, "vera@example.com")
    client.post("/checkout/sign-out")
    page = client.get("/checkout").text
    assert "Shopping as a guest" in page and "VIP 15%" not in page


def test_the_bundle_prices_the_set(client, demo_shop, make_customer):
    make_customer(demo_shop, "sam@example.com")
    buy(client, sneaker_01=1, socks_03=2)
    sign_in(client, "sam@example.com")
    page = client.get("/checkout").text
    assert text_of(page, "total") == "Total 99.00 EUR"
    assert "Sneakers + 2 socks for 99" in line(page, "sneaker-01")


def test_the_cart_keeps_only_catalogue_products_and_sane_quantities(client, demo_shop):
    client.post("/checkout/cart", data={"qty-sneaker-01": "2", "qty-cap-07": "-3", "qty-tee-05": "lots",
                                        "qty-hack": "5", "qty-hoodie-06": "1000"})
    page = client.get("/checkout").text
    assert re.findall(r'<tr data-line="([^"]+)"', page) == ["sneaker-01", "hoodie-06"]
    assert re.search(r'<tr data-line="hoodie-06">.*?class="cg-num">99<', page, re.S)


def test_an_empty_cart_says_so(client, demo_shop):
    assert "Your cart is empty" in client.get("/checkout").text


def test_what_shoppers_type_is_shown_as_text(client, demo_shop):
    sign_in(client, "<script>alert(1)</script>@example.com")
    page = client.get("/checkout").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;@example.com" in page


def test_the_seeded_demo_shop_prices_its_vip_customers(client):
    # given: the real seed, 300 customers and the rules
    shop, _ = seed("Demo Shop")
    assert {rule["id"] for rule in rules.export_rules(shop)} == {rule["id"] for rule in RULES}
    vip = session().scalar(select(Group).where(Group.shop_id == shop.id, Group.key == "vip"))
    member = members.page_of_members(vip, after=None, limit=1)[0][0].customer
    # when: the member shops (seeded customers' ids are demo-NNNN, not emails, so the session is set directly)
    buy(client, hoodie_06=1)
    with client.session_transaction() as host_session:
        host_session["customer_email"] = member.external_id
    # then
    assert "VIP 15% −8.85" in line(client.get("/checkout").text, "hoodie-06")


def test_the_storefront_links_to_the_checkout(client, demo_shop):
    assert 'href="/checkout"' in client.get("/").text
