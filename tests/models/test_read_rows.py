"""Rows read once (``estimator.read(X)``) give what the frame gives, in every method."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_gbm import FAST, credit_frame

from models.gbm import GbmClassifier
from models.scorecard import ScorecardClassifier


@pytest.fixture(scope="module")
def data():
    X, y = credit_frame(600, seed=3)
    return X.set_axis(pd.RangeIndex(1000, 1600)), y


@pytest.mark.parametrize(
    "make",
    [
        lambda: GbmClassifier(random_state=0, **FAST),
        lambda: ScorecardClassifier(),
    ],
    ids=["gbm", "scorecard"],
)
def test_read_rows_stand_for_the_frame(make, data) -> None:
    X, y = data
    est = make().fit(X, y)
    ref = X.iloc[[7]]
    rows, ref_rows = est.read(X), est.read(ref)
    np.testing.assert_array_equal(est.decision_function(rows), est.decision_function(X))
    pd.testing.assert_frame_equal(
        est.explain(rows, reference=ref_rows), est.explain(X, reference=ref)
    )
    assert est.explain(rows).index.equals(X.index)
    if hasattr(est, "predict_score"):
        np.testing.assert_array_equal(est.predict_score(rows), est.predict_score(X))
    other = GbmClassifier(random_state=1, **FAST).fit(X, y)  # any other estimator
    with pytest.raises(ValueError, match="another estimator"):
        other.decision_function(rows)
