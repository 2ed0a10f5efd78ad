"""Excel workbooks as departments send them: typed cells, one table per sheet.

A workbook may hold several data sheets (one per month, one per county), each
with its own header row in row 1, beside sheets that are not data (填报说明,
a hidden list of allowed values). :func:`sheet_headers` lists each sheet's
header row; the reader decides which sheets are data (see
:func:`features.records.readers.open_table_file`) and :func:`sheet_rows` reads
one sheet's rows. Cells are turned into canonical strings by :func:`cell_text`
(also used for Parquet).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SheetHeader", "WorkbookError", "cell_text", "sheet_headers", "sheet_rows"]


class WorkbookError(Exception):
    """The workbook cannot be opened; the message gives the cause (without the path)."""


def cell_text(value: Any) -> str:
    """Canonical string of one typed cell (Excel or Parquet); empty for missing."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | pd.Timestamp):
        if pd.isna(value):
            return ""
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(float(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def _open(path: Path) -> Any:
    import openpyxl  # only Excel files need it

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise WorkbookError(f"不是可读的 Excel 文件 / not a readable Excel file ({exc})") from None


@dataclass(frozen=True)
class SheetHeader:
    """One sheet's name, its header row as strings (empty: no header) and its row count."""

    name: str
    headers: tuple[str, ...]
    rows: int


def sheet_headers(path: Path) -> list[SheetHeader]:
    """Every worksheet of the workbook in order, with its row-1 cells as strings.

    Raises
    ------
    WorkbookError
        The file is not a readable workbook.
    """
    book = _open(path)
    try:
        out = []
        for sheet in book.worksheets:
            try:
                first = next(sheet.iter_rows(max_row=1, values_only=True), None)
                rows = sheet.max_row or 0
            except Exception as exc:  # a damaged sheet part
                raise WorkbookError(
                    f"工作表 {sheet.title} 无法读取 / sheet {sheet.title!r} cannot be read ({exc})"
                ) from None
            headers = tuple(cell_text(v) for v in first or ())
            # trailing empty cells of the header row are formatting, not columns
            while headers and not headers[-1].strip():
                headers = headers[:-1]
            out.append(SheetHeader(sheet.title, headers, rows))
        return out
    finally:
        book.close()


def sheet_rows(
    path: Path, sheet: str, positions: Sequence[int], chunk_rows: int
) -> Iterator[tuple[list[list[str]], list[int]]]:
    """Rows 2… of ``sheet``: the cells at ``positions`` as strings, with their row numbers.

    Yields lists of at most ``chunk_rows`` rows and their sheet row numbers.
    """
    book = _open(path)
    try:
        rows = book[sheet].iter_rows(min_row=2, values_only=True)
        buffer: list[list[str]] = []
        numbers: list[int] = []
        for number, values in enumerate(rows, start=2):
            buffer.append([cell_text(values[i]) if i < len(values) else "" for i in positions])
            numbers.append(number)
            if len(buffer) >= chunk_rows:
                yield buffer, numbers
                buffer, numbers = [], []
        if buffer:
            yield buffer, numbers
    except WorkbookError:
        raise
    except Exception as exc:  # a damaged sheet part found while reading
        raise WorkbookError(
            f"工作表 {sheet} 无法读取 / sheet {sheet!r} cannot be read ({exc})"
        ) from None
    finally:
        book.close()
