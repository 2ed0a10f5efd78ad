"""Stores over a generated city for the parity tests: the file, a writable copy, a lake.

Used by tests/conftest.py (the tiny city) and the Spark parity tests on the tiny
and the small city (scoring/test_spark_batch.py, scoring/test_spark_small_city.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from features.records.synthetic.city import generate_city
from features.store.duckdb_store import DuckDBStore


def city_file(factory: pytest.TempPathFactory, scale: str, seed: int) -> Path:
    """A generated city in its own DuckDB file (read-only for the tests that share it)."""
    path = factory.mktemp(f"{scale}-city") / f"{scale}.duckdb"
    with DuckDBStore(path, threads=2) as store:
        generate_city(store, scale=scale, seed=seed)
    return path


@contextmanager
def writable_copy(source: Path, factory: pytest.TempPathFactory) -> Iterator[DuckDBStore]:
    """A copy of ``source`` opened read-write (scoring writes ratings)."""
    path = factory.mktemp("duck") / source.name
    shutil.copy(source, path)
    with DuckDBStore(path, threads=2) as store:
        yield store


@contextmanager
def lake_of(source: Path, factory: pytest.TempPathFactory, spark) -> Iterator:
    """``source`` exported as a Parquet lake and opened as a Spark store."""
    from features.store.spark_store import SparkStore

    root = factory.mktemp("lake")
    with DuckDBStore(source, read_only=True) as store:
        store.export_parquet(root)
    with SparkStore(root, spark=spark) as store:
        yield store
