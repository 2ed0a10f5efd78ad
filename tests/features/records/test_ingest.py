"""Ingestion of department files (features/records/ingest.py)."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import TODAY, make_records, make_subjects, table_counts

from features.records.ids import ID_CHECK, USCC_ALPHABET, id_check_char, uscc_check_char
from features.records.ingest import IngestResult, UnreadableFileError, file_sha256, ingest_file
from features.records.schema import TABLES

BUSINESS = [c for c in TABLES["records"].column_names if c not in ("ingest_id", "recorded_at")]


def stored_records(st) -> pd.DataFrame:
    cols = ", ".join(BUSINESS)
    return st.query(f"SELECT {cols} FROM records ORDER BY record_id")


def ingest(st, path, table="records", **kw) -> IngestResult:
    return ingest_file(st, path, table, today=TODAY, **kw)


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The string frame with numbers and dates typed, as Parquet/Excel would hold them."""
    out = frame.copy()
    for col in ("amount", "value_num"):
        out[col] = pd.to_numeric(out[col].replace("", np.nan))
    for col in ("event_date", "decided_on", "published_on", "valid_until"):
        out[col] = pd.to_datetime(out[col].replace("", None))
    return out


# --- clean files ---------------------------------------------------------------------------


def test_a_clean_utf8_csv_is_stored_completely(store, tmp_path) -> None:
    frame = make_records(200, seed=3)
    path = tmp_path / "tax.csv"
    frame.to_csv(path, index=False)
    result = ingest(store, path)
    assert (
        result.rows_read,
        result.rows_stored,
        result.rows_unchanged,
        result.rows_quarantined,
    ) == (200, 200, 0, 0)
    assert not result.skipped and result.ingest_id == 1 and result.file_name == "tax.csv"
    assert table_counts(store) == {"records": 200, "subjects": 0, "quarantine": 0, "ingest_log": 1}
    log = store.query("SELECT * FROM ingest_log").iloc[0]
    assert log["file_sha256"] == file_sha256(path)
    assert (log["target_table"], log["file_format"], log["encoding"]) == (
        "records",
        "csv",
        "utf-8-sig",
    )
    assert (log["rows_read"], log["rows_stored"], log["rows_quarantined"]) == (200, 200, 0)
    assert log["finished_at"] >= log["started_at"]
    got = stored_records(store).set_index("record_id")
    first = frame.iloc[0]
    row = got.loc[first["record_id"]]
    assert row["subject_id"] == first["subject_id"]
    assert row["amount"] == float(first["amount"])
    assert row["event_date"] == pd.Timestamp(first["event_date"])
    assert row["domain"] == "supervision" and row["polarity"] == "negative"
    assert (store.query("SELECT DISTINCT ingest_id FROM records")["ingest_id"] == 1).all()


def test_gbk_parquet_and_excel_files_store_the_same_records(tmp_path) -> None:
    from features.store.duckdb_store import DuckDBStore

    frame = make_records(120, seed=4)
    labels = {c.name: c.label_zh for c in TABLES["records"].columns}
    files = {
        "utf8.csv": lambda p: frame.to_csv(p, index=False),
        "gbk.csv": lambda p: frame.rename(columns=labels).to_csv(p, index=False, encoding="gbk"),
        "typed.parquet": lambda p: typed(frame).to_parquet(p, index=False),
        "typed.xlsx": lambda p: typed(frame).rename(columns=labels).to_excel(p, index=False),
    }
    stored = {}
    for name, write in files.items():
        path = tmp_path / name
        write(path)
        with DuckDBStore(tmp_path / f"{name}.duckdb") as st:
            result = ingest(st, path)
            assert (result.rows_stored, result.rows_quarantined) == (120, 0), result.summary()
            stored[name] = stored_records(st)
            encoding = st.scalar("SELECT encoding FROM ingest_log")
            assert encoding == {"utf8.csv": "utf-8-sig", "gbk.csv": "gb18030"}.get(name)
    for name in ("gbk.csv", "typed.parquet", "typed.xlsx"):
        pd.testing.assert_frame_equal(stored[name], stored["utf8.csv"], obj=name)


# --- THE ACCEPTANCE CASE ---------------------------------------------------------------------


def _wrong(correct: str, alphabet: str, rng: np.random.Generator) -> str:
    return str(rng.choice([ch for ch in alphabet if ch != correct]))


def dirty_file(tmp_path) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, str]]:
    """1,000 records of which exactly 37 are broken, the file stored before, and the
    expected (line number → column) of each broken row."""
    rng = np.random.default_rng(2026)
    frame = make_records(1000, seed=42)
    targets = iter(rng.choice(np.arange(60, 1000), size=37, replace=False).tolist())
    expected: dict[int, str] = {}

    def brk(column: str, **changes: str) -> int:
        i = next(targets)
        for col, value in changes.items():
            frame.loc[i, col] = value
        expected[i + 2] = column
        return i

    def as_tax_paid(subject_id: str) -> dict[str, str]:
        return dict(
            kind="tax_paid",
            severity="",
            value_text="",
            value_num="",
            decided_on="",
            valid_until="",
            amount="100",
            subject_id=subject_id,
        )

    def as_violation(subject_id: str) -> dict[str, str]:
        return dict(
            kind="traffic_violation",
            severity="minor",
            value_text="",
            value_num="3",
            decided_on="",
            valid_until="",
            amount="",
            subject_id=subject_id,
        )

    penalty = frame.loc[
        0,
        [
            "kind",
            "severity",
            "value_text",
            "amount",
            "decided_on",
            "valid_until",
            "event_date",
            "published_on",
        ],
    ].to_dict()
    firm, person = frame.loc[0, "subject_id"], frame.loc[3, "subject_id"]
    for _ in range(4):  # bad USCC check character
        body = firm[:17]
        brk("subject_id", **as_tax_paid(body + _wrong(uscc_check_char(body), USCC_ALPHABET, rng)))
    for _ in range(4):  # bad ID number check character
        body = person[:17]
        brk("subject_id", **as_violation(body + _wrong(id_check_char(body), ID_CHECK, rng)))
    # unknown kinds (a kind's Chinese name, 行政处罚, is accepted: test_validate.py)
    for value in ("foo", "penalty", "行政罚款", "tax-paid"):
        brk("kind", kind=value)
    for value in ("huge", "severe", "3", "较重"):  # severity outside the tiers (一般 is one)
        brk("severity", **{**penalty, "severity": value})
    for value in ("2026-13-01", "2023-02-30", "soon", "05.01.2023"):  # unparseable dates
        brk("event_date", event_date=value, decided_on="", valid_until="")
    brk("published_on", published_on="2026-12-01")  # future dates
    brk("published_on", published_on="2027-01-05")
    brk(
        "event_date",
        event_date="2026-12-24",
        published_on="2026-12-25",
        decided_on="",
        valid_until="",
    )
    brk("record_id", record_id="")  # missing required fields
    brk("subject_id", subject_id="")
    brk("published_on", published_on="")
    conflicting = [brk("record_id") for _ in range(4)]  # stored before, different content
    for j in (5, 17, 33):  # repeated in this file with different content
        brk("record_id", record_id=frame.loc[j, "record_id"])
    for _ in range(2):  # published before the event
        i = brk("published_on", decided_on="", valid_until="")
        event = pd.Timestamp(frame.loc[i, "event_date"])
        frame.loc[i, "published_on"] = (event - pd.Timedelta(days=3)).strftime("%Y-%m-%d")
    for value in ("-100.5", "-1"):  # negative amounts
        brk("amount", **{**as_tax_paid(firm), "amount": value})
    assert next(targets, None) is None and len(expected) == 37

    earlier = frame.loc[conflicting].copy()
    earlier["detail"] = "更正前的内容"  # same record_id, other content
    return frame, earlier, expected


def test_acceptance_1000_records_37_broken(store, tmp_path) -> None:
    frame, earlier, expected = dirty_file(tmp_path)
    earlier_path, path = tmp_path / "earlier.csv", tmp_path / "penalties.csv"
    earlier.to_csv(earlier_path, index=False)
    frame.to_csv(path, index=False)
    first = ingest(store, earlier_path)
    assert (first.rows_stored, first.rows_quarantined) == (4, 0)

    result = ingest(store, path)
    assert (
        result.rows_read,
        result.rows_stored,
        result.rows_unchanged,
        result.rows_quarantined,
    ) == (1000, 963, 0, 37), result.summary()
    assert table_counts(store) == {"records": 967, "subjects": 0, "quarantine": 37, "ingest_log": 2}
    q = store.query(
        "SELECT * FROM quarantine WHERE ingest_id = ? ORDER BY row_number", [result.ingest_id]
    )
    assert q["row_number"].tolist() == sorted(expected)
    assert set(q["file_name"]) == {"penalties.csv"} and set(q["target_table"]) == {"records"}
    for row in q.itertuples():
        reasons = json.loads(row.reasons)
        assert reasons and all(
            set(r) == {"column", "value", "problem", "problem_zh"} for r in reasons
        )
        # every reason reads in Chinese too (the quality page's language)
        assert all(re.search(r"[\u4e00-\u9fff]", r["problem_zh"]) for r in reasons), reasons
        assert expected[row.row_number] in {r["column"] for r in reasons}, (row.row_number, reasons)
        raw = json.loads(row.raw)
        assert raw == frame.iloc[row.row_number - 2].to_dict()  # the row exactly as read
        assert (None if pd.isna(row.key) else row.key) == (raw["record_id"] or None)
    conflicts = [json.loads(r) for r in q["reasons"] if "seen before" in r]
    texts = sorted(r[0]["problem"] for r in conflicts)
    assert texts.count("record_id seen before with different content (ingest 1)") == 4
    assert sum("of this file, ingest 2)" in t for t in texts) == 3
    # the 963 good rows are stored once, with this batch's id; the conflicting ids keep
    # their first content
    stored = store.query("SELECT ingest_id, count(*) AS n FROM records GROUP BY 1 ORDER BY 1")
    assert stored["n"].tolist() == [4, 963]
    assert set(store.query("SELECT detail FROM records WHERE ingest_id = 1")["detail"]) == {
        "更正前的内容"
    }
    # the summary counts the reasons, Chinese first
    text = result.summary()
    assert text.startswith("入库 penalties.csv → records") and "隔离 37 行" in text
    assert "quarantined 37" in text and "record_id: 8 行 / rows" in text

    # the same file again adds nothing anywhere
    before = table_counts(store)
    again = ingest(store, path)
    assert again.skipped and again.previous_ingest_id == result.ingest_id
    assert again.ingest_id is None and again.rows_stored == 0
    assert table_counts(store) == before
    assert "已入库过" in again.summary() and f"ingest {result.ingest_id}" in again.summary()


def test_a_file_with_only_known_rows_stores_nothing_new(store, tmp_path) -> None:
    frame = make_records(50, seed=6)
    frame.to_csv(tmp_path / "a.csv", index=False)
    ingest(store, tmp_path / "a.csv")
    # the same rows in another file (other column order, Chinese headers): all unchanged
    labels = {c.name: c.label_zh for c in TABLES["records"].columns}
    frame[frame.columns[::-1]].rename(columns=labels).to_csv(tmp_path / "b.csv", index=False)
    result = ingest(store, tmp_path / "b.csv")
    assert (result.rows_read, result.rows_stored, result.rows_unchanged) == (50, 0, 50)
    assert store.count("records") == 50 and store.count("ingest_log") == 2


@pytest.mark.parametrize("chunk_rows", [4, 1000])  # repeats across chunks and within one
def test_identical_repeats_within_a_file_are_unchanged(store, tmp_path, chunk_rows) -> None:
    frame = make_records(10, seed=7)
    frame = pd.concat([frame, frame.iloc[[2, 2, 8]]], ignore_index=True)
    frame.to_csv(tmp_path / "a.csv", index=False)
    result = ingest(store, tmp_path / "a.csv", chunk_rows=chunk_rows)
    assert (
        result.rows_read,
        result.rows_stored,
        result.rows_unchanged,
        result.rows_quarantined,
    ) == (13, 10, 3, 0)
    assert store.count("records") == 10


def test_conflicts_across_chunks_of_one_file(store, tmp_path) -> None:
    frame = make_records(10, seed=8)
    frame.loc[9, "record_id"] = frame.loc[1, "record_id"]
    frame.to_csv(tmp_path / "a.csv", index=False)
    result = ingest(store, tmp_path / "a.csv", chunk_rows=3)
    assert (result.rows_stored, result.rows_quarantined) == (9, 1)
    reasons = json.loads(store.scalar("SELECT reasons FROM quarantine"))
    assert reasons[0]["problem"] == (
        "record_id seen before with different content (earlier in this file, ingest 1)"
    )


# --- unreadable files write nothing ----------------------------------------------------------


def test_undecodable_file_writes_nothing(store, tmp_path) -> None:
    make_records(20, seed=9).to_csv(tmp_path / "ok.csv", index=False)
    ingest(store, tmp_path / "ok.csv")
    before = table_counts(store)
    bad = tmp_path / "penalties.csv"
    body = make_records(20, seed=10).to_csv(index=False).encode("gbk")
    bad.write_bytes(body + b"R9,\xff\n")
    with pytest.raises(UnreadableFileError) as err:
        ingest(store, bad)
    assert str(err.value).startswith(f"{bad}: 无法按 UTF-8 或 GBK 解码")
    assert " / cannot be decoded as UTF-8 or GBK (byte 0xff" in str(err.value)
    assert table_counts(store) == before


def test_missing_columns_write_nothing(store, tmp_path) -> None:
    path = tmp_path / "x.csv"
    make_records(20).drop(columns=["kind", "published_on"]).to_csv(path, index=False)
    with pytest.raises(
        UnreadableFileError,
        match=r"x\.csv: 缺少必需的列：.* / missing required columns: kind, "
        r"published_on",
    ):
        ingest(store, path)
    assert table_counts(store) == {"records": 0, "subjects": 0, "quarantine": 0, "ingest_log": 0}


def test_a_ragged_line_late_in_the_file_is_quarantined_and_nothing_is_stored_twice(
    store, tmp_path
) -> None:
    # the fast reader meets the ragged line after 5 chunks were written: they are rolled
    # back and the file is read again record by record, the ragged row quarantined
    lines = make_records(30, seed=11).to_csv(index=False).splitlines()
    lines[25] = lines[25] + ",one,too,many"
    lines[3] = lines[3].replace(lines[3].split(",")[0], "", 1)  # a quarantined row as well
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest(store, path, chunk_rows=5)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (30, 28, 2)
    assert table_counts(store) == {"records": 28, "subjects": 0, "quarantine": 2, "ingest_log": 1}
    q = store.query("SELECT row_number, raw, reasons FROM quarantine ORDER BY row_number")
    assert q["row_number"].tolist() == [4, 26]
    (reason,) = json.loads(q["reasons"].iloc[1])
    assert reason["column"] == "_extra_fields" and reason["value"] == "one,too,many"
    assert reason["problem_zh"].startswith("本行比表头多 3 个字段（多出：one,too,many）")
    raw = json.loads(q["raw"].iloc[1])
    assert raw["record_id"] == lines[25].split(",")[0] and raw["_extra_fields"] == "one,too,many"
    # a file whose every row is one field too long is read the same way
    every = tmp_path / "every.csv"
    body = make_records(4, seed=12).to_csv(index=False).splitlines()
    every.write_text("\n".join([body[0]] + [b + ",备注" for b in body[1:]]) + "\n")
    result = ingest(store, every)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (4, 0, 4)


def test_a_broken_quote_still_makes_the_file_unreadable(store, tmp_path) -> None:
    lines = make_records(5, seed=13).to_csv(index=False).splitlines()
    lines[3] = lines[3] + ',"never closed'
    path = tmp_path / "quote.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match=r"quote\.csv: "):
        ingest(store, path)
    assert table_counts(store) == {"records": 0, "subjects": 0, "quarantine": 0, "ingest_log": 0}


# --- departments, ignored columns, subjects --------------------------------------------------


def test_dept_fills_source_dept_and_ignored_columns_are_logged(store, tmp_path) -> None:
    frame = make_records(10, seed=12).drop(columns=["source_dept"])
    frame["经办人"] = "张三"
    frame["remark"] = ""
    frame.loc[3, "kind"] = "tax_paid"  # keep one row valid with a tax kind
    path = tmp_path / "a.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(UnreadableFileError, match="missing required columns: source_dept"):
        ingest(store, path)
    result = ingest(store, path, dept="tax")
    assert result.message == "ignored columns: 经办人, remark"
    assert (
        "说明 / note: 未使用的列：经办人, remark / ignored columns: 经办人, remark"
        in result.summary()
    )
    assert set(store.query("SELECT source_dept FROM records")["source_dept"]) == {"tax"}
    log = store.query("SELECT source_dept, message FROM ingest_log").iloc[0]
    assert (log["source_dept"], log["message"]) == ("tax", "ignored columns: 经办人, remark")


def latest_subjects(st) -> pd.DataFrame:
    return st.query(
        "SELECT * FROM subjects QUALIFY row_number() OVER "
        "(PARTITION BY subject_id ORDER BY recorded_at DESC) = 1 ORDER BY subject_id"
    )


def test_subjects_changed_rows_become_new_versions(store, tmp_path) -> None:
    frame = make_subjects(30, seed=13)
    frame.to_csv(tmp_path / "s1.csv", index=False)
    first = ingest(store, tmp_path / "s1.csv", "subjects")
    assert (first.rows_stored, first.rows_quarantined) == (30, 0)

    changed = frame.copy()
    changed.loc[0, "name"] = "曲靖市更名后有限公司"
    changed.loc[4, "status"] = "closed"
    changed.loc[4, "closed_on"] = "2026-10-01"
    changed.loc[7, "region_code"] = "99"  # quarantined, the old version stays current
    changed.to_csv(tmp_path / "s2.csv", index=False)
    second = ingest(store, tmp_path / "s2.csv", "subjects")
    assert (
        second.rows_read,
        second.rows_stored,
        second.rows_unchanged,
        second.rows_quarantined,
    ) == (30, 2, 27, 1)
    assert store.count("subjects") == 32
    latest = latest_subjects(store).set_index("subject_id")
    assert latest.loc[frame.loc[0, "subject_id"], "name"] == "曲靖市更名后有限公司"
    assert latest.loc[frame.loc[4, "subject_id"], "status"] == "closed"
    assert latest.loc[frame.loc[7, "subject_id"], "region_code"] == frame.loc[7, "region_code"]
    key = store.scalar("SELECT key FROM quarantine")
    assert key == frame.loc[7, "subject_id"]


def test_several_versions_of_a_subject_in_one_file_the_last_line_wins(store, tmp_path) -> None:
    base = make_subjects(3, seed=14)
    v2 = base.iloc[[0]].assign(name="第二版")
    v3 = base.iloc[[0]].assign(name="第三版")
    frame = pd.concat([base, v2, v2, v3], ignore_index=True)
    frame.to_csv(tmp_path / "s.csv", index=False)
    result = ingest(store, tmp_path / "s.csv", "subjects", chunk_rows=2)
    # row 5 repeats row 4 exactly: unchanged; the others are versions
    assert (result.rows_stored, result.rows_unchanged) == (5, 1)
    latest = latest_subjects(store).set_index("subject_id")
    assert latest.loc[base.loc[0, "subject_id"], "name"] == "第三版"


def test_the_result_is_frozen_and_counts_add_up(store, tmp_path) -> None:
    frame = make_records(40, seed=15)
    frame.loc[[3, 9], "kind"] = "foo"
    frame.to_csv(tmp_path / "a.csv", index=False)
    result = ingest(store, tmp_path / "a.csv")
    assert result.rows_read == result.rows_stored + result.rows_unchanged + result.rows_quarantined
    ((column, rows, example),) = result.top_reasons
    assert (column, rows) == ("kind", 2)
    assert example.startswith("未知的信息类别“foo”，应为以下之一：行政许可、行政处罚、")
    assert " / unknown record kind 'foo'; expected a kind's code or Chinese name: " in example
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.rows_read = 0  # type: ignore[misc]


def test_unknown_table_is_refused(store, tmp_path) -> None:
    with pytest.raises(ValueError, match="ratings"):
        ingest_file(store, tmp_path / "a.csv", "ratings")


# --- input edges (issue 15) ------------------------------------------------------------------


def test_a_header_only_file_is_logged_with_0_rows(store, tmp_path) -> None:
    path = tmp_path / "empty-month.csv"
    make_records(0).to_csv(path, index=False, encoding="gbk")
    result = ingest(store, path, dept="samr")
    assert (result.ingest_id, result.rows_read, result.rows_stored) == (1, 0, 0)
    assert table_counts(store) == {"records": 0, "subjects": 0, "quarantine": 0, "ingest_log": 1}
    assert store.scalar("SELECT message FROM ingest_log") == (
        "no data rows: the file has a header only"
    )
    summary = result.summary()
    assert "\n" not in summary and "0 rows stored" in summary and "0 行入库" in summary


def test_every_sheet_of_a_workbook_is_ingested_and_quarantine_names_the_sheet(
    store, tmp_path
) -> None:
    import openpyxl

    labels = {c.name: c.label_zh for c in TABLES["records"].columns}
    frame = make_records(10, seed=16).rename(columns=labels)
    frame.loc[7, "信息类别"] = "foo"  # the 3rd row of the second sheet
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["每月 5 日前报送"])
    for title, part in (("一月", frame.iloc[:5]), ("二月", frame.iloc[5:])):
        sheet = book.create_sheet(title)
        sheet.append(list(part.columns))
        for row in part.itertuples(index=False):
            sheet.append(list(row))
    path = tmp_path / "book.xlsx"
    book.save(path)
    result = ingest(store, path)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (10, 9, 1)
    q = store.query("SELECT file_name, row_number FROM quarantine")
    assert q.to_dict("records") == [{"file_name": "book.xlsx [二月]", "row_number": 4}]
    assert result.message == (
        "sheets read: 一月 (5 rows), 二月 (5 rows); sheets skipped: 说明 (no known column headers)"
    )
    assert (
        "说明 / note: 已读取工作表：一月（5 行）、二月（5 行） / sheets read:" in result.summary()
    )


def test_records_written_in_chinese_are_stored_with_their_codes(store, tmp_path) -> None:
    from features.records.kinds import KINDS
    from features.records.values import SEVERITIES

    frame = make_records(50, seed=17)
    zh = frame.assign(
        kind=frame["kind"].map(lambda k: KINDS[k].label_zh),
        severity=frame["severity"].map(lambda s: SEVERITIES[s][0] if s else ""),
    )
    zh.to_csv(tmp_path / "zh.csv", index=False, encoding="gbk")
    result = ingest(store, tmp_path / "zh.csv")
    assert (result.rows_stored, result.rows_quarantined) == (50, 0), result.summary()
    pd.testing.assert_frame_equal(
        stored_records(store)[["record_id", "kind", "severity"]],
        frame[["record_id", "kind", "severity"]]
        .replace("", None)
        .sort_values("record_id")
        .reset_index(drop=True),
        check_dtype=False,
        check_index_type=False,
    )


def test_a_folder_or_a_missing_file_is_one_clear_error(store, tmp_path) -> None:
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(UnreadableFileError, match=r"dir\.csv: 这是文件夹，不是文件 / a folder"):
        ingest(store, tmp_path / "dir.csv")
    with pytest.raises(UnreadableFileError, match=r"gone\.csv: 文件不存在 / no such file"):
        ingest(store, tmp_path / "gone.csv")
    assert table_counts(store)["ingest_log"] == 0


# --- a subject type declared in a scheme folder, with attributes --------------------------


def _guides(seed: int) -> pd.DataFrame:
    """Two guides (from households' valid ID numbers), a bad ID, a bad profession, a firm."""
    base = make_subjects(12, seed=seed)
    people = base[base["subject_type"] == "household"].head(4).copy()
    for col in ("township_code", "village_code", "household_size", "labour_count", "land_mu"):
        people[col] = ""
    people["subject_type"] = "导游"  # the declared Chinese label is an accepted spelling
    people["name"] = ["导游甲", "导游乙", "导游丙", "导游丁"]
    people["profession"] = ["tour_guide", "tour_leader", "tour_guide", "chef"]
    people["licence_no"] = ["D-5301-001", "", "D-5301-003", "D-5301-004"]
    people["years_practised"] = ["5", "", "2", "1"]
    people.iloc[2, people.columns.get_loc("subject_id")] = "53010219900101123"  # 17 characters
    firm = (
        base[base["subject_type"] == "enterprise"]
        .head(1)
        .assign(profession="tour_guide", licence_no="", years_practised="")
    )
    return pd.concat([people, firm], ignore_index=True).assign(remark="备注")


def test_a_declared_type_is_ingested_with_its_attributes(store, tmp_path) -> None:
    from declared_types import write_types

    from features import registry

    frame = _guides(seed=21)
    frame.to_csv(tmp_path / "guides.csv", index=False)
    with registry.using([write_types(tmp_path / "schemes")]):
        result = ingest(store, tmp_path / "guides.csv", "subjects")
        assert (result.rows_stored, result.rows_quarantined) == (3, 2)
        # a column no type declares is ignored as before; declared ones are not
        assert result.message == "ignored columns: remark"
        stored = store.query("SELECT subject_id, subject_type FROM subjects ORDER BY name")
        assert sorted(stored["subject_type"]) == ["enterprise", "tour_guide", "tour_guide"]
        attrs = store.query(
            "SELECT subject_id, name, value_text, value_num, ingest_id FROM subject_attributes "
            "ORDER BY subject_id, name"
        )
        guide_a, guide_b = frame.loc[0, "subject_id"], frame.loc[1, "subject_id"]
        assert attrs[["subject_id", "name"]].values.tolist() == sorted(
            [
                [guide_a, "licence_no"],
                [guide_a, "profession"],
                [guide_a, "years_practised"],
                [guide_b, "profession"],
            ]
        )
        a = attrs.set_index(["subject_id", "name"])
        assert a.loc[(guide_a, "years_practised"), "value_num"] == 5.0
        assert a.loc[(guide_b, "profession"), "value_text"] == "tour_leader"
        assert set(attrs["ingest_id"]) == {result.ingest_id}
        # the enterprise's profession column is not an attribute of enterprises: not stored
        assert frame.loc[4, "subject_id"] not in set(attrs["subject_id"])

        reasons = {
            r["key"]: json.loads(r["reasons"])
            for r in store.query("SELECT key, reasons FROM quarantine").to_dict("records")
        }
        (bad_id,) = reasons[frame.loc[2, "subject_id"]]
        assert bad_id["column"] == "subject_id"
        assert bad_id["problem"] == (
            "not a valid 居民身份证号码: must be 18 characters (subject type tour_guide)"
        )
        assert bad_id["problem_zh"] == "不是有效的居民身份证号码：应为18位（主体类型：导游）"
        (bad_choice,) = reasons[frame.loc[3, "subject_id"]]
        assert (bad_choice["column"], bad_choice["value"]) == ("profession", "chef")
        assert (
            bad_choice["problem_zh"]
            == "导游的职业“chef”不是可接受的值，应为：tour_guide、tour_leader"
        )
        assert bad_choice["problem"].startswith("profession 'chef' is not one of tour_guide")

        # a later file: one changed value is one new row, repeated values add nothing
        frame.loc[0, "profession"] = "tour_leader"
        frame.to_csv(tmp_path / "guides2.csv", index=False)
        again = ingest(store, tmp_path / "guides2.csv", "subjects")
        assert again.rows_quarantined == 2
        assert store.count("subject_attributes") == 5
        latest = store.scalar(
            "SELECT value_text FROM subject_attributes WHERE subject_id = ? AND name = "
            "'profession' ORDER BY version_from DESC LIMIT 1",
            [guide_a],
        )
        assert latest == "tour_leader"


def test_without_the_folder_the_declared_type_is_quarantined(store, tmp_path) -> None:
    frame = _guides(seed=21)
    frame.to_csv(tmp_path / "guides.csv", index=False)
    result = ingest(store, tmp_path / "guides.csv", "subjects")
    assert (result.rows_stored, result.rows_quarantined) == (1, 4)
    # ``profession`` is also declared by the shipped practitioner type, so only the
    # folder's other attributes are ignored columns now
    assert "licence_no" in result.message and store.count("subject_attributes") == 0
