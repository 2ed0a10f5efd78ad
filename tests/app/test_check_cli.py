"""`xinping check` and `xinping check-batch` on a small store: Chinese first, masked,
stored, audited, one-line errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import settings
from features.records.ids import uscc_check_char
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()
FIRM = "91530300723000001" + uscc_check_char("91530300723000001")
PERSON = "110105194912310038"


def _record(rid: str, sid: str, kind: str, day: str) -> dict:
    d = dt.date.fromisoformat
    return {
        "record_id": rid,
        "subject_id": sid,
        "kind": kind,
        "domain": "supervision",
        "severity": "serious",
        "polarity": "negative",
        "event_date": d(day),
        "decided_on": d(day),
        "published_on": d(day) + dt.timedelta(days=2),
        "valid_until": d("2029-03-10"),
        "source_dept": "court" if kind == "dishonest_judgment_debtor" else "samr",
    }


@pytest.fixture()
def store(tmp_path: Path):
    path = tmp_path / "check.duckdb"
    with DuckDBStore(path) as st:
        st.append(
            "subjects",
            pd.DataFrame(
                [
                    {
                        "subject_id": sid,
                        "subject_type": stype,
                        "name": name,
                        "region_code": "530302",
                        "established_on": dt.date(2015, 3, 1),
                        "status": "active",
                    }
                    for sid, stype, name in (
                        (FIRM, "enterprise", "曲靖辛建材有限公司"),
                        (PERSON, "household", "李四"),
                    )
                ]
            ),
        )
        st.append(
            "records",
            pd.DataFrame(
                [
                    _record("SV7", FIRM, "serious_violation_list", "2026-03-10"),
                    _record("JD7", PERSON, "dishonest_judgment_debtor", "2026-06-01"),
                    # the store's data date (the latest a list change may be dated)
                    _record("SV8", PERSON, "dishonest_judgment_debtor", "2027-11-30"),
                ]
            ),
        )
    cfg = tmp_path / "settings.toml"
    cfg.write_text('[dates]\nlatest = "data"\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_STORE", str(path))
        mp.setenv("XINPING_SETTINGS", str(cfg))
        settings.cache_clear()
        yield path
    settings.cache_clear()


def _run(*args: str):
    result = runner.invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_check_a_black_listed_firm_for_procurement_in_chinese_and_english(store: Path) -> None:
    assert _run("lists", "apply-rules", "--as-of", "2026-10-31", "--by", "wang").exit_code == 0
    out = _run("check", FIRM, "--matter", "政府采购", "--as-of", "2026-10-31", "--dept", "市财政局")
    assert out.exit_code == 0, out.output
    assert "P-PROC-01  依法限制参加政府采购（失信惩戒、强制性" in out.output
    assert "政府采购法" in out.output and "记录 SV7" in out.output and "黑名单" in out.output
    assert "None" not in out.output and "punishment" not in out.output
    en = _run(
        "check", FIRM, "--matter", "procurement", "--as-of", "2026-10-31", "--lang", "en",
        "--by", "wang",
    )  # fmt: skip
    assert "punishment, mandatory" in en.output and "record SV7" in en.output
    with DuckDBStore(store, read_only=True) as st:
        rows = st.query("SELECT * FROM credit_checks ORDER BY check_id")
        audits = st.query("SELECT * FROM audit_log WHERE action = 'credit_check'")
    assert list(rows["department"]) == ["市财政局", "wang"]
    assert list(rows["matter"]) == ["procurement"] * 2
    assert len(audits) == 2


def test_a_person_is_masked_on_screen_and_in_the_batch_file(store: Path, tmp_path: Path) -> None:
    out = _run("check", PERSON, "--matter", "consumption", "--as-of", "2026-10-31")
    assert out.exit_code == 0, out.output
    assert PERSON not in out.output and "110105" in out.output and "限制高消费" in out.output
    src = tmp_path / "bidders.csv"
    src.write_text(f"subject_id\n{FIRM}\n{PERSON}\n123\n", encoding="utf-8")
    res = tmp_path / "result.csv"
    batch = _run(
        "check-batch", str(src), "--matter", "consumption", "--out", str(res),
        "--as-of", "2026-10-31",
    )  # fmt: skip
    assert batch.exit_code == 0, batch.output
    assert (
        "已核查 2 行，1 行有错误" in batch.output and "第4行 subject_id 列 值 123" in batch.output
    )
    text = res.read_text(encoding="utf-8-sig")
    assert PERSON not in text and "P-CONS-01" in text and text.count("\n") == 4


def test_errors_are_one_line_without_traceback(store: Path, tmp_path: Path) -> None:
    for args in (
        ("check", FIRM, "--matter", "parking"),
        ("check", "91530300XXXXXXXXXX", "--matter", "procurement"),
        ("check", FIRM, "--matter", "procurement", "--as-of", "2999-01-01"),
        ("check-batch", str(tmp_path / "none.csv"), "--matter", "procurement", "--out", "x.csv"),
    ):
        out = _run(*args)
        assert out.exit_code == 2, out.output
        assert "错误 / error" in out.output and "Traceback" not in out.output
