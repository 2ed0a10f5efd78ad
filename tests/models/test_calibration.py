"""PlattCalibrator and the PDO ScoreScale."""

from __future__ import annotations

import numpy as np
import pytest

from models.calibration import PlattCalibrator, ScoreScale


def _simulate(a: float, b: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.5, n)
    p = 1.0 / (1.0 + np.exp(-(a * x + b)))
    return x, (rng.random(n) < p).astype(int)


@pytest.mark.parametrize(("a", "b"), [(0.7, -2.5), (1.6, -3.5), (1.0, 0.0)])
def test_platt_recovers_known_slope_and_intercept(a: float, b: float) -> None:
    x, y = _simulate(a, b, 200_000, seed=11)
    cal = PlattCalibrator.fit(x, y)
    assert cal.a == pytest.approx(a, abs=0.04)
    assert cal.b == pytest.approx(b, abs=0.05)


def test_platt_pd_is_the_logistic_of_the_calibrated_logit() -> None:
    cal = PlattCalibrator(a=0.5, b=-2.0)
    x = np.array([-3.0, 0.0, 4.0])
    np.testing.assert_allclose(cal.logit(x), 0.5 * x - 2.0)
    np.testing.assert_allclose(cal.pd(x), 1.0 / (1.0 + np.exp(-(0.5 * x - 2.0))))
    assert PlattCalibrator().pd(np.array([0.0]))[0] == pytest.approx(0.5)


def test_platt_calibrates_the_mean_pd_to_the_event_rate() -> None:
    x, y = _simulate(0.9, -3.0, 50_000, seed=3)
    # a model whose log-odds are off by scale and shift
    cal = PlattCalibrator.fit(2.0 * x + 1.0, y)
    assert cal.pd(2.0 * x + 1.0).mean() == pytest.approx(y.mean(), rel=0.02)


def test_platt_is_deterministic() -> None:
    x, y = _simulate(0.8, -2.0, 5_000, seed=1)
    assert PlattCalibrator.fit(x, y) == PlattCalibrator.fit(x, y)


@pytest.mark.parametrize("label", [0, 1])
def test_platt_rejects_one_class(label: int) -> None:
    with pytest.raises(ValueError, match="both outcomes"):
        PlattCalibrator.fit(np.linspace(-1, 1, 50), np.full(50, label))


def test_platt_rejects_empty_or_mismatched_input() -> None:
    with pytest.raises(ValueError, match="same length"):
        PlattCalibrator.fit(np.array([]), np.array([]))
    with pytest.raises(ValueError, match="same length"):
        PlattCalibrator.fit(np.zeros(5), np.array([0, 1, 0]))


def test_score_scale_anchor_is_base_score_at_base_odds() -> None:
    s = ScoreScale(base_score=600, base_odds=50, pdo=20)
    assert s.factor == pytest.approx(20 / np.log(2))
    assert s.score(np.array([1 / 51]))[0] == 600
    assert s.pd(np.array([600.0]))[0] == pytest.approx(1 / 51)


def test_score_scale_pdo_twenty_points_double_the_odds() -> None:
    s = ScoreScale(base_score=600, base_odds=50, pdo=20)
    scores = np.arange(400.0, 801.0, 7.0)
    p, p20 = s.pd(scores), s.pd(scores + 20)
    odds, odds20 = (1 - p) / p, (1 - p20) / p20
    np.testing.assert_allclose(odds20 / odds, 2.0, rtol=1e-12)
    # and on the score side: doubling good:bad odds adds exactly pdo points
    for o in (2.0, 10.0, 50.0, 300.0):
        pd_o, pd_2o = 1 / (1 + o), 1 / (1 + 2 * o)
        diff = s.score(np.array([pd_2o])) - s.score(np.array([pd_o]))
        assert abs(diff[0] - 20) <= 1  # whole points: rounding moves each side by < 0.5


@pytest.mark.parametrize("pdo", [20.0, 40.0])
def test_score_scale_round_trip(pdo: float) -> None:
    s = ScoreScale(base_score=500, base_odds=20, pdo=pdo)
    scores = np.arange(300.0, 901.0)
    np.testing.assert_array_equal(s.score(s.pd(scores)), scores)
    pds = np.geomspace(1e-4, 0.9, 200)
    back = s.pd(s.score(pds))
    # the score is rounded to whole points: half a point of log-odds at most
    log_odds = np.log((1 - pds) / pds)
    back_log_odds = np.log((1 - back) / back)
    assert np.all(np.abs(back_log_odds - log_odds) <= 0.5 / s.factor + 1e-12)


def test_score_scale_higher_score_lower_risk() -> None:
    s = ScoreScale()
    pds = np.geomspace(1e-4, 0.99, 100)
    assert np.all(np.diff(s.score(pds)) <= 0)
    assert np.all(np.diff(s.pd(np.arange(300.0, 900.0))) < 0)
    assert np.all(s.score(pds) == np.round(s.score(pds)))
