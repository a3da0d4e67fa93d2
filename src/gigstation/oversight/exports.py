"""Tables as CSV and .xlsx files (openpyxl writes the workbook; the CSV has a BOM so
spreadsheet programs read the Chinese headers as UTF-8)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from openpyxl import Workbook

__all__ = ["CONTENT_TYPES", "Cell", "ExportFormat", "render"]

ExportFormat = Literal["csv", "xlsx"]
Cell = str | int | float | bool | date | datetime | UUID | None

CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if v is None else _plain(v) for v in row])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet[:31]
    ws.append(list(headers))
    for row in rows:
        ws.append([_plain(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
