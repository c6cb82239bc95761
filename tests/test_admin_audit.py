"""Defects found by the admin UI audit (escaping, CSRF, pages without JavaScript, mistakes shown
next to their field), each pinned by the test that failed before its fix."""
from __future__ import annotations

import re

import pytest

from plugin.services import groups

from .test_admin_rules import RULES, cart, priced_shop, signed_in  # noqa: F401  (fixtures)
from .test_admin_ui import ADMIN, field_error


def test_a_too_long_member_search_is_explained_under_the_search_box(client, shop, admin, make_group, make_customer):
    # given a static group and a customer the search would find
    group = make_group(shop.shop, "VIP")
    make_customer(shop.shop, "c-1", first_name="Ana")
    admin.login(shop.shop)
    typed = "Ana " + "x" * 200
    # when the admin searches with more than the 128 characters a search takes
    response = client.get(f"{ADMIN}/{group.key}", query_string={"q": typed})
    # then the group page comes back with the typed text and the reason under the box (it was a bare 400)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "128" in field_error(page, "q")
    assert f'value="{typed}"' in page
    assert 'id="members-title"' in page


def test_a_hand_edited_page_argument_is_refused_in_words_not_as_a_python_dict(client, shop, admin, make_group):
    group = make_group(shop.shop, "VIP")
    admin.login(shop.shop)
    response = client.get(f"{ADMIN}/{group.key}", query_string={"after": "abc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "after: Not a valid integer." in page
    assert "{" not in page.split("<body", 1)[-1] and "[&#39;" not in page


@pytest.mark.parametrize("path", ["/", "/new", "/vip/delete", "/rules/", "/customers/", "/nope"])
def test_other_sites_may_not_frame_the_admin_pages(client, shop, admin, make_group, path):
    # no header said who may frame the pages: any site could overlay a signed-in admin's Delete button
    make_group(shop.shop, "VIP")
    admin.login(shop.shop)
    response = client.get(f"{ADMIN}{path}")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"



def test_enter_in_the_simulators_customer_search_searches(client, priced_shop):
    # Enter presses the form's first, hidden button: it simulated, so a typed search was lost
    # under "Add at least one line to the cart."
    # given the admin typed a search and nothing else
    typed = cart(customer_q="vera@", action="enter")
    # when Enter sends the form
    page = client.post(f"{RULES}/simulate", data=typed).text
    # then the customers found are listed, and the page remembers the search it shows
    assert 'data-result="c-vip"' in page
    assert "Add at least one line" not in page
    assert 'name="customer_q_shown" type="hidden" value="vera@"' in page


def test_enter_after_the_search_simulates(client, priced_shop):
    # given the search's results are shown and the admin fills the cart
    typed = cart(("sneaker", "shoes", "100.00", "1"), customer_q="vera@", customer_q_shown="vera@",
                 groups=["vip"], action="enter")
    # when Enter sends the form
    page = client.post(f"{RULES}/simulate", data=typed).text
    # then the cart is priced
    assert 'id="result"' in page
    assert 'data-result="c-vip"' not in page


@pytest.mark.parametrize("typed, message", [
    ("Cafe\u0301", "already taken"),  # the same name with its accent as a combining character
    ("Caf\u200be\u0301", "invisible"),  # ... and a zero-width space
    ("Café\tclub", "a tab"),
])
def test_a_name_that_looks_like_another_is_explained_under_the_name(client, shop, admin, make_group, typed, message):
    # given a group "Café" (é composed, as most keyboards type it)
    make_group(shop.shop, "Café")
    admin.login(shop.shop)
    # when the admin creates a group whose name looks the same, or holds a tab
    response = client.post(f"{ADMIN}/new", data={"name": typed, "colour": "#112233", "colour_shown": "#112233"})
    # then the form comes back with the reason under the name, and no second "Café"
    assert response.status_code in (409, 422)
    assert message in field_error(response.get_data(as_text=True), "name")
    assert [group.name for group in groups.list_groups(shop.shop)].count("Café") == 1


def test_a_name_typed_decomposed_is_stored_composed(shop):
    response = shop.post("/groups", json={"name": "Cafe\u0301 noir"})
    assert response.status_code == 201
    assert response.get_json()["name"] == "Café noir"


@pytest.mark.parametrize("low, high", [("spent_min", "spent_max"), ("visits_min", "visits_max")])
def test_an_at_most_below_its_at_least_is_explained_under_it(client, shop, admin, low, high):
    # "spent at least 500, at most 50" listed "0 customers" with no word why
    admin.login(shop.shop)
    response = client.get(f"{ADMIN}/customers/", query_string={low: "5", high: "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "must not be less than" in field_error(page, high)
    assert field_error(page, low) == ""
    assert client.get(f"{ADMIN}/customers/", query_string={low: "5", high: "5"}).status_code == 200


def test_the_search_boxes_stop_where_the_search_does(client, shop, admin, make_group):
    # the Customers page searched only the first 128 characters of a longer text, silently
    group = make_group(shop.shop, "VIP")
    admin.login(shop.shop)
    for path in ["/customers/", f"/{group.key}"]:
        page = client.get(f"{ADMIN}{path}").get_data(as_text=True)
        assert re.search(r'<input[^>]*maxlength="128"[^>]*name="q"|<input[^>]*name="q"[^>]*maxlength="128"', page), path
