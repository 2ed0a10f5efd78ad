"""The cluster path end to end: build the wheel, ``spark-submit`` the scoring job.

The wheel is built from a copy of the sources (``pip wheel --no-deps``), the
tiny city is exported to a lake, and ``app/spark_job.py`` (as extracted from
the wheel) runs under ``spark-submit --master local[2]`` with the wheel on
``--py-files`` (named ``.zip``: PySpark puts only zips and eggs on the Python
workers' path) — from a folder outside the working tree, so the driver and the
workers import the wheel's code. The ratings Parquet it writes must equal the DuckDB scoring
of the same champions (docs/spark-runbook.md).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from ratings_parity import rating_differences

pytest.importorskip("pyspark")

from features.records.schema import TABLES
from features.store.duckdb_store import DuckDBStore
from scoring.batch import score_scheme

pytestmark = [pytest.mark.spark, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 10, 31)
SCHEMES = ("enterprise", "driver")
PACKAGES = ("features", "models", "training", "scoring", "app")


def build_wheel(target: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of the project's sources; the wheel's path."""
    src = target / "src"
    src.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(src),
            "--no-deps",
            "-q",
            "-w",
            str(target / "dist"),
        ],
        check=True,
        timeout=600,
    )
    (wheel,) = (target / "dist").glob("xinping-*.whl")
    return wheel


def read_ratings(folder: Path) -> pd.DataFrame:
    """A ratings dataset partitioned by scheme and as_of, columns and types as declared."""
    frame = pd.read_parquet(folder)
    frame["scheme"] = frame["scheme"].astype(str)
    frame["as_of"] = pd.to_datetime(frame["as_of"].astype(str)).astype("datetime64[us]")
    return frame[list(TABLES["ratings"].column_names)]


def test_spark_submit_scores_the_lake_with_the_wheel(
    tmp_path: Path, scoring_city_file: Path, mlflow_home: Path, champions: dict
) -> None:
    wheel = build_wheel(tmp_path / "wheel")
    names = zipfile.ZipFile(wheel).namelist()
    assert "scoring/spark_batch.py" in names and "app/settings.toml" in names
    job = tmp_path / "run" / "spark_job.py"
    job.parent.mkdir()
    job.write_bytes(zipfile.ZipFile(wheel).read("app/spark_job.py"))

    # PySpark puts only .zip/.egg/.jar of --py-files on the workers' path: a wheel is
    # a zip, so ship it under that name (docs/spark-runbook.md)
    shipped = tmp_path / "run" / wheel.with_suffix(".zip").name
    shutil.copy(wheel, shipped)
    lake, out = tmp_path / "lake", tmp_path / "out" / "ratings"
    with DuckDBStore(scoring_city_file, read_only=True) as source:
        source.export_parquet(lake)

    spark_submit = Path(sys.executable).with_name("spark-submit")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MLFLOW_", "PYSPARK_", "SPARK_", "XINPING_")) and k != "PYTHONPATH"
    }
    env.update(
        SPARK_LOCAL_IP="127.0.0.1",
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
    )
    cmd = [
        str(spark_submit),
        "--master",
        "local[2]",
        "--py-files",
        str(shipped),
        "--driver-memory",
        "1g",
        "--driver-java-options",
        "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        "--conf",
        "spark.ui.enabled=false",
        "--conf",
        "spark.sql.shuffle.partitions=1",
        "--conf",
        "spark.sql.adaptive.enabled=false",
        "--conf",
        "spark.sql.execution.arrow.pyspark.enabled=true",
        str(job),
        "--lake",
        str(lake),
        "--mlflow-home",
        str(mlflow_home),
        *[a for s in SCHEMES for a in ("--scheme", s)],
        "--as-of",
        AS_OF.isoformat(),
        "--out",
        str(out),
    ]
    done = subprocess.run(
        cmd, cwd=job.parent, env=env, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    assert f"xinping from {shipped}" in done.stdout  # the wheel's code, not the working tree
    for scheme in SCHEMES:
        assert (out / f"scheme={scheme}" / f"as_of={AS_OF}").is_dir()

    got = read_ratings(out)
    work = tmp_path / "duck.duckdb"
    shutil.copy(scoring_city_file, work)
    with DuckDBStore(work, threads=2) as duck:
        for scheme in SCHEMES:
            score_scheme(duck, champions[scheme], AS_OF)
            expected = duck.query(
                "SELECT * FROM ratings WHERE scheme = ? AND as_of = ?", [scheme, AS_OF]
            )
            mine = got[got["scheme"] == scheme].assign(scored_at=expected["scored_at"].iloc[0])
            assert len(mine) == len(expected) > 0
            assert rating_differences(expected, mine) == [], scheme
