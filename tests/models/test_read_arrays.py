"""Rows handed over as arrays (``read_arrays``) are read exactly as their frame is read.

A one-subject rating gives the estimator its features as arrays instead of a frame
(:meth:`models.pipeline.RatingPipeline._input`); the matrix, the columns and so the
PD, score, grade and contributions must be those of the frame path, and input the
shortcut does not read must go the frame path (with its errors).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_gbm import FAST, credit_frame

from models.gbm import GbmClassifier
from models.overrides import Override
from models.pipeline import RatingPipeline, encode_ordinal
from models.scorecard import ScorecardClassifier

ORDER = ("A", "B", "C")


@pytest.fixture(scope="module")
def data():
    X, y = credit_frame(600, seed=5)
    rng = np.random.default_rng(5)
    # an ordered category (ranked before the estimator reads it), with missing values
    grade = np.where(X["b"].to_numpy() > 0, "C", rng.choice(["A", "B"], len(X))).astype(object)
    grade[rng.random(len(X)) < 0.1] = None
    X["grade"] = pd.Series(grade, dtype=object)
    return X.set_axis(pd.RangeIndex(500, 1100)), y


def _frames(X: pd.DataFrame) -> list[pd.DataFrame]:
    odd = X.iloc[:3].copy()
    odd["region"] = pd.Series(["west", None, "north"], index=odd.index, dtype=object)  # unseen
    odd["grade"] = pd.Series(["Z", None, "A"], index=odd.index, dtype=object)  # unranked
    odd["a"] = [np.nan, 0.0, -1.5]
    return [X.iloc[[i]] for i in range(12)] + [X, X.iloc[:64], X.iloc[:65], odd]


def _same(a, b) -> None:
    """Two reads (``ReadRows.data``) hold the same columns and matrix."""
    assert type(a) is type(b)
    if isinstance(a, tuple):
        np.testing.assert_array_equal(a[1], b[1])
        a, b = a[0], b[0]
    assert a.names == b.names and a.categorical == b.categorical
    for x, y in zip(a.arrays, b.arrays, strict=True):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "make",
    [lambda: GbmClassifier(random_state=0, **FAST), lambda: ScorecardClassifier()],
    ids=["gbm", "scorecard"],
)
def test_pipeline_input_is_the_frame_read(make, data) -> None:
    X, y = data
    features = ("a", "b", "c", "d", "e", "region", "grade")
    ordinal = {"grade": ORDER}
    est = make().fit(encode_ordinal(X.loc[:, list(features)], ordinal), y)
    pipe = RatingPipeline("t", "gbm", features, est, None, None, None, ordinal=ordinal)  # type: ignore[arg-type]
    for frame in _frames(X):
        fast = pipe._input(frame)
        slow = pipe._read(pipe.model_input(frame))
        assert fast.index.equals(frame.index)
        _same(fast.data, slow.data)
        np.testing.assert_array_equal(
            est.decision_function(fast), est.decision_function(pipe.model_input(frame))
        )
        pd.testing.assert_frame_equal(
            est.explain(fast, reference=pipe._read(pipe.model_input(X.iloc[[0]]))),
            est.explain(pipe.model_input(frame), reference=pipe.model_input(X.iloc[[0]])),
        )


def test_arrays_it_does_not_read_go_the_frame_path(data) -> None:
    X, y = data
    est = GbmClassifier(random_state=0, **FAST).fit(X.drop(columns="grade"), y)
    arrays = {c: X[c].to_numpy() for c in est.feature_names_in_}
    assert est.read_arrays(arrays) is not None
    assert est.read_arrays(dict(reversed(arrays.items()))) is None  # another order
    assert est.read_arrays({**arrays, "a": arrays["a"].astype(np.float32)}) is None
    inf = arrays["a"].copy()
    inf[0] = np.inf
    assert est.read_arrays({**arrays, "a": inf}) is None
    assert est.read_arrays({**arrays, "region": arrays["region"].astype(str)}) is None
    # the pipeline then reads the frame, which names the problem
    pipe = RatingPipeline("t", "gbm", tuple(arrays), est, None, None, None)  # type: ignore[arg-type]
    bad = X.iloc[:2].copy()
    bad["a"] = [np.inf, 1.0]
    with pytest.raises(ValueError, match="infinity"):
        pipe._input(bad)


@pytest.mark.parametrize("op", [">", ">=", "<", "<=", "==", "!="])
@pytest.mark.parametrize("value", [0, 1.5, -2])
def test_override_on_floats_is_the_series_comparison(op, value) -> None:
    values = [np.nan, -2.0, 0.0, 1.5, 3.0, np.nan]
    rule = Override("x", op, value, "D", "zh", "en")
    floats = pd.DataFrame({"x": pd.Series(values, dtype="float64")})
    objects = pd.DataFrame({"x": pd.Series(values, dtype=object)})  # the pandas path
    np.testing.assert_array_equal(rule.applies(floats), rule.applies(objects))


def test_few_rows_are_coded_as_many(data) -> None:
    """Categories of a few rows (dict look-ups) get the codes of a long frame (Index)."""
    X, y = data
    est = GbmClassifier(random_state=0, **FAST).fit(X.drop(columns="grade"), y)
    odd = _frames(X)[-1].drop(columns="grade")
    many = pd.concat([odd, X.drop(columns="grade").iloc[:80]])
    _, matrix = est.read(many).data
    for i in range(len(odd)):
        np.testing.assert_array_equal(est.read(odd.iloc[[i]]).data[1], matrix[[i]])
