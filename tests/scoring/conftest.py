"""Fixtures of the scoring tests (the generated city file and the champion models are
in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from little_city import build_city

from features.store.duckdb_store import DuckDBStore


@pytest.fixture()
def tiny(scoring_city_file: Path, tmp_path: Path):
    """A writable copy of the generated tiny city for one test."""
    import shutil

    path = tmp_path / "city.duckdb"
    shutil.copy(scoring_city_file, path)
    with DuckDBStore(path, threads=2) as store:
        yield store


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


@pytest.fixture(scope="session")
def household_home(tmp_path_factory: pytest.TempPathFactory, scoring_city_file: Path):
    """An MLflow home with a household champion trained on the tiny city (small: the
    rules that read the people behind firms, not the model, are under test)."""
    import mlflow

    from training.promote import promote
    from training.run import train_scheme
    from training.spec import load_spec

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("MLFLOW_REGISTRY_URI", raising=False)
        home = tmp_path_factory.mktemp("mlruns-household")
        shipped = load_spec("household")
        spec = shipped.model_copy(
            update={"gbm": shipped.gbm.model_copy(update={"n_estimators": 30})}
        )
        with DuckDBStore(scoring_city_file, read_only=True) as store:
            train_scheme(store, "household", spec, home, code_version="test")
            promote(store, "household", spec, home, force=True, reason="tiny test city")
        yield home
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]
