"""The platform folder (store + ``mlruns/``) copied elsewhere, the original deleted: the
champions load, score and report from the new place, and new runs log there.

MLflow keeps absolute artifact locations (mlflow/mlflow#3144);
``models.registry.rehome`` points them at the folder the registry is opened from."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import settings
from features.store.duckdb_store import DuckDBStore
from models import registry
from scoring import loader

runner = CliRunner()


def _platform(root: Path, store: Path, home: Path) -> Path:
    root.mkdir(parents=True)
    shutil.copy(store, root / "city.duckdb")
    shutil.copytree(home, root / "mlruns")
    return root


def _locations(home: Path) -> list[str]:
    with sqlite3.connect(home / "mlflow.db") as db:
        rows = []
        for table, column in registry.LOCATIONS:
            # MLflow's unused Default experiment points at the working directory: not ours
            where = " WHERE name <> 'Default'" if table == "experiments" else ""
            rows += [r[0] for r in db.execute(f"SELECT {column} FROM {table}{where}") if r[0]]
    return [r for r in rows if r.startswith(("file:", "/"))]  # not models:/m-…


@pytest.fixture()
def moved(tmp_path: Path, scoring_city_file: Path, mlflow_home: Path, monkeypatch) -> Path:
    """A platform used at one place, copied to another and the first deleted."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    first = _platform(tmp_path / "first", scoring_city_file, mlflow_home)
    loader._CACHE.clear()
    loader.load_model("driver", first / "mlruns")  # used there: its locations say "first"
    assert all("/first/" in loc for loc in _locations(first / "mlruns"))
    second = tmp_path / "elsewhere" / "platform"
    shutil.copytree(first, second)
    shutil.rmtree(first)
    loader._CACHE.clear()
    yield second
    loader._CACHE.clear()


def _use(monkeypatch, platform: Path) -> None:
    cfg = platform / "settings.toml"
    cfg.write_text(
        f'[mlflow]\nhome = "{(platform / "mlruns").as_posix()}"\n\n[store]\nmemory_limit = ""\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("XINPING_SETTINGS", str(cfg))
    monkeypatch.setenv("XINPING_STORE", str(platform / "city.duckdb"))
    settings.cache_clear()


def test_a_copied_platform_scores_reports_and_trains_in_its_new_place(moved, monkeypatch):
    _use(monkeypatch, moved)
    try:
        scored = runner.invoke(cli, ["score", "--subject", "driver", "--as-of", "2026-10-31"])
        assert scored.exit_code == 0, scored.output
        with DuckDBStore(moved / "city.duckdb", read_only=True) as st:
            n = st.scalar("SELECT count(*) FROM ratings WHERE scheme = 'driver'")
            driver = st.scalar("SELECT min(subject_id) FROM ratings WHERE scheme = 'driver'")
        assert n > 0
        out = moved / "report.html"
        report = runner.invoke(cli, ["report", driver, "--out", str(out)])
        assert report.exit_code == 0 and out.is_file(), report.output
    finally:
        settings.cache_clear()
    # every stored location now names the new place; nothing refers to the deleted one
    locations = _locations(moved / "mlruns")
    assert locations and all(str(moved.resolve()) in loc for loc in locations), locations
    # a new run logs its artifacts under the new place
    client = registry.connect(moved / "mlruns")
    exp = client.get_experiment_by_name(registry.model_name("driver"))
    run = client.create_run(exp.experiment_id)
    assert run.info.artifact_uri.startswith((moved / "mlruns").resolve().as_uri())
    client.set_terminated(run.info.run_id)


def test_without_rehoming_the_copy_cannot_load(moved, monkeypatch) -> None:
    """The control: MLflow alone looks for the deleted folder."""
    monkeypatch.setattr(registry, "rehome", lambda home: None)
    with pytest.raises(Exception):  # noqa: B017 - whatever MLflow raises for a missing file
        loader.load_model("driver", moved / "mlruns")


def test_rehoming_leaves_other_locations_and_an_unmoved_home_alone(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    home = tmp_path / "mlruns"
    client = registry.connect(home)
    client.create_experiment("xinping-driver", (home / "artifacts" / "driver").resolve().as_uri())
    client.create_experiment("elsewhere", "s3://bucket/models")
    (home / "artifacts" / "driver").mkdir(parents=True)
    assert registry.rehome(home) is None  # not moved
    # the database copied alone, the artifacts still at home: it keeps reading them there
    alone = tmp_path / "db-only"
    alone.mkdir()
    shutil.copy(home / "mlflow.db", alone / "mlflow.db")
    assert registry.rehome(alone) is None
    moved = tmp_path / "moved"
    shutil.copytree(home, moved)
    assert registry.rehome(moved) == str(home.resolve())
    with sqlite3.connect(moved / "mlflow.db") as db:
        found = dict(db.execute("SELECT name, artifact_location FROM experiments"))
    assert found["xinping-driver"] == (moved / "artifacts" / "driver").resolve().as_uri()
    assert found["elsewhere"] == "s3://bucket/models"
    assert registry.rehome(moved) is None  # once
