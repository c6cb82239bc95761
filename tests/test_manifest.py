"""manifest.json names what the code really provides: version, entry point, hooks, menu, API."""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import plugin
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
    assert MANIFEST["api"]["prefix"] == API_PREFIX
    assert MANIFEST["admin_menu"][0]["url"].rstrip("/") == ADMIN_PREFIX
    for hook in MANIFEST["hooks"].values():
        assert callable(_resolve(hook["python"]))
