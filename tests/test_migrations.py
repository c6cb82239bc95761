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
