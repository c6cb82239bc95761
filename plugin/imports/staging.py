"""Temporary tables an import fills one chunk at a time, then merges into the real tables in SQL.

PostgreSQL gets each chunk through ``COPY … FROM STDIN`` (the fastest way in); SQLite through
one ``executemany``. Either way the merge that follows is the same SQLAlchemy Core statements.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, Index, Integer, LargeBinary, MetaData, String, Table, delete, text,
)

from ..db import session
from ..models._columns import UtcDateTime
from ..sql import dialect_name

_metadata = MetaData()


def _temporary(name: str, *columns: Column) -> Table:
    # ON COMMIT DROP: PostgreSQL forgets them with the import's transaction; SQLite keeps temporary
    # tables for the connection's life, so ``create`` drops any left by an earlier import first.
    return Table(name, _metadata, *columns, prefixes=["TEMPORARY"], postgresql_on_commit="DROP")


customers = _temporary(
    "cg_import_customers",
    Column("row_no", Integer), Column("external_id", String), Column("first_name", String),
    Column("last_name", String), Column("email", String), Column("phone", String), Column("gender", String),
    Column("birthday", Date), Column("city", String), Column("card_number", String),
    Column("registered_at", UtcDateTime), Column("email_opt_in", Boolean), Column("sms_opt_in", Boolean),
    Column("tags_given", Boolean),
)
#: The lists are indexed as the set differences look them up: without, SQLite scanned a chunk's
#: staged tags for each stored tag (re-importing 20,000 tagged customers took 85 s).
tags = _temporary("cg_import_tags", Column("external_id", String), Column("tag", String),
                  Index("ix_cg_import_tags", "external_id", "tag"))
activities = _temporary(
    "cg_import_activities",
    Column("row_no", Integer), Column("external_id", String), Column("customer_external_id", String),
    Column("kind", String), Column("status", String), Column("occurred_at", UtcDateTime),
    Column("amount_milli", BigInteger), Column("currency", String), Column("location", String),
    Column("channel", String),
)
items = _temporary(
    "cg_import_items", Column("external_id", String), Column("item_type", String), Column("value", String),
    Index("ix_cg_import_items", "external_id", "item_type", "value"),
)

#: The chunked import's validated rows, kept until the file is read (``spool``): ``data`` is the
#: row's loaded dict, pickled.
spooled = _temporary(
    "cg_import_rows", Column("row_no", Integer, primary_key=True), Column("external_id", String),
    Column("customer_external_id", String), Column("data", LargeBinary),
)


def create(tables: Iterable[Table]) -> None:
    connection = session().connection()
    for table in tables:
        if dialect_name() == "sqlite":
            connection.execute(text(f"DROP TABLE IF EXISTS temp.{table.name}"))
        table.create(connection)


def drop(tables: Iterable[Table]) -> None:
    connection = session().connection()
    for table in tables:
        connection.execute(text(f"DROP TABLE IF EXISTS {'temp.' if dialect_name() == 'sqlite' else ''}{table.name}"))


def refill(table: Table, rows: Sequence[tuple]) -> None:
    """Replace the table's rows with ``rows`` (tuples in the table's column order)."""
    postgresql = dialect_name() == "postgresql"
    session().connection().execute(text(f"TRUNCATE {table.name}") if postgresql else delete(table))
    append(table, rows)


def append(table: Table, rows: Sequence[tuple]) -> None:
    """Add ``rows`` (tuples in the table's column order) to the table."""
    if not rows:
        return
    connection = session().connection()
    if dialect_name() == "postgresql":
        _copy(connection, table, rows)
        return
    names = [column.name for column in table.columns]
    connection.execute(table.insert(), [dict(zip(names, row)) for row in rows])


def _copy(connection, table: Table, rows: Sequence[tuple]) -> None:
    names = ", ".join(column.name for column in table.columns)
    # COPY skips the columns' types: bind as an INSERT would (a time in UTC: PostgreSQL reads no
    # offset beyond ±15:59, where Python's go to ±23:59).
    binds = [(index, bind) for index, column in enumerate(table.columns)
             if (bind := column.type.bind_processor(connection.dialect)) is not None]
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            if binds:
                row = list(row)
                for index, bind in binds:
                    row[index] = bind(row[index])
            write(row)
