"""Validation metrics against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models import metrics

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
