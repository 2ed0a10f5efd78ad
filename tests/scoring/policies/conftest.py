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
