"""The chunked import's rows, kept aside until the whole file is read, then folded and handed out
a chunk at a time.

A record named on several rows is stored once, from its last row, as the whole-file path
(``bulk``) stores it: a customer with the cells of its earlier rows that the later ones leave
empty, an activity as its last row alone. Stored chunk by chunk as the rows came, a record named
in two chunks was written twice: counted as an update of itself, and written again, with a new
``updated_at``, by every import of the same file.
"""
from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from ..db import session
from . import staging
from .writer import Chunk


def keep(rows: Chunk) -> None:
    """Set validated rows aside (pickled: they hold dates, times and lists, and only this import
    reads them back, in its own transaction)."""
    staging.append(staging.spooled, [
        (row, data["external_id"], data.get("customer_external_id"), pickle.dumps(data, pickle.HIGHEST_PROTOCOL))
        for row, data in rows
    ])


def folded_chunks(size: int, *, merge_cells: bool) -> Iterator[Chunk]:
    """The rows kept, in file order, ``size`` at a time, each record on its last row only
    (``merge_cells``: with the cells of its earlier rows that its later ones leave out)."""
    table = staging.spooled
    last_rows = dict(session().execute(
        select(table.c.external_id, func.max(table.c.row_no)).group_by(table.c.external_id).having(func.count() > 1)
    ).all())
    earlier: dict[str, dict[str, Any]] = {}  # the cells so far of a record whose last row is still to come
    chunk: Chunk = []
    for row, data in _kept(size):
        last_row = last_rows.get(data["external_id"])
        if last_row is not None:
            if merge_cells:
                data = {**earlier.pop(data["external_id"], {}), **data}
            if row != last_row:
                if merge_cells:
                    earlier[data["external_id"]] = data
                continue
        chunk.append((row, data))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _kept(page_size: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows kept, in file order, read a page at a time (the chunks are written in between)."""
    table, after = staging.spooled, 0
    while True:
        page = session().execute(select(table.c.row_no, table.c.data).where(table.c.row_no > after)
                                 .order_by(table.c.row_no).limit(page_size)).all()
        if not page:
            return
        after = page[-1].row_no
        for row, data in page:
            yield row, pickle.loads(data)
