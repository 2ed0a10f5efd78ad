"""Fixtures of the scoring tests (the city file and the champions are in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from features.store.duckdb_store import DuckDBStore


@pytest.fixture()
def city(scoring_city_file: Path, tmp_path: Path):
    """A writable copy of the tiny city for one test."""
    import shutil

    path = tmp_path / "city.duckdb"
    shutil.copy(scoring_city_file, path)
    with DuckDBStore(path, threads=2) as store:
        yield store
