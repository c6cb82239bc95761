"""The dynamic groups every shop starts with (SPEC §3): editable copies, made at install."""
from __future__ import annotations

from typing import Any

PRESETS: tuple[dict[str, Any], ...] = (
    {
        "key": "lapsing-regulars", "name": "Lapsing regulars", "colour": "#EA580C",
        "description": "3 or more visits in the last 12 months, none in the last 2 months, none booked.",
        "condition": {"all": [
            {"metric": "past_count", "within": {"last": 12, "unit": "months"}, "op": ">=", "value": 3},
            {"metric": "past_count", "within": {"last": 2, "unit": "months"}, "op": "=", "value": 0},
            {"metric": "upcoming_count", "op": "=", "value": 0},
        ]},
    },
    {
        "key": "first-visit-follow-ups", "name": "First-visit follow-ups", "colour": "#0891B2",
        "description": "Exactly one visit ever, within the last 30 days, and nothing booked.",
        "condition": {"all": [
            {"metric": "past_count", "op": "=", "value": 1},
            {"metric": "past_count", "within": {"last": 30, "unit": "days"}, "op": "=", "value": 1},
            {"metric": "upcoming_count", "op": "=", "value": 0},
        ]},
    },
    {
        "key": "high-value", "name": "High value", "colour": "#CA8A04",
        "description": "RFM tier high value: R + F + M of 12 or more.",
        "condition": {"metric": "rfm_tier", "op": "=", "value": "high_value"},
    },
    {
        "key": "regular", "name": "Regular", "colour": "#16A34A",
        "description": "RFM tier regular: R + F + M from 8 to 11.",
        "condition": {"metric": "rfm_tier", "op": "=", "value": "regular"},
    },
    {
        "key": "potential", "name": "Potential", "colour": "#9333EA",
        "description": "RFM tier potential: R + F + M of 7 or less.",
        "condition": {"metric": "rfm_tier", "op": "=", "value": "potential"},
    },
    {
        "key": "birthdays-soon", "name": "Birthdays soon", "colour": "#DB2777",
        "description": "Birthday today or within the next 30 days.",
        "condition": {"metric": "birthday_within_days", "op": "<=", "value": 30},
    },
)
