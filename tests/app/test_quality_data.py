"""数据质量 data (app/data/quality.py): reasons and ingest notes in the page's language."""

from __future__ import annotations

import pandas as pd

from app.data.quality import ingest_log, log_words, message_text, quarantine
from features.records.ingest import ingest_file
from features.store.duckdb_store import DuckDBStore


def test_quarantine_reasons_and_notes_read_in_the_pages_language(tmp_path) -> None:
    path = tmp_path / "samr.csv"
    pd.DataFrame(
        {
            "记录编号": ["R1"],
            "主体标识": ["91110000600037341L"],
            "信息类别": ["行政处罚"],
            "失信程度": ["较重"],
            "文本值": ["食品"],
            "发生日期": ["2023-01-05"],
            "公示/报送日期": ["2023-01-06"],
            "备注": ["x"],
        }
    ).to_csv(path, index=False)
    with DuckDBStore(tmp_path / "xp.duckdb") as st:
        ingest_file(st, path, "records", dept="samr")
        zh = quarantine(st, lang="zh")["reason_text"].iloc[0]
        en = quarantine(st, lang="en")["reason_text"].iloc[0]
        log = ingest_log(st)
    assert zh == ("失信程度=较重：失信程度“较重”不是可接受的值，应为：轻微、一般、严重")
    assert en == (
        "Severity tier '较重': severity '较重' is not one of minor, general, serious"
        " (accepted: minor '轻微', general '一般', serious '严重')"
    )
    assert log_words(log, "zh")["message"].iloc[0] == "未使用的列：备注"


def test_reasons_stored_before_problem_zh_are_shown_as_stored(tmp_path) -> None:
    with DuckDBStore(tmp_path / "xp.duckdb") as st:
        st.append(
            "quarantine",
            pd.DataFrame(
                {
                    "ingest_id": [1],
                    "file_name": ["old.csv"],
                    "row_number": [2],
                    "target_table": ["records"],
                    "key": ["R1"],
                    "raw": ["{}"],
                    "reasons": ['[{"column": "kind", "value": "foo", "problem": "unknown"}]'],
                }
            ),
        )
        assert quarantine(st, lang="zh")["reason_text"].iloc[0] == "信息类别=foo：unknown"


def test_ingest_notes_in_words() -> None:
    message = (
        "no data rows: the file has a header only; "
        "sheets read: 一月 (3 rows), 二月 (0 rows); "
        "sheets skipped: 说明 (no known column headers), Sheet3 (empty sheet)"
    )
    assert message_text(message, "zh") == (
        "文件只有表头，没有数据行；已读取工作表：一月（3 行）、二月（0 行）；"
        "未读取的工作表：说明（没有可识别的列名）、Sheet3（空工作表）"
    )
    assert message_text(message, "en") == message
