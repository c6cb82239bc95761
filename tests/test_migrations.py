"""Our Alembic migrations build exactly the models' schema, and go down again, on both databases."""
from __future__ import annotations

import uuid
import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from examples.demo_shop import create_app
from plugin import migrate
from plugin.db import metadata

from .conftest import POSTGRES_URL


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"cg_migrations_{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.dispose()


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_to_head_and_downgrade_to_base(empty_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        migrate.upgrade()
        assert set(metadata.tables) <= _tables(engine)
        assert "customer_groups_alembic_version" in _tables(engine)
        assert "alembic_version" not in _tables(engine)  # the host's version table stays free
        with engine.connect() as connection, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*expression-based index")
            context = MigrationContext.configure(connection, opts={"version_table": "customer_groups_alembic_version"})
            differences = [d for d in compare_metadata(context, metadata) if not _expression_index(d)]
        assert differences == []
        migrate.downgrade("base")
        assert _tables(engine) & set(metadata.tables) == set()
        migrate.upgrade()
        assert set(metadata.tables) <= _tables(engine)
        engine.dispose()


def _expression_index(difference) -> bool:
    """SQLite cannot reflect indexes on expressions, so autogenerate reports them as missing;
    the prefix-search and last-visit (NULLS LAST) indexes exist on PostgreSQL only."""
    return difference[0] in {"add_index", "remove_index"} and (
        difference[1].name in {"ix_cg_customers_shop_email", "ix_cg_customers_shop_name",
                               "ix_cg_customers_shop_last_visit_desc"}
        or difference[1].name.startswith("ix_cg_customers_search_")
    )


def test_sqlite_rebuilds_keep_child_rows_when_the_host_enforces_foreign_keys(tmp_path):
    """0011 rebuilds cg_activities on SQLite (copy, drop, rename): with the host's PRAGMA
    foreign_keys on, dropping the old table cascaded to cg_activity_items and emptied it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'enforced.db'}"})
    with app.app_context():
        engine = app.extensions["customer_groups"].db.engine
        sa.event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA foreign_keys=ON"))
        engine.dispose()
        migrate.upgrade("0010")
        with engine.begin() as connection:
            _one_activity_with_an_item(connection)
        migrate.upgrade("0011")
        assert _activities_and_items(engine) == (1, 1)
        migrate.downgrade("0010")
        assert _activities_and_items(engine) == (1, 1)
        with engine.connect() as connection:  # the host's setting is back on the pooled connection
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        engine.dispose()


def _one_activity_with_an_item(connection) -> None:
    now = "2026-01-01 00:00:00"
    for statement in (
        f"INSERT INTO cg_shops (id, name, currency, timezone, plan, created_at) VALUES (1, 's', 'EUR', 'UTC', 'pro', '{now}')",
        "INSERT INTO cg_customers (id, shop_id, external_id, first_name, last_name, email, phone, gender, city,"
        " card_number, registered_at, email_opt_in, sms_opt_in, created_at, updated_at)"
        f" VALUES (1, 1, 'c1', '', '', '', '', 'unknown', '', '', '{now}', 0, 0, '{now}', '{now}')",
        "INSERT INTO cg_activities (id, shop_id, external_id, customer_id, kind, status, occurred_at, amount_milli,"
        f" currency, location, channel, created_at, updated_at) VALUES (1, 1, 'a1', 1, 'order', 'completed', '{now}',"
        f" 0, 'EUR', '', 'online', '{now}', '{now}')",
        "INSERT INTO cg_activity_items (activity_id, item_type, value, shop_id) VALUES (1, 'product', 'p1', 1)",
    ):
        connection.exec_driver_sql(statement)


def _activities_and_items(engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return tuple(connection.exec_driver_sql(
            "SELECT (SELECT count(*) FROM cg_activities), (SELECT count(*) FROM cg_activity_items)").one())
