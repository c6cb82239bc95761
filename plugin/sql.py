"""Small SQL helpers that read the same on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Insert

from .db import session

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_name() -> str:
    return session().get_bind().dialect.name


def insert_ignoring_duplicates(model) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING``: concurrent writers of the same row both succeed."""
    return _INSERTS[dialect_name()](model).on_conflict_do_nothing()

