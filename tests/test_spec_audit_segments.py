"""An outside checker's run, to the letter of SPEC §1, §3 and §5: ``create-shop`` with its
documented defaults, CSV imports, dynamic groups made through the API, ``refresh --now`` and
``members``, against answers worked out by hand from SPEC's sentences (each written beside it).

The shop is in Europe/Bucharest (SPEC §5's synopsis gives it as create-shop's default).
now = 2026-04-30 10:00 local (EEST, +03:00) = 07:00Z. Window starts, on the local wall clock:
1 day = 2026-04-29 10:00 (+03); 30 days = 2026-03-31 10:00 (+03) = 07:00Z; 2 months =
2026-02-28 10:00 (EET, +02) = 08:00Z; 12 months = 2025-04-30 10:00 (+03) = 07:00Z. A window is
``start < occurred_at <= now``.
"""
from __future__ import annotations

import json

import pytest

from plugin.db import session
from plugin.models import Shop

NOW = "2026-04-30T10:00:00"

# Columns in another order than SPEC's list, and some left out (SPEC §5: they may be absent).
CUSTOMERS = """\
external_id,gender,city,tags,birthday,email_opt_in,sms_opt_in,registered_at
a,female,Cluj,vip; new,1990-05-30,true,,2025-06-01T00:00:00+03:00
b,,,,1992-02-29,false,true,2025-05-31T23:59:59
c,male,Iasi,vip,,TRUE,false,2024-01-01
d,other,,,,,,2026-04-30T10:00:00
e,,,,2000-04-30,,,2026-01-01
f,,,,1990-05-31,,,2026-01-01
g,,,,1985-04-29,,,2026-01-01
"""

ACTIVITIES = """\
external_id,customer_external_id,status,occurred_at,amount,location,channel,product_ids,category_ids,staff
a1,a,completed,2026-02-28T08:00:00Z,10,L1,online,p1;p2,,s1
a2,a,completed,2026-03-31T10:00:00,20.5,L2,offline,,k1,
a3,a,completed,2026-04-30T07:00:00Z,4.5,L1,online,p2,,
a4,a,cancelled,2026-04-20T10:00:00,100,,,,,
a5,a,booked,2026-04-01T10:00:00,50,,,,,
b1,b,completed,2026-04-30T10:00:01,70,,,,,
b2,b,booked,2026-05-01T00:00:00+03:00,30,,,,,
b3,b,no_show,2026-04-10,5,,,,,
b4,b,completed,2025-04-30T10:00:00+03:00,8,,,,,
c1,c,completed,2025-04-30T10:00:01,100,,online,,,
c2,c,completed,2026-02-28T10:00:01,0.5,,,,,
c3,c,completed,2026-03-31 10:00:01,1.125,,,,,
e1,e,completed,2025-05-15T12:00:00,10,,,,,
e2,e,completed,2025-09-01T12:00:00,10,,,,,
e3,e,completed,2026-02-28T10:00:00,10,,,,,
f1,f,completed,2026-04-29T10:00:01+03:00,200,,,,,
g1,g,completed,2025-05-01T10:00:00+03:00,1,,,,,
"""
# Past (completed, <= now): a1 a2 a3, b4, c1 c2 c3, e1 e2 e3, f1, g1. Not past: a4 cancelled,
# a5 booked in the past, b1 completed after now, b3 no-show. Upcoming (booked, > now): b2 only.
#
# RFM population (a past activity in the 12 months): a c e f g (b4 is exactly 12 months back).
#   R (last): g 2025-05-01 < e 02-28 < c 03-31 < f 04-29 < a now -> ceil(5k/5) = 1 2 3 4 5
#   F: g 1, f 1 (k=2 -> 2); a c e 3 (k=5 -> 5)
#   M: g 1 < e 30 < a 35 < c 101.625 < f 200 -> 1 2 3 4 5
#   a 5+5+3=13 high; c 3+5+4=12 high; e 2+5+2=9 regular; f 4+2+5=11 regular; g 1+2+1=4 potential;
#   b lapsed (past, none in 12 months); d prospect (no activity).
PRESETS = {
    "lapsing-regulars": "e",          # e: 3 in 12 months, e3 exactly 2 months back (outside), none booked
    "first-visit-follow-ups": "f",    # f: one ever, inside 30 days; g's one is older; b has one, old
    "high-value": "ac",
    "regular": "ef",
    "potential": "g",
    "birthdays-soon": "ae",           # a 30 May = 30 days, e today; f 31 May = 31 days; b 29 Feb far
}
W = {"1d": {"last": 1, "unit": "days"}, "30d": {"last": 30, "unit": "days"},
     "2m": {"last": 2, "unit": "months"}, "12m": {"last": 12, "unit": "months"}}
CONDITIONS = [
    # window starts are exclusive, now inclusive
    ({"metric": "past_count", "within": W["2m"], "op": "=", "value": 0}, "bdeg"),   # a1, e3 on the start
    ({"metric": "past_count", "within": W["12m"], "op": ">=", "value": 3}, "ace"),  # b4 on the start, c1 1 s in
    ({"metric": "past_count", "within": W["30d"], "op": "between", "value": [1, 1]}, "acf"),  # a2 on the start
    ({"metric": "past_count", "within": W["1d"], "op": ">=", "value": 1}, "af"),    # a3 at now, f1 1 s in
    ({"metric": "upcoming_count", "op": ">=", "value": 1}, "b"),
    ({"metric": "upcoming_count", "op": "=", "value": 0}, "acdefg"),
    # narrowed
    ({"metric": "online_count", "op": "=", "value": 2}, "a"),
    ({"metric": "online_count", "location": "L1", "op": ">=", "value": 1}, "a"),
    ({"metric": "past_count", "product": "p1", "within": W["2m"], "op": ">=", "value": 1}, ""),   # a1 on the start
    ({"metric": "past_count", "product": "p2", "within": W["2m"], "op": ">=", "value": 1}, "a"),
    ({"metric": "past_count", "category": "k1", "op": ">=", "value": 1}, "a"),
    ({"metric": "total_spent", "staff": "s1", "op": "=", "value": "10"}, "a"),
    # money: a 35, b 8, c 101.625, d 0 (none), e 30, f 200, g 1
    ({"metric": "total_spent", "op": "=", "value": "0"}, "d"),
    ({"metric": "total_spent", "op": "<", "value": "10"}, "bdg"),
    ({"metric": "total_spent", "op": ">=", "value": "101.625"}, "cf"),
    ({"metric": "average_spent", "op": "<", "value": "10"}, "bg"),                 # d has no average
    ({"metric": "average_spent", "op": "=", "value": "33.875"}, "c"),
    ({"not": {"metric": "average_spent", "op": ">=", "value": "10"}}, "bdg"),      # a 11.67, e 10
    # times: a date is the whole local day
    ({"metric": "last_activity_at", "op": "<", "value": "2026-02-28"}, "bg"),
    ({"metric": "last_activity_at", "op": "<=", "value": "2026-02-28"}, "beg"),
    ({"metric": "first_activity_at", "op": ">", "value": {"ago": 12, "unit": "months"}}, "acefg"),
    # attributes; empty cells: gender unknown, city "", opt-ins false, no tags, no birthday
    ({"metric": "gender", "op": "=", "value": "unknown"}, "befg"),
    ({"metric": "gender", "op": "!=", "value": "female"}, "bcdefg"),
    ({"metric": "city", "op": "!=", "value": "Cluj"}, "bcdefg"),
    ({"metric": "city", "op": "in", "value": ["Iasi", "cluj"]}, "c"),
    ({"metric": "tags", "op": "=", "value": "vip"}, "ac"),
    ({"metric": "tags", "op": "!=", "value": "vip"}, "bdefg"),
    ({"metric": "tags", "op": "in", "value": ["new"]}, "a"),
    ({"metric": "email_opt_in", "op": "=", "value": True}, "ac"),
    ({"metric": "sms_opt_in", "op": "=", "value": True}, "b"),
    ({"metric": "registered_at", "op": "<", "value": "2025-06-01"}, "bc"),
    ({"metric": "registered_at", "op": "<=", "value": "2025-06-01"}, "abc"),
    ({"metric": "birthday_within_days", "op": "=", "value": 0}, "e"),
    ({"metric": "birthday_within_days", "op": ">", "value": 30}, "bfg"),           # c, d: no birthday
    ({"metric": "rfm_tier", "op": "in", "value": ["prospect", "lapsed"]}, "bd"),
]


@pytest.fixture
def cli(app, tmp_path):
    runner = app.test_cli_runner()

    def run(*args: str) -> str:
        result = runner.invoke(args=["customer-groups", *args])
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout
    return run


def test_create_shop_prints_id_name_and_key_only_and_defaults_to_bucharest(cli):
    printed = json.loads(cli("create-shop", "--name", "Salon"))
    assert set(printed) == {"id", "name", "api_key"}
    shop = session().get(Shop, printed["id"])
    assert (shop.name, shop.plan, shop.currency, shop.timezone) == ("Salon", "pro", "EUR", "Europe/Bucharest")


def test_a_checkers_history_gives_the_hand_computed_members(cli, client, tmp_path):
    api_key = json.loads(cli("create-shop", "--name", "Salon", "--timezone", "Europe/Bucharest"))["api_key"]
    for name, text in (("customers", CUSTOMERS), ("activities", ACTIVITIES)):
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
        cli(f"import-{name}", str(tmp_path / f"{name}.csv"))
    expected = dict(PRESETS)
    for number, (condition, members) in enumerate(CONDITIONS):
        response = client.post("/api/customer-groups/v1/groups", headers={"Authorization": f"Bearer {api_key}"},
                               json={"key": f"c{number}", "name": f"c{number}", "kind": "dynamic", "condition": condition})
        assert response.status_code == 201, response.json
        expected[f"c{number}"] = members
    assert cli("refresh", "--now", NOW).splitlines()[0] == "rfm high_value=2 regular=2 potential=1 lapsed=1 prospect=1"
    got = {key: "".join(sorted(cli("members", key).split())) for key in expected}
    wrong = {key: (got[key], members, CONDITIONS[int(key[1:])][0] if key[1:].isdigit() else key)
             for key, members in expected.items() if got[key] != members}
    assert not wrong
