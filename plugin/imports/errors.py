"""The one error an import raises: the first bad row and column, and what is wrong there."""
from __future__ import annotations

from ..errors import ValidationFailed


class ImportFailed(ValidationFailed):
    """``row 57, column occurred_at: Not a valid datetime.``; rows count the header as row 1."""

    def __init__(self, row: int, column: str | None, message: str):
        where = f"row {row}, column {column}" if column else f"row {row}"
        super().__init__(f"{where}: {message}", fields={column or "file": [message]})
        self.row = row
        self.column = column
        self.message = message
