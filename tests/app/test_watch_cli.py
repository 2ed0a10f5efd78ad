"""``xinping watch …`` and the 信用预警 page on the little city (tests/scoring/little_city.py):
counts by type, a re-run that adds nothing, alerts with their records, an audited
acknowledgement, the hand-kept list, the Excel report, masked IDs for a masked role."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scoring"))
from little_city import DRV, E1, E2, build_city

from app.cli import cli
from app.settings import settings
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()
PAGE = Path(__file__).resolve().parents[2] / "app" / "pages" / "watch_page.py"


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[Path]:
    """The little city in a store file, the settings pointing at it."""
    import streamlit as st

    path = tmp_path / "watch.duckdb"
    with DuckDBStore(path) as st_:
        build_city(st_)
    overlay = tmp_path / "settings.toml"
    # the planted driver goes AAA → AA: a city that warns on any lowered driver grade
    overlay.write_text(
        '[store]\nmemory_limit = ""\n\n[dates]\nlatest = "today"\n\n'
        '[watch.boundaries]\ndriver = "AA"\n',
        "utf-8",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_STORE", str(path))
        mp.setenv("XINPING_SETTINGS", str(overlay))
        settings.cache_clear()
        st.cache_resource.clear()
        st.cache_data.clear()
        yield path
        st.cache_resource.clear()
    settings.cache_clear()


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(cli, ["watch", *args, "--by", "wang"], terminal_width=400)
    assert result.exit_code == code, result.output
    return result.output


def _query(path: Path, sql: str):
    with DuckDBStore(path) as st:
        return st.query(sql)


def test_run_counts_by_type_and_a_rerun_adds_nothing(env: Path) -> None:
    out = _run("run", "--as-of", "2026-09-30")
    assert "2026-06-30 – 2026-09-30: 新增 4 new" in out
    assert "新增严重失信记录 / New serious record: 1" in out
    assert "等级下调 / Grade lowered: 2" in out and "违约概率上升 / PD rising: 1" in out
    again = _run("run", "--as-of", "2026-09-30")
    assert "新增 0 new (触发 4 found" in again
    assert _query(env, "SELECT count(*) AS n FROM watch_alerts")["n"].iloc[0] == 4


def test_alerts_show_cause_and_records_with_ids_masked_and_ack_is_audited(env: Path) -> None:
    _run("run", "--as-of", "2026-09-30")
    out = _run("alerts", "--open")
    assert "未确认 open 4" in out and "R-E1-LIST 严重违法失信名单 2026-07-10 公示 2026-07-15" in out
    assert E1 in out and DRV not in out and DRV[:6] + "*" in out  # a person's ID is masked
    alert_id = _query(
        env,
        f"SELECT alert_id FROM watch_alerts WHERE subject_id = '{E1}' "
        "AND alert_type = 'serious_record'",
    )["alert_id"].iloc[0]
    _run("ack", alert_id, "--note", "已约谈")
    assert alert_id not in _run("alerts", "--open")
    assert "已确认" in _run("alerts")
    err = _run("ack", alert_id, "--note", "again", code=2)
    assert "已确认" in err
    log = _query(env, "SELECT action, user_name, role, detail FROM audit_log")
    ack = log[log["action"] == "watch_ack"]
    assert len(ack) == 1 and ack.iloc[0]["user_name"] == "wang"
    assert json.loads(ack.iloc[0]["detail"])["note"] == "已约谈"
    assert (log["action"] == "watch_alerts").any()


def test_the_hand_kept_list_needs_a_reason_and_keeps_every_row(env: Path) -> None:
    _run("add", E2, "--reason", "群众投诉较多")
    assert "人工关注" in _run("list", "--as-of", "2026-09-30", "--mine")
    assert "信用风险分类为高风险" in _run("list", "--as-of", "2026-09-30")  # E1, class D
    assert "请填写" in _run("add", E1, "--reason", " ", code=2)
    _run("add", DRV, "--reason", "驾驶人多次违章")
    listed = _run("list", "--as-of", "2026-09-30")
    assert DRV not in listed and DRV[:6] + "*" in listed
    _run("remove", E2, "--reason", "已整改")
    assert "不在" in _run("remove", E2, "--reason", "again", code=2)
    rows = _query(env, "SELECT action FROM watchlist ORDER BY entered_at")["action"]
    assert rows.tolist() == ["add", "add", "remove"]


def test_the_report_is_an_inert_workbook(env: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "report.xlsx"
    said = _run("report", "--month", "2026-09", "--out", str(out))
    assert "2026-08-31 → 2026-09-30" in said and "6 户企业" in said
    book = load_workbook(out)
    assert not [c for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]
    assert book["分类占比"]["A2"].value == "麒麟区"
    assert "YYYY-MM" in _run("report", "--month", "2026-13", "--out", str(out), code=2)
    assert ".xlsx" in _run("report", "--month", "2026-09", "--out", str(tmp_path / "r.csv"), code=2)


def test_the_page_masks_ids_for_a_supervisor_and_acknowledges_with_a_note(env: Path) -> None:
    from streamlit.testing.v1 import AppTest

    _run("run", "--as-of", "2026-09-30")
    _run("add", DRV, "--reason", "驾驶人多次违章")
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.session_state["lang"] = "zh"
    at.session_state["user"] = {
        "username": "wang",
        "role": "supervisor",
        "display_name": "王监管",
        "region_code": None,
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    frames = [d.value.to_csv() for d in at.dataframe]
    text = "\n".join(frames + [m.value for m in at.markdown] + [s.value for s in at.subheader])
    assert "未确认的预警：4 条" in text and "R-E1-LIST" in text
    assert DRV not in text and DRV[:6] + "*" in text  # the driver's alert and watch row
    at.text_input(key="w_ack_note").input("已核查")
    at.button(key="w_ack").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "未确认的预警：3 条" in [s.value for s in at.subheader]
    assert _query(env, "SELECT count(*) AS n FROM watch_acks")["n"].iloc[0] == 1
    actions = set(_query(env, "SELECT action FROM audit_log")["action"])
    assert {"watch_ack", "watch_alerts", "watch_list"} <= actions


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[watch]\nboundaries = { enterprise = "E" }\n', "enterprise has no grade 'E'"),
        ('[watch]\nboundaries = { nosuch = "A" }\n', "'nosuch' is not a rated scheme"),
        ("[watch]\npd_factor = 0.5\n", "watch.pd_factor"),
    ],
)
def test_the_watch_settings_are_checked_at_start(tmp_path: Path, text: str, said: str) -> None:
    from app.cli import schemes_problem, settings_problem

    overlay = tmp_path / "bad.toml"
    overlay.write_text(text, "utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_SETTINGS", str(overlay))
        settings.cache_clear()
        try:
            problem = settings_problem() or schemes_problem()
        finally:
            settings.cache_clear()
    assert problem is not None and said in problem
