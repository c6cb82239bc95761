"""Writing customer rows as CSV or as an Excel workbook, both streamed."""
from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def write_csv(header: Iterable[str], rows: Iterable[list[str]], text: IO[str]) -> int:
    """Rows to a text stream (open it with ``newline=""``); returns how many were written."""
    writer = csv.writer(text)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def write_xlsx(header: Iterable[str], rows: Iterable[list[str]], binary: IO[bytes] | str) -> int:
    """Rows to an .xlsx file in openpyxl's write-only mode: rows go to disk as they come.

    Every cell is text, as in the CSV, and text that starts with ``=`` stays text: a customer's
    name never becomes a formula in someone's spreadsheet.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("customers")
    sheet.append(list(header))
    count = 0
    for row in rows:
        sheet.append([_text_cell(sheet, value) for value in row])
        count += 1
    workbook.save(binary)
    return count


def _text_cell(sheet, value: str) -> Any:
    if not value:
        return None
    value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters Excel cannot hold
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would store it as a formula
    return cell
