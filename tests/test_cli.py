"""``flask customer-groups …``: init-db, create-shop; bad input is one line and exit code 2."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from examples.demo_shop import create_app

from plugin.db import session
from plugin.models import ApiKey, Group, Shop


def test_init_db_is_idempotent(app):
    result = app.test_cli_runner().invoke(args=["customer-groups", "init-db"])
    assert result.exit_code == 0, result.output


def test_create_shop_prints_json_and_stores_only_the_key_hash(app):
    result = app.test_cli_runner().invoke(
        args=["customer-groups", "create-shop", "--name", "Salon Ana", "--currency", "RON", "--timezone", "Europe/Bucharest"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["name"] == "Salon Ana" and printed["api_key"].startswith("cg_")
    shop = session().get(Shop, printed["id"])
    assert (shop.currency, shop.timezone, shop.plan) == ("RON", "Europe/Bucharest", "pro")
    stored = session().scalars(select(ApiKey.key_hash).where(ApiKey.shop_id == shop.id)).all()
    assert len(stored) == 1 and printed["api_key"] not in stored[0]
    keys = set(session().scalars(select(Group.key).where(Group.shop_id == shop.id)))
    assert {"standard", "guests", "lapsing-regulars", "birthdays-soon"} <= keys


def test_the_new_key_works_on_the_api(app, client):
    result = app.test_cli_runner().invoke(args=["customer-groups", "create-shop", "--name", "Keyed"])
    api_key = json.loads(result.stdout)["api_key"]
    response = client.get("/api/customer-groups/v1/groups", headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 200


def test_bad_input_is_one_line_and_exit_code_2(app):
    runner = app.test_cli_runner()
    for args in (["--name", "X", "--currency", "EURO"], ["--name", "X", "--plan", "gold"],
                 ["--name", "X", "--timezone", "Mars/Olympus"], []):
        result = runner.invoke(args=["customer-groups", "create-shop", *args])
        assert result.exit_code == 2, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert session().scalar(select(Shop.id)) is None


def test_a_duplicate_shop_name_is_refused(app, shop):
    result = app.test_cli_runner().invoke(args=["customer-groups", "create-shop", "--name", shop.shop.name])
    assert result.exit_code == 2
    assert "exists already" in result.stderr


@pytest.fixture
def bare_app(database_url, tmp_path):
    """An app on a database the plugin's tables were never created in (a fresh SQLite file, or
    an empty schema first on PostgreSQL's search path)."""
    if database_url.startswith("sqlite"):
        yield create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'bare.db'}", "TESTING": True})
        return
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS bare CASCADE; CREATE SCHEMA bare"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": "-c search_path=bare"}}})
    yield app
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA bare CASCADE"))
    engine.dispose()


@pytest.mark.parametrize("args", [
    ["create-shop", "--name", "Early"], ["refresh"], ["members", "standard"],
    ["import-customers", __file__], ["schedule-refresh", "--every", "1", "--rounds", "1"],
])
def test_a_command_before_init_db_says_to_run_init_db(bare_app, args):
    with bare_app.app_context():
        result = bare_app.test_cli_runner().invoke(args=["customer-groups", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        "error: the database has no Customer Groups tables; run `flask customer-groups init-db` first"]
