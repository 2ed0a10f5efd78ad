"""No future as-of on any command: every date option that rates, changes, draws or reads
ratings refuses a day after the limit (the store's data date or today, whichever is
earlier) with one line, exit 2, and writes nothing; the changes default to the limit."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import settings
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()
FUTURE = "2099-01-01"
WRITTEN = ("ratings", "objections", "repairs", "inspections", "records", "audit_log")


@pytest.fixture()
def env(tmp_path: Path, scoring_city_file: Path, mlflow_home: Path, monkeypatch):
    """A writable copy of the tiny city and the shipped date rule."""
    store = tmp_path / "city.duckdb"
    shutil.copy(scoring_city_file, store)
    cfg = tmp_path / "settings.toml"
    cfg.write_text(f'[mlflow]\nhome = "{mlflow_home}"\n', encoding="utf-8")
    monkeypatch.setenv("XINPING_SETTINGS", str(cfg))
    monkeypatch.setenv("XINPING_STORE", str(store))
    settings.cache_clear()
    yield store
    settings.cache_clear()


def _counts(path: Path) -> dict[str, int]:
    with DuckDBStore(path, read_only=True) as st:
        return {t: st.count(t) for t in WRITTEN}


def _limit(path: Path) -> dt.date:
    with DuckDBStore(path, read_only=True) as st:
        end = st.scalar("SELECT max(published_on) FROM records")
    return min(pd.Timestamp(end).date(), dt.date.today())


COMMANDS = {
    "score": ["score", "--subject", "driver", "--as-of", "2026-09-30", "--as-of", FUTURE],
    "objection open": ["objection", "open", "R1", "--reason", "x", "--on", FUTURE],
    "objection resolve": ["objection", "resolve", "O1", "--upheld", "--on", FUTURE],
    "repair approve": ["repair", "approve", "R1", "--on", FUTURE],
    "report": ["report", "X", "--as-of", FUTURE],
    "inspections draw": ["inspections", "draw", "--as-of", FUTURE, "--seed", "1"],
    "rural": ["rural", "--on", FUTURE],
    "lending": ["lending", "--on", FUTURE],
    "migration": ["migration", "--subject", "driver", "--from", "2026-09-30", "--to", FUTURE],
    "features build": ["features", "build", "--subject", "driver", "--as-of", FUTURE],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_future_date_is_refused_in_one_line_and_nothing_is_written(name: str, env: Path):
    before = _counts(env)
    result = runner.invoke(cli, COMMANDS[name])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert FUTURE in lines[0] and str(_limit(env)) in lines[0]
    assert "晚于最晚可用日期" in lines[0] and "latest allowed date" in lines[0]
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _counts(env) == before


def test_objection_list_takes_no_reference_date_after_today(env: Path) -> None:
    result = runner.invoke(cli, ["objection", "list", "--today", FUTURE])
    assert result.exit_code == 2
    assert "is after today" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_change_without_a_date_is_dated_on_the_limit(env: Path) -> None:
    with DuckDBStore(env, read_only=True) as st:
        rid = st.scalar(
            "SELECT record_id FROM records WHERE polarity = 'negative' ORDER BY record_id LIMIT 1"
        )
    result = runner.invoke(cli, ["objection", "open", rid, "--reason", "记录有误"])
    assert result.exit_code == 0, result.output
    with DuckDBStore(env, read_only=True) as st:
        opened = st.scalar("SELECT opened_on FROM objections WHERE record_id = ?", [rid])
        latest = st.scalar("SELECT max(as_of) FROM ratings")
    assert pd.Timestamp(opened).date() == _limit(env)
    assert pd.Timestamp(latest).date() <= _limit(
        env
    )  # the re-rating is not dated after the data either


def test_the_limit_is_a_setting(env: Path, tmp_path: Path, mlflow_home: Path, monkeypatch):
    """[dates] latest = "today" lets a change be dated after the data, never after today."""
    cfg = tmp_path / "today.toml"
    cfg.write_text(
        f'[mlflow]\nhome = "{mlflow_home}"\n\n[dates]\nlatest = "today"\n', encoding="utf-8"
    )
    monkeypatch.setenv("XINPING_SETTINGS", str(cfg))
    settings.cache_clear()
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    refused = runner.invoke(cli, ["score", "--subject", "driver", "--as-of", tomorrow])
    assert refused.exit_code == 2 and "today" in refused.stderr
    allowed = runner.invoke(cli, ["score", "--subject", "driver", "--as-of", "2026-11-30"])
    assert allowed.exit_code == 0, allowed.output
