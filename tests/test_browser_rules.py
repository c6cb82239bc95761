"""Headless chromium drives the rules pages and the demo checkout: create a discount rule for a group,
simulate a checkout and see the discounted total; a shopper sees their group's prices."""
from __future__ import annotations

import pytest

from examples.demo_shop.seed import seed

from .browser_support import browser, chromium, serve_demo  # noqa: F401  (fixtures)
from .browser_support import log_in as _log_in
from .browser_support import screenshot as _screenshot

pytestmark = pytest.mark.browser

RULES = "/admin/crm/groups/rules"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    """The demo shop, seeded as ``make demo`` seeds it (groups, 300 customers, rules), on a free localhost port."""
    with serve_demo(tmp_path_factory, seed, name="browser-rules") as url:
        yield url


def _fill_line(page, row: int, product_id: str, categories: str, price: str, quantity: str) -> None:
    for name, value in (("product_id", product_id), ("categories", categories), ("unit_price", price),
                        ("quantity", quantity)):
        page.fill(f"#lines-{row}-{name}", value)


def test_create_a_discount_rule_for_a_group_and_simulate_the_checkout(browser, demo_url):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _log_in(page, demo_url)
    page.goto(f"{demo_url}{RULES}/")
    expect(page.locator("h1")).to_have_text("Pricing rules")
    expect(page.locator('tr[data-rule="vip-15"] .cg-chip-dot')).to_have_css("background-color", "rgb(217, 119, 6)")
    _screenshot(page, "rules-list.png")
    # when: a discount rule for the Newsletter group, through the form
    page.click("text=Create rule")
    page.fill("#name", "Newsletter 10% on apparel")
    expect(page.locator("section[data-kinds='gift']")).to_be_hidden()  # the optional script shows one kind
    page.check("input[name=groups][value=newsletter]")
    page.fill("#value_amount", "10")
    page.fill("#categories", "apparel")
    page.fill("#ends_at", "2030-12-31T23:59")
    _screenshot(page, "rules-form.png")
    page.click("button:has-text('Create rule')")
    # then: it is listed with the group's chip
    expect(page.locator(".cg-flash")).to_have_text("Created Newsletter 10% on apparel.")
    row = page.locator('tr[data-rule="newsletter-10-on-apparel"]')
    expect(row).to_contain_text("−10%")
    expect(row.locator('[data-chip="newsletter"]')).to_have_text("Newsletter")
    # when: simulating a cart for the group
    page.click(".cg-subnav >> text=Simulate checkout")
    page.check("input[name=groups][value=newsletter]")
    _fill_line(page, 0, "hoodie-06", "apparel", "59.00", "2")
    _fill_line(page, 1, "cap-07", "accessories", "19.00", "1")
    page.click("button:has-text('Simulate checkout')")
    # then: the discounted total, the adjustment and why the other rules did not apply
    expect(page.locator("#total")).to_have_text("Total 125.20 EUR")
    expect(page.locator('tr[data-line="l1"]')).to_contain_text("Newsletter 10% on apparel")
    expect(page.locator('tr[data-line="l1"]')).to_contain_text("−11.80")
    expect(page.locator("#trace")).to_contain_text(
        "Free tote over 100 skipped: only for groups standard, and the customer is in none of them")
    _screenshot(page, "simulate.png")
    page.close()


def test_the_rules_pages_work_without_javascript(browser, demo_url):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, demo_url)
    # when: a gift rule, every kind's section showing
    page.goto(f"{demo_url}{RULES}/new")
    expect(page.locator("section[data-kinds='bundle']")).to_be_visible()
    page.fill("#name", "Staff mug")
    page.check("input[name=kind][value=gift]")
    page.check("input[name=groups][value=staff]")
    page.fill("#trigger_min_subtotal", "20")
    page.fill("#gift_product_id", "mug")
    page.fill("#gift_name", "Staff mug")
    page.fill("#value_amount", "150")  # a field of another kind: ignored
    page.click("button:has-text('Create rule')")
    expect(page.locator('tr[data-rule="staff-mug"]')).to_contain_text("1 × Staff mug free")
    # when: disabled with the switch, then deleted after confirming
    page.click('tr[data-rule="staff-mug"] button[role=switch]')
    expect(page.locator('tr[data-rule="staff-mug"] button[role=switch]')).to_have_attribute("aria-checked", "false")
    page.click('tr[data-rule="staff-mug"] >> text=Delete')
    expect(page.locator("h1")).to_have_text("Delete Staff mug?")
    page.click("button:has-text('Delete rule')")
    expect(page.locator(".cg-flash")).to_have_text("Deleted Staff mug.")
    expect(page.locator('tr[data-rule="staff-mug"]')).to_have_count(0)
    # when: the simulator finds a customer by email and prices their cart
    page.goto(f"{demo_url}{RULES}/simulate")
    _fill_line(page, 0, "tee-05", "apparel", "24.00", "1")
    page.fill("#customer_q", "nobody-matches-this")
    page.click("button:has-text('Search')")
    expect(page.locator(".cg-muted", has_text="No customer matches")).to_be_visible()
    expect(page.locator("#lines-0-product_id")).to_have_value("tee-05")
    page.fill("#customer_id", "")
    page.click("button:has-text('Simulate checkout')")
    expect(page.locator("#total")).to_have_text("Total 25.20 EUR")  # a guest: +5%
    context.close()


def test_a_shopper_sees_their_groups_prices_at_checkout(browser, demo_url):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # given: a shopper registers on the storefront and fills a cart
    page.goto(f"{demo_url}/")
    page.fill("#first_name", "Vera")
    page.fill("#last_name", "Popa")
    page.fill("#email", "vera.popa@example.com")
    page.click("button:has-text('Register')")
    page.click("text=Checkout")
    page.fill("#qty-sneaker-01", "1")
    page.fill("#qty-socks-03", "2")
    page.fill("#qty-hoodie-06", "1")
    page.click("button:has-text('Update cart')")
    expect(page.locator('tr[data-line="hoodie-06"]')).to_contain_text("Guest price +5%")
    page.fill("#email", "Vera.Popa@example.com")
    page.click("button:has-text('Sign in')")
    expect(page.locator('tr[data-line="sneaker-01"]')).to_contain_text("Sneakers + 2 socks for 99")
    # when: the admin puts her in VIP
    _log_in(page, demo_url)
    page.goto(f"{demo_url}/admin/crm/groups/vip?q=vera.popa")
    page.click("[data-result='vera.popa@example.com'] button:has-text('Add')")
    # then: the next checkout page shows the VIP discount, explained
    page.goto(f"{demo_url}/checkout")
    expect(page.locator('tr[data-line="hoodie-06"]')).to_contain_text("VIP 15%")
    expect(page.locator('tr[data-line="hoodie-06"]')).to_contain_text("−8.85")
    expect(page.locator("#priced-as")).to_contain_text("VIP")
    expect(page.locator("#total")).to_have_text("Total 149.15 EUR")
    expect(page.locator('tr[data-gift="tote-bag"]')).to_contain_text("Canvas tote bag")
    _screenshot(page, "checkout.png")
    page.close()
