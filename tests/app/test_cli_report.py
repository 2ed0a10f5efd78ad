"""`xinping report`: writes the HTML, logs the look-up, errors clearly."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import cli
from features.store.duckdb_store import DuckDBStore
from scoring.audit import views_of

runner = CliRunner()
DRIVER = "11010519491231002X"
FIRM = "91110000600037341L"


@pytest.fixture()
def store_file(tmp_path):
    path = tmp_path / "x.duckdb"
    reasons = {
        "unit": "log-odds",
        "base": -3.0,
        "output": -2.5,
        "rest": 0.0,
        "raise": [
            {
                "indicator": "points_12m",
                "value": 6.0,
                "contribution": 0.5,
                "risk": 0.5,
                "label_zh": "近12个月交通违法记分",
                "label_en": "Licence points, 12 months",
                "text_zh": "近12个月交通违法记6分",
                "text_en": "6 licence points",
            }
        ],
        "lower": [],
    }
    with DuckDBStore(path) as st:
        base = {"region_code": "530302", "status": "active"}
        st.append(
            "subjects",
            pd.DataFrame(
                [
                    {"subject_id": DRIVER, "subject_type": "driver", "name": "张三", **base},
                    {"subject_id": FIRM, "subject_type": "enterprise", "name": "甲公司", **base},
                ]
            ),
        )
        st.append(
            "ratings",
            pd.DataFrame(
                [
                    {
                        "subject_id": DRIVER,
                        "scheme": "driver",
                        "as_of": dt.date(2026, 9, 30),
                        "model_name": "xinping-driver",
                        "model_version": "1",
                        "run_id": "abc",
                        "pd": 0.03,
                        "model_grade": "AA",
                        "final_grade": "AA",
                        "overrides": "[]",
                        "reasons": json.dumps(reasons, ensure_ascii=False),
                        "green_channel": False,
                        "scored_at": dt.datetime(2026, 10, 1, 8),
                    }
                ]
            ),
        )
    return path


def _audit(path) -> pd.DataFrame:
    with DuckDBStore(path, read_only=True) as st:
        return st.query("SELECT * FROM audit_log ORDER BY logged_at")


def test_report_writes_html_and_an_audit_row(store_file, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["report", DRIVER, "--store", str(store_file), "--user", "li"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "reports" / "110105__________2X.html"
    assert out.exists() and "110105**********2X" in result.output
    html = out.read_text(encoding="utf-8")
    assert "信用报告" in html and "近12个月交通违法记6分" in html and DRIVER not in html
    log = _audit(store_file)
    assert len(log) == 1
    row = log.iloc[0]
    assert (row["user_name"], row["role"], row["action"]) == ("li", "cli", "report")
    # the audit log keeps the person's ID as its keyed hash, found again from the ID
    assert row["subject_id"].startswith("pid:") and DRIVER not in log.to_csv()
    with DuckDBStore(store_file, read_only=True) as st:
        assert list(views_of(st, DRIVER)["action"]) == ["report"]
    assert json.loads(row["detail"])["out"] == "reports/110105__________2X.html"


def test_report_options(store_file, tmp_path) -> None:
    out = tmp_path / "r" / "en.html"
    result = runner.invoke(
        cli,
        [
            "report",
            DRIVER,
            "--store",
            str(store_file),
            "--lang",
            "en",
            "--as-of",
            "2026-09-30",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Credit report" in html and "6 licence points" in html
    assert _audit(store_file).iloc[0]["user_name"]  # the login name by default


def test_report_errors(store_file, tmp_path) -> None:
    unknown = runner.invoke(cli, ["report", "11010519491231001X", "--store", str(store_file)])
    assert unknown.exit_code == 2 and "unknown subject" in unknown.output
    assert "11010519491231001X" not in unknown.output
    unrated = runner.invoke(cli, ["report", FIRM, "--store", str(store_file)])
    assert unrated.exit_code == 2 and "has no rating" in unrated.output
    when = runner.invoke(cli, ["report", DRIVER, "--store", str(store_file), "--as-of", "2026-1"])
    assert when.exit_code == 2 and "not a date" in when.output
    wrong = runner.invoke(
        cli, ["report", DRIVER, "--store", str(store_file), "--as-of", "2026-06-30"]
    )
    assert wrong.exit_code == 2 and "rated as of: 2026-09-30" in " ".join(wrong.output.split())
    assert not (tmp_path / "reports").exists()
    log = _audit(store_file)
    assert len(log) == 3 and all("error" in json.loads(d) for d in log["detail"])


def test_report_logs_the_authorisation_reference(store_file, tmp_path) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(
        cli,
        [
            "report",
            DRIVER,
            "--store",
            str(store_file),
            "--user",
            "li",
            "--auth-ref",
            " SQ-2026-0007 ",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    detail = json.loads(_audit(store_file).iloc[0]["detail"])
    assert detail["authorisation"] == "SQ-2026-0007" and detail["out"] == str(out)
    runner.invoke(cli, ["report", DRIVER, "--store", str(store_file), "--out", str(out)])
    assert "authorisation" not in json.loads(_audit(store_file).iloc[1]["detail"])
