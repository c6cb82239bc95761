"""Exactly one default group per shop, guaranteed by the database even under concurrent switches."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from plugin.db import session
from plugin.models import Group


def _defaults(shop):
    session().expire_all()
    return list(session().scalars(select(Group.key).where(Group.shop_id == shop.id, Group.is_default)))


def test_twenty_concurrent_switches_end_with_exactly_one_default(app, shop, make_group):
    keys = [make_group(shop.shop, f"Group {n}").key for n in range(20)]
    start = threading.Barrier(len(keys))
    statuses = {}

    def switch(key: str) -> None:
        client = app.test_client()
        start.wait()
        statuses[key] = client.patch(
            f"/api/customer-groups/v1/groups/{key}", json={"is_default": True}, headers=shop.headers
        ).status_code

    threads = [threading.Thread(target=switch, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses.values()) == {200}
    assert len(_defaults(shop.shop)) == 1


def test_the_database_refuses_a_second_default(shop, make_group):
    group = make_group(shop.shop, "Second")
    with pytest.raises(IntegrityError):
        session().execute(update(Group).where(Group.id == group.id).values(is_default=True))
        session().flush()
    session().rollback()
    assert _defaults(shop.shop) == ["standard"]


def test_the_database_refuses_a_dynamic_default(shop):
    with pytest.raises(IntegrityError):
        session().execute(update(Group).where(Group.shop_id == shop.shop.id, Group.is_default).values(kind="dynamic"))
        session().flush()
    session().rollback()
