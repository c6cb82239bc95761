"""Headless chromium drives the demo shop: log in, create a coloured group, see it in the table."""
from __future__ import annotations

import random

import pytest

from plugin.db import session
from plugin.services import customers, groups, members, shops

from .browser_support import SCREENSHOTS, browser, chromium, serve_demo  # noqa: F401  (fixtures)
from .browser_support import log_in as _log_in

pytestmark = pytest.mark.browser

FIRST_NAMES = ["Ana", "Bogdan", "Carmen", "Dan", "Elena", "Florin", "Gabriela", "Horia", "Ioana", "Mihai"]
LAST_NAMES = ["Popescu", "Ionescu", "Marin", "Stan", "Dumitru", "Radu"]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    """The demo shop served on a free localhost port, on its own SQLite file, seeded like a small shop."""
    with serve_demo(tmp_path_factory, _seed, name="browser") as url:
        yield url


def _seed(shop_name: str) -> None:
    """A deterministic handful of customers and groups, so the screenshots look like a real shop."""
    shop, _api_key = shops.create_shop(shop_name, plan="pro")
    pick = random.Random(7)
    ids = []
    for n in range(48):
        first, last = pick.choice(FIRST_NAMES), pick.choice(LAST_NAMES)
        customer, _ = customers.register_customer(shop, {
            "external_id": f"demo-{n:03}", "first_name": first, "last_name": last,
            "email": f"{first}.{last}{n}@example.com".lower(), "phone": f"+40722{n:06}", "card_number": f"C{n:05}",
        })
        ids.append(customer.id)
    for name, colour, description, share in [
        ("VIP", "#D97706", "Spent over 2,000 EUR in the last 12 months.", 9),
        ("Wholesale", "#0891B2", "Trade accounts with net-30 invoices.", 6),
        ("Newsletter", "#DB2777", "Signed up for the monthly newsletter.", 21),
    ]:
        group = groups.create_group(shop, {"name": name, "colour": colour, "description": description})
        members.add_members(shop, group, pick.sample(ids, share), source="manual", actor="seed")
    session().commit()


def test_create_a_coloured_group_and_see_it_in_the_table(browser, demo_url):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    _log_in(page, demo_url)
    expect(page.locator("h1")).to_have_text("Customer groups")
    # when: creating a group with a colour
    page.click("text=Create group")
    page.fill("#name", "Wholesale partners")
    page.fill("#colour_picker", "#16a34a")
    expect(page.locator("#colour")).to_have_value("#16A34A")  # the enhancement keeps the hex in step
    page.fill("#description", "Resellers with their own price list.")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "group-form.png"), full_page=True)
    page.click("text=Save group")
    # then: its page, then the table with its swatch
    expect(page.locator("h1")).to_have_text("Wholesale partners")
    expect(page.locator(".cg-flash")).to_have_text("Created Wholesale partners.")
    page.click("text=← Groups")
    row = page.locator('tr[data-group="wholesale-partners"]')
    expect(row).to_contain_text("Wholesale partners")
    expect(row.locator(".cg-swatch")).to_have_css("background-color", "rgb(22, 163, 74)")
    expect(row.locator("text=Delete")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "groups.png"), full_page=True)
    page.close()


def test_the_pages_work_without_javascript(browser, demo_url):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _log_in(page, demo_url)
    # when: creating a group with only the colour picker touched
    page.goto(f"{demo_url}/admin/crm/groups/new")
    page.fill("#name", "Picked without JS")
    page.fill("#colour_picker", "#7c3aed")
    page.click("text=Save group")
    # then
    expect(page.locator("h1")).to_have_text("Picked without JS")
    expect(page.locator(".cg-stats")).to_contain_text("#7C3AED")
    # when: adding a customer found by phone, then deleting the group after confirming
    page.fill("#q", "+40722000004")
    page.click("button:has-text('Search')")
    page.click("[data-result='demo-004'] button:has-text('Add')")
    expect(page.locator("#group-size")).to_have_text("1")
    page.click("text=Delete")
    expect(page.locator("#impact")).to_contain_text("0 customers")
    page.click("button:has-text('Delete group')")
    expect(page.locator(".cg-flash")).to_have_text("Deleted Picked without JS; 0 customers moved to Standard.")
    context.close()


@pytest.mark.parametrize("width", [320, 360, 390])
def test_on_a_phone_no_page_scrolls_sideways(browser, demo_url, width):
    # the top bar's links and avatar were wider than a phone: every page scrolled sideways; at
    # 320px so did a group's actions, the Customers page's dates and the rule form's rows table
    page = browser.new_page(viewport={"width": width, "height": 800})
    _log_in(page, demo_url)
    for path in ["/", "/vip", "/new", "/customers/", "/rules/", "/rules/new", "/imports/", "/segments/new"]:
        page.goto(f"{demo_url}/admin/crm/groups{path}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow == 0, f"{path} is {overflow}px wider than a {width}px screen"
    page.close()
