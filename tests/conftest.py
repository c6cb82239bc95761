"""A tiny host app through the real factory, on SQLite always and on PostgreSQL when configured."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from examples.demo_shop import create_app
from plugin import migrate
from plugin.db import metadata, session
from plugin.models import Customer, Group, Shop
from plugin.services import customers, groups, members, shops

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _postgres_reachable(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def pytest_sessionstart(session) -> None:
    if os.environ.get("REQUIRE_POSTGRES") == "1" and not (POSTGRES_URL and _postgres_reachable(POSTGRES_URL)):
        pytest.exit(f"REQUIRE_POSTGRES=1 but PostgreSQL at {POSTGRES_URL or '(TEST_DATABASE_URL unset)'} "
                    "is not reachable", returncode=3)


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory) -> str:
    """A migrated database for the whole session: built by our Alembic migrations, not create_all."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = POSTGRES_URL
        _reset_postgres(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        migrate.upgrade()
        app.extensions["sqlalchemy"].engine.dispose()
    return url


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def app(database_url):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "shop.test",
    })
    with app.app_context():
        yield app
        session().rollback()
        with session().begin():
            for table in reversed(metadata.sorted_tables):
                session().execute(table.delete())
        session().remove()
        app.extensions["sqlalchemy"].engine.dispose()


@dataclass
class ShopHandle:
    """A shop and its API key, with helpers to call the API as that shop."""

    shop: Shop
    api_key: str
    client: Any

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def get(self, path: str, **kwargs):
        return self.client.get(api_path(path), headers=self.headers, **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return self.client.post(api_path(path), json=json, headers=self.headers, **kwargs)

    def patch(self, path: str, json=None, **kwargs):
        return self.client.patch(api_path(path), json=json, headers=self.headers, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.client.delete(api_path(path), headers=self.headers, **kwargs)


def api_path(path: str) -> str:
    return "/api/customer-groups/v1" + path


@pytest.fixture
def make_shop(app, client):
    def make(name: str = "Shop A", *, plan: str = "pro", currency: str = "EUR", timezone: str = "UTC") -> ShopHandle:
        shop, api_key = shops.create_shop(name, plan=plan, currency=currency, timezone=timezone)
        return ShopHandle(shop, api_key, client)
    return make


@pytest.fixture
def shop(make_shop) -> ShopHandle:
    return make_shop()


@pytest.fixture
def make_group():
    def make(shop: Shop, name: str, **fields) -> Group:
        group = groups.create_group(shop, {"name": name, **fields})
        session().commit()
        return group
    return make


@pytest.fixture
def make_customer():
    def make(shop: Shop, external_id: str, **fields) -> Customer:
        customer, _ = customers.register_customer(shop, {"external_id": external_id, **fields})
        session().commit()
        return customer
    return make


@pytest.fixture
def admin(client):
    """Signs in to the demo host's admin as the admin of a given shop, like flaskr's ``auth``."""
    class Admin:
        def login(self, shop: Shop, email: str = "admin@demo.shop") -> None:
            with client.session_transaction() as host_session:
                host_session["demo_admin"] = {"email": email, "shop_id": shop.id}
    return Admin()


def group_keys(shop: Shop, customer: Customer) -> list[str]:
    return members.group_keys_of(shop, customer.id)
