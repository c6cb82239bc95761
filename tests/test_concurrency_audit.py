"""Races between requests on PostgreSQL, each played in a fixed order: one transaction is held
open in the test's own session while another request runs in a thread and waits for its locks."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from plugin.db import session
from plugin.imports import bulk, import_customers
from plugin.models import Customer, Group, Membership, MembershipEvent, Shop
from plugin.schemas import ActivityInSchema
from plugin.services import activities, groups, rules
from plugin.services.shops import hold_shop

from .conftest import api_path, group_keys
from .test_checkout_api import CART, vip_shop  # noqa: F401  (a fixture)
from .test_rules_api import VIP_SHOES
from .test_customer_counts import _wait_for_a_blocked_lock
from .test_imports import csv_text


@pytest.fixture(autouse=True)
def _postgres_only(app) -> None:
    if session().get_bind().dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")


def _meanwhile(app, work: Callable[[Any], Any]) -> Callable[[], list]:
    """Run ``work(client)`` in a thread of its own (its own session); returns a join giving
    ``[result]`` or ``[exception]``."""
    outcome: list = []

    def run() -> None:
        with app.app_context():
            try:
                outcome.append(work(app.test_client()))
            except Exception as error:  # noqa: BLE001  (the test's assertion shows it)
                outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()

    def join() -> list:
        thread.join(timeout=60)
        assert not thread.is_alive(), "the other request never finished"
        return outcome
    return join


def _commit_once_blocked() -> None:
    """The other request waits for a lock this session holds: let it through."""
    _wait_for_a_blocked_lock(session().connection())
    session().commit()


def _defaults(shop) -> list[str]:
    session().expire_all()
    return list(session().scalars(select(Group.key).where(Group.shop_id == shop.id, Group.is_default)))


def _switch_through_the_api(client, shop) -> int:
    return client.patch(api_path("/groups/vip"), json={"is_default": True}, headers=shop.headers).status_code


def _sign_in(client, shop) -> None:
    with client.session_transaction() as host_session:
        host_session["demo_admin"] = {"email": "admin@demo.shop", "shop_id": shop.shop.id}


def _switch_through_the_admin(client, shop) -> int:
    _sign_in(client, shop)
    form = {"name": "VIP", "colour": "#64748B", "description": "", "is_default": "y"}
    return client.post("/admin/crm/groups/vip/edit", data=form).status_code


def _rename_through_the_api(client, shop) -> int:
    return client.patch(api_path("/groups/vip"), json={"name": "VIP 2"}, headers=shop.headers).status_code


def _rename_through_the_admin(client, shop) -> int:
    _sign_in(client, shop)
    form = {"name": "VIP 2", "colour": "#64748B", "description": ""}
    return client.post("/admin/crm/groups/vip/edit", data=form).status_code


@pytest.mark.parametrize("change", [_switch_through_the_api, _switch_through_the_admin,
                                    _rename_through_the_api, _rename_through_the_admin],
                         ids=["switch-api", "switch-admin", "rename-api", "rename-admin"])
def test_a_change_to_a_group_deleted_meanwhile_is_a_404_and_leaves_the_default_in_place(app, shop, make_group, change):
    # given: an admin deleting VIP, not yet committed
    vip = make_group(shop.shop, "VIP")
    groups.delete_group(shop.shop, vip, actor="admin")
    # when: another request makes VIP the default, or renames it (it read VIP before the deletion committed)
    join = _meanwhile(app, lambda client: change(client, shop))
    _commit_once_blocked()
    # then: it finds no group to change (a rename's UPDATE matched no row: a 500), and Standard
    # stays the default
    assert join() == [404]
    assert _defaults(shop.shop) == ["standard"]


def test_a_rename_and_switch_racing_the_groups_deletion_is_a_404_not_a_deadlock(app, shop, make_group):
    # given: an admin deleting VIP, holding the shop's row (a deletion's first lock)
    vip = make_group(shop.shop, "VIP")
    hold_shop(shop.shop)
    # when: another request renames VIP and makes it the default, then the deletion goes on
    join = _meanwhile(app, lambda client: client.patch(
        api_path("/groups/vip"), json={"name": "VIP 2", "is_default": True}, headers=shop.headers).status_code)
    _wait_for_a_blocked_lock(session().connection())
    groups.delete_group(shop.shop, vip, actor="admin")
    session().commit()
    # then: the switch took the shop's row before the group's (as the deletion does) and found
    # VIP gone; renaming first locked VIP's row, then waited for the shop's: a deadlock
    assert join() == [404]
    assert _defaults(shop.shop) == ["standard"]


def _order(number: int) -> dict[str, Any]:
    return {"external_id": f"o-{number}", "customer_external_id": "u-1", "kind": "order", "status": "completed",
            "occurred_at": f"2020-03-0{number}T10:00:00+00:00", "amount": "10.00"}


def test_two_orders_of_one_customer_at_once_both_count(app, shop, make_customer, make_group):
    # given: the first order's event recorded, not yet committed
    make_group(shop.shop, "Buyers", kind="dynamic", condition={"metric": "past_count", "op": ">=", "value": 1})
    make_group(shop.shop, "Twice", kind="dynamic", condition={"metric": "past_count", "op": ">=", "value": 2})
    ana = make_customer(shop.shop, "u-1")
    activities.record_activity(shop.shop, ActivityInSchema().load(_order(1)))
    # when: the second order's event arrives meanwhile
    join = _meanwhile(app, lambda client: client.post(
        api_path("/events/activities"), json=_order(2), headers=shop.headers).status_code)
    _commit_once_blocked()
    # then: the customer's totals count both orders (each event's count saw the other's order)
    assert join() == [201]
    stored = session().get(Customer, ana.id, populate_existing=True)
    assert (stored.visits, stored.spent_milli) == (2, 20_000)
    # and each dynamic group recorded her entry once
    assert _history(ana) == [("standard", "entered", "default"), ("buyers", "entered", "condition"),
                             ("twice", "entered", "condition")]


def _vip_discount_becomes_ten_percent(shop_id: int) -> None:
    """Another process's rule edit, committed."""
    shop = session().get(Shop, shop_id)
    rules.update_rule(shop, rules.get_rule(shop, "r1"), {"value": {"type": "percent", "amount": "10"}})
    session().commit()


def _total_for_ana(client, shop) -> str:
    return client.post(api_path("/checkout/evaluate"), json={**CART, "customer_id": "ana"},
                       headers=shop.headers).json["total"]


def test_a_rule_edit_committed_just_after_the_rules_are_read_is_priced_at_the_next_evaluate(app, vip_shop):
    # given: another process edits the rule the moment this one has read the rules to compile them
    edited: list = []

    def edit_once_the_rules_are_read(_connection, _cursor, statement, *_args) -> None:
        if "FROM cg_rules" in statement and not edited:
            edited.append(True)
            edited.extend(_meanwhile(app, lambda _client: _vip_discount_becomes_ten_percent(vip_shop.shop.id))())

    engine = app.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "after_cursor_execute", edit_once_the_rules_are_read)
    try:
        compiling = _total_for_ana(vip_shop.client, vip_shop)
    finally:
        sa.event.remove(engine, "after_cursor_execute", edit_once_the_rules_are_read)
    # when: the next evaluate
    after = _total_for_ana(vip_shop.client, vip_shop)
    # then: the compile priced with the rules it read, and cached them under the version read
    # before them, which the edit has since replaced
    assert edited == [True, None]
    assert (compiling, after) == ("160.00", "180.00")


def test_a_rule_edit_in_flight_is_priced_once_committed_and_not_before(app, vip_shop):
    # given: the ruleset compiled, and a rule edit written but not yet committed
    before = _total_for_ana(vip_shop.client, vip_shop)
    rules.update_rule(vip_shop.shop, rules.get_rule(vip_shop.shop, "r1"), {"value": {"type": "percent", "amount": "10"}})
    # when: an evaluate meanwhile (it waits for nothing), and one after the commit
    during = _meanwhile(app, lambda client: _total_for_ana(client, vip_shop))()
    session().commit()
    after = _total_for_ana(vip_shop.client, vip_shop)
    # then
    assert (before, during, after) == ("160.00", ["160.00"], "180.00")


def _history(customer) -> list[tuple[str, str, str]]:
    """The customer's entries and exits, oldest first, by group key (a deleted group's are gone)."""
    session().expire_all()
    return [tuple(row) for row in session().execute(
        select(Group.key, MembershipEvent.change, MembershipEvent.source).join(Group, Group.id == MembershipEvent.group_id)
        .where(MembershipEvent.customer_id == customer.id).order_by(MembershipEvent.id)
    )]


def _memberships_of(group_id: int) -> int:
    return session().scalar(select(sa.func.count()).select_from(Membership).where(Membership.group_id == group_id))


def _add_through_the_api(client, shop) -> int:
    return client.post(api_path("/groups/vip/members"), json={"customer_ids": ["ana"]}, headers=shop.headers).status_code


def _add_through_the_admin(client, shop) -> int:
    _sign_in(client, shop)
    return client.post("/admin/crm/groups/vip/members/add", data={"customer_id": "ana"}).status_code


@pytest.mark.parametrize("add", [_add_through_the_api, _add_through_the_admin], ids=["api", "admin"])
def test_adding_members_to_a_group_deleted_meanwhile_is_a_404(app, shop, make_group, make_customer, add):
    # given: an admin deleting VIP, not yet committed
    vip = make_group(shop.shop, "VIP")
    make_customer(shop.shop, "ana")
    vip_id = vip.id
    groups.delete_group(shop.shop, vip, actor="admin")
    # when: another request adds Ana to VIP (it read VIP before the deletion committed)
    join = _meanwhile(app, lambda client: add(client, shop))
    _commit_once_blocked()
    # then
    assert join() == [404]
    assert _memberships_of(vip_id) == 0


def test_an_order_entering_a_dynamic_group_deleted_meanwhile_is_recorded(app, shop, make_group, make_customer):
    # given: Ana, and an admin deleting the group her first order makes her enter, not yet committed
    buyers = make_group(shop.shop, "Buyers", kind="dynamic", condition={"metric": "past_count", "op": ">=", "value": 1})
    ana = make_customer(shop.shop, "u-1")
    groups.delete_group(shop.shop, buyers, actor="admin")
    # when: her order's event arrives meanwhile
    join = _meanwhile(app, lambda client: client.post(
        api_path("/events/activities"), json=_order(1), headers=shop.headers).get_json())
    _commit_once_blocked()
    # then: the order is stored; she is in the groups that remain
    [answer] = join()
    assert (answer.get("created"), answer.get("groups")) == (True, ["standard"]), answer
    assert session().get(Customer, ana.id, populate_existing=True).visits == 1


def _remove_ana_from(group_key: str):
    def remove(client, shop) -> tuple[int, Any]:
        response = client.delete(api_path(f"/groups/{group_key}/members/ana"), headers=shop.headers)
        return response.status_code, response.get_json()
    return remove


def test_removing_a_customer_from_the_default_while_her_other_group_is_deleted_is_refused(
        app, shop, make_group, make_customer):
    # given: Ana in Standard (the default) and VIP, and an admin deleting VIP, not yet committed
    vip = make_group(shop.shop, "VIP")
    ana = make_customer(shop.shop, "ana")
    shop.post("/groups/vip/members", json={"customer_ids": ["ana"]})
    groups.delete_group(shop.shop, vip, actor="admin")  # Ana stays in Standard: nobody to move
    # when: another request removes her from Standard, counting on VIP
    join = _meanwhile(app, lambda client: _remove_ana_from("standard")(client, shop)[0])
    _commit_once_blocked()
    # then: it waited for the deletion and saw VIP gone: she keeps her only static group
    assert join() == [409]
    assert group_keys(shop.shop, ana) == ["standard"]


def test_removing_a_customer_from_a_group_that_became_the_default_meanwhile_is_refused(
        app, shop, make_group, make_customer):
    # given: Ana in VIP only, and an admin making VIP the default, not yet committed
    vip = make_group(shop.shop, "VIP")
    ana = make_customer(shop.shop, "ana")
    shop.post("/groups/vip/members", json={"customer_ids": ["ana"]})
    shop.delete("/groups/standard/members/ana")
    groups.make_default_group(shop.shop, vip)
    # when: another request removes her from VIP (it read VIP before the switch committed)
    join = _meanwhile(app, lambda client: _remove_ana_from("vip")(client, shop))
    _commit_once_blocked()
    # then: VIP is the default now and her only static group: refused, as without the race
    [(status, body)] = join()
    assert status == 409, body
    assert group_keys(shop.shop, ana) == ["vip"]
    assert _history(ana) == [("standard", "entered", "default"), ("vip", "entered", "api"), ("standard", "left", "api")]


def _remove_ana_through_the_admin(client, shop) -> int:
    _sign_in(client, shop)
    return client.post("/admin/crm/groups/vip/members/remove", data={"customer_id": "ana"}).status_code


@pytest.mark.parametrize("remove", [lambda client, shop: _remove_ana_from("vip")(client, shop)[0],
                                    _remove_ana_through_the_admin], ids=["api", "admin"])
def test_removing_a_customer_from_a_group_deleted_meanwhile_is_a_404(app, shop, make_group, make_customer, remove):
    # given: Ana in Standard and VIP, and an admin deleting VIP, not yet committed
    vip = make_group(shop.shop, "VIP")
    ana = make_customer(shop.shop, "ana")
    shop.post("/groups/vip/members", json={"customer_ids": ["ana"]})
    groups.delete_group(shop.shop, vip, actor="admin")
    # when: another request removes her from VIP (it read VIP before the deletion committed)
    join = _meanwhile(app, lambda client: remove(client, shop))
    _commit_once_blocked()
    # then: the group is gone, as a fresh request would find (a 500 after 0d6121a's refresh)
    assert join() == [404]
    assert group_keys(shop.shop, ana) == ["standard"]


def test_two_imports_into_one_shop_at_once_each_count_what_they_did(app, shop, monkeypatch):
    # given: an import of c1 and c2 paused just before it commits
    paused, release = threading.Event(), threading.Event()
    drop_views = bulk.RawFile.drop_views

    def pause_the_first(raw, names) -> None:
        drop_views(raw, names)
        if not paused.is_set():
            paused.set()
            release.wait(timeout=30)

    monkeypatch.setattr(bulk.RawFile, "drop_views", pause_the_first)
    shop_id = shop.shop.id

    def importing(*rows: list[str]):
        return lambda _client: import_customers(session().get(Shop, shop_id), csv_text(["external_id", "city"], *rows))

    first = _meanwhile(app, importing(["c1", "Iasi"], ["c2", "Iasi"]))
    assert paused.wait(timeout=30)
    # when: an import of c2 and c3 meanwhile
    second = _meanwhile(app, importing(["c2", "Cluj"], ["c3", "Cluj"]))
    _wait_for_a_blocked_lock(session().connection())
    release.set()
    [one], [other] = first(), second()
    # then: the second waited, found c2 stored and updated it; each customer joined the default once
    assert (one.created, one.updated, other.created, other.updated) == (2, 0, 1, 1)
    session().expire_all()
    cities = dict(session().execute(select(Customer.external_id, Customer.city).where(Customer.shop_id == shop_id)).all())
    standard = groups.get_group(shop.shop, "standard")
    assert cities == {"c1": "Iasi", "c2": "Cluj", "c3": "Cluj"}
    assert (standard.member_count, _memberships_of(standard.id), groups.customer_count(shop.shop)) == (3, 3, 3)


def test_a_rule_for_a_group_deleted_meanwhile_is_refused(app, shop, make_group):
    # given: an admin deleting VIP, not yet committed
    vip = make_group(shop.shop, "VIP")
    groups.delete_group(shop.shop, vip, actor="admin")
    # when: another request stores a rule for VIP (the group was there when it started)
    join = _meanwhile(app, lambda client: client.post(api_path("/rules"), json=VIP_SHOES, headers=shop.headers).status_code)
    _commit_once_blocked()
    # then: it waited for the deletion and found no VIP to target
    assert join() == [422]
    assert shop.get("/rules").json["items"] == []
