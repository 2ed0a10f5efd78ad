"""Reading department files (features/records/readers.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import make_records

from features.records.readers import (
    UnreadableFileError,
    cell_text,
    detect_encoding,
    open_table_file,
)
from features.records.schema import TABLES
from features.records.validate import required_columns

REQUIRED = required_columns("records")


def read_all(path: Path, chunk_rows: int = 1000, progress=None) -> pd.DataFrame:
    source = open_table_file(path, "records", REQUIRED)
    return pd.concat(list(source.chunks(chunk_rows, progress)))


def chinese_headers(frame: pd.DataFrame) -> pd.DataFrame:
    labels = {c.name: c.label_zh for c in TABLES["records"].columns}
    return frame.rename(columns=labels)


def test_utf8_csv_is_read_as_strings_with_line_numbers(tmp_path) -> None:
    frame = make_records(25)
    path = tmp_path / "r.csv"
    frame.to_csv(path, index=False)
    got = read_all(path, chunk_rows=7)
    assert got.index.tolist() == list(range(2, 27))  # header is line 1
    assert (got.dtypes == "str").all()
    pd.testing.assert_frame_equal(got.reset_index(drop=True), frame, check_dtype=False)
    assert open_table_file(path, "records", REQUIRED).encoding == "utf-8-sig"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8-sig"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
    ],
)
def test_encodings_are_detected(tmp_path, encoding, expected) -> None:
    path = tmp_path / "r.csv"
    chinese_headers(make_records(10)).to_csv(path, index=False, encoding=encoding)
    assert detect_encoding(path) == expected
    got = read_all(path)
    assert got["detail"].iloc[0] == "罚款；责令改正"
    assert list(got.columns)[:3] == ["record_id", "subject_id", "kind"]


def test_bytes_in_neither_encoding_name_the_file_byte_and_offset(tmp_path) -> None:
    path = tmp_path / "penalties.csv"
    good = "record_id,detail\nR1,罚款\n".encode("gbk")
    path.write_bytes(good + b"R2,\xff\xfe\n")
    with pytest.raises(UnreadableFileError) as err:
        detect_encoding(path)
    assert str(err.value) == (
        f"{path}: 无法按 UTF-8 或 GBK 解码（偏移 {len(good) + 3} 处的字节 0xff） / "
        f"cannot be decoded as UTF-8 or GBK (byte 0xff at offset {len(good) + 3})"
    )


def test_a_bad_byte_far_into_a_large_file_is_found(tmp_path) -> None:
    # the streaming decoder works block by block: the offset must still be exact
    path = tmp_path / "big.csv"
    body = ("record_id,detail\n" + "R,数据\n" * 300_000).encode("utf-8")
    path.write_bytes(body + b"\x80")
    with pytest.raises(UnreadableFileError, match=f"offset {len(body)}\\)"):
        detect_encoding(path)


def test_headers_may_be_english_names_labels_or_chinese_labels(tmp_path) -> None:
    frame = make_records(3)
    frame.columns = [
        "RECORD_ID",
        "主体标识",
        "Record kind",
        "失信程度",
        "数值",
        "文本值",
        "金额(元)",
        " 发生日期 ",
        "决定日期",
        "公示/报送日期",
        "公示截止日期",
        "来源部门",
        "详情",
    ]
    frame["备注"] = "x"
    frame["入库批次"] = "7"  # set by ingestion: ignored
    path = tmp_path / "r.csv"
    frame.to_csv(path, index=False)
    source = open_table_file(path, "records", REQUIRED)
    assert source.headers.ignored == ("备注", "入库批次")
    got = read_all(path)
    assert "ingest_id" not in got.columns and "amount" in got.columns
    assert got["event_date"].tolist() == frame[" 发生日期 "].tolist()


def test_missing_required_columns_are_named(tmp_path) -> None:
    path = tmp_path / "x.csv"
    make_records(3).drop(columns=["kind", "published_on"]).to_csv(path, index=False)
    with pytest.raises(UnreadableFileError) as err:
        open_table_file(path, "records", REQUIRED)
    assert str(err.value) == (
        f"{path}: 缺少必需的列：信息类别（kind）、公示/报送日期（published_on） / "
        "missing required columns: kind, published_on"
    )
    # with --dept, source_dept may be missing
    path2 = tmp_path / "y.csv"
    make_records(3).drop(columns=["source_dept"]).to_csv(path2, index=False)
    open_table_file(path2, "records", required_columns("records", dept="samr"))
    with pytest.raises(UnreadableFileError, match="missing required columns: source_dept"):
        open_table_file(path2, "records", REQUIRED)


def test_a_column_given_twice_is_refused(tmp_path) -> None:
    path = tmp_path / "x.csv"
    frame = make_records(2)
    frame["记录编号"] = frame["record_id"]
    frame.to_csv(path, index=False)
    with pytest.raises(UnreadableFileError, match="column record_id is given twice"):
        open_table_file(path, "records", REQUIRED)


@pytest.mark.parametrize(("newline", "encoding"), [("\n", "utf-8"), ("\r\n", "gbk")])
def test_line_numbers_follow_quoted_newlines_and_blank_lines(tmp_path, newline, encoding) -> None:
    frame = make_records(6)
    frame.loc[1, "detail"] = f"第一行{newline}第二行{newline}第三行"
    path = tmp_path / "r.csv"
    lines = frame.to_csv(index=False, lineterminator=newline).split(newline)
    # a blank line after the 4th record (the quoted newlines make it physical line 7)
    text = newline.join([*lines[:7], "", *lines[7:]])
    path.write_bytes(text.encode(encoding))
    got = read_all(path, chunk_rows=2)
    assert got.index.tolist() == [2, 3, 6, 7, 9, 10]
    assert got["detail"].iloc[1] == frame.loc[1, "detail"]
    physical = path.read_bytes().decode(encoding).split(newline)
    for number, record_id in zip(got.index, got["record_id"], strict=True):
        assert physical[number - 1].startswith(record_id + ",")


def test_a_row_with_too_many_fields_makes_the_file_unreadable(tmp_path) -> None:
    path = tmp_path / "r.csv"
    text = make_records(4).to_csv(index=False)
    lines = text.splitlines()
    lines[3] += ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = r"r\.csv: 第 4 条记录.* / record 4 .* has 14 fields, expected 13"
    with pytest.raises(UnreadableFileError, match=expected):
        read_all(path)


def test_other_unreadable_files(tmp_path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableFileError, match=r"empty\.csv: .* / the file is empty"):
        open_table_file(empty, "records", REQUIRED)
    odd = tmp_path / "r.xls"
    odd.write_bytes(b"\xd0\xcf")
    with pytest.raises(UnreadableFileError, match=r"/ unsupported file type '\.xls'"):
        open_table_file(odd, "records", REQUIRED)
    broken = tmp_path / "r.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(UnreadableFileError, match=r"r\.parquet: .* / not a readable Parquet file"):
        open_table_file(broken, "records", REQUIRED)
    with pytest.raises(UnreadableFileError, match=r"nothere\.csv: 文件不存在 / no such file"):
        open_table_file(tmp_path / "nothere.csv", "records", REQUIRED)


def test_progress_is_reported_in_bytes_up_to_the_file_size(tmp_path) -> None:
    path = tmp_path / "r.csv"
    make_records(3000).to_csv(path, index=False)
    calls: list[tuple[int, int]] = []
    read_all(path, chunk_rows=500, progress=lambda done, total: calls.append((done, total)))
    size = path.stat().st_size
    assert len(calls) >= 2
    assert all(total == size for _, total in calls)
    dones = [d for d, _ in calls]
    assert dones == sorted(dones) and dones[-1] == size


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("x", "x"),
        (5, "5"),
        (np.int64(7), "7"),
        (5.0, "5"),
        (2.5, "2.5"),
        (float("nan"), ""),
        (dt.date(2023, 1, 5), "2023-01-05"),
        (dt.datetime(2023, 1, 5), "2023-01-05"),
        (dt.datetime(2023, 1, 5, 8, 30), "2023-01-05 08:30:00"),
        (pd.Timestamp("2024-02-29"), "2024-02-29"),
        (pd.NaT, ""),
        (True, "true"),
        (Decimal("12.50"), "12.50"),
        (Decimal("100"), "100"),
        # an 18-digit ID typed as a number has lost digits: shown as is, then quarantined
        (123456789012345678.0, "1.2345678901234568e+17"),
    ],
)
def test_typed_cells_become_canonical_strings(value, text) -> None:
    assert cell_text(value) == text


def test_parquet_typed_columns_are_read_as_canonical_strings(tmp_path) -> None:
    table = pa.table(
        {
            "record_id": ["R1", "R2", None],
            "amount": pa.array([1000.0, 2.5, None]),
            "value_num": pa.array([3, None, 12], pa.int64()),
            "event_date": pa.array([dt.date(2023, 1, 5), dt.date(2024, 2, 29), None]),
            "published_on": pa.array(
                [dt.datetime(2023, 1, 6), dt.datetime(2024, 3, 1), None], pa.timestamp("us")
            ),
            "subject_id": ["91110000600037341L"] * 3,
            "kind": ["tax_paid"] * 3,
            "source_dept": ["tax"] * 3,
            "extra": [1, 2, 3],
        }
    )
    path = tmp_path / "r.parquet"
    pq.write_table(table, path, row_group_size=2)
    source = open_table_file(path, "records", REQUIRED)
    assert source.file_format == "parquet" and source.encoding is None
    assert source.headers.ignored == ("extra",)
    got = pd.concat(list(source.chunks(chunk_rows=2)))
    assert got.index.tolist() == [2, 3, 4]
    assert got["record_id"].tolist() == ["R1", "R2", ""]
    assert got["amount"].tolist() == ["1000", "2.5", ""]
    assert got["value_num"].tolist() == ["3", "", "12"]
    assert got["event_date"].tolist() == ["2023-01-05", "2024-02-29", ""]
    assert got["published_on"].tolist() == ["2023-01-06", "2024-03-01", ""]


def test_excel_rows_keep_their_sheet_row_numbers(tmp_path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "记录编号",
            "主体标识",
            "信息类别",
            "发生日期",
            "公示/报送日期",
            "来源部门",
            "金额（元）",
            "数值",
        ]
    )
    sheet.append(
        [
            "R1",
            "91110000600037341L",
            "tax_paid",
            dt.datetime(2023, 1, 5),
            dt.date(2023, 1, 6),
            "tax",
            1200.0,
            3,
        ]
    )
    sheet.append([None] * 8)  # an empty row is not a record but keeps the numbering
    sheet.append(
        ["R2", "91110000600037341L", "tax_paid", "2023/02/01", "20230203", "tax", 12.75, None]
    )
    path = tmp_path / "r.xlsx"
    book.save(path)
    source = open_table_file(path, "records", REQUIRED)
    assert source.file_format == "xlsx"
    got = pd.concat(list(source.chunks(chunk_rows=1)))
    assert got.index.tolist() == [2, 4]
    assert got["event_date"].tolist() == ["2023-01-05", "2023/02/01"]
    assert got["published_on"].tolist() == ["2023-01-06", "20230203"]
    assert got["amount"].tolist() == ["1200", "12.75"]
    assert got["value_num"].tolist() == ["3", ""]


# --- input edges (issue 15) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # the same header twice: pandas used to rename the second to subject_id.1 and drop it
        ("subject_id", "column subject_id is given twice: column 2 'subject_id' and column 14 "),
        # two spellings of one column
        (
            "主体标识",
            "column subject_id is given twice: column 2 'subject_id' and column 14 '主体标识'",
        ),
    ],
)
def test_a_repeated_column_is_refused_naming_both(tmp_path, extra, message) -> None:
    frame = make_records(3)
    path = tmp_path / "r.csv"
    body = frame.to_csv(index=False).splitlines()
    lines = [body[0] + f",{extra}"] + [line + ",x" for line in body[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError) as err:
        open_table_file(path, "records", REQUIRED)
    text = str(err.value)
    assert text.startswith(
        f"{path}: 第 2 列“subject_id”和第 14 列“{extra}”是同一字段 主体标识（subject_id）"
    )
    assert message in text


def test_a_header_only_file_has_no_rows(tmp_path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "记录编号,主体标识,信息类别,发生日期,公示/报送日期,来源部门\n", encoding="utf-8"
    )
    source = open_table_file(path, "records", REQUIRED)
    frames = list(source.chunks())
    assert sum(len(f) for f in frames) == 0
    assert all(list(f.columns) == list(source.columns) for f in frames)


def test_rows_that_all_have_an_extra_field_are_refused(tmp_path) -> None:
    # pandas would take the first column as an index and shift every value one column
    path = tmp_path / "r.csv"
    text = make_records(3).to_csv(index=False).splitlines()
    path.write_text("\n".join([text[0]] + [line + ",备注" for line in text[1:]]) + "\n")
    with pytest.raises(UnreadableFileError, match="rows have more fields than the header"):
        read_all(path)


def test_utf16_with_a_byte_order_mark_is_read(tmp_path) -> None:
    path = tmp_path / "r.csv"
    frame = chinese_headers(make_records(5))
    frame.to_csv(path, index=False, encoding="utf-16")
    assert detect_encoding(path) == "utf-16"
    got = read_all(path)
    assert got.index.tolist() == [2, 3, 4, 5, 6] and got["detail"].iloc[0] == "罚款；责令改正"
    # without the mark, the NUL bytes of the header line make it unreadable, said plainly
    bare = tmp_path / "bare.csv"
    bare.write_bytes(frame.to_csv(index=False).encode("utf-16-le"))
    with pytest.raises(UnreadableFileError, match="the first line holds NUL bytes"):
        open_table_file(bare, "records", REQUIRED)


def _workbook(path: Path, sheets: dict[str, list[list]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


HEADER = ["记录编号", "主体标识", "信息类别", "发生日期", "公示/报送日期", "来源部门"]


def _row(record_id: str) -> list[str]:
    return [record_id, "91110000600037341L", "tax_paid", "2023-01-05", "2023-01-06", "tax"]


def test_every_data_sheet_of_a_workbook_is_read(tmp_path) -> None:
    path = tmp_path / "book.xlsx"
    _workbook(
        path,
        {
            "填报说明": [["每月报送一次"], ["联系人：张三"]],
            "一月": [HEADER, _row("A1"), _row("A2")],
            "二月": [HEADER[::-1], _row("B1")[::-1]],  # its own header, in another order
            "空表": [],
            "三月": [HEADER],
        },
    )
    source = open_table_file(path, "records", REQUIRED)
    assert [p.sheet for p in source.parts] == ["一月", "二月", "三月"]
    assert source.skipped == (
        ("填报说明", "没有可识别的列名", "no known column headers"),
        ("空表", "空工作表", "empty sheet"),
    )
    got = [(sheet, f.index.tolist(), f["record_id"].tolist()) for sheet, f in source.parts_chunks()]
    assert [g for g in got if g[1]] == [("一月", [2, 3], ["A1", "A2"]), ("二月", [2], ["B1"])]
    frames = [f for _, f in source.parts_chunks()]
    assert all(f.loc[f.index[0], "source_dept"] == "tax" for f in frames if len(f))


def test_a_sheet_without_the_required_columns_is_refused_naming_it(tmp_path) -> None:
    path = tmp_path / "book.xlsx"
    _workbook(path, {"一月": [HEADER, _row("A1")], "二月": [HEADER[1:], _row("B1")[1:]]})
    with pytest.raises(UnreadableFileError) as err:
        open_table_file(path, "records", REQUIRED)
    assert str(err.value).startswith(f"{path} [二月]: 缺少必需的列：记录编号（record_id）")
    _workbook(path, {"一月": [HEADER, _row("A1")], "二月": [[*HEADER, "record_id"], _row("B1")]})
    with pytest.raises(UnreadableFileError, match=r"\[二月\]: .*column record_id is given twice"):
        open_table_file(path, "records", REQUIRED)
    _workbook(path, {"一月": [[None], _row("A1")]})  # data under an empty first row
    with pytest.raises(UnreadableFileError, match=r"\[一月\]: .*row 1 is empty"):
        open_table_file(path, "records", REQUIRED)
    _workbook(path, {"说明": [["只有说明"]], "空": []})
    with pytest.raises(UnreadableFileError, match="no sheet has a header row"):
        open_table_file(path, "records", REQUIRED)
