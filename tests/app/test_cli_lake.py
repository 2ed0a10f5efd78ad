"""`xinping export-lake`, and `features build` / `score` with `--engine spark --lake`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import settings
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()


@pytest.fixture(scope="module")
def lake(scoring_city_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-lake") / "lake"
    result = runner.invoke(cli, ["export-lake", str(folder), "--store", str(scoring_city_file)])
    assert result.exit_code == 0, result.output
    return folder


def test_export_lake_writes_every_table_and_the_manifest(lake: Path, scoring_city_file) -> None:
    manifest = json.loads((lake / "_lake.json").read_text(encoding="utf-8"))
    with DuckDBStore(scoring_city_file, read_only=True) as st:
        assert manifest["tables"]["records"]["rows"] == st.count("records") > 0
        assert manifest["tables"]["subjects"]["rows"] == st.count("subjects")
    assert any((lake / "records").glob("kind=*/year=*/*.parquet"))
    assert any((lake / "subjects").glob("subject_type=enterprise/*.parquet"))


def test_spark_options_are_checked(lake: Path) -> None:
    no_lake = runner.invoke(cli, ["score", "--subject", "driver", "--engine", "spark"])
    assert no_lake.exit_code == 2 and "--lake" in no_lake.output
    no_engine = runner.invoke(cli, ["score", "--subject", "driver", "--lake", str(lake)])
    assert no_engine.exit_code == 2
    build = runner.invoke(
        cli,
        ["features", "build", "--subject", "driver", "--as-of", "2026-10-31", "--lake", str(lake)],
    )
    assert build.exit_code == 2 and "--engine spark" in build.output
    # training draws its sample on Spark from a lake: both or neither
    train = runner.invoke(cli, ["train", "--subject", "driver", "--engine", "spark"])
    assert train.exit_code == 2 and "--lake" in train.output
    train = runner.invoke(cli, ["train", "--subject", "driver", "--lake", str(lake)])
    assert train.exit_code == 2 and "--engine spark" in " ".join(train.output.split())
    unknown = runner.invoke(cli, ["export-lake", str(lake.parent / "x"), "--table", "nope"])
    assert unknown.exit_code == 2
    for kept in ("users", "audit_log"):  # accounts and the audit log never leave the store
        refused = runner.invoke(cli, ["export-lake", str(lake.parent / "y"), "--table", kept])
        assert refused.exit_code == 2 and "never leave the store" in " ".join(
            refused.output.split()
        )
        assert "Traceback" not in refused.output and not (lake.parent / "y" / kept).exists()
    assert not (lake / "users").exists() and not (lake / "audit_log").exists()


@pytest.mark.spark
@pytest.mark.slow
def test_score_on_spark_from_the_lake_then_monitor_what_it_wrote(
    lake: Path, mlflow_home: Path, spark, tmp_path: Path, monkeypatch
) -> None:
    import shutil

    home = tmp_path / "mlruns"
    shutil.copytree(mlflow_home, home)  # monitoring logs runs: the session's home stays
    cfg = tmp_path / "settings.toml"
    cfg.write_text(f'[mlflow]\nhome = "{home}"\n', encoding="utf-8")
    monkeypatch.setenv("XINPING_SETTINGS", str(cfg))
    settings.cache_clear()
    ratings, out = str(tmp_path / "ratings"), tmp_path / "monitoring"
    driver = ["--subject", "driver", "--engine", "spark", "--lake", str(lake)]
    try:
        scored = runner.invoke(cli, ["score", *driver, "--as-of", "2025-06-30", "--out", ratings])
        assert scored.exit_code == 0, scored.output
        assert "driver 2025-06-30 scored" in scored.output
        assert any((Path(ratings) / "scheme=driver" / "as_of=2025-06-30").glob("*.parquet"))
        monitored = runner.invoke(
            cli,
            ["monitor", *driver, "--as-of", "2026-10-31", "--ratings", ratings, "--out", f"{out}"],
        )
        wrong = runner.invoke(cli, ["monitor", "--subject", "driver", "--ratings", ratings])
    finally:
        settings.cache_clear()
    assert monitored.exit_code == 0, monitored.output
    text = " ".join(monitored.output.split())
    assert "2025-06-30 v1" in text and "12/12" in text and "AUC" in text
    assert "monitoring →" in text and "monitor_alerts →" in text
    assert any((out / "monitoring" / "scheme=driver" / "monitored_as_of=2026-10-31").iterdir())
    assert wrong.exit_code == 2 and "--engine spark" in wrong.output


def test_the_spark_monitoring_job_parses_its_arguments() -> None:
    import datetime as dt

    from app.spark_monitor_job import parse_args

    base = ["--lake", "/lake", "--mlflow-home", "/mlruns", "--as-of", "2026-10-31"]
    args = parse_args([*base, "--scheme", "all", "--ratings", "/ratings", "--out", "/mon"])
    assert {"enterprise", "driver"} <= set(args.scheme) and "village" not in args.scheme
    assert args.as_of == dt.date(2026, 10, 31) and (args.ratings, args.out) == ("/ratings", "/mon")
    with pytest.raises(SystemExit):
        parse_args([*base, "--scheme", "nope"])
