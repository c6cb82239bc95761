"""Reading an import file: the header checked against the format, then records one at a time."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import IO

from .errors import ImportFailed

#: Header row's number: rows are counted like a spreadsheet's, so the first record is row 2.
HEADER_ROW = 1


def read_header(records: Iterator[tuple[int, list[str]]], known: Iterable[str], required: Iterable[str]) -> list[str]:
    """The file's column names, refused when one is unknown, repeated or a required one is missing."""
    try:
        _, header = next(records)
    except StopIteration:
        raise ImportFailed(HEADER_ROW, None, "the file is empty; it needs a header row") from None
    names = [column_name(cell) for cell in header]
    while names and not names[-1]:  # ``a,b,``: every line ends in a comma; a cell under it must be empty
        names.pop()
    known = list(known)
    seen: set[str] = set()
    for name, cell in zip(names, header):
        if name not in known:
            written = column_name(cell, fold_case=False)
            raise ImportFailed(HEADER_ROW, written or "(blank)", _unknown_column(written, known))
        if name in seen:
            raise ImportFailed(HEADER_ROW, name, "the column appears twice")
        seen.add(name)
    for name in required:
        if name not in seen:
            raise ImportFailed(HEADER_ROW, name, "required column missing from the header")
    return names


#: A NUL (which PostgreSQL cannot hold in text: a 500), or a byte that is not UTF-8 (``open_text``
#: reads those as U+DC80-U+DCFF, so that the row and column holding one can be named).
_UNREADABLE = re.compile("[\x00\udc80-\udcff]")


def numbered_records(text: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` for each record, streamed; a decoding or CSV error names its row,
    a NUL character or a byte that is not UTF-8 its row and column."""
    reader = csv.reader(text, strict=True)
    row = 0
    header: list[str] = []
    while True:
        row += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise ImportFailed(row, None, "the file is not UTF-8 text") from None
        except csv.Error as error:
            raise ImportFailed(row, None, f"not valid CSV ({error})") from None
        joined = "".join(record)
        if not joined or joined.isspace():  # a blank line, or a row of empty cells (``,,,``):
            yield row, []  # spreadsheets save their formatted but empty rows so
            continue
        # Both characters are caught by plain tests first: the pattern on every row of a million
        # cost a third of a second; a NUL is ASCII, a non-UTF-8 byte read back is not.
        if "\x00" in joined or (not joined.isascii() and _UNREADABLE.search(joined)):
            place, found = next((index, match.group()) for index, cell in enumerate(record)
                                if (match := _UNREADABLE.search(cell)))
            column = column_name(header[place]) if row > HEADER_ROW and place < len(header) else None
            raise ImportFailed(row, column, "holds a NUL character (U+0000); no column accepts one" if found == "\x00"
                               else "not UTF-8 text; save the file as UTF-8")
        header = header or record
        yield row, record


def column_name(cell: str, *, fold_case: bool = True) -> str:
    """A header cell as a column name: without surrounding spaces or a byte order mark, and in
    lower case (spreadsheets and other systems' exports write ``External_ID``, ``Email``)."""
    name = cell.strip().lstrip("\ufeff").strip()
    return name.lower() if fold_case else name


def _unknown_column(written: str, known: list[str]) -> str:
    """The message for a header cell that names no column; a file whose cells are separated by
    ``;`` or tabs (a spreadsheet's CSV in many locales) reads as one unknown column, so say that."""
    separator = next((mark for mark in (";", "\t") if mark in written), None)
    if separator is not None:
        return (f"unknown column; the file seems to separate its cells with {separator!r}: "
                f"save it as CSV with commas between cells")
    return f"unknown column; the columns are {', '.join(known)}"


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read through it, for a progress bar over the file's size."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if hasattr(self.raw, "readinto"):
            count = self.raw.readinto(buffer) or 0
        else:  # a stream that only reads (some upload wrappers)
            data = self.raw.read(len(buffer))
            count = len(data)
            buffer[:count] = data
        self.bytes_read += count
        return count


def open_text(binary: IO[bytes]) -> tuple[IO[str], CountingReader]:
    """UTF-8 text over ``binary`` (a file opened ``"rb"``, an upload's stream; a byte-order mark
    is skipped), and its counter of bytes read, for a progress bar over the file's size."""
    counter = CountingReader(binary)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding="utf-8-sig", errors="surrogateescape",
                            newline="")
    return text, counter
