"""Headless chromium over what the admin UI audit found: text typed by admins or sent through
the API (script payloads, one-word names wider than a phone) shown as typed, run nowhere, and
never widening a page."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from plugin.db import session
from plugin.hooks import activity_recorded
from plugin.services import customers, groups, members, rules, shops

from .browser_support import ADMIN, browser, chromium, serve_demo  # noqa: F401  (fixtures)
from .browser_support import log_in

pytestmark = pytest.mark.browser

PAYLOAD = '"><img src=x onerror=alert(1)>{{7*7}}<script>alert(2)</script>'
#: The longest group name there is, as one word.
LONG_NAME = "W" * 64
#: The longest external id and first name the API takes, as one word each.
LONG_ID, LONG_FIRST = "L" * 128, "F" * 128


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    with serve_demo(tmp_path_factory, _seed, name="audit") as url:
        yield url


def _seed(shop_name: str) -> None:
    shop, _api_key = shops.create_shop(shop_name, plan="pro")
    hostile, _ = customers.register_customer(shop, {
        "external_id": "x-1", "first_name": PAYLOAD, "last_name": "javascript:alert(3)", "city": PAYLOAD,
        "email": "x1@example.com", "tags": [PAYLOAD], "card_number": "<b>card</b>",
    })
    wide, _ = customers.register_customer(shop, {
        "external_id": LONG_ID, "first_name": LONG_FIRST, "email": "e" * 60 + "@" + "x" * 60 + ".com",
    })
    activity_recorded(shop.id, {
        "external_id": "o-1", "customer_external_id": "x-1", "amount": "10", "location": PAYLOAD,
        "product_ids": [PAYLOAD],
    })
    hostile_group = groups.create_group(shop, {"name": "Hostile " + PAYLOAD[:40], "description": PAYLOAD})
    long_group = groups.create_group(shop, {"name": LONG_NAME, "description": "D" * 300})
    members.add_members(shop, hostile_group, [hostile.id], source="manual", actor="seed")
    members.add_members(shop, long_group, [wide.id, hostile.id], source="manual", actor="seed")
    rules.create_rule(shop, {"id": "hostile", "name": PAYLOAD, "kind": "discount", "groups": [hostile_group.key, long_group.key],
                             "value": {"type": "percent", "amount": "5"}})
    session().commit()


@pytest.mark.parametrize("width", [390, 1280])
def test_one_word_names_wider_than_the_screen_do_not_widen_the_page(browser, demo_url, width):
    # a 64-letter group name, a 128-letter customer name and id: the group page, its edit and
    # delete pages, the "why" page, the member search and the rule chips scrolled sideways
    page = browser.new_page(viewport={"width": width, "height": 800})
    log_in(page, demo_url)
    group = next(key for key in _group_keys(page, demo_url) if key.startswith("www"))
    for path in [f"/{group}", f"/{group}/edit", f"/{group}/delete", f"/{group}/why/{LONG_ID}",
                 f"/{group}?q={LONG_FIRST[:20]}", "/rules/", "/rules/new", "/rules/simulate"]:
        response = page.goto(f"{demo_url}{ADMIN}{path}")
        assert response.status == 200, path
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow == 0, f"{path} is {overflow}px wider than a {width}px screen"
    page.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_script_payloads_from_the_api_and_the_forms_show_as_typed_and_never_run(browser, demo_url, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    dialogs, failures = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("response", lambda response: response.status >= 500 and failures.append(response.url))
    log_in(page, demo_url)
    hostile = next(key for key in _group_keys(page, demo_url) if key.startswith("hostile"))
    for path in ["/", f"/{hostile}", f"/{hostile}/edit", f"/{hostile}/delete", f"/{hostile}/why/x-1",
                 f"/{hostile}?q=%3C", "/rules/", "/rules/hostile/edit", "/rules/hostile/delete",
                 "/customers/?q=%22", "/customers/?tags=" + PAYLOAD, "/customers/?locations=" + PAYLOAD]:
        page.goto(f"{demo_url}{ADMIN}{path}")
        assert page.locator("img[src=x]").count() == 0, path
    page.goto(f"{demo_url}{ADMIN}/{hostile}")
    assert PAYLOAD in page.inner_text("main")
    page.goto(f"{demo_url}{ADMIN}/rules/")
    assert PAYLOAD in page.inner_text("main")
    assert dialogs == [] and failures == []
    context.close()


def _group_keys(page, demo_url: str) -> list[str]:
    page.goto(f"{demo_url}{ADMIN}/")
    return page.eval_on_selector_all("tr[data-group]", "rows => rows.map(row => row.dataset.group)")


def test_a_page_of_another_site_cannot_frame_the_admin(browser, demo_url):
    # given a page served on another port of the same host (another origin, but the same site,
    # so the browser sends the admin's session cookie along) that frames the groups table
    page = browser.new_page()
    log_in(page, demo_url)
    framing = Response(f'<iframe id="admin" src="{demo_url}{ADMIN}/"></iframe>', mimetype="text/html")
    server = make_server("127.0.0.1", 0, framing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_port}/")
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    # then the browser refuses to show the groups table inside it
    framed = next(frame for frame in page.frames if frame != page.main_frame)
    assert framed.url != f"{demo_url}{ADMIN}/"
    assert page.frame_locator("#admin").locator("#groups").count() == 0
    page.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_enter_in_the_simulators_customer_search_lists_the_customers(browser, demo_url, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    log_in(page, demo_url)
    page.goto(f"{demo_url}{ADMIN}/rules/simulate")
    page.fill("#customer_q", "x1@example")
    page.press("#customer_q", "Enter")
    page.wait_for_load_state()
    assert page.locator('[data-result="x-1"]').count() == 1
    assert page.locator(".cg-alert").count() == 0
    context.close()
