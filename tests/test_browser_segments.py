"""Headless chromium builds a segment in the form (rows, Add row, Not, Preview's live count), saves
it, reads the segment's page, chart and why; then the Customers page; with and without JavaScript."""
from __future__ import annotations

import csv
import io
import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from examples.demo_shop.seed import seed
from plugin.db import session
from plugin.imports import import_activities
from plugin.models import Customer, MembershipEvent, Shop
from plugin.models._columns import utcnow

from .browser_support import ADMIN, browser, chromium, log_in, screenshot, serve_demo  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

LOCATIONS = ["Centre", "Mall", "Airport"]
AMOUNTS = ["18.00", "25.00", "32.50", "45.00", "60.00", "85.00", "120.00"]


def seed_with_history(name: str) -> None:
    """The demo shop, plus a year and a half of orders and appointments imported from a CSV, and
    the groups' entries spread over the last four months so the size charts have a history."""
    shop, _api_key = seed(name)
    shop = session().scalar(select(Shop).where(Shop.name == name))
    pick = random.Random(11)
    now = utcnow()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["external_id", "customer_external_id", "kind", "status", "occurred_at", "amount",
                     "location", "channel"])
    external_ids = session().scalars(select(Customer.external_id).where(Customer.shop_id == shop.id)
                                     .order_by(Customer.id)).all()
    number = 0
    for external_id in external_ids:
        for _visit in range(pick.choice([0, 0, 1, 1, 2, 3, 3, 4, 5, 7, 10])):
            number += 1
            status = pick.choices(["completed", "cancelled", "no_show"], [88, 8, 4])[0]
            when = now - timedelta(days=pick.randrange(1, 540), hours=pick.randrange(24))
            writer.writerow([f"act-{number}", external_id, "appointment", status, when.isoformat(),
                             pick.choice(AMOUNTS), pick.choice(LOCATIONS), pick.choice(["online", "offline", "offline"])])
        if pick.random() < .15:
            number += 1
            writer.writerow([f"act-{number}", external_id, "appointment", "booked",
                             (now + timedelta(days=pick.randrange(1, 40))).isoformat(), "40.00", "Centre", "online"])
    text.seek(0)
    import_activities(shop, text)
    for event in session().scalars(select(MembershipEvent).where(MembershipEvent.shop_id == shop.id)):
        event.at = now - timedelta(days=pick.triangular(0, 120, 100), minutes=pick.randrange(600))
    session().commit()


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    with serve_demo(tmp_path_factory, seed_with_history, name="browser-segments") as url:
        yield url


def _fill_row(page, row: int, metric: str, op: str, value: str, *, last: str = "", unit: str = "months") -> None:
    page.select_option(f"#rows-{row}-metric", metric)
    page.select_option(f"#rows-{row}-op", op)
    page.fill(f"#rows-{row}-value", value)
    page.fill(f"#rows-{row}-last", last)
    page.select_option(f"#rows-{row}-unit", unit)


def _number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def test_build_a_segment_see_the_live_count_and_save_it(browser, demo_url):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, demo_url)
    expect(page.locator('tr[data-group="lapsing-regulars"] .cg-chip-accent')).to_have_text("Segment")
    page.click("text=Create segment")
    expect(page.locator("h1")).to_have_text("Create segment")
    # when: two rows, the second negated: 2+ visits in 12 months, but not 200 EUR spent in them
    _fill_row(page, 0, "past_count", ">=", "2", last="12")
    page.click("button:has-text('Add row')")
    expect(page.locator(".cg-seg-row")).to_have_count(2)
    _fill_row(page, 1, "total_spent", ">=", "200", last="12")
    page.check("#rows-1-negate")
    page.fill("#name", "Regulars under 200")
    page.fill("#colour", "#0E7490")
    page.click(".cg-seg-actions button:has-text('Preview')")
    # then: the live count and a sample, before anything is saved
    expect(page.locator("#preview-count")).to_be_visible()
    previewed = _number(page.locator("#preview-count").inner_text())
    assert previewed > 0
    expect(page.locator("#preview-sample li")).to_have_count(min(previewed, 10))
    expect(page.locator("#condition_json")).to_have_value(re.compile(r'"not": \{\s+"metric": "total_spent"'))
    screenshot(page, "segment-builder.png")
    # when: saved
    page.click("button:has-text('Save segment')")
    # then: the segment's page with its size, share, condition in words and chart
    expect(page.locator("h1")).to_have_text("Regulars under 200")
    expect(page.locator(".cg-flash")).to_contain_text(f"{previewed:,} customer")
    assert _number(page.locator("#group-size").inner_text()) == previewed
    expect(page.locator("#group-share")).to_contain_text("%")
    expect(page.locator(".cg-seg-words li").first).to_have_text("Past visits in the last 12 months ≥ 2")
    expect(page.locator(".cg-seg-words li").nth(1)).to_have_text("not (Total spent in the last 12 months ≥ 200 EUR)")
    expect(page.locator("#size-chart svg")).to_be_visible()
    # when: asking why the first member is in it
    page.locator("#members a:has-text('Why')").first.click()
    expect(page.locator("#why-member")).to_have_text("Yes")
    expect(page.locator("#why-leaves .cg-check")).to_have_count(2)
    # then: a preset segment with a few months of history, for the docs
    page.goto(f"{demo_url}{ADMIN}/lapsing-regulars?limit=8")
    expect(page.locator(".cg-seg-words li")).to_have_count(3)
    screenshot(page, "segment-page.png")
    page.close()


def test_the_customers_page_filters_and_sorts(browser, demo_url):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, demo_url)
    page.click(".cg-crumbs >> text=Customers")
    expect(page.locator("h1")).to_have_text("Customers")
    everyone = _number(page.locator("#customer-total").inner_text())
    # when: customers with 3 or more visits, who visited the Mall, biggest spenders first
    page.goto(f"{demo_url}{ADMIN}/customers/?per_page=12")
    page.fill("#visits_min", "3")
    page.fill("#locations", "Mall")
    page.select_option("#sort", "-spent")
    page.click("button:has-text('Apply filters')")
    # then: fewer customers, sorted by what they spent, on numbered pages
    narrowed = _number(page.locator("#customer-total").inner_text())
    assert 0 < narrowed < everyone
    expect(page.locator("#filter-words")).to_have_text("Past visits ≥ 3 and At least one past visit at Mall")
    spent = [float(text) for text in page.locator("#customers td[data-label=Spent]").all_inner_texts()]
    assert spent == sorted(spent, reverse=True) and len(spent) == min(narrowed, 12)
    expect(page.locator(".cg-page[aria-current=page]")).to_have_text("1")
    screenshot(page, "customers.png")
    # when: exported as CSV
    with page.expect_download() as download:
        page.click("#export button:has-text('CSV')")
    lines = download.value.path().read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("external_id,") and len(lines) == narrowed + 1
    page.close()


def test_the_builder_works_without_javascript(browser, demo_url):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, demo_url)
    page.goto(f"{demo_url}{ADMIN}/segments/new")
    # when: a row added, then removed again, then the JSON edited by hand
    page.click("button:has-text('Add row')")
    expect(page.locator(".cg-seg-row")).to_have_count(2)
    page.click("button[aria-label='Remove row 2']")
    expect(page.locator(".cg-seg-row")).to_have_count(1)
    page.click("summary:has-text('Condition as JSON')")
    page.fill("#condition_json", '{"metric": "online_count", "op": ">=", "value": 1}')
    page.press("#name", "Enter")  # Enter previews
    # then: the JSON won, and the rows show it
    expect(page.locator("#rows-0-metric")).to_have_value("online_count")
    expect(page.locator("#preview-count")).to_be_visible()
    page.fill("#name", "Booked online")
    page.click("button:has-text('Save segment')")
    expect(page.locator("h1")).to_have_text("Booked online")
    expect(page.locator(".cg-seg-words li")).to_have_text("At least one online visit")
    # when: the condition edited with a bad value
    page.click("text=Edit condition")
    page.fill("#rows-0-value", "many")
    page.click(".cg-seg-actions button:has-text('Save segment')")
    expect(page.locator("#rows-0-value-error")).to_contain_text("must be a whole number")
    context.close()
