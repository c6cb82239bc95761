"""``flask customer-groups …``: init-db, create-shop; bad input is one line and exit code 2."""
from __future__ import annotations

import json

from sqlalchemy import select

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
