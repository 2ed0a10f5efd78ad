"""The benchmarks time what the commands run: the same function with the same arguments.

``bench/scoring.py`` times ``xinping score`` and ``bench/repair_plan.py`` times ``xinping
repair plan``. Each test runs the command and the benchmark on the tiny city with the
function both call replaced by a spy, and asserts that both called the same function with
equal arguments (the settings' indicator build and rating policies, the dates, the model
versions, the engine). A benchmark that drifts from its command fails here.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import shutil
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from app.cli import cli
from app.settings import settings
from features.store.duckdb_store import DuckDBStore

AS_OF = dt.date(2026, 10, 31)
runner = CliRunner()


class _Stop(Exception):
    """Raised by a spy once it has seen the call (the rest is not needed)."""


@pytest.fixture()
def env(tmp_path: Path, scoring_city_file: Path, mlflow_home: Path, monkeypatch) -> Path:
    """A writable tiny-city copy and settings naming the test registry."""
    store = tmp_path / "city.duckdb"
    shutil.copy(scoring_city_file, store)
    cfg = tmp_path / "settings.toml"
    cfg.write_text(f'[mlflow]\nhome = "{mlflow_home}"\n', encoding="utf-8")
    monkeypatch.setenv("XINPING_SETTINGS", str(cfg))
    monkeypatch.setenv("XINPING_STORE", str(store))
    settings.cache_clear()
    yield store
    settings.cache_clear()


def _spy(monkeypatch, module, name: str, calls: list, through: bool = False) -> None:
    real = getattr(module, name)

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        if through:
            return real(*args, **kwargs)
        raise _Stop

    monkeypatch.setattr(module, name, spy)


def _models(models) -> dict:
    return {k: (m.name, m.version, m.run_id) for k, m in models.items()}


def _score_call(args: tuple, kwargs: dict) -> dict:
    """The arguments of a rate_population call that decide its rows (not the store
    object nor the progress display)."""
    _, models, dates, build, policies = args
    return {
        "models": _models(models),
        "dates": list(dates),
        "build": build,
        "policies": policies,
        "engine": kwargs.get("engine", "duckdb"),
        "out": kwargs.get("out"),
        "extra": sorted(set(kwargs) - {"engine", "out", "progress"}),
    }


def test_the_scoring_benchmark_calls_what_xinping_score_calls(env: Path, monkeypatch) -> None:
    from bench import scoring as bench
    from scoring import population

    command: list = []
    _spy(monkeypatch, population, "rate_population", command)
    result = runner.invoke(cli, ["score", "--subject", "enterprise", "--as-of", str(AS_OF)])
    assert isinstance(result.exception, _Stop), result.output
    monkeypatch.undo()  # the real function again, before the settings are read anew
    monkeypatch.setenv("XINPING_SETTINGS", str(env.parent / "settings.toml"))
    monkeypatch.setenv("XINPING_STORE", str(env))
    settings.cache_clear()

    timed: list = []
    _spy(monkeypatch, population, "rate_population", timed, through=True)
    from scoring.loader import load_model

    model = load_model("enterprise", Path(settings().mlflow.home))
    with DuckDBStore(env, read_only=True) as source:
        # in this process, where the spy sees the call (the benchmark's own runs are
        # each in a process of their own, through the same function)
        out = bench.batch(source, model, AS_OF, scratch=env.parent, rounds=1, apart=False)
    assert len(command) == 1 and len(timed) == 1
    assert _score_call(*timed[0]) == _score_call(*command[0])
    # the timed call rated and wrote every subject of the scheme; the phases add up
    assert out["rows"] > 0 and out["ratio"] > 0
    (run,) = out["runs"]
    parts = run["indicators_s"] + run["rate_s"] + run["write_s"]
    assert parts == pytest.approx(run["command_s"])
    with DuckDBStore(env, read_only=True) as st:
        assert st.count("ratings") == 0  # the city itself is never written


def test_a_drifted_scoring_benchmark_fails_the_comparison(env: Path, monkeypatch) -> None:
    """The comparison above can fail: other policies are told apart."""
    from scoring import population
    from scoring.batch import RatingPolicies

    command: list = []
    _spy(monkeypatch, population, "rate_population", command)
    runner.invoke(cli, ["score", "--subject", "enterprise", "--as-of", str(AS_OF)])
    args, kwargs = command[0]
    drifted = (*args[:4], RatingPolicies())
    assert _score_call(drifted, kwargs) != _score_call(args, kwargs)


def test_the_repair_plan_benchmark_calls_what_the_command_calls(env: Path, monkeypatch) -> None:
    from bench import repair_plan as bench
    from scoring import repair_plan

    with DuckDBStore(env, read_only=True) as st:
        sid = st.scalar("SELECT min(subject_id) FROM records WHERE kind = 'administrative_penalty'")
    calls: list = []
    _spy(monkeypatch, repair_plan, "guidance", calls)
    result = runner.invoke(cli, ["repair", "plan", sid])
    assert isinstance(result.exception, _Stop), result.output
    with pytest.raises(_Stop):
        bench.main(["--store", str(env), "--mlflow-home", str(settings().mlflow.home),
                    "--subject", sid])  # fmt: skip
    assert len(calls) == 2
    (cli_args, cli_kw), (bench_args, bench_kw) = calls
    assert cli_kw == bench_kw == {}
    assert cli_args[0].path == bench_args[0].path
    assert cli_args[1:] == bench_args[1:]


def test_the_scoring_benchmark_runs_each_command_in_a_process_of_its_own(
    env: Path, monkeypatch
) -> None:
    """The benchmark's own runs (``apart``, its default) rate and write every subject of
    the scheme in a spawned process, phases adding up to the command's time, the city
    itself never written."""
    from bench import scoring as bench
    from scoring.loader import load_model

    # a spawned child first runs its parent's main module: in this test process that may
    # be a page another test ran (Streamlit's AppTest runs pages as __main__); the
    # benchmark runs as a script, whose main module is its own
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))

    model = load_model("driver", Path(settings().mlflow.home))
    with DuckDBStore(env, read_only=True) as st:
        n = len(st.query("SELECT subject_id FROM subjects WHERE subject_type = 'driver'"))
    out = bench.batch(env, model, AS_OF, scratch=env.parent, rounds=1)
    (run,) = out["runs"]
    assert 0 < out["rows"] <= n and out["reasons_chars"] > 0
    parts = run["indicators_s"] + run["rate_s"] + run["write_s"]
    assert parts == pytest.approx(run["command_s"])
    with DuckDBStore(env, read_only=True) as st:
        assert st.count("ratings") == 0
