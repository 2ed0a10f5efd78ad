"""The reference subject (models/explain.py) and the scorecard's points against it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import GbmClassifier, ScorecardClassifier, reference_profile


def test_the_package_exports_its_estimators() -> None:
    import models.gbm
    import models.scorecard
    from models import GbmClassifier as G
    from models import ScorecardClassifier as S

    assert G is models.gbm.GbmClassifier and S is models.scorecard.ScorecardClassifier
    assert G().get_params()["n_estimators"] == "auto" and S().get_params()["pdo"] > 0


def test_reference_profile_is_a_typical_row_of_real_values() -> None:
    x = pd.DataFrame(
        {
            "penalties": [0.0, 0.0, 1.0, 0.0, 3.0, np.nan],
            "capital": [1.0, 2.0, 3.0, 4.0, np.nan, np.nan],
            "scale": ["small", "micro", "micro", None, "small", "micro"],
            "empty": [np.nan] * 6,
            "days_since_penalty": [30.0, 400.0, np.nan, np.nan, np.nan, np.nan],
            "rating": ["green", None, None, None, None, "blue"],
        }
    )
    ref = reference_profile(x)
    assert list(ref.columns) == list(x.columns) and len(ref) == 1
    assert ref.at[0, "penalties"] == 0.0  # a value subjects have, not 0.5
    assert ref.at[0, "capital"] == 2.0  # the lower median of 1, 2, 3, 4 (missing: 2 of 6)
    assert ref.at[0, "scale"] == "micro"
    assert np.isnan(ref.at[0, "empty"])
    assert ref.at[0, "days_since_penalty"] == 30.0 and ref.at[0, "rating"] == "blue"
    # where a missing value states a fact (no penalty on record) that most subjects share,
    # the typical subject shares it: no days since a penalty
    states = reference_profile(x, missing_states=("days_since_penalty", "capital", "rating"))
    assert np.isnan(states.at[0, "days_since_penalty"]) and states.at[0, "rating"] is None
    assert states.at[0, "capital"] == 2.0  # missing in 2 of 6 rows only
    # by weight: the two rows with a penalty standing for most subjects
    w = np.array([5.0, 5.0, 1.0, 1.0, 1.0, 1.0])
    weighted = reference_profile(x, w, missing_states=("days_since_penalty",))
    assert weighted.at[0, "days_since_penalty"] == 30.0


def test_scorecard_points_against_a_reference_add_up_to_the_score() -> None:
    rng = np.random.default_rng(0)
    n = 3000
    x = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.integers(0, 5, n).astype(float),
            "c": rng.choice(["x", "y", "z"], n),
        }
    )
    y = ((x["a"] + 0.5 * x["b"] + (x["c"] == "z") + rng.normal(size=n)) > 1.5).astype(int)
    est = ScorecardClassifier(monotonic_trends={"a": "ascending", "b": "ascending"}).fit(x, y)
    ref = reference_profile(x)
    out = est.explain(x, reference=ref)
    np.testing.assert_array_equal(out.sum(axis=1).to_numpy(), est.predict_score(x))
    assert (out["base"] == est.predict_score(ref)[0]).all()
    plain = est.explain(x)
    at_ref = est.explain(ref)
    for col in ("a", "b", "c"):
        np.testing.assert_array_equal(out[col], plain[col] - at_ref[col].iloc[0])
    # ascending risk in "a": a higher value than the reference's never earns points
    assert (out.loc[x["a"] > ref.at[0, "a"], "a"] <= 0).all()
    assert (out.loc[x["a"] < ref.at[0, "a"], "a"] >= 0).all()


def test_gbm_without_a_reference_keeps_treeshap_against_the_expected_value() -> None:
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"a": rng.normal(size=800), "b": rng.normal(size=800)})
    y = (x["a"] + rng.normal(size=800) > 0).astype(int)
    est = GbmClassifier(n_estimators=20, random_state=0).fit(x, y)
    out = est.explain(x)
    np.testing.assert_allclose(out.sum(axis=1), est.decision_function(x), atol=1e-10)
    ref = est.explain(x, reference=x.iloc[[0]])
    assert not np.allclose(out["base"], ref["base"])
    with pytest.raises(ValueError):
        est.explain(x, reference=x.iloc[:3])
