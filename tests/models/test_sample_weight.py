"""Weighted rows (training's sample of non-defaults, features/sample.py) in the pure model
pieces: a whole-number weight counts as that many copies of the row, and no weight gives
the unweighted value exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import metrics
from models.calibration import PlattCalibrator
from models.explain import reference_profile
from models.rating import load_scale


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    n = 3_000
    score = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(score * 1.5 - 3)))).astype(int)
    w = rng.integers(1, 5, size=n)
    return score, y, w


def _copies(w: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    return [np.repeat(a, w) for a in arrays]


def test_metrics_weigh_as_copies(data) -> None:
    score, y, w = data
    s2, y2 = _copies(w, score, y)
    pd_ = 1 / (1 + np.exp(-score))
    p2 = np.repeat(pd_, w)
    assert metrics.auc(y, score, w) == pytest.approx(metrics.auc(y2, s2), abs=1e-12)
    assert metrics.ks(y, score, w) == pytest.approx(metrics.ks(y2, s2), abs=1e-12)
    assert metrics.brier(y, pd_, w) == pytest.approx(metrics.brier(y2, p2), abs=1e-12)
    other = score + 0.3
    cuts = [-1.0, -0.2, 0.4, 1.1]
    assert metrics.psi(score, other, cuts, expected_weight=w) == pytest.approx(
        metrics.psi(s2, other, cuts), abs=1e-12
    )
    # quantile bins: the weighted distribution's (inverted) quantiles, numpy's linear
    # ones on the copies: the same bins up to a value's width
    assert metrics.psi(score, other, expected_weight=w) == pytest.approx(
        metrics.psi(s2, other), abs=2e-3
    )
    q = np.linspace(0, 1, 11)[1:-1]
    # the weighted quantile is a value of the data at the weighted distribution function
    got = metrics.quantile(score, q, w)
    assert np.all(np.isin(got, score))
    assert np.allclose(got, np.quantile(s2, q, method="inverted_cdf"))
    # without weights: exactly numpy's
    assert metrics.auc(y, score) == metrics.auc(y, score, None)
    assert np.array_equal(metrics.quantile(score, q), np.quantile(score, q))


def test_platt_weighs_as_copies(data) -> None:
    score, y, w = data
    a = PlattCalibrator.fit(score, y, sample_weight=w)
    b = PlattCalibrator.fit(*_copies(w, score, y))
    assert a.a == pytest.approx(b.a, rel=1e-4) and a.b == pytest.approx(b.b, rel=1e-4)
    assert PlattCalibrator.fit(score, y) == PlattCalibrator.fit(score, y, sample_weight=None)


def test_reference_profile_weighs_as_copies(data) -> None:
    score, _, w = data
    cats = np.array(["a", "b", "c"], dtype=object)[(np.abs(score) * 2).astype(int) % 3]
    frame = pd.DataFrame({"x": score, "c": pd.Series(cats, dtype=object)})
    copies = frame.loc[np.repeat(frame.index, w)].reset_index(drop=True)
    pd.testing.assert_frame_equal(reference_profile(frame, w), reference_profile(copies))


def test_bands_take_the_weighted_shares(data) -> None:
    score, y, w = data
    pd_ = 1 / (1 + np.exp(-(score * 1.5 - 3)))
    scale = load_scale("household")
    shares = np.array([g.share for g in scale.grades]) / sum(g.share for g in scale.grades)
    weighted = scale.fit_bands(pd_, y, sample_weight=w)
    got = (
        pd.Series(w)
        .groupby(weighted.assign(pd_))
        .sum()
        .reindex(list(scale.keys), fill_value=0)
        .to_numpy()
    )
    # each grade holds its reference share of the weight (one row's weight of slack),
    # unless the bands were moved to keep default rates rising
    rates = (
        pd.Series(y * w).groupby(weighted.assign(pd_)).sum()
        / pd.Series(w).groupby(weighted.assign(pd_)).sum()
    )
    if rates.reindex(list(scale.keys)).is_monotonic_increasing:
        assert np.allclose(got / w.sum(), shares, atol=5 / w.sum() + 1e-3)
    assert scale.fit_bands(pd_, y).cutoffs == scale.fit_bands(pd_, y, sample_weight=None).cutoffs
