"""``xinping ingest``: a department file into the store, bad rows into quarantine."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import cli
from features.records.ids import generate_id_numbers, generate_uscc
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()
# rich wraps at 80 columns otherwise; 400: a message quoting a pytest-xdist worker's temporary
# path (…/popen-gw0/…) passed 200 and its wrap ate the space the check reads ("0xff at")
ENV = {"COLUMNS": "400"}


def department_file(n: int = 60, seed: int = 1) -> pd.DataFrame:
    """``n`` records as strings; rows 3, 10 and 20 are broken (the CLI uses the real date,
    so the future date lies far ahead)."""
    rng = np.random.default_rng(seed)
    firms = generate_uscc(rng, np.full(n, "530302"))
    people = generate_id_numbers(
        rng, np.full(n, "530326"), np.full(n, np.datetime64("1980-05-01")), rng.random(n) < 0.5
    )
    rows = []
    for i in range(n):
        event = dt.date(2022, 1, 1) + dt.timedelta(days=int(rng.integers(0, 900)))
        penalty = i % 2 == 0
        rows.append(
            {
                "记录编号": f"SAMR-{i:05d}",
                "主体标识": firms[i] if penalty else people[i],
                "信息类别": "administrative_penalty" if penalty else "traffic_violation",
                "失信程度": "general" if penalty else "minor",
                "文本值": "food" if penalty else "",
                "金额（元）": str(int(rng.integers(1, 20)) * 500),
                "发生日期": event.isoformat(),
                "公示/报送日期": (event + dt.timedelta(days=7)).isoformat(),
                "详情": "罚款",
            }
        )
    frame = pd.DataFrame(rows, dtype=str)
    frame.loc[3, "主体标识"] = frame.loc[3, "主体标识"][:17] + "Z"
    frame.loc[10, "信息类别"] = "foo"
    frame.loc[20, "公示/报送日期"] = "2099-01-01"
    return frame


def counts(path) -> dict[str, int]:
    with DuckDBStore(path) as st:
        return {t: st.count(t) for t in ("records", "quarantine", "ingest_log")}


def invoke(*args: str):
    return runner.invoke(cli, ["ingest", *args], env=ENV)


def test_ingest_stores_good_rows_and_quarantines_bad_ones(tmp_path) -> None:
    path, db = tmp_path / "samr.csv", tmp_path / "xp.duckdb"
    department_file().to_csv(path, index=False, encoding="gbk")
    result = invoke(str(path), "--store", str(db), "--dept", "samr")
    assert result.exit_code == 0, result.output
    assert "入库 samr.csv → records" in result.output
    assert "read 60, stored 57, unchanged 0, quarantined 3" in result.output
    assert counts(db) == {"records": 57, "quarantine": 3, "ingest_log": 1}
    with DuckDBStore(db) as st:
        assert set(st.query("SELECT source_dept FROM records")["source_dept"]) == {"samr"}
        columns = {
            r["column"]
            for reasons in st.query("SELECT reasons FROM quarantine")["reasons"]
            for r in json.loads(reasons)
        }
    assert columns == {"subject_id", "kind", "published_on"}

    again = invoke(str(path), "--store", str(db), "--dept", "samr")
    assert again.exit_code == 0, again.output
    assert "already ingested as ingest 1" in again.output
    assert counts(db) == {"records": 57, "quarantine": 3, "ingest_log": 1}


@pytest.mark.parametrize("problem", ["encoding", "columns"])
def test_an_unreadable_file_exits_non_zero_and_writes_nothing(tmp_path, problem) -> None:
    db = tmp_path / "xp.duckdb"
    good = tmp_path / "good.csv"
    department_file(seed=2).to_csv(good, index=False)
    assert invoke(str(good), "--store", str(db), "--dept", "samr").exit_code == 0
    before = counts(db)

    bad = tmp_path / "penalties.csv"
    if problem == "encoding":
        bad.write_bytes(department_file(seed=3).to_csv(index=False).encode("gbk") + b"\xff\xff\n")
        expected = "cannot be decoded as UTF-8 or GBK (byte 0xff at offset"
    else:
        department_file(seed=3).drop(columns=["信息类别"]).to_csv(bad, index=False)
        expected = "missing required columns: kind, source_dept"
    result = invoke(str(bad), "--store", str(db))
    assert result.exit_code != 0
    output = result.output.replace("\n", "")
    assert str(bad) in output and expected in output
    assert output.count("错误 / error") == 1  # one message, no traceback
    assert "Traceback" not in output
    assert counts(db) == before


def test_values_that_look_like_rich_markup_print_literally(tmp_path) -> None:
    # quarantine reasons quote department values; "[/x]" would be a closing markup tag
    # (an error) and "[abc]" an unknown style (silently dropped) if printed as markup
    path, db = tmp_path / "samr.csv", tmp_path / "xp.duckdb"
    frame = department_file(seed=4)
    frame.loc[4, "文本值"] = "[/x]"  # rows 4 and 6 are penalties
    frame.loc[6, "失信程度"] = "[abc]"
    frame.to_csv(path, index=False)
    result = invoke(str(path), "--store", str(db), "--dept", "samr")
    assert result.exit_code == 0, result.output
    output = result.output.replace("\n", "")  # rich wraps long lines
    assert "quarantined 5" in output  # rows 3, 10 and 20 as built, 4 and 6
    assert "value_text '[/x]' is not one of" in output
    assert "severity '[abc]' is not one of" in output
    with DuckDBStore(db) as st:
        raw = st.query("SELECT raw FROM quarantine")["raw"]
    assert any("[/x]" in r for r in raw)


def test_an_error_naming_a_file_that_looks_like_markup_prints_literally(tmp_path) -> None:
    bad = tmp_path / "penalties[red][abc].csv"
    department_file(seed=3).drop(columns=["信息类别"]).to_csv(bad, index=False)
    result = invoke(str(bad), "--store", str(tmp_path / "xp.duckdb"))
    assert result.exit_code == 2, result.output
    output = result.output.replace("\n", "")
    assert "penalties[red][abc].csv" in output and "missing required columns" in output


def test_values_in_chinese_are_accepted_like_the_headers(tmp_path) -> None:
    path, db = tmp_path / "samr.csv", tmp_path / "xp.duckdb"
    frame = department_file(seed=5)
    frame["信息类别"] = frame["信息类别"].replace(
        {"administrative_penalty": "行政处罚", "traffic_violation": "交通违法"}
    )
    frame["失信程度"] = frame["失信程度"].replace({"general": "一般", "minor": "轻微"})
    frame.loc[[0, 2], "失信程度"] = ["严重", "较重"]  # 较重 is no tier
    frame.to_csv(path, index=False, encoding="gbk")
    result = invoke(str(path), "--store", str(db), "--dept", "samr")
    assert result.exit_code == 0, result.output
    assert "quarantined 4" in result.output  # rows 3, 10 and 20 as built, and 较重
    assert "失信程度“较重”不是可接受的值，应为：轻微、一般、严重" in (
        result.output.replace("\n", "")
    )
    with DuckDBStore(db) as st:
        kinds = st.query("SELECT kind, severity, count(*) AS n FROM records GROUP BY ALL")
    assert set(kinds["kind"]) == {"administrative_penalty", "traffic_violation"}
    assert set(kinds["severity"]) == {"serious", "general", "minor"}


def test_a_header_only_file_says_0_rows_in_one_line(tmp_path) -> None:
    path, db = tmp_path / "2026-11.csv", tmp_path / "xp.duckdb"
    department_file().iloc[:0].to_csv(path, index=False)
    result = invoke(str(path), "--store", str(db), "--dept", "samr")
    assert result.exit_code == 0, result.output
    assert result.output.strip().count("\n") == 0, result.output
    assert "0 rows stored" in result.output and "Traceback" not in result.output
    assert counts(db) == {"records": 0, "quarantine": 0, "ingest_log": 1}


def test_a_repeated_column_is_refused_naming_both(tmp_path) -> None:
    path, db = tmp_path / "samr.csv", tmp_path / "xp.duckdb"
    frame = department_file()
    frame["subject_id"] = frame["主体标识"]
    frame.to_csv(path, index=False)
    result = invoke(str(path), "--store", str(db), "--dept", "samr")
    assert result.exit_code == 2, result.output
    output = result.output.replace("\n", "")
    assert "第 2 列“主体标识”和第 10 列“subject_id”是同一字段" in output
    assert (
        "column subject_id is given twice: column 2 '主体标识' and column 10 'subject_id'" in output
    )
    assert output.count("错误 / error") == 1 and "Traceback" not in output
    assert not db.exists() or counts(db) == {"records": 0, "quarantine": 0, "ingest_log": 0}


def test_cluster_sorts_by_subject_and_writes_the_row_directory(tmp_path) -> None:
    """After two department files, ``xinping cluster`` keeps every row and puts each
    subject's records together, with their row ranges in the directory."""
    db = tmp_path / "xp.duckdb"
    for seed in (4, 5):
        path = tmp_path / f"samr-{seed}.csv"
        frame = department_file(seed=seed)
        frame["记录编号"] = frame["记录编号"] + f"-{seed}"
        frame.to_csv(path, index=False)
        assert invoke(str(path), "--store", str(db), "--dept", "samr").exit_code == 0
    with DuckDBStore(db) as st:
        before = sorted(map(str, st.query("SELECT * FROM records").to_dict("records")))
        people = st.scalar("SELECT count(DISTINCT subject_id) FROM records")
    result = runner.invoke(cli, ["cluster", "--store", str(db)], env=ENV)
    assert result.exit_code == 0, result.output
    assert "records: 114 行 rows sorted by subject_id" in result.output
    assert f"行目录 row directory: {people} subjects" in result.output
    with DuckDBStore(db) as st:
        after = st.query("SELECT rowid AS r, * FROM records ORDER BY rowid")
        assert sorted(map(str, after.drop(columns="r").to_dict("records"))) == before
        assert after["subject_id"].is_monotonic_increasing
        d = st.row_directory("records")
        assert d is not None and d.rows == d.clustered == 114


def test_ingest_suggests_cluster_once_enough_records_are_unsorted(tmp_path, monkeypatch) -> None:
    import features.store.row_directory as row_directory

    db = tmp_path / "xp.duckdb"
    files = []
    for seed in (6, 7, 8):
        path = tmp_path / f"samr-{seed}.csv"
        frame = department_file(seed=seed)
        frame["记录编号"] = frame["记录编号"] + f"-{seed}"
        frame.to_csv(path, index=False)
        files.append(path)
    # the shipped threshold: a small store is never told
    first = invoke(str(files[0]), "--store", str(db), "--dept", "samr")
    assert first.exit_code == 0 and "xinping cluster" not in first.output
    monkeypatch.setattr(row_directory, "ADVISE_ROWS", 50)
    second = invoke(str(files[1]), "--store", str(db), "--dept", "samr")
    assert "114 条记录尚未按主体整理（共 114 条）" in second.output
    assert "114 of 114 records are not sorted by subject" in second.output
    assert runner.invoke(cli, ["cluster", "--store", str(db)], env=ENV).exit_code == 0
    third = invoke(str(files[2]), "--store", str(db), "--dept", "samr")
    assert "57 条记录尚未按主体整理（共 171 条）" in third.output  # the rows since the sort
