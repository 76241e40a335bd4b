"""Tables to files: XLSX (openpyxl in write-only mode: rows stream out, nothing is kept per
cell) and CSV (UTF-8 with a BOM and «;», as Excel in a Russian locale opens it)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import datetime

from web.tables import Table, cell_text

FORMATS = {"pct": "0.0%", "wd": "0.0", "num": "0.0", "int": "0", "date": "DD.MM.YYYY"}
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def xlsx(tables: Sequence[Table], *, heading: str | None = None) -> bytes:
    """One sheet per table: its title, the column heads in bold, then the rows."""
    from openpyxl import Workbook  # loaded with the first export, not with the bot
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(_BAD_SHEET.sub(" ", table.title)[:31] or table.key)
        if heading:
            sheet.append([heading])
        sheet.append([table.title])
        heads = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column.title)
            cell.font = bold
            heads.append(cell)
        sheet.append(heads)
        formats = [FORMATS.get(c.kind) for c in table.columns]
        for row in table.rows:
            out = []
            for value, fmt in zip(row, formats, strict=True):
                if isinstance(value, datetime):
                    value = value.replace(tzinfo=None)
                if fmt and isinstance(value, int | float) and not isinstance(value, bool):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = fmt
                    out.append(cell)
                else:
                    out.append(value)
            sheet.append(out)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(table: Table) -> bytes:
    """The table as CSV: raw numbers (a share as 0.523), so that spreadsheets compute."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.title for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [
                ""
                if value is None
                else (
                    f"{value:.4f}".rstrip("0").rstrip(".")
                    if isinstance(value, float)
                    else value
                    if isinstance(value, int)
                    else cell_text(value, column.kind)
                )
                for value, column in zip(row, table.columns, strict=True)
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
