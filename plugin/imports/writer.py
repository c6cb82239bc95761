"""Handing validated chunks to the database (the chunked import, SQLite) and counting what they did."""
from __future__ import annotations

from typing import Any

Chunk = list[tuple[int, dict[str, Any]]]


class ChunkWriter:
    """Writes chunks of validated rows and counts what they did in the import's report."""

    def __init__(self, chunks, report):
        self.chunks = chunks
        self.report = report

    def write(self, chunk: Chunk) -> None:
        if not chunk:
            return
        records, created, updated = self.chunks.write(chunk)
        self.report.created += created
        self.report.updated += updated
        self.report.unchanged += records - created - updated
