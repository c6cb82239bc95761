"""The PostgreSQL import: the whole file COPYed in as text, checked and converted in SQL, merged once.

1. Each record goes, trimmed, into a temporary text table with its row number (``COPY``; Python
   only splits the CSV). 2. One query lists the rows SQL cannot certify (``checks``); the Python
   row loader reads those: the first bad one is the error, the others are stored back in a
   canonical spelling SQL reads. 3. Rows for the same record are folded into one, as the
   chunked path does. 4. Views over the table give it the shape of the staging tables, and the
   same merge statements as on SQLite run once for the whole file.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from marshmallow import Schema
from sqlalchemy import text

from ..db import session
from . import checks
from .errors import ImportFailed
from .rows import RowLoader

RAW = "cg_import_raw"
FIXES = "cg_import_fixes"
#: Canonical rows written back per statement when many rows need the Python loader.
FIX_BATCH = 5_000
#: Sorting and hashing a whole file's ids is this import's work; more memory keeps it off disk.
WORK_MEM = "128MB"


def import_file(chunks, raw: RawFile, records: Iterator[tuple[int, list[str]]], report, progress, every: int) -> None:
    """Import the whole file in one pass of each statement (PostgreSQL); ``report`` gets the counts."""
    raw.create()
    stopped = raw.copy_in(records, progress, every)
    report.rows = raw.rows
    bad = raw.first_bad_row(chunks, before=stopped.row if stopped else None)
    first = bad or stopped
    chunks.stage_file(raw)
    chunks.check_database(before=first.row if first else None)
    if first is not None:
        raise first
    records_in_file = raw.fold_rows(merge_cells=chunks.merges_repeated_rows)
    created, updated = chunks.merge(records=records_in_file)
    report.created, report.updated = created, updated
    report.unchanged = records_in_file - created - updated
    raw.drop_views(table.name for table in chunks.tables)


class RawFile:
    """One import file in a temporary text table, ``row_no`` and one column per schema column."""

    def __init__(self, schema: Schema, header: list[str], loader: RowLoader, zone: str):
        self.fields = {field.data_key or name: field for name, field in schema.load_fields.items()}
        self.header = header
        self.loader = loader
        self.zone = zone
        self.rows = 0

    def create(self) -> None:
        columns = ", ".join(f"{name} text" for name in self.fields)
        for table in (RAW, FIXES):
            self._execute(f"CREATE TEMPORARY TABLE {table} (row_no integer, checked boolean NOT NULL DEFAULT false, "
                          f"{columns}) ON COMMIT DROP")
        self._execute(f"SET LOCAL work_mem = '{WORK_MEM}'")

    def copy_in(self, records: Iterator[tuple[int, list[str]]], progress, every: int) -> ImportFailed | None:
        """Copy every record in; returns the error that stopped the reading (a bad CSV record, a
        row too wide), which still comes after any bad row before it."""
        width = len(self.header)
        names = ", ".join(("row_no", *self.header))
        raw = session().connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {RAW} ({names}) FROM STDIN") as copy:
            write = copy.write_row
            try:
                for row, cells in records:
                    if not cells:  # a blank line
                        continue
                    if len(cells) != width:
                        self.loader.check_width(row, cells)
                        cells = (cells + [""] * width)[:width]
                    write((row, *[cell.strip() or None for cell in cells]))
                    self.rows += 1
                    if progress is not None and self.rows % every == 0:
                        progress(self.rows)
            except ImportFailed as error:
                return error
        self._execute(f"ANALYZE {RAW}")
        return None

    def first_bad_row(self, chunks, before: int | None) -> ImportFailed | None:
        """Read the rows SQL cannot certify with the Python loader (and ``chunks.prepare``), in file
        order; the first bad one's error, or None when all are good (then stored back in a
        canonical spelling)."""
        certified = " AND ".join([checks.certifies(field, name, self.zone) for name, field in self.fields.items()
                                  if name in self.header] + chunks.certified_rows())
        limit = f"AND row_no < {int(before)}" if before is not None else ""
        names = ", ".join(self.header)
        result = session().connection().execute(text(
            f"SELECT row_no, {names} FROM {RAW} WHERE NOT checked AND NOT coalesce({certified}, false) {limit} "
            f"ORDER BY row_no"
        ).execution_options(stream_results=True, yield_per=FIX_BATCH))
        fixes: list[tuple] = []
        for record in result:
            row, cells = record[0], [cell or "" for cell in record[1:]]
            try:
                data = chunks.prepare(row, self.loader.load(row, cells))
            except ImportFailed as error:
                result.close()
                return error
            data.update(chunks.canonical_overrides(data))
            fixes.append((row, True, *(checks.canonical(data.get(column.attribute)) for column in self.loader.columns)))
            if len(fixes) >= FIX_BATCH:
                self._store_fixes(fixes)
                fixes = []
        self._store_fixes(fixes)
        return None

    def fold_rows(self, *, merge_cells: bool) -> int:
        """Leave one row per external id: its last, or (``merge_cells``) its last row with each
        empty cell taken from the latest earlier row that fills it, as successive events would.
        Returns the rows left (the file's records)."""
        repeated = f"SELECT external_id FROM {RAW} GROUP BY external_id HAVING count(*) > 1"
        if not merge_cells:
            return self.rows - session().execute(text(
                f"DELETE FROM {RAW} r USING (SELECT external_id, max(row_no) AS last FROM {RAW} "
                f"GROUP BY external_id HAVING count(*) > 1) d WHERE r.external_id = d.external_id AND r.row_no < d.last"
            )).rowcount
        others = [name for name in self.fields if name != "external_id"]
        latest = ", ".join(f"(array_agg({name} ORDER BY row_no DESC) FILTER (WHERE {name} IS NOT NULL))[1]"
                           for name in others)
        folded = session().execute(text(
            f"INSERT INTO {FIXES} (row_no, checked, external_id, {', '.join(others)}) "
            f"SELECT max(row_no), true, external_id, {latest} FROM {RAW} WHERE external_id IN ({repeated}) "
            f"GROUP BY external_id"
        )).rowcount
        if not folded:
            return self.rows
        removed = session().execute(text(f"DELETE FROM {RAW} r USING {FIXES} f WHERE r.external_id = f.external_id")).rowcount
        self._execute(f"INSERT INTO {RAW} SELECT * FROM {FIXES}")
        self._execute(f"TRUNCATE {FIXES}")
        return self.rows - removed + folded

    def cell(self, name: str) -> str:
        """SQL for a column's value: converted, the field's default when empty, NULL otherwise."""
        field = self.fields[name]
        value = checks.converts(field, f"r.{name}", self.zone)
        default = field.load_default
        if isinstance(default, str):
            return f"coalesce({value}, {checks.converts(field, checks.quote(default), self.zone)})"
        return value

    @staticmethod
    def list_items(name: str, source: str = "r") -> str:
        """SQL rows (a lateral join) of the items of a list column of ``source``."""
        return checks.split_list(f"{source}.{name}")

    def create_view(self, name: str, columns: dict[str, str], source: str = "") -> None:
        select = ", ".join(f"{sql} AS {column}" for column, sql in columns.items())
        self._execute(f"CREATE TEMPORARY VIEW {name} AS SELECT {select} FROM {RAW} r {source}")

    def drop_views(self, names) -> None:
        """Before the commit drops the table they read."""
        self._execute(f"DROP VIEW {', '.join(names)}")

    def _store_fixes(self, fixes: list[tuple]) -> None:
        if not fixes:
            return
        names = ", ".join(("row_no", "checked", *self.header))
        raw = session().connection().connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {FIXES} ({names}) FROM STDIN") as copy:
                for fix in fixes:
                    copy.write_row(fix)
        assignments = ", ".join(f"{name} = f.{name}" for name in ("checked", *self.header))
        self._execute(f"UPDATE {RAW} r SET {assignments} FROM {FIXES} f WHERE r.row_no = f.row_no")
        self._execute(f"TRUNCATE {FIXES}")

    @staticmethod
    def _execute(sql: str, **params: Any) -> None:
        session().execute(text(sql), params)
