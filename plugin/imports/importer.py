"""The all-or-nothing import: stream the file, validate each row, write it, one transaction.

PostgreSQL takes the whole file at once (``bulk``); SQLite gets it validated in Python and
written in chunks.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any
from zoneinfo import ZoneInfo

from marshmallow import Schema
from sqlalchemy import text as sql_text

from ..db import session
from ..models import Shop
from ..models._columns import utcnow
from ..schemas import ActivityInSchema, CustomerInSchema
from ..segments.refresh import GroupChange, refresh_shop
from ..sql import dialect_name
from . import bulk, spool, staging
from .activities import ActivityChunks
from .customers import CustomerChunks
from .errors import ImportFailed
from .reading import numbered_records, read_header
from .rows import RowLoader
from .writer import ChunkWriter

#: Rows validated in Python before each round of SQL (SQLite), and between progress reports:
#: big enough that statements are few, small enough that a chunk stays a few megabytes.
CHUNK_ROWS = 20_000

#: Rows stored or changed from which the import refreshes the planner's statistics of the tables
#: it wrote: right after a bulk load they describe the tables before it (and autovacuum may be
#: off, or late), and the refresh's aggregates would be planned as for a handful of rows.
ANALYZE_AFTER = 1_000

Progress = Callable[[int], Any]


@dataclass
class ImportReport:
    """What an import did. ``rows`` counts the file's data rows; the others count records
    (a customer or activity named on several rows counts once)."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: What the refresh after the import changed, one entry per dynamic group (none without one).
    group_changes: list[GroupChange] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.kind}: {self.rows} rows, {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged")


def import_customers(
    shop: Shop, text: IO[str], progress: Progress | None = None, *, actor: str = "import", refresh: bool = False,
) -> ImportReport:
    """Import a customers CSV (SPEC §5) into ``shop``: all of it, committed, or nothing.

    ``text`` is any text stream (an open file, ``io.TextIOWrapper`` over an upload);
    ``progress(rows)`` is called every ``CHUNK_ROWS`` rows with the data rows read so far. A bad file
    raises ``ImportFailed`` (row, column, message) after rolling the session back.
    New customers join the default group with source ``import``. ``refresh=True`` (the CLI's
    default) then refreshes the shop once, so groups on birthdays, tags or cities are current.
    """
    return _run(shop, text, CustomerInSchema(), CustomerChunks, "customers", progress, actor, refresh)


def import_activities(
    shop: Shop, text: IO[str], progress: Progress | None = None, *, actor: str = "import", refresh: bool = True,
) -> ImportReport:
    """Import an activities CSV (SPEC §5), committed as one transaction, then refresh the shop's
    RFM scores and dynamic groups once (``refresh=False`` leaves that to the next refresh)."""
    return _run(shop, text, ActivityInSchema(), ActivityChunks, "activities", progress, actor, refresh)


def _run(shop: Shop, text: IO[str], schema: Schema, chunks_class, kind: str, progress: Progress | None,
         actor: str, refresh: bool) -> ImportReport:
    db = session()
    report = ImportReport(kind)
    try:
        records = numbered_records(text)
        header = read_header(records, known=_columns(schema), required=_required(schema))
        loader = RowLoader(schema, header, ZoneInfo(shop.timezone))
        chunks = chunks_class(shop, header, actor=actor, now=utcnow())
        if dialect_name() == "postgresql" and not loader.whole_rows:
            bulk.import_file(chunks, bulk.RawFile(schema, header, loader, shop.timezone), records, report,
                             progress, CHUNK_ROWS)
        else:
            _import_in_chunks(chunks, loader, records, report, progress)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    if report.created + report.updated >= ANALYZE_AFTER:
        _analyze(chunks.written_tables)
    if progress is not None:
        progress(report.rows)
    if refresh:  # once for the whole file, after it is committed and analysed
        report.group_changes = refresh_shop(shop, utcnow())
    return report


def _import_in_chunks(chunks, loader: RowLoader, records, report: ImportReport, progress: Progress | None) -> None:
    """Validate rows in Python and keep them aside, then store them ``CHUNK_ROWS`` at a time
    (SQLite), each record once (``spool``)."""
    staging.create((*chunks.tables, staging.spooled))
    chunk: list[tuple[int, dict[str, Any]]] = []
    try:
        for row, cells in records:  # (a record that is not CSV, or not UTF-8, fails here)
            if not cells:  # a blank line
                continue
            chunk.append((row, chunks.prepare(row, loader.load(row, cells))))
            report.rows += 1
            if len(chunk) >= CHUNK_ROWS:
                spool.keep(chunk)
                chunk = []
                if progress is not None:
                    progress(report.rows)
    except ImportFailed as failure:
        spool.keep(chunk)  # an earlier row may be wrong in a way only the database sees:
        chunks.check_database(before=failure.row, staged=staging.spooled)  # that row is the first bad one
        raise
    spool.keep(chunk)
    chunks.check_database(before=None, staged=staging.spooled)  # rows the folding leaves out too
    writer = ChunkWriter(chunks, report)
    for folded in spool.folded_chunks(CHUNK_ROWS, merge_cells=chunks.merges_repeated_rows):
        writer.write(folded)
    staging.drop((*chunks.tables, staging.spooled))


def _analyze(tables) -> None:
    for table in tables:
        session().execute(sql_text(f"ANALYZE {table.name}"))
    session().commit()


def _columns(schema: Schema) -> list[str]:
    return [field.data_key or name for name, field in schema.load_fields.items()]


def _required(schema: Schema) -> list[str]:
    return [field.data_key or name for name, field in schema.load_fields.items() if field.required]
