"""RFM scores and tiers (docs/segments.md "RFM") on a small population worked out by hand."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from plugin.db import session
from plugin.models import Activity, Customer
from plugin.models._columns import utcnow
from plugin.segments.clock import ShopClock
from plugin.segments.preview import preview
from plugin.segments.refresh import refresh_customer, refresh_shop
from plugin.segments.rfm import refresh_scores, score_customer

from .conftest import TZ, booked, cancelled, done, local, members, no_show, utc

#: Monday 15 June 2026, 12:00 EEST; the 12 months are 15 June 2025 12:00 (excluded) to now.
NOW = local(2026, 6, 15, 12)

# Seven customers in the population (n = 7), with ties on every dimension:
#
# customer  last past visit        F (12 months)  M (12 months)
# A         13 Jun 2026 12:00      4              400.000  (4 × 100.00)
# B         13 Jun 2026 09:00 UTC  1               50.000  (the same instant as A's: a tie on R)
# C         16 May 2026            4 (tie with A) 120.500  (30 + 30 + 30 + 30.50)
# D          7 Mar 2026            2              120.500  (2 × 60.25, a tie with C on M)
# E         27 Nov 2025            1               10.005  (three decimals)
# F          5 Jun 2026            3               75.250
# G         15 Jul 2025            1                0.000  (plus 300.00 on 15 May 2025: too old for F and M)
#
# score = ceil(5 × cume_dist) = (5k + n − 1) div n = (5k + 6) div 7, k = members with a value <= it:
#   k:     1  2  3  4  5  6  7
#   score: 1  2  3  3  4  5  5
# R ascending: G k1 → 1, E k2 → 2, D k3 → 3, C k4 → 3, F k5 → 4, A = B k7 → 5
# F ascending: B = E = G (1) k3 → 3, D (2) k4 → 3, F (3) k5 → 4, A = C (4) k7 → 5
# M ascending: G k1 → 1, E k2 → 2, B k3 → 3, F k4 → 3, C = D k6 → 5, A k7 → 5
# R + F + M: A 15 high_value, B 11 regular, C 13 high_value, D 11 regular, E 7 potential,
#            F 11 regular, G 5 potential.
POPULATION = {
    "A": [done(local(2026, 6, 13, 12), "100.00"), done(local(2026, 5, 6, 12), "100.00"),
          done(local(2026, 3, 27, 12), "100.00"), done(local(2026, 2, 15, 12), "100.00")],
    "B": [done(utc("2026-06-13T09:00:00"), "50.00")],
    "C": [done(local(2026, 5, 16, 12), "30.00"), done(local(2026, 4, 16, 12), "30.00"),
          done(local(2026, 3, 17, 12), "30.00"), done(local(2026, 1, 16, 12), "30.50")],
    "D": [done(local(2026, 3, 7, 12), "60.25"), done(local(2025, 8, 19, 12), "60.25")],
    "E": [done(local(2025, 11, 27, 12), "10.005")],
    "F": [done(local(2026, 6, 5, 12), "25.00"), done(local(2026, 5, 26, 12), "25.00"),
          done(local(2026, 5, 21, 12), "25.25")],
    "G": [done(local(2025, 7, 15, 12), "0"), done(local(2025, 5, 15, 12), "300.00")],
}
EXPECTED = {
    "A": (5, 5, 5, "high_value"),
    "B": (5, 3, 3, "regular"),
    "C": (3, 5, 5, "high_value"),
    "D": (3, 3, 5, "regular"),
    "E": (2, 3, 2, "potential"),
    "F": (4, 4, 3, "regular"),
    "G": (1, 3, 1, "potential"),
}
# Outside the population: lapsed (some past visit, none in the 12 months) or prospect (none ever).
OUTSIDERS = {
    "H": ([done(local(2025, 6, 15, 12), "80.00")], "lapsed"),      # exactly 12 months ago: outside
    "I": ([done(local(2024, 1, 10, 12), "80.00"), cancelled(local(2026, 6, 1))], "lapsed"),
    "J": ([], "prospect"),
    "K": ([booked(local(2026, 6, 20)), cancelled(local(2026, 6, 1)), no_show(local(2026, 5, 1)),
           booked(local(2026, 4, 1)), done(local(2026, 7, 1), "20.00")], "prospect"),
}


def scores(shop) -> dict[str, tuple]:
    return {
        external_id: (r, f, m, tier)
        for external_id, r, f, m, tier in session().execute(
            select(Customer.external_id, Customer.rfm_r, Customer.rfm_f, Customer.rfm_m, Customer.rfm_tier)
            .where(Customer.shop_id == shop.id)
        )
    }


@pytest.fixture
def scored_shop(salon, make_customer, history):
    """The population above and the outsiders, after a full refresh at NOW."""
    shop = salon.shop
    for external_id, visits in POPULATION.items():
        history.add(shop, make_customer(shop, external_id), visits)
    for external_id, (visits, _) in OUTSIDERS.items():
        history.add(shop, make_customer(shop, external_id), visits)
    refresh_shop(shop, NOW)
    return shop


def test_scores_and_tiers_of_the_population(scored_shop):
    got = scores(scored_shop)
    assert {key: got[key] for key in EXPECTED} == EXPECTED


def test_lapsed_and_prospects_have_no_scores(scored_shop):
    got = scores(scored_shop)
    assert {key: got[key] for key in OUTSIDERS} == {
        key: (None, None, None, tier) for key, (_, tier) in OUTSIDERS.items()
    }


def test_tier_groups_hold_the_tiers(scored_shop):
    assert members(scored_shop, "high-value") == {"A", "C"}
    assert members(scored_shop, "regular") == {"B", "D", "F"}
    assert members(scored_shop, "potential") == {"E", "G"}


@pytest.mark.parametrize("metric, op, value, expected", [
    ("rfm_r", "=", 5, {"A", "B"}),
    ("rfm_f", "between", [3, 4], {"B", "D", "E", "F", "G"}),
    ("rfm_m", "<", 3, {"E", "G"}),
    ("rfm_m", "!=", 5, {"B", "E", "F", "G"}),   # false outside the population
    ("rfm_tier", "in", ["lapsed", "prospect"], {"H", "I", "J", "K"}),
    ("rfm_tier", "!=", "prospect", {"A", "B", "C", "D", "E", "F", "G", "H", "I"}),
])
def test_rfm_leaves_read_the_stored_scores(scored_shop, metric, op, value, expected):
    result = preview(scored_shop, {"metric": metric, "op": op, "value": value}, NOW, sample_size=20)
    assert {customer.external_id for customer in result["sample"]} == expected


def test_scores_are_computed_in_whole_numbers():
    # (5k + n − 1) div n equals ceil(5k / n) for every population size and rank
    for n in range(1, 60):
        for k in range(1, n + 1):
            assert (5 * k + n - 1) // n == -(-5 * k // n)


def test_one_event_scores_a_prospect_against_the_last_refresh(scored_shop, history):
    # given J, a prospect, buys for the first time on 1 June 2026 for 50.00
    shop = scored_shop
    j = session().scalar(select(Customer).where(Customer.shop_id == shop.id, Customer.external_id == "J"))
    history.add(shop, j, [done(local(2026, 6, 1, 12), "50.00")])
    before = scores(shop)
    # when only J is scored, against the breakpoints of the refresh (per score, the highest
    # value that earned it):
    #   R 1 Jun: above C's 16 May (the highest 3), not above F's 5 Jun (the highest 4) → 4
    #   F 1: the lowest score with a value >= 1 is 3 (B, E, G)                          → 3
    #   M 50.000: above E's 10.005 (2), not above F's 75.250 (the highest 3)            → 3
    refresh_customer(shop, j, NOW)
    session().commit()
    # then J is scored at once (4 + 3 + 3 = 10, regular) and joins the Regular group
    after = scores(shop)
    assert after["J"] == (4, 3, 3, "regular")
    assert "J" in members(shop, "regular")
    # and nobody else is re-ranked
    assert {key: value for key, value in after.items() if key != "J"} == \
        {key: value for key, value in before.items() if key != "J"}


def test_the_next_full_refresh_ranks_everyone_again(scored_shop, history):
    # given J's first purchase as above, scored alone
    shop = scored_shop
    j = session().scalar(select(Customer).where(Customer.shop_id == shop.id, Customer.external_id == "J"))
    history.add(shop, j, [done(local(2026, 6, 1, 12), "50.00")])
    refresh_customer(shop, j, NOW)
    session().commit()
    assert scores(shop)["D"] == (3, 3, 5, "regular")
    # when the shop is refreshed in full, n = 8 and score = (5k + 7) div 8:
    #   D: R k3 (G, E, D) → 2; F k5 (B, E, G, J at 1; D at 2) → 4; M k7 (C = D at 120.5) → 5
    #   J: R k5 (after C) → 4; F k4 → 3; M k4 (B = J at 50.000) → 3
    refresh_shop(shop, NOW)
    got = scores(shop)
    assert got["D"] == (2, 4, 5, "regular")
    assert got["J"] == (4, 3, 3, "regular")


@pytest.mark.parametrize("visit, expected", [
    # Above every breakpoint: the most recent visit and the biggest basket score 5.
    pytest.param(done(local(2026, 6, 15, 11), "500.00"), (5, 3, 5, "high_value"), id="above all"),
    # Exactly on a breakpoint earns that score: F's 5 Jun and 75.250 are the highest 4 and 3.
    pytest.param(done(local(2026, 6, 5, 12), "75.25"), (4, 3, 3, "regular"), id="on the breakpoints"),
    # Below the lowest value: G's 15 Jul 2025 and 0.000 are the lowest, 1 each.
    pytest.param(done(local(2025, 7, 1, 12), "0"), (1, 3, 1, "potential"), id="below all"),
    # A visit only 12 months ago exactly, or only cancelled: not in the population.
    pytest.param(done(local(2025, 6, 15, 12), "10.00"), (None, None, None, "lapsed"), id="12 months ago"),
    pytest.param(cancelled(local(2026, 6, 1, 12), "10.00"), (None, None, None, "prospect"), id="cancelled"),
    pytest.param(booked(local(2026, 6, 20, 12), "10.00"), (None, None, None, "prospect"), id="booked"),
])
def test_score_customer_against_the_breakpoints(scored_shop, history, visit, expected):
    shop = scored_shop
    j = session().scalar(select(Customer).where(Customer.shop_id == shop.id, Customer.external_id == "J"))
    history.add(shop, j, [visit])
    score_customer(shop, j, ShopClock.at(NOW, TZ))
    session().commit()
    assert scores(shop)["J"] == expected


def test_a_cancelled_only_visit_makes_a_customer_a_prospect_again(scored_shop):
    # given E's only visit (27 Nov 2025) is cancelled after all
    shop = scored_shop
    e = session().scalar(select(Customer).where(Customer.shop_id == shop.id, Customer.external_id == "E"))
    activity = session().scalar(select(Activity).where(Activity.customer_id == e.id))
    activity.status = "cancelled"
    # when her groups are refreshed
    refresh_customer(shop, e, NOW)
    session().commit()
    # then she is a prospect, in no tier group
    assert scores(shop)["E"] == (None, None, None, "prospect")
    assert "E" not in members(shop, "potential")


def test_refresh_scores_keeps_a_stable_answer(scored_shop):
    # scoring twice at the same now gives the same scores
    refresh_scores(scored_shop, ShopClock.at(NOW, TZ))
    session().commit()
    got = scores(scored_shop)
    assert {key: got[key] for key in EXPECTED} == EXPECTED


def test_a_first_purchase_through_the_api_scores_the_customer_at_once(salon, make_customer, history):
    # given a scored shop (now is the wall clock here: the event path refreshes as of now)
    shop = salon.shop
    now = utcnow()
    old = make_customer(shop, "old")
    history.add(shop, old, [done(now - timedelta(days=3), "40.00"), done(now - timedelta(days=40), "40.00")])
    make_customer(shop, "new")
    refresh_shop(shop, now)
    assert "new" not in members(shop, "high-value") | members(shop, "regular") | members(shop, "potential")
    # when the new customer's first order arrives (one day ago, 100.00)
    response = salon.post("/events/activities", json={
        "external_id": "o-1", "customer_external_id": "new", "status": "completed",
        "occurred_at": (now - timedelta(days=1)).isoformat(), "amount": "100.00",
    })
    # then: R above old's (the only breakpoint) → 5; F 1 → the highest 5 is old's 2, so 5;
    # M 100.000 above 80.000 → 5: high value at once
    assert response.status_code == 201, response.json
    assert "high-value" in response.json["groups"]
    assert scores(shop)["new"] == (5, 5, 5, "high_value")
