"""What any importer into the plugin's tables must pay at least (issue 4's ratio to a bare COPY).

The rows an import wrote for one shop are read back in PostgreSQL's binary format, then COPYed
into copies of the same tables: the same columns, indexes, checks and (in the first variant)
foreign keys. No CSV to parse, no value to check or convert, no customer to look up: only the
writing. When this floor alone is several times the bare ``COPY`` of the CSV files, no importer
of these tables reaches the ratio; only other tables would.
"""
from __future__ import annotations

import os
import tempfile
import time

import psycopg

import common

#: The tables each import writes, parents first (the foreign keys of a copy point at the originals).
WRITTEN = {
    "customers": ("cg_customers", "cg_customer_tags", "cg_memberships", "cg_membership_events"),
    "activities": ("cg_activities", "cg_activity_items"),
}
#: Read back and written in blocks of this many bytes.
BLOCK = 1 << 20
#: Which of the originals' foreign keys each variant keeps: all, all but those to ``cg_shops``
#: (each of these tables also reaches its shop through a customer, group or activity), none.
VARIANTS = {"": lambda definition: True,
            "_without_shop_foreign_keys": lambda definition: "REFERENCES cg_shops" not in definition,
            "_without_foreign_keys": lambda definition: False}


def measure(url: str, shop_id: int, log) -> dict:
    """For each import and each of ``VARIANTS``, the seconds and PostgreSQL CPU of writing its
    rows into copies of its tables."""
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="cg_floor_") as folder, \
            psycopg.connect(common.libpq_url(url)) as connection:
        backend = connection.info.backend_pid
        for kind, tables in WRITTEN.items():
            files = {table: _read_back(connection, table, shop_id, os.path.join(folder, table)) for table in tables}
            for variant, keeps in VARIANTS.items():
                label = f"floor_{kind}{variant}"
                log(f"{label}: COPY of {sum(rows for _, rows in files.values()):,} rows into copies of {', '.join(tables)}…")
                cpu = common.CpuMeter({"postgres": {backend}}).start()
                started = time.perf_counter()
                for table, (path, _rows) in files.items():
                    _create_copy(connection, table, keeps)
                    _copy_in(connection, table, path)
                connection.commit()
                seconds = time.perf_counter() - started
                spent = cpu.stop()
                result[label] = {"seconds": round(seconds, 2), "postgres_cpu_s": round(spent["postgres"], 1),
                                 "rows": {table: rows for table, (_path, rows) in files.items()}}
                log(f"  {seconds:.1f} s")
                for table in reversed(tables):
                    connection.execute(f"DROP TABLE {_copy_of(table)}")
                connection.commit()
    return result


def _copy_of(table: str) -> str:
    return f"bench_floor_{table}"


def _read_back(connection: psycopg.Connection, table: str, shop_id: int, path: str) -> tuple[str, int]:
    """The shop's rows of ``table`` in binary COPY format, in a file; and how many there are."""
    with open(path, "wb") as file, connection.cursor() as cursor:
        with cursor.copy(f"COPY (SELECT * FROM {table} WHERE shop_id = {int(shop_id)}) TO STDOUT (FORMAT binary)") as copy:
            for block in copy:
                file.write(block)
        rows = cursor.rowcount
    connection.commit()
    return path, rows


def _create_copy(connection: psycopg.Connection, table: str, keeps) -> None:
    """``LIKE … INCLUDING ALL`` copies columns, defaults, identity, checks and indexes, not the
    foreign keys: those ``keeps`` accepts are added from the original's definitions."""
    connection.execute(f"CREATE TABLE {_copy_of(table)} (LIKE {table} INCLUDING ALL)")
    definitions = connection.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        (table,),
    ).fetchall()
    for name, definition in filter(lambda constraint: keeps(constraint[1]), definitions):
        connection.execute(f"ALTER TABLE {_copy_of(table)} ADD CONSTRAINT {_copy_of(name)} {definition}")


def _copy_in(connection: psycopg.Connection, table: str, path: str) -> None:
    with open(path, "rb") as file, connection.cursor() as cursor, \
            cursor.copy(f"COPY {_copy_of(table)} FROM STDIN (FORMAT binary)") as copy:
        while block := file.read(BLOCK):
            copy.write(block)
