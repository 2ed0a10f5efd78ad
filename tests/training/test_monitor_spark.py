"""Monitoring on Spark from the lake gives the embedded path's reports (issue 20).

The tiny city is rated on DuckDB at a matured month end (2025-06-30) and the last
one (2026-10-31) by the champions of tests/conftest.py (enterprise LightGBM: PDs of
every subject apart; driver scorecard: many tied PDs), then exported with those
ratings to a lake. ``monitor`` on the lake (Spark: counts aggregated by the engine,
:mod:`training.monitor_sql`) must give the same reports as on DuckDB (pandas):
PSI per indicator and of the score, the back-test per grade, the AUC and the alerts
— counts exactly, other numbers to 1e-9. Thresholds are tight so alerts of every
kind are raised and compared.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path

import pytest
from city_stores import writable_copy

from features.build import build_labels
from models import metrics
from training.backtest import outcomes_of
from training.monitor import MonitorConfig, assess_batch, monitor
from training.monitor_sql import batch_counts, exact_auc
from training.monitor_store import batch_ratings

AS_OF = dt.date(2026, 10, 31)
BATCHES = (dt.date(2025, 6, 30), AS_OF)
NOW = dt.datetime(2026, 11, 2, 3, 4, 5)
#: tight enough that the tiny city raises PSI, back-test and AUC alerts
STRICT = MonitorConfig(psi_amber=0.001, psi_red=0.002, backtest_alpha=0.45, min_auc=0.99)


def assert_same(a, b, path: str = "report") -> None:
    """Equal JSON-like values; floats to 1e-9 (relative) and NaN where NaN."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{path}: keys {set(a) ^ set(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: lengths"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool):
        assert isinstance(b, (int, float)), f"{path}: {a!r} vs {b!r}"
        assert (math.isnan(a) and math.isnan(b)) or b == pytest.approx(a, rel=1e-9, abs=1e-12), (
            f"{path}: {a!r} vs {b!r}"
        )
    else:
        assert a == b and type(a) is type(b), f"{path}: {a!r} vs {b!r}"


def _without_runs(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "mlflow_run_id"}


@pytest.fixture(scope="module")
def rated(scoring_city_file: Path, champions, tmp_path_factory: pytest.TempPathFactory):
    """The tiny city with both schemes rated at both month ends (DuckDB)."""
    from scoring.batch import score_scheme

    with writable_copy(scoring_city_file, tmp_path_factory) as store:
        for model in champions.values():
            for day in BATCHES:
                score_scheme(store, model, day, scored_at=NOW)
        yield store


def _home(mlflow_home: Path, tmp_path: Path, name: str) -> Path:
    home = tmp_path / name
    shutil.copytree(mlflow_home, home)
    return home


@pytest.mark.parametrize("scheme", ["enterprise", "driver"])
def test_engine_counts_equal_the_frames_counts(scheme, rated, mlflow_home, tmp_path) -> None:
    """The SQL of the Spark path, run by DuckDB, counts what pandas counts (no Spark)."""
    home = _home(mlflow_home, tmp_path, "mlruns")
    embedded = monitor(rated, scheme, home, AS_OF, STRICT, now=NOW)
    from features.schemes import get_scheme
    from models.registry import connect
    from training.monitor import assess_counts, reference_for
    from training.monitor_store import batch_ratings, rating_batches

    client = connect(home)
    batches = rating_batches(rated, scheme, AS_OF)
    assert [b.as_of for b in batches] == list(BATCHES)
    for batch, expected in zip(batches, embedded.reports, strict=True):
        ref, _ = reference_for(client, rated, batch)
        matured = expected["maturity"]["matured"]
        counts = batch_counts(rated, ref, get_scheme(scheme), batch, matured=matured)
        got = assess_counts(ref, batch, counts, AS_OF, embedded.cutoff, STRICT)
        assert_same(_without_runs(expected), _without_runs(got))
        if matured:  # the exact AUC: the same number sklearn's gives, to rounding
            frame = batch_ratings(rated, batch)
            from features.build import build_labels

            truth = outcomes_of(frame, build_labels(rated, scheme, batch.as_of))
            assert counts.outcomes.auc == pytest.approx(truth.auc, abs=1e-12)
    assert embedded.reports[0]["backtest"]["auc"] is not None
    assert {a["kind"] for r in embedded.reports for a in r["alerts"]} >= {"feature_psi", "auc"}


def test_exact_auc_counts_ties_as_one_half() -> None:
    """Tied PDs across defaults and non-defaults, PDs of 0, several ln buckets, and
    neighbours inside one bucket: the engine's AUC is sklearn's."""
    import numpy as np
    import pandas as pd

    from features.store.duckdb_store import DuckDBStore

    rows = [(0.0, 1), (0.0, 0), (0.01, 0), (0.01, 1), (0.01, 0), (0.2, 1), (0.2000001, 0)]
    rows += [(0.2000002, 1), (0.5, 1), (0.9, 0), (0.9, 1), (0.03, 0)]
    rng = np.random.default_rng(20)
    rows += [
        (float(p), int(y))
        for p, y in zip(rng.choice([0.02, 0.021, 0.3], 300), rng.integers(0, 2, 300), strict=True)
    ]
    frame = pd.DataFrame(rows, columns=["pd", "y"])
    with DuckDBStore(":memory:") as store:
        got = exact_auc(store, "SELECT pd, y FROM labelled", [], {"labelled": frame})
    assert got == pytest.approx(metrics.auc(frame["y"], frame["pd"]), abs=1e-15)


@pytest.mark.spark
@pytest.mark.slow
def test_monitoring_on_spark_gives_the_embedded_reports(
    rated, spark, mlflow_home, tmp_path
) -> None:
    from features.store.spark_store import SparkStore

    scheme = "enterprise"
    embedded = monitor(rated, scheme, _home(mlflow_home, tmp_path, "duck"), AS_OF, STRICT, now=NOW)
    root = tmp_path / "lake"
    rated.export_parquet(root)
    home = _home(mlflow_home, tmp_path, "spark")
    with SparkStore(root, spark=spark) as lake:
        on_spark = monitor(lake, scheme, home, AS_OF, STRICT, now=NOW)
        assert len(on_spark.reports) == len(BATCHES)
        all_moved: set[str] = set()
        for expected, got in zip(embedded.reports, on_spark.reports, strict=True):
            batch = _batch(rated, scheme, got)
            duck = _batch_features(rated, scheme, batch)
            spark_built = _batch_features(lake, scheme, batch, "spark")
            # the engines' indicators agree to 1e-9, and each falls in the same bin on
            # both: a cut compares with its slack (headcount_growth_12m: a zero growth is
            # -7.2e-17 on one engine, and so is a cut; training.reference.bin_edges)
            ref = _reference(home, lake, batch)
            moved = _straddling(ref, duck, spark_built)
            assert not moved, moved
            all_moved |= moved
            # Spark's aggregation is exact: the pandas report of Spark's own indicators
            defaulted = None
            if expected["maturity"]["matured"]:
                defaulted = build_labels(rated, scheme, batch.as_of)
            rated_frame = batch_ratings(rated, batch)
            args = (rated_frame, spark_built, AS_OF, on_spark.cutoff, STRICT, defaulted)
            own = assess_batch(ref, batch, *args)
            assert_same(_without_runs(own), _without_runs(got))
            # and the embedded report
            assert_same(_without(expected, moved), _without(got, moved))
        matured, recent = on_spark.reports
        assert matured["backtest"]["auc"] is not None and recent["backtest"] is None
        kinds = {a["kind"] for r in on_spark.reports for a in r["alerts"]}
        assert kinds >= {"feature_psi", "auc"}
        # the rows as Parquet in the lake, partitioned by scheme and monitoring date,
        # equal to the embedded store's; a re-run replaces them
        sql = "SELECT * FROM {} WHERE scheme = ? ORDER BY batch_as_of{}"
        by_kind = ", kind, item NULLS FIRST"
        for rerun in (False, True):
            if rerun:  # the same monitoring again: the same MLflow runs, its rows replaced
                again = monitor(lake, scheme, home, AS_OF, STRICT, now=NOW)
                assert [r["mlflow_run_id"] for r in again.reports] == [
                    r["mlflow_run_id"] for r in on_spark.reports
                ]
            rows = lake.query(sql.format("monitoring", ""), [scheme])
            alerts = lake.query(sql.format("monitor_alerts", by_kind), [scheme])
            assert len(rows) == 2 and len(alerts) == sum(len(r["alerts"]) for r in on_spark.reports)
        duck_alerts = rated.query(sql.format("monitor_alerts", by_kind), [scheme])
        cols = ["batch_as_of", "model_version", "kind", "item", "message_zh", "message_en"]
        kept, duck_kept = (~f["item"].isin(all_moved) for f in (alerts, duck_alerts))
        expected_alerts = duck_alerts.loc[duck_kept, cols].astype(str).reset_index(drop=True)
        assert alerts.loc[kept, cols].astype(str).reset_index(drop=True).equals(expected_alerts)
        assert (root / "monitoring" / f"scheme={scheme}" / f"monitored_as_of={AS_OF}").is_dir()


def _batch(store, scheme: str, report: dict):
    from training.monitor_store import rating_batches

    day = dt.date.fromisoformat(report["batch_as_of"])
    return next(b for b in rating_batches(store, scheme, AS_OF) if b.as_of == day)


def _batch_features(store, scheme: str, batch, engine: str = "duckdb"):
    from features.build import build_features
    from training.monitor_store import batch_ratings

    feats = build_features(store, scheme, batch.as_of, engine=engine)
    ids = set(batch_ratings(store, batch)["subject_id"])
    return feats[feats["subject_id"].isin(ids)].reset_index(drop=True)


def _reference(home: Path, store, batch) -> dict:
    from models.registry import connect
    from training.monitor import reference_for

    return reference_for(connect(home), store, batch)[0]


def _straddling(reference: dict, a, b) -> set[str]:
    """Indicators whose values on the two engines (equal to 1e-9) fall in different bins."""
    import numpy as np

    from training.reference import counts_in

    out = set()
    for name, spec in reference["features"].items():
        if name not in a:
            continue
        x, y = a[name], b[name]
        if spec["kind"] == "numeric":
            assert np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True), name
        if not np.array_equal(counts_in(spec, x), counts_in(spec, y)):
            out.add(name)
    return out


def _without(report: dict, names: set[str]) -> dict:
    """The report without the named indicators and what depends on their PSI."""
    out = {k: v for k, v in report.items() if k != "mlflow_run_id"}
    out["features"] = [f for f in report["features"] if f["name"] not in names]
    out["alerts"] = [a for a in report["alerts"] if a["item"] not in names]
    if names:
        for key in ("max_feature_psi", "max_feature", "feature_light"):
            out.pop(key)
    return out
