"""The shop's customer count that each group's share divides by: kept by the database on every
path that adds or removes customers, exact on both databases and under concurrent registrations."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from examples.demo_shop import create_app
from plugin import migrate
from plugin.db import session
from plugin.imports import ImportFailed, import_customers
from plugin.models import Customer, Shop
from plugin.services import customers, groups, members

from .test_imports import csv_text
from .test_migrations import empty_database_url  # noqa: F401  (a fixture)


def _count(shop) -> int:
    session().expire_all()
    return groups.customer_count(shop)


def test_a_new_shop_has_no_customers(shop):
    assert _count(shop.shop) == 0


def test_registration_counts_a_new_customer_once(shop, make_customer):
    # given
    make_customer(shop.shop, "c1")
    make_customer(shop.shop, "c2")
    # when: the same customer again
    make_customer(shop.shop, "c1", first_name="Again")
    # then
    assert _count(shop.shop) == 2


def test_an_import_counts_only_the_customers_it_creates(shop, make_customer):
    make_customer(shop.shop, "c1")
    import_customers(shop.shop, csv_text(["external_id"], ["c1"], ["c2"], ["c3"]))
    session().commit()
    assert _count(shop.shop) == 3


def test_a_failed_import_counts_nothing(shop, make_customer):
    make_customer(shop.shop, "c1")
    with pytest.raises(ImportFailed):
        import_customers(shop.shop, csv_text(["external_id", "gender"], ["c2", "female"], ["c3", "dragon"]))
    session().rollback()
    assert _count(shop.shop) == 1


def test_deleted_customers_are_uncounted_and_each_shop_counts_its_own(make_shop, make_customer):
    # given
    mine, theirs = make_shop("Mine").shop, make_shop("Theirs").shop
    for number in range(5):
        make_customer(mine, f"m{number}")
    make_customer(theirs, "t0")
    # when: a statement that deletes several customers at once
    session().execute(sa.delete(Customer).where(Customer.shop_id == mine.id, Customer.external_id.in_(["m0", "m1", "m2"])))
    session().commit()
    # then
    assert (_count(mine), _count(theirs)) == (2, 1)


def test_concurrent_registrations_are_each_counted(app, shop):
    # given: 20 clients registering at the same moment, two of them the same customer
    external_ids = [f"c{number}" for number in range(19)] + ["c0"]
    start = threading.Barrier(len(external_ids))
    statuses = []

    def register(external_id: str) -> None:
        client = app.test_client()
        start.wait()
        response = client.post("/api/customer-groups/v1/events/customers", json={"external_id": external_id},
                               headers=shop.headers)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=register, args=(external_id,)) for external_id in external_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert len(statuses) == 20 and set(statuses) <= {200, 201}
    session().expire_all()
    stored = session().scalar(sa.select(sa.func.count()).where(Customer.shop_id == shop.shop.id))
    assert stored == 19 and _count(shop.shop) == 19


def test_the_migration_counts_the_customers_already_there(empty_database_url):  # noqa: F811
    # given: a database at the revision before the count, with customers in two shops
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        migrate.upgrade("0003")
        with engine.begin() as connection:
            for shop_id, customers in ((1, 3), (2, 1)):
                connection.execute(sa.text(
                    "INSERT INTO cg_shops (id, name, currency, timezone, plan, rules_revision, created_at)"
                    " VALUES (:id, :name, 'EUR', 'UTC', 'pro', 'r', CURRENT_TIMESTAMP)"), {"id": shop_id, "name": f"s{shop_id}"})
                for number in range(customers):
                    connection.execute(sa.text(
                        "INSERT INTO cg_customers (shop_id, external_id, first_name, last_name, email, phone, gender,"
                        " city, card_number, email_opt_in, sms_opt_in, registered_at, created_at, updated_at)"
                        " VALUES (:shop, :external_id, '', '', '', '', 'unknown', '', '', false, false,"
                        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                        {"shop": shop_id, "external_id": f"c{number}"})
        # when
        migrate.upgrade()
        # then
        with engine.connect() as connection:
            counts = dict(connection.execute(sa.text("SELECT shop_id, customers FROM cg_customer_counts")).all())
        engine.dispose()
    assert counts == {1: 3, 2: 1}


def _import_two(shop) -> None:
    import_customers(shop, csv_text(["external_id"], ["i1"], ["i2"]))


def _register_two(shop) -> None:
    customers.register_customers(shop, [{"external_id": "i1"}, {"external_id": "i2"}])
    session().commit()


@pytest.mark.parametrize("add_two", [_import_two, _register_two], ids=["import", "batch registration"])
def test_a_writer_adding_customers_locks_the_default_group_before_the_count(app, shop, make_customer, add_two):
    # given: a registration's statement holding the default group's row (it updates member_count
    # before its triggers take the shop's count)
    if session().get_bind().dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")
    make_customer(shop.shop, "c0")
    session().commit()
    shop_id, group_id = shop.shop.id, members.default_group(shop.shop).id
    engine = app.extensions["sqlalchemy"].engine
    outcome: list = []

    def write() -> None:
        with app.app_context():
            try:
                add_two(session().get(Shop, shop_id))
                outcome.append("done")
            except Exception as error:  # noqa: BLE001  (reported by the assertion below)
                outcome.append(error)

    with engine.connect() as registration:
        registration.execute(sa.text("UPDATE cg_groups SET member_count = member_count WHERE id = :id"), {"id": group_id})
        writer = threading.Thread(target=write)
        writer.start()
        _wait_for_a_blocked_lock(registration)
        # when: the registration's triggers take the count
        registration.execute(sa.text("SELECT customers FROM cg_customer_counts WHERE shop_id = :id FOR UPDATE NOWAIT"),
                             {"id": shop_id})
        registration.commit()
    writer.join(timeout=30)
    # then: the writer waited for the group without holding the count, and finished after it
    assert outcome == ["done"] and _count(shop.shop) == 3


#: Locks waited for by this database's sessions: pg_locks covers the whole server, where another
#: database's blocked lock (another test run) would end the wait before this test's writer waits.
#: Joined by backend: a row lock is waited for as its holder's transaction id, a lock with no database.
_BLOCKED_HERE = sa.text("SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) "
                        "WHERE NOT granted AND datname = current_database()")


def _wait_for_a_blocked_lock(connection, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not connection.scalar(_BLOCKED_HERE):
        assert time.monotonic() < deadline, "the writer never waited for the group's row"
        time.sleep(0.02)
