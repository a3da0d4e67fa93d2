"""Tables as CSV and .xlsx files (openpyxl writes the workbook; the CSV has a BOM so
spreadsheet programs read the Chinese headers as UTF-8).

Exports are inert: names, titles and addresses come from the public, and a cell that a
spreadsheet program would read as a formula (text starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return: OWASP, "CSV Injection") is written as text. In the .xlsx it
is a string cell (never a formula) with the quote-prefix style, so editing it keeps it
text; in the CSV it is prefixed with an apostrophe, which spreadsheet programs hide.
Numbers, dates and booleans are written as they are (a negative number is not text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

__all__ = ["CONTENT_TYPES", "FORMULA_STARTS", "Cell", "ExportFormat", "inert", "render"]

ExportFormat = Literal["csv", "xlsx"]
Cell = str | int | float | bool | date | datetime | UUID | None

CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet program read a text cell as a formula (OWASP, CSV Injection)."""


def inert(text: str) -> bool:
    """Whether a text cell can be written as it is (nothing would read it as a formula)."""
    return not text.startswith(FORMULA_STARTS)


def _plain(value: Cell) -> str | int | float | bool | date | None:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        # Spreadsheets hold no time zone: write the local wall time as ISO text instead.
        return value.isoformat()
    return value


def render(fmt: ExportFormat, sheet: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """The table as a file of the given format."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_csv_cell(h) for h in headers])
        for row in rows:
            writer.writerow(["" if v is None else _csv_cell(_plain(v)) for v in row])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet[:31]
    lines: list[list[Any]] = [list(headers), *([_plain(v) for v in row] for row in rows)]
    for values in lines:
        # Control characters cannot be stored in the file's XML at all: shown as U+FFFD.
        ws.append([ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v for v in values])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and not inert(cell.value):
                cell.data_type = "s"  # a string cell, never a formula
                cell.quotePrefix = True  # and it stays text when someone edits it
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_cell(value: str | int | float | bool | date | None) -> str | int | float | bool | date | None:
    if isinstance(value, str) and not inert(value):
        return "'" + value
    return value
