"""One export, start to end: the customers of a group, a condition or a list into a CSV or Excel file."""
from __future__ import annotations

from pathlib import Path
from typing import IO

from ..errors import ValidationFailed
from ..models import Shop
from .rows import COLUMNS, Source, customer_rows
from .writers import FORMATS, write_csv, write_xlsx


def export_customers(shop: Shop, source: Source, fmt: str, output: str | Path | IO) -> int:
    """Write the customers of ``source`` (a group key, a SPEC §3 condition evaluated now, or a ``Listed``)
    to ``output`` (a path, or a stream: text for CSV, binary for Excel); returns the count."""
    if fmt not in FORMATS:
        raise ValidationFailed.on("format", f"must be one of {', '.join(FORMATS)}")
    rows = customer_rows(shop, source)
    if fmt == "xlsx":
        return write_xlsx(COLUMNS, rows, str(output) if isinstance(output, Path) else output)
    if isinstance(output, (str, Path)):
        with open(output, "w", newline="", encoding="utf-8") as text:
            return write_csv(COLUMNS, rows, text)
    return write_csv(COLUMNS, rows, output)
