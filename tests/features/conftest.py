"""Shared fixtures of the feature tests: one tiny city (the Spark session is in tests/conftest.py).

Spark fixtures import PySpark lazily, so tests that do not use them run
without it. Tests that use them are marked ``spark``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from features.store.duckdb_store import DuckDBStore


@pytest.fixture(scope="session")
def tiny_city(tmp_path_factory: pytest.TempPathFactory, scoring_city_file: Path):
    """A generated tiny city (about 7k subjects, 230k records) in a DuckDB file: a copy of
    tests/conftest.py's (the same scale and seed), opened once.

    Shared by several modules: treat it as read-only.
    """
    path = tmp_path_factory.mktemp("city") / "tiny.duckdb"
    shutil.copy(scoring_city_file, path)
    store = DuckDBStore(path, threads=2)
    yield store
    store.close()


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
