"""Fixtures of the app tests: a rated city, champions, settings pointing at them.

The tiny city is generated once per run; a champion of each scheme (enterprise
and SME LightGBM with log-odds reasons, driver and household scorecards with
points) is trained and promoted with ``force`` into a temporary MLflow home, and
every scheme is scored at two month ends so the overview has movements. Page
tests get a copy of that file (the app writes audit rows). The browser test
rates the small city the same way (``small_rated_city``, tests/conftest.py) and
serves a copy of it with ``xinping app`` in a subprocess.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from built_once import built_once
from city_stores import rate_city

from features.store.duckdb_store import DuckDBStore


@pytest.fixture(scope="session")
def rated_city(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A tiny city with champions and two dates of ratings (never opened by the app)."""
    return built_once(tmp_path_factory, "rated-tiny-city", lambda root: rate_city(root, "tiny"))


def write_settings(folder: Path, home: Path) -> Path:
    """A settings overlay for the tests: the MLflow home, no memory limit."""
    path = folder / "settings.toml"
    path.write_text(
        f'[store]\nmemory_limit = ""\n\n[mlflow]\nhome = "{home.as_posix()}"\n', encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def app_env(rated_city: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Settings and a writable copy of the city for in-process page tests."""
    import streamlit as st

    from app.settings import settings

    folder = tmp_path_factory.mktemp("app-env")
    store_path = folder / "city.duckdb"
    shutil.copy(rated_city["path"], store_path)
    overlay = write_settings(folder, rated_city["home"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_SETTINGS", str(overlay))
        mp.setenv("XINPING_STORE", str(store_path))
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("MLFLOW_REGISTRY_URI", raising=False)
        settings.cache_clear()
        st.cache_resource.clear()
        yield {**rated_city, "store": store_path, "settings": overlay}
        st.cache_resource.clear()  # closes nothing, but the next module opens its own copy
        settings.cache_clear()


@pytest.fixture()
def query(app_env: dict):
    """Run SQL on the app's store file (same DuckDB configuration as the app)."""

    def run(sql: str, params: list | None = None):
        store = DuckDBStore(app_env["store"])
        try:
            return store.query(sql, params)
        finally:
            store.close()

    return run


@pytest.fixture(scope="session")
def make_settings():
    """``write_settings`` for fixtures outside this module."""
    return write_settings
