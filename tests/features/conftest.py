"""Shared fixtures of the feature tests: one tiny city and one Spark session per run.

Spark fixtures import PySpark lazily, so tests that do not use them run
without it. Tests that use them are marked ``spark``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from features.store.duckdb_store import DuckDBStore

CITY_SEED = 5


@pytest.fixture(scope="session")
def tiny_city(tmp_path_factory: pytest.TempPathFactory):
    """A generated tiny city (about 7k subjects, 230k records) in a DuckDB file.

    Shared by several modules: treat it as read-only.
    """
    from features.records.synthetic.city import generate_city

    path = tmp_path_factory.mktemp("city") / "tiny.duckdb"
    store = DuckDBStore(path, threads=2)
    generate_city(store, scale="tiny", seed=CITY_SEED)
    yield store
    store.close()


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (two cores) for the whole run."""
    pytest.importorskip("pyspark")
    from features.store.spark_session import local_session

    # The entry point sets the environment (features/ reads none): bind to loopback.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Settings for a short run on tiny tables; results do not depend on them. The
    # JVM's optimising JIT compiler and parallel GC cost more CPU than they save
    # here (the parity queries took 165 JVM CPU-seconds with them, 85 without);
    # adaptive re-planning and parallel shuffles cost another fifth.
    session = local_session(
        "local[2]",
        app_name="xinping-tests",
        conf={
            "spark.sql.adaptive.enabled": "false",
            "spark.sql.shuffle.partitions": "1",
            "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        },
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def city_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder for the tiny city's Parquet lake."""
    return tmp_path_factory.mktemp("lake")


@pytest.fixture(scope="session")
def spark_city(tiny_city: DuckDBStore, spark, city_lake: Path):
    """The tiny city exported to a Parquet lake and opened as a Spark store."""
    from features.store.spark_store import SparkStore

    store = SparkStore.from_store(tiny_city, city_lake, spark=spark)
    yield store
    store.close()
