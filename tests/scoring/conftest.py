"""Fixtures of the scoring tests."""

from __future__ import annotations

import pytest
from little_city import build_city

from features.store.duckdb_store import DuckDBStore


@pytest.fixture()
def city():
    """The hand-made little city of little_city.py in a fresh in-memory store."""
    store = build_city(DuckDBStore(":memory:"))
    yield store
    store.close()
