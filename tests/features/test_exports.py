"""features.exports: CSV and Excel exports cannot carry a live formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from features.exports import csv_bytes, excel_bytes, inert_frame, inert_text, is_formula_like

#: what a hostile department file puts in a name field
POISON = (
    '=HYPERLINK("http://x","点我")',
    "+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    " =1+1",
    "=cmd|' /C calc'!A0",
)


def _csv_cells(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def _cells(raw: bytes) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(io.BytesIO(raw))
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


@pytest.mark.parametrize("text", POISON)
def test_formula_like_text_gets_a_quote(text: str) -> None:
    assert is_formula_like(text)
    assert inert_text(text) == "'" + text


@pytest.mark.parametrize("text", ["曲靖某公司", "A", "", "1-2", "a=b", "'=1", "（=1）"])
def test_plain_text_is_left_alone(text: str) -> None:
    assert not is_formula_like(text)
    assert inert_text(text) == text


def test_csv_text_cells_start_with_a_quote_and_numbers_stay_numbers() -> None:
    frame = pd.DataFrame(
        {
            "name": list(POISON),
            "line": [-1.5, -2.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
            "count": np.arange(-4, 4),
            "mixed": [-7, "-7", "x", None, 1.25, "=1", np.nan, "@a"],
            "day": [dt.date(2026, 9, 30)] * 8,
        }
    )
    rows = _csv_cells(csv_bytes(frame))
    assert rows[0] == ["name", "line", "count", "mixed", "day"]
    for text, row in zip(POISON, rows[1:], strict=True):
        assert row[0] == "'" + text  # the text itself, kept, behind a quote
    assert [r[1] for r in rows[1:3]] == ["-1.5", "-2.0"]  # genuine negatives: numbers
    assert rows[1][2] == "-4"
    # a mixed column: a number is a number, a text that looks like one is text
    assert [r[3] for r in rows[1:]] == ["-7", "'-7", "x", "", "1.25", "'=1", "", "'@a"]
    assert rows[1][4] == "2026-09-30"


def test_csv_headers_and_the_input_frame() -> None:
    frame = pd.DataFrame({"=bad": ["=1"]})
    assert _csv_cells(csv_bytes(frame))[0] == ["'=bad"]
    assert frame.iloc[0, 0] == "=1" and list(frame.columns) == ["=bad"]  # input untouched
    assert inert_frame(frame).iloc[0, 0] == "'=1"


def test_excel_has_no_formula_and_text_reads_as_written() -> None:
    frame = pd.DataFrame(
        {
            "name": list(POISON),
            "line": [-1.5, None, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
            "at": pd.to_datetime(["2026-09-30 08:00"] * 8, utc=True),
            "ok": [True] * 8,
        }
    )
    raw = excel_bytes({"抽查名单": frame, "=sheet": frame.head(1)})
    cells = _cells(raw)
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    book = openpyxl.load_workbook(io.BytesIO(raw))
    assert book.sheetnames == ["抽查名单", "=sheet"]
    sheet = book["抽查名单"]
    names = [sheet.cell(row=i, column=1) for i in range(2, 2 + len(POISON))]
    assert all(c.data_type == "s" and c.quotePrefix for c in names)
    # the text as the department wrote it (xlsx stores a carriage return as a line break)
    assert [c.value for c in names] == [p.replace("\r", "\n") for p in POISON]
    assert sheet["B2"].value == -1.5 and sheet["B2"].data_type == "n"
    assert sheet["B3"].value is None
    assert sheet["C2"].value == dt.datetime(2026, 9, 30, 8, 0)
    assert sheet["D2"].value is True
    assert not sheet["A1"].quotePrefix and sheet["A1"].font.b


def test_pandas_own_excel_writer_would_make_a_formula() -> None:
    """Why the module writes cell by cell: the check above catches pandas' writer."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        pd.DataFrame({"name": [POISON[0]]}).to_excel(xl, index=False)
    assert [c.coordinate for c in _cells(buffer.getvalue()) if c.data_type == "f"] == ["A2"]
