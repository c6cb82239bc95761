"""Exporting customers (a group's, a condition's, or the Customers page's list) as CSV or Excel; large exports in the background."""
from __future__ import annotations

from .background import ExportStatus, build_export, export_file, export_status, start_export
from .files import export_customers
from .rows import COLUMNS, Listed, customer_rows, member_external_ids
from .writers import FORMATS, MEDIA_TYPES

__all__ = [
    "COLUMNS", "FORMATS", "MEDIA_TYPES", "ExportStatus", "Listed", "build_export", "customer_rows", "export_customers",
    "export_file", "export_status", "member_external_ids", "start_export",
]
