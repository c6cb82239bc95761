"""manifest.json names what the code really provides: version, entry point, hooks, menu, API."""
from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

from blinker import Signal

import plugin
from examples.demo_shop import create_app
from plugin import config, signals
from plugin.config import API_PREFIX, ADMIN_PREFIX
from plugin.models.shop import PLANS

MANIFEST = json.loads((Path(__file__).parents[1] / "manifest.json").read_text())


def _resolve(reference: str):
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


def test_manifest_matches_the_code():
    assert MANIFEST["version"] == plugin.__version__
    assert _resolve(MANIFEST["entry_point"]) is plugin.CustomerGroups
    assert set(MANIFEST["required_plans"]) <= set(PLANS) - {"free"}
    assert set(MANIFEST["required_plans"]) == set(config.PLANS_WITH_ACCESS)
    assert MANIFEST["api"]["prefix"] == API_PREFIX
    assert MANIFEST["admin_menu"][0]["url"].rstrip("/") == ADMIN_PREFIX
    for hook in MANIFEST["hooks"].values():
        assert callable(_resolve(hook["python"]))


def test_the_manifest_lists_every_event_the_plugin_listens_to():
    routes = {f"{method} {rule.rule}" for rule in create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).url_map.iter_rules()
              if rule.rule.startswith(f"{API_PREFIX}/events/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(hook["python"], hook["http"]) for hook in MANIFEST["hooks"].values()}
    # each route's in-process twin (README: the host calls one or the other)
    assert listed == {
        ("plugin.hooks:customer_registered", f"POST {API_PREFIX}/events/customers"),
        ("plugin.hooks:customers_registered", f"POST {API_PREFIX}/events/customers/batch"),
        ("plugin.hooks:activity_recorded", f"POST {API_PREFIX}/events/activities"),
    }
    assert {http for _python, http in listed} == routes


def test_the_manifest_names_every_setting_the_code_reads_and_no_other():
    assert set(MANIFEST["config"]) == set(config.DEFAULTS) | {"DATABASE_URL"}
    assert MANIFEST["migrations"]["version_table"] == config.VERSION_TABLE


def test_the_manifest_names_the_signals_a_host_can_subscribe_to():
    assert set(MANIFEST["signals"]) == {value.name for value in vars(signals).values() if isinstance(value, Signal)}


def test_the_readme_configuration_table_names_every_setting(monkeypatch):
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert {key for key in config.DEFAULTS if f"`{key}`" not in table} == set()
    # and a setting the demo reads from an environment variable of another name is set by that variable there
    renamed = re.findall(r"^\| `(\w+)` \(in the demo, the environment variable `(\w+)`\)", table, re.M)
    assert renamed == [("CUSTOMER_GROUPS_REDIS_URL", "REDIS_URL")]
    for setting, variable in renamed:
        monkeypatch.setenv(variable, f"set by {variable}")
        assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config[setting] == f"set by {variable}"
