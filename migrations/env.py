"""Alembic environment: the plugin's tables, on the app's engine, in our own version table."""
from __future__ import annotations

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
    with engine.connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
