"""Dates typed at a door are parsed once (app/dates.py); a bad one is one clear error."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.dates import parse_day

runner = CliRunner()


def test_parse_day() -> None:
    assert parse_day("2026-10-31") == dt.date(2026, 10, 31)
    assert parse_day(" 2026-10-31 ") == dt.date(2026, 10, 31)
    assert parse_day(dt.date(2026, 1, 2)) == dt.date(2026, 1, 2)
    assert parse_day(dt.datetime(2026, 1, 2, 9, 30)) == dt.date(2026, 1, 2)
    for bad in ("2026-13-01", "2026-02-30", "20261031", "2026-W44-1", "31/10/2026", ""):
        with pytest.raises(ValueError, match=r"is not a date: expected YYYY-MM-DD"):
            parse_day(bad)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["score", "--subject", "driver", "--as-of", "2026-02-30"], "--as-of"),
        (["objection", "open", "R1", "--reason", "x", "--on", "2026-13-01"], "--on"),
        (["objection", "list", "--today", "tomorrow"], "--today"),
        (["repair", "approve", "R1", "--on", "31/10/2026"], "--on"),
        (
            ["migration", "--subject", "enterprise", "--from", "2026-09-31", "--to", "2026-10-31"],
            "--from",
        ),
        (["rural", "--on", "2026-1-5"], "--on"),
        (["lending", "--on", "x"], "--on"),
        (["report", "X", "--as-of", "2026-10"], "--as-of"),
        (["inspections", "draw", "--as-of", "2026/10/31"], "--as-of"),
        (["features", "build", "--subject", "driver", "--as-of", "soon"], "--as-of"),
    ],
)
def test_every_date_option_refuses_a_bad_date_before_anything_runs(
    args: list[str], option: str, tmp_path, monkeypatch
) -> None:
    store = tmp_path / "never.duckdb"
    monkeypatch.setenv("XINPING_STORE", str(store))
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert f"Invalid value for '{option}'" in text and "expected YYYY-MM-DD" in text
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not store.exists()  # nothing opened
