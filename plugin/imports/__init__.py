"""Importing customers and activities from CSV files (SPEC §5): streamed, validated, all or nothing."""
from __future__ import annotations

from .errors import ImportFailed
from .importer import CHUNK_ROWS, ImportReport, import_activities, import_customers
from .reading import open_text

__all__ = ["CHUNK_ROWS", "ImportFailed", "ImportReport", "import_activities", "import_customers", "open_text"]
