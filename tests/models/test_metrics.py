"""Validation metrics against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models import grade_tests, metrics

Y = np.array([0, 0, 1, 1])
S = np.array([0.1, 0.4, 0.35, 0.8])


def test_auc_gini_ks_by_hand() -> None:
    # Event/non-event pairs: (0.35 > 0.1), (0.35 < 0.4), (0.8 > 0.1), (0.8 > 0.4) → 3 of 4.
    assert metrics.auc(Y, S) == pytest.approx(0.75)
    assert metrics.gini(Y, S) == pytest.approx(0.5)
    # Thresholds from the top: 0.8 → TPR .5 FPR 0; 0.4 → .5/.5; 0.35 → 1/.5; 0.1 → 1/1.
    assert metrics.ks(Y, S) == pytest.approx(0.5)
    assert metrics.auc(Y, -S) == pytest.approx(0.25)
    assert metrics.auc([0, 1, 0, 1], [1, 1, 1, 1]) == pytest.approx(0.5)  # ties count half


def test_brier_by_hand() -> None:
    assert metrics.brier([0, 1], [0.1, 0.9]) == pytest.approx(0.01)
    assert metrics.brier([1, 1, 0], [0.5, 1.0, 0.0]) == pytest.approx(0.25 / 3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.brier([0, 1], [0.1, 1.2])


def test_psi_by_hand() -> None:
    # Cut at 2.5: expected shares (.5, .5), actual (.75, .25); the missing bins are empty.
    value = metrics.psi([1, 2, 3, 4], [1, 1, 1, 4], bins=[2.5])
    expected = 0.25 * math.log(0.75 / 0.5) + (-0.25) * math.log(0.25 / 0.5)
    assert value == pytest.approx(expected)
    assert expected == pytest.approx(0.274653, abs=1e-6)
    rng = np.random.default_rng(0)
    sample = rng.normal(size=1000)
    assert metrics.psi(sample, sample) == 0.0
    assert metrics.psi(sample, sample + 1.0) > 0.25


def test_psi_epsilon_keeps_an_empty_bin_finite() -> None:
    value = metrics.psi([1, 1, 3, 3], [1, 1, 1, 1], bins=[2])
    share = metrics.PSI_EPSILON
    expected = (1 - 0.5) * math.log(1 / 0.5) + (share - 0.5) * math.log(share / 0.5)
    assert value == pytest.approx(expected)
    # Missing values are a bin of their own.
    assert metrics.psi([1.0, 2.0, np.nan, np.nan], [1.0, 2.0, 3.0, 4.0], bins=[1.5]) > 1


def test_hhi_by_hand() -> None:
    assert metrics.hhi([1, 1, 2]) == pytest.approx(0.375)
    assert metrics.hhi([0.25] * 4) == pytest.approx(0.25)
    assert metrics.hhi([0, 0, 5]) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        metrics.hhi([0, 0])


def test_binomial_test_by_hand() -> None:
    table = metrics.binomial_test([10, 100, 0], [0, 5, 0], [0.5, 0.05, 0.1], grades=["A", "B", "C"])
    a = table.loc["A"]
    assert a["p_value"] == pytest.approx(2 * 0.5**10)  # P(X=0) + P(X=10), symmetric
    assert a["ci_low"] == 0.0
    assert a["ci_high"] == pytest.approx(1 - 0.025 ** (1 / 10))  # Clopper–Pearson, 0 of 10
    assert not a["consistent"]
    b = table.loc["B"]
    assert b["observed_rate"] == pytest.approx(0.05)
    assert b["p_value"] == pytest.approx(1.0)
    assert b["consistent"] and b["ci_low"] < 0.05 < b["ci_high"]
    assert math.isnan(table.loc["C", "p_value"]) and not table.loc["C", "consistent"]
    assert list(table.columns) == [
        "count",
        "defaults",
        "observed_rate",
        "predicted_pd",
        "p_value",
        "ci_low",
        "ci_high",
        "consistent",
    ]
    with pytest.raises(ValueError, match="defaults <= count"):
        metrics.binomial_test(5, 6, 0.1)


def test_monotonic() -> None:
    assert metrics.monotonic([0.01, 0.02, 0.02, 0.05])
    assert not metrics.monotonic([0.01, 0.02, 0.02, 0.05], strict=True)
    assert not metrics.monotonic([0.01, 0.03, 0.02])
    assert metrics.monotonic([0.05, 0.03, 0.01], increasing=False)
    assert metrics.monotonic([0.01, np.nan, 0.03])


def test_migration_matrix_by_hand() -> None:
    counts = metrics.migration_matrix(["A", "A", "B", "C"], ["A", "B", "B", "A"], ["A", "B", "C"])
    np.testing.assert_array_equal(counts.to_numpy(), [[1, 1, 0], [0, 1, 0], [1, 0, 0]])
    assert counts.index.name == "before" and counts.columns.name == "after"
    shares = metrics.migration_matrix(
        ["A", "A", "B", "C"], ["A", "B", "B", "A"], ["A", "B", "C"], normalize=True
    )
    np.testing.assert_allclose(shares.to_numpy(), [[0.5, 0.5, 0], [0, 1, 0], [1, 0, 0]])
    # Series are aligned on the subject: s3 left, s4 new, s2 has no later grade.
    before = pd.Series({"s1": "A", "s2": "B", "s3": "C"})
    after = pd.Series({"s1": "B", "s2": None, "s4": "A"})
    aligned = metrics.migration_matrix(before, after, ["A", "B", "C"])
    assert aligned.to_numpy().sum() == 1 and aligned.loc["A", "B"] == 1
    with pytest.raises(ValueError, match="grades not in"):
        metrics.migration_matrix(["A"], ["Z"], ["A", "B"])


def test_jeffreys_p_value_is_the_beta_posterior_cdf() -> None:
    from scipy.stats import beta

    # Beta(D + 1/2, N - D + 1/2) at the PD, from scipy directly
    for n, d, p in [(100, 3, 0.01), (1000, 30, 0.02), (50, 0, 0.05), (20, 20, 0.9)]:
        expected = beta(d + 0.5, n - d + 0.5).cdf(p)
        assert grade_tests.jeffreys_p_value(n, d, p) == pytest.approx(expected, rel=1e-12)
    # more defaults than the PD predicts: a small p (PD too low); fewer: a large one
    assert grade_tests.jeffreys_p_value(1000, 40, 0.02) < 0.001
    assert grade_tests.jeffreys_p_value(1000, 10, 0.02) > 0.99
    with pytest.raises(ValueError):
        grade_tests.jeffreys_p_value(10, 11, 0.1)


def test_jeffreys_test_statuses_and_interval() -> None:
    from scipy.stats import beta

    table = grade_tests.jeffreys_test(
        [1000, 1000, 100, 0],
        [40, 20, 1, 0],
        [0.02, 0.02, 0.01, 0.05],
        grades=["A", "B", "C", "D"],
        level=0.95,
        min_expected_defaults=5,
        min_count=30,
    )
    assert table.loc["A", "status"] == "failed"  # 40 defaults against 20 expected
    assert table.loc["B", "status"] == "passed"
    assert table.loc["C", "status"] == "insufficient"  # 1 expected default
    assert table.loc["D", "status"] == "insufficient"  # empty
    assert table.loc["C", "expected_defaults"] == pytest.approx(1.0)
    lo, hi = beta(40.5, 960.5).ppf([0.025, 0.975])
    assert table.loc["A", "ci_low"] == pytest.approx(lo)
    assert table.loc["A", "ci_high"] == pytest.approx(hi)


def test_jeffreys_detectable_ratio_reaches_the_stated_power() -> None:
    from scipy.stats import beta, binom

    n, p = 800, 0.01
    ratio = grade_tests.jeffreys_detectable_ratio(n, p, level=0.95, power=0.8)
    d = np.arange(n + 1)
    crit = int(np.flatnonzero(beta.cdf(p, d + 0.5, n - d + 0.5) < 0.05)[0])
    # at that true rate the test rejects with 80 % probability, and not below it
    assert binom.sf(crit - 1, n, ratio * p) == pytest.approx(0.8, abs=1e-6)
    assert binom.sf(crit - 1, n, 0.99 * ratio * p) < 0.8
    # more obligors, finer detection
    assert grade_tests.jeffreys_detectable_ratio(8000, p) < ratio
    # one obligor: no default count rejects a PD of one half, nothing is detectable
    assert grade_tests.jeffreys_detectable_ratio(1, 0.5) == math.inf


def test_ordering_test_tells_reversed_from_indistinct() -> None:
    from scipy.stats import fisher_exact

    pairs = grade_tests.ordering_test(
        [1000, 1000, 1000, 1000], [10, 40, 38, 10], grades=["A", "B", "C", "D"]
    )
    assert pairs["status"].tolist() == ["ordered", "indistinct", "reversed"]
    p = fisher_exact([[38, 962], [40, 960]], alternative="greater").pvalue
    assert pairs.loc[1, "p_ordered"] == pytest.approx(p)
    # an empty grade is skipped: its neighbours are compared
    skip = grade_tests.ordering_test([100, 0, 100], [1, 0, 30], grades=["A", "B", "C"])
    assert skip[["better", "worse", "status"]].values.tolist() == [["A", "C", "ordered"]]
