"""Training on the bounded sample (spec ``[sample] max_rows``, training.run.build_frames):
below the bound nothing changes; above it the fitted snapshots hold every default and a
weighted share of the non-defaults, and the weights reach the calibration and the report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.schemes import get_scheme
from features.store.duckdb_store import DuckDBStore
from training.evaluate import evaluate
from training.fit import Frames, fit_pipeline
from training.run import build_frames
from training.spec import Sample, TrainingSpec, load_spec

SCHEME = "household"


@pytest.fixture(scope="module")
def store(scoring_city_file):
    """The session's tiny city (tests/conftest.py), read only: training writes nothing."""
    st = DuckDBStore(scoring_city_file, read_only=True)
    yield st
    st.close()


@pytest.fixture(scope="module")
def spec() -> TrainingSpec:
    shipped = load_spec(SCHEME)
    return shipped.model_copy(
        update={"family": "gbm", "gbm": shipped.gbm.model_copy(update={"n_estimators": 40})}
    )


@pytest.fixture(scope="module")
def full(store, spec) -> Frames:
    return build_frames(
        store, get_scheme(SCHEME), spec.model_copy(update={"sample": Sample(max_rows=0)})
    )


@pytest.fixture(scope="module")
def bound(full) -> int:
    """Half the fitted rows: a bound the tiny city's snapshots exceed."""
    return (len(full.train) + len(full.validation)) // 2


@pytest.fixture(scope="module")
def sampled(store, spec, bound, full) -> Frames:
    # the fitted snapshots bound to half their rows; the out-of-time ones to half theirs
    return build_frames(
        store,
        get_scheme(SCHEME),
        spec.model_copy(update={"sample": Sample(max_rows=bound, oot_max_rows=len(full.oot) // 2)}),
    )


def test_below_the_bound_the_frames_are_the_full_ones(store, spec, full) -> None:
    # the shipped bound (1,000,000) is far above the tiny (and the small) city
    assert spec.sample.max_rows == 1_000_000
    frames = build_frames(store, get_scheme(SCHEME), spec)
    assert frames.sample["sampled"] is False
    for part in ("train", "validation", "oot"):
        pd.testing.assert_frame_equal(getattr(frames, part), getattr(full, part))
        assert "weight" not in getattr(frames, part).columns


def test_above_the_bound_the_fitted_parts_are_sampled(full, sampled, bound) -> None:
    info = sampled.sample
    assert info["sampled"] is True and info["max_rows"] == bound
    assert info["full_rows"] == len(full.train) + len(full.validation)
    held = len(sampled.train) + len(sampled.validation)
    assert held <= 1.05 * bound  # the bound, up to the draw's binomial noise
    for part in ("train", "validation"):
        got, whole = getattr(sampled, part), getattr(full, part)
        assert got["label"].sum() == whole["label"].sum()  # every default kept
        w = got["weight"].to_numpy()
        assert np.allclose(w[got["label"] == 0], info["non_default_weight"])
        assert abs(w.sum() / len(whole) - 1) < 0.05  # stands for the whole snapshots
    # the out-of-time snapshots under their own bound, every default kept
    assert info["oot"]["sampled"] is True
    assert len(sampled.oot) <= 1.05 * info["oot"]["max_rows"]
    assert sampled.oot["label"].sum() == full.oot["label"].sum()


def test_weights_reach_the_level_and_the_report(spec, full, sampled) -> None:
    notes: dict = {}
    pipeline, _ = fit_pipeline(get_scheme(SCHEME), spec, sampled, notes=notes)
    both = pd.concat([sampled.train, sampled.validation], ignore_index=True)
    latest = both["as_of"] == both["as_of"].max()
    w = both.loc[latest, "weight"].to_numpy()
    level = notes["calibration"]["level_default_rate"]
    # the level is the weighted default rate of the latest validation snapshot ...
    assert level == pytest.approx(np.average(both.loc[latest, "label"], weights=w))
    # ... close to the whole snapshot's (the draw's noise only), not the sample's own
    whole = full.validation[full.validation["as_of"] == full.validation["as_of"].max()]
    assert level == pytest.approx(whole["label"].mean(), rel=0.1)
    assert both.loc[latest, "label"].mean() > 1.5 * level
    # and the weighted mean PD of that snapshot is set to it
    pd_latest = pipeline.predict_pd(both[latest])
    assert np.average(pd_latest, weights=w) == pytest.approx(level, rel=1e-6)
    report = evaluate(pipeline, sampled.train, sampled.validation, sampled.oot)
    whole = evaluate(pipeline, full.train, full.validation, full.oot)
    train = report["discrimination"]["train"]
    assert train["represents"] == pytest.approx(len(full.train), rel=0.05)
    assert train["event_rate"] == pytest.approx(full.train["label"].mean(), rel=0.1)
    assert "represents" not in whole["discrimination"]["oot"]
    shares = pd.DataFrame(report["train_grades"])["count"].sum()
    assert shares == pytest.approx(len(full.train), rel=0.05)
    # the out-of-time report of the same model on the sample reads as on the whole
    oot, oot_whole = report["discrimination"]["oot"], whole["discrimination"]["oot"]
    assert oot["represents"] == pytest.approx(len(full.oot), rel=0.05)
    assert oot["auc"] == pytest.approx(oot_whole["auc"], abs=0.02)
    assert oot["event_rate"] == pytest.approx(oot_whole["event_rate"], rel=0.1)
    level, level_whole = (r["calibration"]["in_the_large"] for r in (report, whole))
    assert level["n"] == pytest.approx(level_whole["n"], rel=0.05)
    assert level["defaults"] == level_whole["defaults"]
    assert level["ratio"] == pytest.approx(level_whole["ratio"], rel=0.1)
    counts = [sum(g["count"] for g in r["calibration"]["grades"]) for r in (report, whole)]
    assert counts[0] == pytest.approx(counts[1], rel=0.05)
    moved = [
        sum(sum(row.values()) for row in r["migration"]["matrix"].values()) for r in (report, whole)
    ]
    assert moved[0] == pytest.approx(moved[1], rel=0.1)
