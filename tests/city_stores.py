"""Stores over a generated city for the parity tests: the file, a writable copy, a lake.

Used by tests/conftest.py (the tiny city) and the Spark parity tests on the tiny
and the small city (scoring/test_spark_batch.py, scoring/test_spark_small_city.py);
:func:`rate_city` trains and scores a city for the app tests, the browser journeys
and the sweep of every reason on the small city.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from features.records.synthetic.city import CityResult, generate_city
from features.store.duckdb_store import DuckDBStore


def generated(folder: Path, scale: str, seed: int) -> tuple[Path, CityResult]:
    """The city of ``scale`` and ``seed`` generated into ``folder/<scale>.duckdb``, and what
    the generator returned."""
    path = folder / f"{scale}.duckdb"
    with DuckDBStore(path, threads=2) as store:
        result = generate_city(store, scale=scale, seed=seed)
    return path, result


def generate_file(folder: Path, scale: str, seed: int) -> Path:
    """The city of ``scale`` and ``seed`` generated into ``folder/<scale>.duckdb``."""
    return generated(folder, scale, seed)[0]


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


FAMILY = {
    "enterprise": "gbm",
    "driver": "scorecard",
    "sme": "gbm",
    "household": "scorecard",
    # the co-operatives and family farms the 农村信用 page shows with their village
    "agri_business": "scorecard",
    "practitioner": "gbm",
    "social_org": "scorecard",  # the family its cross-validation picks on the small city
}
CITY_SEED = 5


def _month_ends(end: dt.date) -> tuple[dt.date, dt.date]:
    first = end.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    last = end if nxt - dt.timedelta(days=1) == end else first - dt.timedelta(days=1)
    return last.replace(day=1) - dt.timedelta(days=1), last


def train_champions(
    store: DuckDBStore, home: Path, families: dict[str, str], trees: int, reason: str
) -> None:
    """Train each scheme of ``families`` (the shipped spec, that family, ``trees`` trees for
    LightGBM) on ``store`` into ``home`` and promote it with ``force`` (a test city is too
    small for the gates)."""
    from training.promote import promote
    from training.run import train_scheme
    from training.spec import load_spec

    for scheme, family in families.items():
        shipped = load_spec(scheme)
        spec = shipped.model_copy(
            update={"family": family, "gbm": shipped.gbm.model_copy(update={"n_estimators": trees})}
        )
        train_scheme(store, scheme, spec, home, code_version="test")
        promote(store, scheme, spec, home, force=True, reason=reason)


def rate_city(root: Path, scale: str, seed: int = CITY_SEED) -> dict:
    """Generate a city under ``root``, train and promote each scheme's champion (the family
    of ``FAMILY``, 40 trees) into ``root/mlruns`` and score every scheme at two month ends."""
    import mlflow

    from app.settings import load_settings
    from features.build import data_end
    from features.records.synthetic.city import generate_city
    from scoring.batch import score_scheme
    from scoring.list_rules import apply_rules
    from scoring.loader import load_model

    path, home = root / "city.duckdb", root / "mlruns"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("MLFLOW_REGISTRY_URI", raising=False)
        with DuckDBStore(path, threads=2) as store:
            generate_city(store, scale=scale, seed=seed)
            train_champions(store, home, FAMILY, 40, f"{scale} test city")
            previous, last = _month_ends(data_end(store))
            for scheme in FAMILY:
                model = load_model(scheme, home)
                for day in (previous, last):
                    score_scheme(store, model, day)
            # the managed lists on both dates, as `xinping lists apply-rules` writes them,
            # so the pages' 名单 sections have listings and a trail to show
            shipped = load_settings()
            for day in (previous, last):
                apply_rules(store, day, shipped.lists.config(), shipped.windows.policy(), "test")
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]
    return {"path": path, "home": home, "as_of": last, "previous": previous}
