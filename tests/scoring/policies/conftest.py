"""Fixtures of the policy tests."""

from __future__ import annotations

import pytest

from features.store.duckdb_store import DuckDBStore


@pytest.fixture
def store():
    """An empty in-memory store."""
    st = DuckDBStore(":memory:", threads=1)
    yield st
    st.close()


@pytest.fixture(scope="session")
def tiny_city(tmp_path_factory: pytest.TempPathFactory):
    """The generated tiny city (read-only for the tests)."""
    from features.records.synthetic.city import generate_city

    path = tmp_path_factory.mktemp("policy-city") / "tiny.duckdb"
    st = DuckDBStore(path, threads=2)
    generate_city(st, scale="tiny", seed=5)
    yield st
    st.close()
