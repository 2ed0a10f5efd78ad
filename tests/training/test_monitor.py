"""Monitoring: PSI traffic lights, maturity, the back-test, alerts and MLflow lineage."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta

from features.store.duckdb_store import DuckDBStore
from models import metrics
from training import backtest as bt
from training.monitor import AMBER, GREEN, RED, MonitorConfig, assess_batch, light, monitor
from training.monitor_store import Batch, latest_alerts, latest_monitoring, write_monitoring
from training.monitor_tracking import experiment_name, log_monitoring
from training.reference import REFERENCE_PATH, bins_of, psi_of_shares, shares_in

CFG = MonitorConfig(psi_amber=0.10, psi_red=0.25, backtest_alpha=0.05, min_auc=0.65)
#: two SME indicators, one numeric and one categorical
NUM, CAT = "loans_repaid_36m", "tax_level"


def _psi(train: pd.Series, batch: pd.Series) -> float:
    spec = bins_of(train)
    return psi_of_shares(spec["shares"], shares_in(spec, batch))


def test_psi_of_an_unshifted_population_is_green_and_of_a_shifted_one_is_not() -> None:
    rng = np.random.default_rng(7)
    train = pd.Series(rng.normal(0, 1, 20_000))
    same = _psi(train, pd.Series(np.random.default_rng(8).normal(0, 1, 5_000)))
    some = _psi(train, pd.Series(np.random.default_rng(9).normal(0.4, 1, 5_000)))
    far = _psi(train, pd.Series(np.random.default_rng(10).normal(0.8, 1, 5_000)))
    assert light(same, CFG) == GREEN and same < 0.02
    assert light(some, CFG) == AMBER
    assert light(far, CFG) == RED
    # the same bins as models.metrics.psi cuts them, so the two agree
    batch = pd.Series(np.random.default_rng(10).normal(0.8, 1, 5_000))
    spec = bins_of(train)
    assert far == pytest.approx(metrics.psi(train, batch, bins=spec["cuts"]), rel=1e-9)


def test_numeric_bins_are_closed_on_the_right_as_models_metrics_psi_cuts_them() -> None:
    spec = {"kind": "numeric", "cuts": [1.0, 2.0]}
    values = pd.Series([0.5, 1.0, 2.0, 3.0, np.nan])
    # (-inf, 1], (1, 2], (2, inf), missing
    assert shares_in(spec, values) == pytest.approx([0.4, 0.2, 0.2, 0.2])
    rng = np.random.default_rng(5)
    train = pd.Series(rng.poisson(3, 5_000).astype(float))  # counts: many ties at the cuts
    batch = pd.Series(rng.poisson(4, 2_000).astype(float))
    cuts = bins_of(train)["cuts"]
    assert _psi(train, batch) == pytest.approx(metrics.psi(train, batch, bins=cuts), rel=1e-9)


def test_a_value_off_a_cut_by_its_last_digits_stays_in_the_cuts_bin() -> None:
    """A cut is often a training value; the same indicator summed in another order (another
    run's threads, the other engine) differs in its last digits and must count alike, in
    pandas and in the engines' SQL (training.monitor_sql)."""
    from features.store.duckdb_store import DuckDBStore
    from training.monitor_sql import bin_sql

    train = pd.Series([0.1, 0.2, 1 / 3, 0.5, 2.0, -7.2e-17, 0.0, 0.0, np.nan])
    spec = {"kind": "numeric", "cuts": [-7.2e-17, 0.2, 1 / 3, 2.0]}  # cuts drawn at values
    spec["shares"] = list(shares_in(spec, train))
    off = [np.nextafter(c, np.inf) for c in spec["cuts"]] + [c * (1 + 1e-12) for c in spec["cuts"]]
    drawn = list(spec["cuts"]) * 2
    # a zero from the other engine counts with the -7.2e-17 that was drawn as a cut
    off, drawn = [*off, 0.0, 1e-17], [*drawn, -7.2e-17, -7.2e-17]
    got, want = counts_in_each(spec, off), counts_in_each(spec, drawn)
    assert got == want
    expr, params = bin_sql(spec, "x")
    with DuckDBStore(":memory:") as store:
        frame = pd.DataFrame({"x": off + drawn})
        sql_bins = store.query(f"SELECT {expr} AS b FROM f", params, {"f": frame})["b"].tolist()
    assert sql_bins == got + want
    # the training values fall as (-inf, c1], (c1, c2], …: each cut's value in its bin
    assert np.array(spec["shares"]) * 9 == pytest.approx([3, 2, 1, 2, 0, 1])
    # and quantile cuts drawn from data keep its shares
    data = pd.Series(np.random.default_rng(3).poisson(2, 1_000) / 3)
    spec = bins_of(data)
    x = data.to_numpy()
    assert spec["shares"][0] == pytest.approx(np.mean(x <= spec["cuts"][0]))


def counts_in_each(spec: dict, values: list[float]) -> list[int]:
    """The bin of each value alone."""
    from training.reference import counts_in

    return [int(np.argmax(counts_in(spec, pd.Series([v])))) for v in values]


def test_traffic_light_boundaries_follow_the_configuration() -> None:
    assert [light(v, CFG) for v in (0.0999, 0.10, 0.25, 0.2501)] == [GREEN, AMBER, AMBER, RED]
    strict = MonitorConfig(psi_amber=0.05, psi_red=0.10)
    assert light(0.2, strict) == RED and light(0.2, CFG) == AMBER
    with pytest.raises(ValueError, match="psi_amber"):
        MonitorConfig(psi_amber=0.3, psi_red=0.2)


def test_categories_unseen_in_training_and_missing_values_have_their_own_bins() -> None:
    train = pd.Series(["A"] * 60 + ["B"] * 30 + [None] * 10, dtype=object)
    spec = bins_of(train)
    assert spec["categories"] == ["A", "B"]
    assert spec["shares"] == pytest.approx([0.6, 0.3, 0.0, 0.1])
    batch = pd.Series(["A"] * 50 + ["D"] * 25 + [None] * 25, dtype=object)
    assert shares_in(spec, batch) == pytest.approx([0.5, 0.0, 0.25, 0.25])
    assert _psi(train, train) == 0.0
    assert _psi(train, batch) > 0.25


@pytest.mark.parametrize(
    ("batch", "cutoff", "months"),
    [
        (dt.date(2025, 6, 30), dt.date(2026, 6, 30), 12),
        (dt.date(2025, 6, 30), dt.date(2026, 6, 29), 11),
        (dt.date(2025, 6, 30), dt.date(2026, 10, 31), 12),  # capped at the horizon
        (dt.date(2026, 9, 30), dt.date(2026, 10, 31), 1),
        (dt.date(2026, 10, 31), dt.date(2026, 10, 31), 0),
        (dt.date(2025, 11, 30), dt.date(2026, 11, 29), 11),
        (dt.date(2025, 1, 31), dt.date(2025, 2, 28), 1),  # month ends clamp
    ],
)
def test_months_of_outcomes_observed(batch: dt.date, cutoff: dt.date, months: int) -> None:
    assert bt.months_observed(batch, cutoff, 12) == months


def _population(seed: int = 3) -> tuple[pd.DataFrame, set[str]]:
    """Grades A/B/C/D with known PDs and realised default counts (D is empty)."""
    plan = {"A": (2000, 0.01, 20), "B": (1000, 0.05, 40), "C": (500, 0.20, 150)}
    rows, defaulted = [], set()
    rng = np.random.default_rng(seed)
    for grade, (n, pd_, d) in plan.items():
        ids = [f"{grade}{i:05d}" for i in range(n)]
        defaulted |= set(rng.choice(ids, size=d, replace=False))
        rows += [{"subject_id": i, "pd": pd_, "model_grade": grade} for i in ids]
    return pd.DataFrame(rows), defaulted


def test_backtest_per_grade_on_known_realised_rates() -> None:
    rated, defaulted = _population()
    result = bt.backtest(rated, defaulted, ("A", "B", "C", "D"), alpha=0.05)
    by = {g["grade"]: g for g in result["grades"]}
    assert [by[g]["realised_rate"] for g in "ABC"] == pytest.approx([0.01, 0.04, 0.30])
    assert [by[g]["defaults"] for g in "ABC"] == [20, 40, 150]
    # A on target, B over-predicted (conservative: passes), C under-predicted: fails
    assert [by[g]["result"] for g in "ABCD"] == ["pass", "pass", "fail", "empty"]
    assert result["failed"] == ["C"]
    assert by["C"]["p_value"] == pytest.approx(beta.cdf(0.20, 150.5, 350.5))
    assert by["C"]["lower"] > 0.20 and by["A"]["lower"] < 0.01 < by["A"]["upper"]
    y = rated["subject_id"].isin(defaulted).to_numpy(int)
    assert result["auc"] == pytest.approx(metrics.auc(y, rated["pd"]))
    assert result["n"] == 3500 and result["defaults"] == 210


def _reference(rng: np.random.Generator) -> dict:
    """A reference of an SME population with one numeric and one categorical indicator."""
    train = pd.DataFrame(
        {
            NUM: rng.poisson(3, 10_000).astype(float),
            CAT: rng.choice(["A", "B", "M", "C"], 10_000, p=[0.5, 0.3, 0.15, 0.05]),
        }
    )
    return {
        "source": "training",
        "rows": 10_000,
        "predicted_pd": 0.03,
        "grade_shares": {"A": 0.6, "B": 0.3, "C": 0.1, "D": 0.0},
        "score": bins_of(pd.Series(rng.normal(600, 40, 10_000))),
        "features": {f: bins_of(train[f]) for f in (NUM, CAT)},
    }


def _batch_frames(rng: np.random.Generator, shift: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    rated, _ = _population()
    n = len(rated)
    rated["score"] = rng.normal(600 - 40 * shift, 40, n)
    feats = pd.DataFrame(
        {
            "subject_id": rated["subject_id"],
            NUM: rng.poisson(3 + 3 * shift, n).astype(float),
            CAT: rng.choice(["A", "B", "M", "C"], n, p=[0.5, 0.3, 0.15, 0.05]),
        }
    )
    return rated, feats


def _assess(shift: float, cutoff: dt.date, defaulted: set[str] | None = None) -> dict:
    rng = np.random.default_rng(11)
    ref = _reference(rng)
    rated, feats = _batch_frames(rng, shift)
    batch = Batch("sme", dt.date(2025, 6, 30), "3", "run-abc", len(rated))
    return assess_batch(ref, batch, rated, feats, cutoff, cutoff, CFG, defaulted)


def test_a_batch_is_not_back_tested_before_its_outcomes_mature() -> None:
    _, defaulted = _population()
    early = _assess(0.0, dt.date(2026, 3, 31))
    assert early["maturity"] == {
        "horizon": 12,
        "months_observed": 9,
        "matured": False,
        "matures_on": "2026-06-30",
    }
    assert early["backtest"] is None
    late = _assess(0.0, dt.date(2026, 10, 31), defaulted)
    assert late["maturity"]["matured"] and late["backtest"]["failed"] == ["C"]


def test_alerts_are_written_when_a_threshold_is_crossed_and_not_otherwise() -> None:
    calm = _assess(0.0, dt.date(2026, 3, 31))
    assert calm["score"]["light"] == GREEN and calm["feature_light"] == GREEN
    assert calm["alerts"] == []
    _, defaulted = _population()
    drifted = _assess(1.0, dt.date(2026, 10, 31), defaulted)
    kinds = sorted((a["kind"], a["item"]) for a in drifted["alerts"])
    assert kinds == [("backtest", "C"), ("feature_psi", NUM), ("score_psi", None)]
    assert all(a["message_zh"] and a["message_en"] for a in drifted["alerts"])
    store = DuckDBStore(":memory:")
    now = dt.datetime(2026, 11, 1, 9)
    for report in (calm, drifted):
        report["batch_as_of"] = "2025-06-30"
    calm["monitored_as_of"] = "2026-03-31"
    write_monitoring(store, calm, now)
    assert store.count("monitor_alerts") == 0 and store.count("monitoring") == 1
    write_monitoring(store, drifted, now)
    write_monitoring(store, drifted, now)  # the same monitoring again replaces
    assert store.count("monitor_alerts") == 3 and store.count("monitoring") == 2
    latest = latest_monitoring(store, "sme")
    assert latest["monitored_as_of"].astype(str).tolist() == ["2026-10-31"]
    assert set(latest_alerts(store, "sme")["kind"]) == {"backtest", "feature_psi", "score_psi"}


def test_monitoring_runs_are_idempotent_per_version_and_batch(tmp_path: Path) -> None:
    from models.registry import connect

    client = connect(tmp_path / "mlruns")
    report = _assess(0.0, dt.date(2026, 3, 31))
    first = log_monitoring(client, tmp_path / "mlruns", report)
    again = log_monitoring(client, tmp_path / "mlruns", report)
    assert again == first
    exp = client.get_experiment_by_name(experiment_name("sme"))
    assert len(client.search_runs([exp.experiment_id])) == 1
    assert len(client.get_metric_history(first, "score_psi")) == 1
    run = client.get_run(first)
    assert run.data.tags["xinping.training_run_id"] == "run-abc"
    assert run.data.tags["mlflow.parentRunId"] == "run-abc"
    assert run.data.tags["xinping.model_version"] == "3"
    # a month later the same batch goes into the same run, one step further
    later = _assess(0.0, dt.date(2026, 4, 30))
    assert log_monitoring(client, tmp_path / "mlruns", later) == first
    history = client.get_metric_history(first, "score_psi")
    assert sorted(m.step for m in history) == [9, 10]
    saved = json.loads(Path(client.download_artifacts(first, "monitoring/report.json")).read_text())
    assert saved["monitored_as_of"] == "2026-04-30"


def test_monitor_end_to_end_reads_the_reference_written_at_training(
    tmp_path: Path, scoring_city_file: Path, mlflow_home: Path
) -> None:
    from scoring.batch import score_scheme
    from scoring.loader import load_model

    store_path = tmp_path / "city.duckdb"
    shutil.copy(scoring_city_file, store_path)
    home = tmp_path / "mlruns"
    shutil.copytree(mlflow_home, home)  # rehomed on connect: the session's home stays as it is
    model = load_model("driver", home)
    with DuckDBStore(store_path) as store:
        for day in (dt.date(2025, 6, 30), dt.date(2026, 10, 31)):
            score_scheme(store, model, day)
        result = monitor(store, "driver", home, dt.date(2026, 10, 31), CFG)
        assert result.notes == []  # the reference came with the training run
        from models.registry import connect
        from training.spec import load_spec

        saved = json.loads(
            Path(connect(home).download_artifacts(model.run_id, REFERENCE_PATH)).read_text()
        )
        snaps = load_spec("driver").snapshots
        # the fitted snapshots (a history filter may leave early ones out)
        assert saved["snapshots"]
        assert set(saved["snapshots"]) <= {str(d) for d in (*snaps.train, *snaps.validation)}
        assert saved["source"] == "training" and 0 < saved["predicted_pd"] < 1
        assert set(saved["features"]) == set(model.pipeline.features)
        for spec in (saved["score"], *saved["features"].values()):
            assert sum(spec["shares"]) == pytest.approx(1.0)
        old, new = result.reports
        assert old["maturity"]["matured"] and old["backtest"]["n"] == old["rows"]
        assert not new["maturity"]["matured"] and new["backtest"] is None
        assert {f["name"] for f in new["features"]} == set(model.pipeline.features)
        assert latest_monitoring(store, "driver")["mlflow_run_id"].tolist() == [
            old["mlflow_run_id"],
            new["mlflow_run_id"],
        ]
        # a version trained before the artifact existed: rebuilt from its snapshots, saved
        for path in (home / "artifacts").rglob(Path(REFERENCE_PATH).name):
            path.unlink()
        rebuilt = monitor(store, "driver", home, dt.date(2026, 10, 31), CFG)
        assert len(rebuilt.notes) == 1 and "rebuilt" in rebuilt.notes[0]
        assert [r["mlflow_run_id"] for r in rebuilt.reports] == [
            old["mlflow_run_id"],
            new["mlflow_run_id"],
        ]
        assert store.count("monitoring") == 2
