"""Inert CSV and Excel exports: the one writer of every table file the platform hands out.

Department files carry free text (names, details) that ends up in exports the
supervisors, banks and modellers open in Excel or WPS. A text cell beginning
with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheet programs skip before reading a formula) would run as a formula —
``=HYPERLINK(...)`` becomes a live link, ``=cmd|...`` a DDE call. Following the
OWASP guidance on CSV injection, every export goes through this module:

* **CSV** (:func:`csv_bytes`, :func:`write_csv`): a *text* cell whose first
  character — after any leading spaces or line breaks, which spreadsheet programs
  skip too — is one of :data:`TRIGGERS` gets a single quote ``'`` in front
  (``'=HYPERLINK(...)``), so the program shows it as text. Cells that *are*
  numbers (an int or float column, or a number inside a mixed column) stay
  numbers, so a genuine negative line or PSI is still ``-0.25`` and sums in
  Excel (every field is in double quotes, which spreadsheet programs read
  through, so a line break inside a name cannot split a row). A number that
  arrives as *text* (``"-5"``) is text and gets the quote: numeric columns must
  be numeric in the frame, which they are everywhere the platform computes them.
  Column headers are treated like text cells.
* **Excel** (:func:`excel_bytes`, :func:`write_excel`): written cell by cell
  with openpyxl, never through pandas (which lets openpyxl turn a string starting
  with ``=`` into a formula). Every text cell is a string cell (``data_type
  "s"``); one that begins with a trigger also gets Excel's own "quote prefix"
  style — what Excel stores when a person types ``'=1+1`` — so the text reads
  exactly as the department wrote it and stays text when someone edits the
  cell. Numbers, dates and booleans keep their types.

Pure: the functions take frames and return bytes (or write the one file
named); nothing here reads settings.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import numbers
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: first characters a spreadsheet program may read as the start of a formula (OWASP)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: characters spreadsheet programs skip before looking at the first one
_SKIPPED = " \n\u3000\u00a0"
#: Excel's limit on a sheet name
_SHEET_NAME_MAX = 31


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet program could read ``text`` as a formula.

    Parameters
    ----------
    text
        A cell's text.

    Returns
    -------
    bool
        True when its first character, after spaces and line breaks, is one of
        :data:`TRIGGERS` (a tab or carriage return counts even when leading).
    """
    if text[:1] in ("\t", "\r"):
        return True
    first = text.lstrip(_SKIPPED)[:1]
    return first != "" and first in TRIGGERS


def inert_text(text: str) -> str:
    """``text`` with a single quote in front when it could be read as a formula."""
    return "'" + text if is_formula_like(text) else text


def _inert_cell(value: Any) -> Any:
    """A CSV cell: text neutralised, numbers, dates and missing values unchanged."""
    if isinstance(value, str):
        return inert_text(value)
    if value is None or isinstance(value, (numbers.Number, dt.date, pd.Timestamp)):
        return value
    if value is pd.NA or value is pd.NaT:
        return value
    return inert_text(str(value))  # lists, dicts, anything else: written as its text


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and headers cannot be read as formulas.

    Numeric, boolean and date columns are returned as they are (a negative number
    is a number, not a formula); text and mixed columns are neutralised cell by
    cell with :func:`inert_text`. The input frame is not changed.
    """
    out = frame.copy()
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        kind = column.dtype
        if (
            pd.api.types.is_numeric_dtype(kind)
            or pd.api.types.is_bool_dtype(kind)
            or pd.api.types.is_datetime64_any_dtype(kind)
        ):
            continue
        out.isetitem(i, column.astype(object).map(_inert_cell, na_action="ignore"))
    out.columns = [inert_text(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as an inert CSV in UTF-8 with a BOM (Excel then opens the Chinese text).

    Parameters
    ----------
    frame
        The table to export; its index is not written.

    Returns
    -------
    bytes
        The file's content.
    """
    # every field quoted: a line break or carriage return inside a name stays inside its
    # cell (pandas' minimal quoting leaves a lone "\r" bare, which splits the row)
    return inert_frame(frame).to_csv(index=False, quoting=csv.QUOTE_ALL).encode("utf-8-sig")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` as :func:`csv_bytes` gives it."""
    Path(path).write_bytes(csv_bytes(frame))


def _excel_value(value: Any) -> Any:
    """A value openpyxl writes with its own type (text stays text, see :func:`_put`)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    if isinstance(value, pd.Timestamp):
        stamp = value.tz_convert(None) if value.tzinfo is not None else value
        return stamp.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, dt.date):
        return value
    return str(value)


def _put(sheet: Any, row: int, column: int, value: Any) -> None:
    """One cell: text as a string cell (never a formula), quote-prefixed when formula-like."""
    value = _excel_value(value)
    cell = sheet.cell(row=row, column=column)
    cell.value = value  # openpyxl marks a text starting with "=" as a formula …
    if isinstance(value, str):
        cell.data_type = "s"  # … which is undone here: the file stores it as a string
        # Excel's own mark for a typed '=1+1: shown as text, kept as text when edited
        cell.quotePrefix = is_formula_like(value)


def excel_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An inert .xlsx workbook with one sheet per entry of ``sheets``.

    Parameters
    ----------
    sheets
        Sheet name → table (header row first, no index). Names longer than Excel's
        31 characters are cut.

    Returns
    -------
    bytes
        The workbook: text cells are string cells, none is a formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for name, frame in sheets.items():
        sheet = book.create_sheet(title=str(name)[:_SHEET_NAME_MAX])
        for j, header in enumerate(frame.columns, start=1):
            _put(sheet, 1, j, str(header))
            sheet.cell(row=1, column=j).font = bold
        for i, values in enumerate(frame.itertuples(index=False, name=None), start=2):
            for j, value in enumerate(values, start=1):
                _put(sheet, i, j, value)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_excel(sheets: Mapping[str, pd.DataFrame], path: Path) -> None:
    """Write :func:`excel_bytes` of ``sheets`` to ``path``."""
    Path(path).write_bytes(excel_bytes(sheets))
