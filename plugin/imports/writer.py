"""Handing validated chunks to the database: on PostgreSQL, on a second thread, so that the next
chunk is parsed and validated (Python, one core) while the server stores this one (another core).

The thread runs in a copy of the caller's context, so ``session()`` is the caller's session and
everything stays in one transaction. Only one thread uses the session at a time: the parser
hands a chunk over and goes back to pure Python; it takes the session back (``finish`` or
``abandon``) only once the writer has stopped.
"""
from __future__ import annotations

import contextvars
import queue
import threading
from typing import Any

from ..sql import dialect_name

Chunk = list[tuple[int, dict[str, Any]]]


class ChunkWriter:
    """Writes each chunk before returning (SQLite, whose connections stay on their thread)."""

    def __init__(self, chunks, report):
        self.chunks = chunks
        self.report = report
        self.rows_written = 0

    @classmethod
    def for_database(cls, chunks, report) -> ChunkWriter:
        return ThreadedChunkWriter(chunks, report) if dialect_name() == "postgresql" else cls(chunks, report)

    def put(self, chunk: Chunk) -> None:
        self.write(chunk)

    def finish(self) -> None:
        """Wait until every chunk handed over is written; raises the first chunk's error."""

    def abandon(self) -> None:
        """Stop writing (an error elsewhere); the caller rolls back."""

    def write(self, chunk: Chunk) -> None:
        if not chunk:
            return
        records, created, updated = self.chunks.write(chunk)
        self.report.created += created
        self.report.updated += updated
        self.report.unchanged += records - created - updated
        self.rows_written += len(chunk)


class ThreadedChunkWriter(ChunkWriter):
    _DONE = None

    def __init__(self, chunks, report):
        super().__init__(chunks, report)
        self.error: BaseException | None = None
        self.pending: queue.Queue = queue.Queue(maxsize=1)  # one chunk waiting, one being written
        context = contextvars.copy_context()
        self.thread = threading.Thread(target=context.run, args=(self._work,), name="customer-groups-import",
                                       daemon=True)
        self.thread.start()

    def put(self, chunk: Chunk) -> None:
        if self.error is not None:
            self.finish()
        self.pending.put(chunk)

    def finish(self) -> None:
        self._stop()
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        self._stop()

    def _stop(self) -> None:
        if self.thread.is_alive():
            self.pending.put(self._DONE)
            self.thread.join()

    def _work(self) -> None:
        while (chunk := self.pending.get()) is not self._DONE:
            if self.error is None:
                try:
                    self.write(chunk)
                except BaseException as error:  # raised again on the parser's thread
                    self.error = error
