"""`xinping monitor` end to end on the tiny city: Chinese output, exit 0, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import settings
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()


@pytest.fixture()
def env(tmp_path: Path, scoring_city_file: Path, mlflow_home: Path, monkeypatch):
    """A writable city and a copy of the registry (monitoring writes to both)."""
    store = tmp_path / "city.duckdb"
    shutil.copy(scoring_city_file, store)
    home = tmp_path / "mlruns"
    shutil.copytree(mlflow_home, home)
    cfg = tmp_path / "settings.toml"
    cfg.write_text(f'[mlflow]\nhome = "{home.as_posix()}"\n', encoding="utf-8")
    monkeypatch.setenv("XINPING_SETTINGS", str(cfg))
    monkeypatch.setenv("XINPING_STORE", str(store))
    settings.cache_clear()
    yield store, home
    settings.cache_clear()


def test_monitor_prints_each_batch_in_chinese_and_logs_once(env) -> None:
    store, home = env
    scored = runner.invoke(
        cli, ["score", "--subject", "driver", "--as-of", "2025-06-30", "--as-of", "2026-10-31"]
    )
    assert scored.exit_code == 0, scored.output
    result = runner.invoke(cli, ["monitor", "--subject", "driver", "--as-of", "2026-10-31"])
    out = result.output
    assert result.exit_code == 0, out
    assert "Traceback" not in out
    assert "模型监测" in out and "评分PSI" in out and "监测运行" in out
    assert "2025-06-30" in out and "2026-10-31" in out
    assert "12/12 已满" in out and "0/12 未满" in out  # one matured, one not yet
    assert "回测 back-test 2025-06-30" in out  # the matured batch's grade table
    assert any(word in out for word in ("绿", "黄", "红"))  # traffic lights in words
    again = runner.invoke(cli, ["monitor", "--subject", "driver", "--as-of", "2026-10-31"])
    assert again.exit_code == 0, again.output
    with DuckDBStore(store, read_only=True) as st:
        assert st.count("monitoring") == 2  # the same monitoring replaces, never piles up
    from models.registry import connect
    from training.monitor_tracking import experiment_name

    client = connect(home)
    exp = client.get_experiment_by_name(experiment_name("driver"))
    assert len(client.search_runs([exp.experiment_id])) == 2


def test_monitor_without_batches_or_with_a_future_date_says_so(env, tmp_path, monkeypatch) -> None:
    empty = runner.invoke(cli, ["monitor", "--subject", "enterprise"])
    assert empty.exit_code == 0, empty.output
    assert "没有评级批次" in empty.output and "Traceback" not in empty.output
    future = runner.invoke(cli, ["monitor", "--subject", "driver", "--as-of", "2030-01-31"])
    assert future.exit_code == 2
    assert "Traceback" not in future.output
    unknown = runner.invoke(cli, ["monitor", "--subject", "village"])
    assert unknown.exit_code == 2 and "Traceback" not in unknown.output
    # ratings whose training run the registry does not hold: one line, no traceback
    assert (
        runner.invoke(cli, ["score", "--subject", "driver", "--as-of", "2026-10-31"]).exit_code == 0
    )
    other = tmp_path / "other.toml"
    other.write_text(f'[mlflow]\nhome = "{(tmp_path / "empty").as_posix()}"\n', encoding="utf-8")
    monkeypatch.setenv("XINPING_SETTINGS", str(other))
    settings.cache_clear()
    lost = runner.invoke(cli, ["monitor", "--subject", "driver"])
    assert lost.exit_code == 2 and "Traceback" not in lost.output
    assert "driver" in lost.output and "错误" in lost.output
