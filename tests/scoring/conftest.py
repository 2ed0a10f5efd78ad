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


@pytest.fixture(scope="session")
def generated():
    """A generated tiny city (about 7k subjects, 230k records): treat it as read-only."""
    from features.records.synthetic.city import generate_city

    store = DuckDBStore(":memory:", threads=2)
    generate_city(store, scale="tiny", seed=11)
    yield store
    store.close()
