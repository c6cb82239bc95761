"""What the browser tests share: headless chromium through Playwright, the demo shop served on a
free localhost port from its own SQLite file, logging in, and screenshots for ``docs/``.

A browser test module imports the fixtures it uses (``chromium``, ``browser``) and builds its own
``demo_url`` fixture with ``serve_demo(tmp_path_factory, seed)``.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from examples.demo_shop import create_app
from plugin import migrate

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
ADMIN = "/admin/crm/groups"


@pytest.fixture(scope="module")
def chromium() -> str:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but there is no {CHROMIUM}")
        pytest.skip(f"no {CHROMIUM}")
    return CHROMIUM


@pytest.fixture
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def serve_demo(tmp_path_factory, seed: Callable[[str], Any], *, name: str = "browser") -> Iterator[str]:
    """The demo shop on its own SQLite file, migrated, ``seed(shop name)`` run in an app context,
    served on a free localhost port until the block ends."""
    database = tmp_path_factory.mktemp(name) / "demo.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "browser-test"})
    with app.app_context():
        migrate.upgrade()
        seed(app.config["DEMO_SHOP_NAME"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()


def log_in(page, demo_url: str) -> None:
    page.goto(f"{demo_url}/login")
    page.fill("#email", "admin@demo.shop")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo_url}{ADMIN}/")


def screenshot(page, name: str) -> None:
    """The whole page from the top (scrolled, the sticky top bar would be drawn mid-page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
