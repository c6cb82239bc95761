"""Alembic environment: the plugin's tables, on the app's engine, in our own version table."""
from __future__ import annotations

from contextlib import contextmanager

from alembic import context
from flask import current_app

import plugin.models  # noqa: F401  (registers every table on the metadata)
from plugin.db import metadata


def _ours(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate compares only the plugin's tables, never the host's."""
    return type_ != "table" or name in metadata.tables


def run_migrations() -> None:
    options = {
        "target_metadata": metadata,
        "version_table": current_app.config["CUSTOMER_GROUPS_VERSION_TABLE"],
        "include_object": _ours,
        "render_as_batch": True,
    }
    engine = current_app.extensions["customer_groups"].db.engine
    if context.is_offline_mode():
        context.configure(url=engine.url.render_as_string(hide_password=False), literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    with engine.connect() as connection, _foreign_keys_off_on_sqlite(connection):
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()


@contextmanager
def _foreign_keys_off_on_sqlite(connection):
    """SQLite alters a table by copying it, dropping the old one and renaming the copy (batch
    mode); with a host's ``PRAGMA foreign_keys`` on, the drop deletes the old rows first and
    cascades to the tables that refer to it (0011 emptied cg_activity_items). Alembic's advice:
    migrate with the pragma off, which SQLite honours only outside a transaction, and set it back."""
    enforced = connection.dialect.name == "sqlite" and connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    if enforced:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()  # no transaction open when the migrations begin theirs
    try:
        yield
    finally:
        if enforced:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


run_migrations()
