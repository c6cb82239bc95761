"""Recording a group's entries and exits in bulk: a few multi-row statements, not one per row
(the tallies' statement trigger runs once per statement on PostgreSQL)."""
from __future__ import annotations

import sqlalchemy as sa

from plugin.db import session
from plugin.models import Customer, MembershipEvent
from plugin.services import members


def test_many_entries_are_recorded_in_multi_row_statements(shop, make_group):
    # given: more customers than one statement's chunk
    session().execute(sa.insert(Customer), [
        {"shop_id": shop.shop.id, "external_id": f"c{number}"} for number in range(members.CHUNK + 200)])
    ids = session().scalars(sa.select(Customer.id).where(Customer.shop_id == shop.shop.id)).all()
    group = make_group(shop.shop, "Many")
    history_inserts = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO cg_membership_events"):
            history_inserts.append(statement.count("), (") + 1)  # rows in the statement's VALUES

    # when
    sa.event.listen(session().get_bind(), "before_cursor_execute", watch)
    try:
        members.add_members(shop.shop, group, ids, source="api")
    finally:
        sa.event.remove(session().get_bind(), "before_cursor_execute", watch)
    # then: one multi-row INSERT per chunk, none sent row by row
    assert history_inserts == [members.CHUNK, 200]
    recorded = sa.select(sa.func.count()).select_from(MembershipEvent).where(MembershipEvent.group_id == group.id)
    assert session().scalar(recorded) == members.CHUNK + 200
