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
def tiny_champion(tmp_path_factory: pytest.TempPathFactory, scoring_city_file: Path):
    """``tiny_champion(scheme, **spec_changes)``: the MLflow home holding a champion of
    ``scheme`` trained on the tiny city with the shipped spec changed by ``spec_changes``
    (``family``, ``n_estimators``), trained on first ask. Promotion is forced: the tiny city
    is too small for the gates; the rules and reasons are under test, not the model."""
    import mlflow

    from training.promote import promote
    from training.run import train_scheme
    from training.spec import load_spec

    homes: dict[str, Path] = {}

    def champion(scheme: str, family: str | None = None, n_estimators: int = 30) -> Path:
        if scheme not in homes:
            shipped = load_spec(scheme)
            update: dict = {"gbm": shipped.gbm.model_copy(update={"n_estimators": n_estimators})}
            if family:
                update["family"] = family
            spec = shipped.model_copy(update=update)
            home = tmp_path_factory.mktemp(f"mlruns-{scheme}")
            with pytest.MonkeyPatch.context() as mp:
                mp.delenv("MLFLOW_TRACKING_URI", raising=False)
                mp.delenv("MLFLOW_REGISTRY_URI", raising=False)
                with DuckDBStore(scoring_city_file, read_only=True) as store:
                    train_scheme(store, scheme, spec, home, code_version="test")
                    promote(store, scheme, spec, home, force=True, reason="tiny test city")
            homes[scheme] = home
        return homes[scheme]

    yield champion
    mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
    mlflow.set_registry_uri(None)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def household_home(tiny_champion) -> Path:
    """An MLflow home with a household champion of the tiny city."""
    return tiny_champion("household")
