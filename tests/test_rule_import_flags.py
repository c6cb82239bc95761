"""POST /rules/import's ``replace`` is JSON's true or false only, as ``is_default`` and the opt-ins
are (review of 4f18c25): "yes", 1 or "1" read as true dropped every rule the file did not name."""
from __future__ import annotations

import pytest

from .test_rules_api import VIP_SHOES, vip_shop  # noqa: F401  (fixture)


@pytest.mark.parametrize("replace", ["yes", 1, "1", "true", 0, "false"])
def test_replace_that_is_not_a_json_boolean_is_refused_and_nothing_is_dropped(vip_shop, replace):
    vip_shop.post("/rules", json=VIP_SHOES)
    vip_shop.post("/rules", json={**VIP_SHOES, "id": "r2"})
    response = vip_shop.post("/rules/import", json={"rules": [VIP_SHOES], "replace": replace})
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"] == {"replace": ["must be true or false"]}
    assert [rule["id"] for rule in vip_shop.get("/rules").json["items"]] == ["r1", "r2"]
