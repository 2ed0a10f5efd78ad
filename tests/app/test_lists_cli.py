"""`xinping lists …` on a small store: rules, a decision, an objection, masking, audit, errors."""

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
from scoring.objections import open_objection

runner = CliRunner()
FIRM, OTHER = (f"9153030072200000{n}" + uscc_check_char(f"9153030072200000{n}") for n in ("1", "2"))
REP = "110105194912310038"
PERSON = "11010519491231002X"


def _rows(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def _record(rid: str, sid: str, kind: str, day: str, severity: str, until: str) -> dict:
    d = dt.date.fromisoformat
    return {
        "record_id": rid,
        "subject_id": sid,
        "kind": kind,
        "domain": "supervision",
        "severity": severity,
        "polarity": "negative",
        "value_text": "other" if kind == "administrative_penalty" else None,
        "event_date": d(day),
        "decided_on": d(day),
        "published_on": d(day) + dt.timedelta(days=2),
        "valid_until": d(until),
        "source_dept": "samr",
    }


@pytest.fixture()
def store(tmp_path: Path):
    path = tmp_path / "lists.duckdb"
    with DuckDBStore(path) as st:
        st.append(
            "subjects",
            _rows(
                *(
                    {
                        "subject_id": sid,
                        "subject_type": "enterprise",
                        "name": name,
                        "region_code": "530302",
                        "industry": "C",
                        "scale": "small",
                        "established_on": dt.date(2015, 3, 1),
                        "legal_rep_id": rep,
                        "status": "active",
                    }
                    for sid, name, rep in (
                        (FIRM, "曲靖己建材有限公司", REP),
                        (OTHER, "曲靖庚物流有限公司", None),
                    )
                )
            ),
        )
        st.append(
            "records",
            _rows(
                _record(
                    "SV9", FIRM, "serious_violation_list", "2026-03-10", "serious", "2029-03-10"
                ),
                _record(
                    "PEN9", OTHER, "administrative_penalty", "2026-05-01", "general", "2027-05-01"
                ),
                # the store's data date (the latest a change may be dated): 2027-12-02
                _record(
                    "PEN0", OTHER, "administrative_penalty", "2027-11-30", "minor", "2028-01-01"
                ),
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


def test_apply_rules_show_and_history_masked_and_audited(store: Path) -> None:
    first = _run("lists", "apply-rules", "--as-of", "2026-10-31", "--by", "wang")
    assert first.exit_code == 0, first.output
    # black only: the shipped watch rules keep out a firm already on the black list
    assert "列入 entered 1" in first.output
    again = _run("lists", "apply-rules", "--as-of", "2026-10-31", "--by", "wang")
    assert "列入 entered 0" in again.output
    shown = _run("lists", "show", FIRM, "--as-of", "2026-10-31", "--by", "wang")
    assert shown.exit_code == 0, shown.output
    assert "黑名单（严重失信主体名单）：在名单" in shown.output
    assert "规则认定：列入严重违法失信名单" in shown.output and "SV9" in shown.output
    assert "black-serious-violation-list" not in shown.output
    assert "110105**********38" in shown.output and REP not in shown.output
    assert "红名单：不在名单" in shown.output and "重点关注名单：不在名单" in shown.output
    hist = _run("lists", "history", FIRM)
    assert hist.exit_code == 0 and "列入" in hist.output and REP not in hist.output
    with DuckDBStore(store, read_only=True) as st:
        actions = list(st.query("SELECT action FROM audit_log ORDER BY logged_at")["action"])
    assert {"list_apply_rules", "view_lists", "view_list_history"} <= set(actions)


def test_decision_objection_and_revoke(store: Path) -> None:
    out = _run(
        "lists",
        "enter",
        OTHER,
        "--list",
        "black",
        "--decision",
        "曲市监信〔2026〕12号",
        "--dept",
        "市场监督管理局",
        "--evidence",
        "PEN9",
        "--reason",
        "严重违法",
        "--person",
        PERSON,
        "--on",
        "2026-06-01",
    )
    assert out.exit_code == 0, out.output
    lid = out.output.split("entered ")[1].split()[0]
    with DuckDBStore(store) as st:
        open_objection(st, "PEN9", "依据有误", "tester", dt.date(2026, 7, 1))
    shown = _run("lists", "show", OTHER, "--as-of", "2026-07-02")
    assert "暂停实施措施" in shown.output and "110105**********2X" in shown.output
    assert PERSON not in shown.output
    bad = _run("lists", "revoke", lid, "--reason", " ")
    assert bad.exit_code == 2 and "请填写撤销理由" in bad.output
    ok = _run(
        "lists", "revoke", lid, "--reason", f"送达对象错误（应为 {PERSON}）", "--on", "2026-07-05"
    )
    assert ok.exit_code == 0, ok.output
    after = _run("lists", "show", OTHER, "--as-of", "2026-07-06")
    assert "黑名单（严重失信主体名单）：不在名单" in after.output and "已撤销" in after.output
    assert PERSON not in after.output and "110105**********2X）" in after.output
    assert PERSON not in _run("lists", "history", OTHER).output


def test_clear_errors_and_no_traceback(store: Path) -> None:
    cases = [
        ("lists", "show", "91530300722000009X"),
        ("lists", "enter", FIRM, "--list", "grey", "--decision", "n", "--dept", "d",
         "--evidence", "SV9", "--reason", "r"),
        ("lists", "enter", FIRM, "--list", "black", "--decision", "n", "--dept", "d",
         "--evidence", "PEN9", "--reason", "r"),
        ("lists", "revoke", "LE-NOPE", "--reason", "r"),
        ("lists", "apply-rules", "--as-of", "2099-01-01"),
    ]  # fmt: skip
    for args in cases:
        result = _run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    early = _run("lists", "apply-rules", "--as-of", "2026-10-31")
    assert early.exit_code == 0
    with DuckDBStore(store, read_only=True) as st:
        lid = st.query("SELECT listing_id FROM list_events WHERE list_key = 'black'").iloc[0, 0]
    refused = _run("lists", "exit", lid, "--reason", "已修复", "--on", "2026-11-01")
    assert refused.exit_code == 2 and "最早 2027-03-12" in refused.output


def test_the_shipped_rules_load_and_a_bad_rule_is_one_settings_error(tmp_path: Path) -> None:
    from app.cli import settings_problem
    from app.settings import load_settings

    cfg = load_settings().lists.config()
    assert {r.list_key for r in cfg.rules} == {"red", "black", "watch"}
    assert cfg.months["black"] == 36 and cfg.repair_min_months["black"] == 12
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[lists.rules]]\nid = "x"\nlist = "black"\nkinds = ["no_such_kind"]\n', encoding="utf-8"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_SETTINGS", str(bad))
        settings.cache_clear()
        problem = settings_problem()
    settings.cache_clear()
    assert problem is not None and "no_such_kind" in problem
