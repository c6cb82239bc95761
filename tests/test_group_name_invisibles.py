"""A group name refuses every character that shows nothing, not only the zero-width space:
"V\u00adIP" (a soft hyphen) was a second group that looked exactly like "VIP"."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("name", [
    "V\u00adIP",  # soft hyphen: shown only where a line breaks
    "V\u034fIP",  # combining grapheme joiner
    "V\u180eIP",  # Mongolian vowel separator
    "V\u2028IP", "V\u2029IP",  # line and paragraph separators: line breaks
    "V\u2061IP", "V\u2063IP",  # invisible function application, invisible separator
    "V\u3164IP", "V\uffa0IP", "\u115fVIP",  # Hangul fillers: letters that show nothing
])
def test_a_name_with_a_character_that_shows_nothing_is_refused(shop, name):
    response = shop.post("/groups", json={"name": name})
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["error"]["fields"]) == ["name"]


@pytest.mark.parametrize("name", ["\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\U0001f469\u200d\U0001f4bb club",
                                  "\u2764\ufe0f fans", "\u05e9\u05dc\u05d5\u05dd\u200f"])
def test_joiners_variation_selectors_and_direction_marks_stay_allowed(shop, name):
    assert shop.post("/groups", json={"name": name}).status_code == 201
