"""Excel (.xlsx) with openpyxl: one page per sheet, one table row per spreadsheet row.

Destinations and encounter trackers arrive as spreadsheets. Read-only mode streams rows so a
large workbook stays cheap, ``data_only`` gives the cached values rather than formulas, and
rows beyond ``ctx.max_rows`` per sheet are left out with a warning.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

from triage.ingest.base import Extracted, LoadContext, LoadError, TextBuilder, check_package


def load(path: Path, data: bytes, ctx: LoadContext) -> Extracted:
    if not data.startswith(b"PK"):
        raise LoadError(
            "not an Excel workbook: the file is not an .xlsx package (is it a renamed .xls or .csv?)"
        )
    check_package(data, "an Excel workbook")
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise LoadError("not an Excel workbook: the .xlsx package is damaged or incomplete") from exc
    except Exception as exc:  # noqa: BLE001 - openpyxl raises several parser errors
        raise LoadError("not an Excel workbook: the .xlsx package could not be opened") from exc

    builder = TextBuilder()
    notes: list[str] = []
    try:
        for sheet in book.worksheets:
            builder.start_page()
            builder.add("heading", sheet.title, level=1)
            for count, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if count > ctx.max_rows:
                    notes.append(f"sheet '{sheet.title}': only the first {ctx.max_rows} rows were read")
                    break
                cells = [_cell_text(v) for v in row]
                builder.add("table_row", " | ".join(c for c in cells if c))
            builder.end_page()
            if ctx.out_of_time():
                notes.append("stopped early: the workbook took too long to read")
                break
    finally:
        book.close()
    if not builder.has_text:
        raise LoadError("no text found: the workbook is empty")
    return builder.build(status="warning" if notes else "ok", message="; ".join(notes))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.strftime("%d/%m/%Y")
            if not (value.hour or value.minute)
            else value.strftime("%d/%m/%Y %H:%M")
        )
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
