"""ScorecardClassifier: integer points, exact explanations, trends, missing and unseen values."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from models.scorecard import ScorecardClassifier


def credit_frame(n: int = 800, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Numeric and categorical columns with missing values and a 0/1 target."""
    X, y = make_classification(
        n_samples=n,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        flip_y=0.05,
        random_state=seed,
    )
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d", "e"])
    frame["region"] = pd.Series(
        np.where(X[:, 0] + rng.normal(0, 1, n) > 0, "north", rng.choice(["south", "east"], n)),
        dtype="str",
    )
    frame.loc[rng.random(n) < 0.1, "a"] = np.nan
    frame.loc[rng.random(n) < 0.1, "region"] = None
    return frame, y


@pytest.fixture(scope="module")
def data():
    return credit_frame()


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    # the classic scorecard: correction tables have their own tests (test_corrections.py)
    return ScorecardClassifier(min_iv=0.0, corrections="off").fit(X, y)


def test_explain_sums_exactly_to_integer_scores(fitted, data) -> None:
    X, _ = data
    parts = fitted.explain(X)
    score = fitted.predict_score(X)
    assert list(parts.columns) == [*X.columns, "base"]
    assert (parts.dtypes == np.int64).all()
    assert score.dtype == np.int64
    np.testing.assert_array_equal(parts.sum(axis=1).to_numpy(), score)
    assert (parts["base"] == fitted.base_points_).all()
    assert parts.index.equals(X.index)
    # the pair the rating pipeline asks any estimator for: the log-odds and the points
    raw, both = fitted.decision_and_explain(X, reference=X.iloc[[3]])
    np.testing.assert_array_equal(raw, fitted.decision_function(X))
    pd.testing.assert_frame_equal(both, fitted.explain(X, reference=X.iloc[[3]]))


def test_probability_comes_from_the_integer_score_through_pdo_scaling(fitted, data) -> None:
    X, _ = data
    score = fitted.predict_score(X)
    factor = 20 / math.log(2)
    offset = 600 - factor * math.log(50)
    expected = 1 / (1 + np.exp(-(offset - score) / factor))
    np.testing.assert_allclose(fitted.predict_proba(X)[:, 1], expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(fitted.decision_function(X), (offset - score) / factor)
    # 600 points = odds 50:1 of no default; 20 more points double them.
    assert fitted.score_to_log_odds(600) == pytest.approx(-math.log(50))
    assert fitted.score_to_log_odds(620) - fitted.score_to_log_odds(600) == pytest.approx(
        -math.log(2)
    )
    proba = fitted.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(fitted.predict(X), (proba[:, 1] > 0.5).astype(int))


def test_points_table_is_tidy_with_integer_points(fitted, data) -> None:
    X, y = data
    table = fitted.points_table()
    assert list(table.columns) == ["feature", "bin", "kind", "count", "event_rate", "woe", "points"]
    assert table["points"].dtype == np.int64
    assert set(table["feature"]) == set(fitted.selected_features_)
    for _feature, rows in table.groupby("feature"):
        assert rows["count"].sum() == len(X)
        filled = rows[rows["count"] > 0]
        events = (filled["event_rate"] * filled["count"]).sum()
        assert events == pytest.approx(y.sum())
    # Categorical features list an "Unseen" bin, numeric ones do not.
    kinds = table.groupby("feature")["kind"].apply(set)
    assert kinds["region"] == {"bin", "missing", "unseen"}
    assert kinds["b"] == {"bin", "missing"}


def test_model_is_a_scorecard_that_ranks(fitted, data) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    X, y = data
    numeric = X.drop(columns="region").fillna(0)
    linear = LogisticRegression().fit(numeric, y).predict_proba(numeric)[:, 1]
    # Binning captures the non-linear shapes a straight logistic regression misses.
    assert roc_auc_score(y, fitted.predict_proba(X)[:, 1]) > roc_auc_score(y, linear) + 0.02
    assert (fitted.coef_ <= 0).all()  # higher WOE (safer) never costs points
    assert fitted.iv_.index.tolist() == list(X.columns)


def test_missing_and_unseen_values_get_their_own_documented_points(fitted, data) -> None:
    X, _ = data
    table = fitted.points_table().set_index(["feature", "kind"])
    row = X.iloc[[0, 0, 0]].copy()
    row["region"] = ["never-seen", None, "north"]
    parts = fitted.explain(row)
    assert parts["region"].iloc[0] == table.loc[("region", "unseen"), "points"] == 0
    assert parts["region"].iloc[1] == table.loc[("region", "missing"), "points"]
    # NaN in a numeric feature that had missing values at fit: the Missing bin's points.
    row_a = X.iloc[[0]].copy()
    row_a["a"] = np.nan
    assert fitted.explain(row_a)["a"].iloc[0] == table.loc[("a", "missing"), "points"]
    # NaN in a feature that had none at fit: an empty Missing bin, WOE 0, 0 points.
    assert table.loc[("b", "missing"), "count"] == 0
    row_b = X.iloc[[0]].copy()
    row_b["b"] = np.nan
    assert fitted.explain(row_b)["b"].iloc[0] == 0


def _trend_data(n: int = 1500, seed: int = 1):
    """``safe``: risk falls as it grows; ``risky``: risk rises as it grows."""
    rng = np.random.default_rng(seed)
    safe, risky = rng.normal(size=n), rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.0 - 1.2 * safe + 1.0 * risky)))).astype(int)
    return pd.DataFrame({"safe": safe, "risky": risky}), y


def _points_in_value_order(model, feature: str) -> np.ndarray:
    table = model.points_table()
    return table[(table["feature"] == feature) & (table["kind"] == "bin")]["points"].to_numpy()


def test_declared_trends_order_the_points() -> None:
    """Trends are of the event rate: descending = safer as the value grows = more points."""
    X, y = _trend_data()
    model = ScorecardClassifier(
        monotonic_trends={"safe": "descending", "risky": "ascending"}, min_iv=0.0
    ).fit(X, y)
    safe, risky = _points_in_value_order(model, "safe"), _points_in_value_order(model, "risky")
    assert len(safe) >= 3 and len(risky) >= 3
    assert np.all(np.diff(safe) >= 0) and safe[-1] > safe[0]
    assert np.all(np.diff(risky) <= 0) and risky[-1] < risky[0]
    # The score follows: raising ``safe`` never lowers it, raising ``risky`` never raises it.
    grid = np.linspace(-3, 3, 25)
    base = X.iloc[[0] * len(grid)].reset_index(drop=True)
    assert np.all(np.diff(model.predict_score(base.assign(safe=grid))) >= 0)
    assert np.all(np.diff(model.predict_score(base.assign(risky=grid))) <= 0)


def test_a_trend_against_the_data_is_still_honoured() -> None:
    X, y = _trend_data()
    model = ScorecardClassifier(monotonic_trends={"safe": "ascending"}, min_iv=0.0).fit(X, y)
    grid = np.linspace(-3, 3, 25)
    base = X.iloc[[0] * len(grid)].reset_index(drop=True)
    assert np.all(np.diff(model.predict_score(base.assign(safe=grid))) <= 0)


def test_wrong_signed_feature_is_dropped() -> None:
    # ``proxy`` is risky on its own (it tracks ``driver``) but safe given ``driver``.
    rng = np.random.default_rng(3)
    n = 3000
    driver = rng.normal(size=n)
    proxy = driver + 0.4 * rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(3.0 * driver - 1.6 * proxy)))).astype(int)
    X = pd.DataFrame({"driver": driver, "proxy": proxy})
    model = ScorecardClassifier(min_iv=0.0, corrections="off").fit(X, y)
    assert "driver" in model.selected_features_
    assert "proxy" not in model.selected_features_
    assert "wrong sign" in model.dropped_features_["proxy"]
    assert (model.explain(X)["proxy"] == 0).all()


def test_min_iv_selects_features(data) -> None:
    X, y = data
    noise = X.assign(noise=np.random.default_rng(5).normal(size=len(X)))
    # the IV floor is applied before the regression and the correction tables, which it
    # cannot affect: without the tables the fit takes 2 s instead of 30
    model = ScorecardClassifier(min_iv=0.05, corrections="off").fit(noise, y)
    assert "noise" not in model.selected_features_
    assert "min_iv" in model.dropped_features_["noise"]
    assert model.iv_["noise"] < 0.05


def test_no_informative_feature_gives_the_base_rate() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"noise": rng.normal(size=300)})
    y = (rng.random(300) < 0.2).astype(int)
    model = ScorecardClassifier(min_iv=1.0).fit(X, y)
    assert model.selected_features_ == []
    assert model.points_table().empty
    assert model.predict_proba(X)[:, 1] == pytest.approx(np.full(300, y.mean()), abs=0.01)


def test_same_data_same_scorecard(data) -> None:
    # 300 rows: the default fit (correction tables by seeded cross-validation) keeps
    # tables there, so their seeding is exercised too, in a fifth of the time of 800 rows
    X, y = data[0].iloc[:300], data[1][:300]
    first = ScorecardClassifier(random_state=7).fit(X, y)
    second = ScorecardClassifier(random_state=7).fit(X, y)
    assert first.corrections_
    pd.testing.assert_frame_equal(first.points_table(), second.points_table())
    pd.testing.assert_frame_equal(first.correction_table(), second.correction_table())
    np.testing.assert_array_equal(first.predict_score(X), second.predict_score(X))


def test_pickle_round_trip(fitted, data) -> None:
    X, _ = data
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.predict_score(X), fitted.predict_score(X))
    pd.testing.assert_frame_equal(clone.points_table(), fitted.points_table())


def test_numpy_arrays_and_string_labels(data) -> None:
    X, y = data
    labels = np.where(y == 1, "default", "paid")  # sorted: "default" < "paid"
    # the labels are encoded and the columns named before any fitting step; the correction
    # tables (30 s a fit here) see only the 0/1 target and the named columns
    model = ScorecardClassifier(corrections="off").fit(X[["a", "b", "c"]].to_numpy(), labels)
    assert list(model.classes_) == ["default", "paid"]
    assert list(model.get_feature_names_out()) == ["x0", "x1", "x2"]
    assert not hasattr(model, "feature_names_in_")
    assert set(model.predict(X[["a", "b", "c"]].to_numpy())) <= {"default", "paid"}
    framed = ScorecardClassifier(corrections="off").fit(X, y)
    np.testing.assert_array_equal(framed.get_feature_names_out(), X.columns)
    np.testing.assert_array_equal(framed.feature_names_in_, X.columns)


def test_category_dtype_and_str_dtype_score_the_same(fitted, data) -> None:
    X, _ = data
    as_category = X.assign(region=X["region"].astype("category"))
    as_object = X.assign(region=X["region"].astype(object))
    np.testing.assert_array_equal(fitted.predict_score(as_category), fitted.predict_score(X))
    np.testing.assert_array_equal(fitted.predict_score(as_object), fitted.predict_score(X))


def test_input_frame_is_not_mutated(data) -> None:
    # the default fit, correction tables included (300 rows keep some), on a copy of
    # part of the module's frame: the check is on this frame, not the shared one
    X, y = data[0].iloc[:300].copy(), data[1][:300]
    before = X.copy()
    ScorecardClassifier().fit(X, y).explain(X)
    pd.testing.assert_frame_equal(X, before)


@pytest.mark.parametrize(
    ("kwargs", "target", "message"),
    [
        ({}, "three", "Only binary classification is supported"),
        ({}, "one", "1 class"),
        ({"monotonic_trends": {"nope": "ascending"}}, None, "not in X"),
        ({"monotonic_trends": {"a": "upwards"}}, None, "expected one of"),
        ({"monotonic_trends": {"region": "ascending"}}, None, "is categorical"),
        ({"pdo": 0}, None, "pdo must be a positive number"),
        ({"base_odds": -1}, None, "base_odds must be a positive number"),
        ({"categorical_features": ["zzz"]}, None, "not in X"),
    ],
)
def test_fit_rejects_bad_input_with_a_clear_message(data, kwargs, target, message) -> None:
    X, y = data
    if target == "three":
        y = np.arange(len(y)) % 3
    elif target == "one":
        y = np.zeros(len(y), dtype=int)
    with pytest.raises(ValueError, match=message):
        ScorecardClassifier(**kwargs).fit(X, y)


def test_fit_rejects_empty_and_inconsistent_data(data) -> None:
    X, y = data
    with pytest.raises(ValueError, match="0 sample"):
        ScorecardClassifier().fit(X.iloc[:0], y[:0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ScorecardClassifier().fit(X, y[:-1])
    with pytest.raises(ValueError, match=r"infinity.*column 'b'"):
        ScorecardClassifier().fit(X.assign(b=np.inf), y)


def test_predict_rejects_a_text_value_in_a_numeric_column(fitted, data) -> None:
    X, _ = data
    bad = X.head(3).astype({"b": object})
    bad.loc[bad.index[1], "b"] = "n/a"
    with pytest.raises(ValueError, match=r"column 'b' was numeric at fit.*'n/a'"):
        fitted.predict_proba(bad)


# --- defaults -------------------------------------------------------------------------------


def _valley_data(n: int = 3000, seed: int = 2):
    """``age``: risk high at both ends and low in the middle (a valley of the event rate)."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 75, n)
    other = rng.normal(size=n)
    logit = -1.6 + 0.004 * (age - 45) ** 2 + 0.8 * other
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"age": age, "other": other}), y


def test_default_trend_keeps_the_shape_the_data_show() -> None:
    """Without a declared direction the bins follow the valley; forcing a monotone trend
    (the old default) flattens one side of it."""
    X, y = _valley_data()
    default = ScorecardClassifier().fit(X, y)
    assert default.get_params()["default_trend"] == "auto"
    points = _points_in_value_order(default, "age")
    middle = int(np.argmax(points))  # the safest bins earn the most points
    assert 0 < middle < len(points) - 1
    assert points[middle] - points[0] > 10 and points[middle] - points[-1] > 10
    forced = ScorecardClassifier(default_trend="auto_asc_desc").fit(X, y)
    forced_points = _points_in_value_order(forced, "age")
    assert np.all(np.diff(forced_points) >= 0) or np.all(np.diff(forced_points) <= 0)
    assert default.iv_["age"] > forced.iv_["age"]


def test_c_auto_is_chosen_by_seeded_cross_validation(data) -> None:
    X, y = data
    # C is chosen in the regression, before the correction tables, which cannot change it
    # (their own seeding: test_same_data_same_scorecard, test_corrections.py); without
    # them the five fits take 6 s instead of 150
    model = ScorecardClassifier(C="auto", random_state=3, corrections="off").fit(X, y)
    assert model.C_ in np.logspace(-3, 2, 11)
    again = ScorecardClassifier(C="auto", random_state=3, corrections="off").fit(X, y)
    assert again.C_ == model.C_
    np.testing.assert_array_equal(again.predict_score(X), model.predict_score(X))
    # without a seed the folds are taken in row order: still reproducible
    first, second = (ScorecardClassifier(C="auto", corrections="off").fit(X, y) for _ in range(2))
    assert first.C_ == second.C_
    assert ScorecardClassifier(C=0.5, corrections="off").fit(X, y).C_ == 0.5
    with pytest.raises(ValueError, match="C must be 'auto' or a positive number"):
        ScorecardClassifier(C="big").fit(X, y)


def test_explain_against_a_reference_is_points_minus_the_references(fitted, data) -> None:
    """Against a reference row: each feature's points minus the reference's own, base the
    reference's score (with correction tables: tests/models/test_corrections.py)."""
    assert_explained_against_a_reference(fitted, data[0])


def assert_explained_against_a_reference(est: ScorecardClassifier, X: pd.DataFrame) -> None:
    """``est.explain(rows, reference=…)``: each feature's points (with the two-feature
    shares taken against the reference) minus the reference's own, base the reference's
    score — the frame the column-by-column subtraction gave, value for value and dtype
    for dtype."""
    ref = X.iloc[[3]]
    cols, ref_cols = est._read(X), est._read(ref)
    expected = pd.DataFrame(est._points(cols, ref_cols), columns=list(cols.names))
    expected["base"] = np.int64(est.base_points_)
    at_ref = {name: int(v[0]) for name, v in est._points(ref_cols).items()}
    for name, v in at_ref.items():
        expected[name] -= v
    expected["base"] = np.int64(est.base_points_ + sum(at_ref.values()))
    expected.index = X.index
    for rows in (X, X.iloc[[0]], X.iloc[[5]]):
        pd.testing.assert_frame_equal(
            est.explain(rows, reference=ref), expected.loc[rows.index], check_exact=True
        )
