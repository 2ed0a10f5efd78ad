"""GbmClassifier: TreeSHAP sums, monotone constraints, categories, determinism."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.datasets import make_classification

from models.gbm import GbmClassifier

FAST = {"n_estimators": 60, "num_leaves": 7, "n_jobs": 1}


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
    return GbmClassifier(subsample=0.8, colsample_bytree=0.8, random_state=0, **FAST).fit(X, y)


def test_explain_sums_to_the_raw_log_odds(fitted, data) -> None:
    X, _ = data
    parts = fitted.explain(X)
    assert list(parts.columns) == [*X.columns, "base"]
    raw = fitted.decision_function(X)
    assert np.max(np.abs(parts.sum(axis=1).to_numpy() - raw)) < 1e-9
    assert parts["base"].nunique() == 1
    assert parts.index.equals(X.index)
    np.testing.assert_allclose(fitted.predict_proba(X)[:, 1], expit(raw))
    np.testing.assert_array_equal(fitted.predict(X), (raw > 0).astype(int))


@pytest.mark.filterwarnings("ignore:LightGBM binary classifier:UserWarning")  # STACK.md
def test_explain_matches_shap_tree_explainer(fitted, data) -> None:
    shap = pytest.importorskip("shap")
    X, _ = data
    matrix = fitted._read(X.head(50))[1]
    values = shap.TreeExplainer(fitted.booster_).shap_values(matrix)
    values = values[1] if isinstance(values, list) else values
    np.testing.assert_allclose(
        fitted.explain(X.head(50)).drop(columns="base").to_numpy(), values, atol=1e-9
    )


def _grid_predictions(model, X: pd.DataFrame, feature: str) -> np.ndarray:
    grid = np.linspace(-3, 3, 31)
    rows = []
    for i in range(15):
        rows.append(X.iloc[[i] * len(grid)].reset_index(drop=True).assign(**{feature: grid}))
    raw = model.decision_function(pd.concat(rows, ignore_index=True))
    return raw.reshape(15, len(grid))


def test_monotone_constraints_hold_even_against_the_data() -> None:
    rng = np.random.default_rng(2)
    n = 1500
    X = pd.DataFrame({"up": rng.normal(size=n), "down": rng.normal(size=n)})
    # In the data, "up" lowers risk and "down" raises it; the constraints say otherwise.
    logit = -1.0 - 1.0 * X["up"] + 1.0 * X["down"] + np.sin(3 * X["up"])
    y = (rng.random(n) < expit(logit)).astype(int)
    model = GbmClassifier(monotone_constraints={"up": 1, "down": -1}, **FAST).fit(X, y)
    assert np.all(np.diff(_grid_predictions(model, X, "up"), axis=1) >= -1e-12)
    assert np.all(np.diff(_grid_predictions(model, X, "down"), axis=1) <= 1e-12)
    free = GbmClassifier(**FAST).fit(X, y)
    assert np.any(np.diff(_grid_predictions(free, X, "up"), axis=1) < -1e-6)


def test_categories_are_fixed_at_fit_and_unseen_means_missing(fitted, data) -> None:
    X, _ = data
    assert fitted.categorical_features_ == ["region"]
    assert fitted.categories_ == {"region": ["east", "north", "south"]}
    rows = X.head(20)
    unseen = fitted.predict_proba(rows.assign(region="west"))
    missing = fitted.predict_proba(rows.assign(region=None))
    np.testing.assert_array_equal(unseen, missing)
    as_category = X.assign(region=X["region"].astype("category"))
    np.testing.assert_array_equal(fitted.predict_proba(as_category), fitted.predict_proba(X))
    # A category dtype whose categories are listed in another order changes nothing either.
    reordered = X.assign(
        region=pd.Categorical(X["region"], categories=["south", "north", "east", "west"])
    )
    np.testing.assert_array_equal(fitted.predict_proba(reordered), fitted.predict_proba(X))


def test_same_random_state_same_model(data) -> None:
    X, y = data
    params = {"subsample": 0.7, "colsample_bytree": 0.6, **FAST}
    first = GbmClassifier(random_state=11, **params).fit(X, y).decision_function(X)
    second = GbmClassifier(random_state=11, **params).fit(X, y).decision_function(X)
    other = GbmClassifier(random_state=12, **params).fit(X, y).decision_function(X)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_early_stopping_keeps_the_best_round(data) -> None:
    X, y = data
    params = {**FAST, "n_estimators": 400, "learning_rate": 0.3}
    model = GbmClassifier(early_stopping_rounds=10, random_state=0, **params).fit(X, y)
    assert model.best_iteration_ is not None and model.n_iter_ == model.best_iteration_
    assert model.n_iter_ < 400
    again = GbmClassifier(early_stopping_rounds=10, random_state=0, **params).fit(X, y)
    assert again.n_iter_ == model.n_iter_
    explained = model.explain(X.head(30)).sum(axis=1).to_numpy()
    assert np.max(np.abs(explained - model.decision_function(X.head(30)))) < 1e-9
    one_default = np.zeros(40, dtype=int)
    one_default[0] = 1
    with pytest.raises(ValueError, match=r"early stopping.*2 rows of each class"):
        GbmClassifier(n_estimators=50, early_stopping_rounds=5).fit(X.head(40), one_default)


def test_pickle_round_trip(fitted, data) -> None:
    X, _ = data
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.predict_proba(X), fitted.predict_proba(X))
    pd.testing.assert_frame_equal(clone.explain(X.head()), fitted.explain(X.head()))


def test_numpy_input_and_feature_names(data) -> None:
    X, y = data
    model = GbmClassifier(**FAST).fit(X[["a", "b"]].to_numpy(), y)
    assert list(model.get_feature_names_out()) == ["x0", "x1"]
    assert list(model.explain(X[["a", "b"]].to_numpy()).columns) == ["x0", "x1", "base"]
    model = GbmClassifier(monotone_constraints={"x1": 1}, **FAST).fit(X[["a", "b"]].to_numpy(), y)
    assert model.n_features_in_ == 2
    # Mixed object arrays: text columns become categories.
    mixed = np.column_stack([X["b"].to_numpy(dtype=object), X["region"].to_numpy(dtype=object)])
    model = GbmClassifier(**FAST).fit(mixed, y)
    assert model.categorical_features_ == ["x1"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"monotone_constraints": {"region": 1}}, "is categorical"),
        ({"monotone_constraints": {"a": 2}}, "expected -1, 0 or \\+1"),
        ({"monotone_constraints": {"zz": 1}}, "not in X"),
        ({"n_estimators": 0}, "n_estimators must be .auto. or an int >= 1"),
        ({"n_estimators": "many"}, "n_estimators must be .auto. or an int >= 1"),
        ({"max_n_estimators": 0}, "max_n_estimators must be an int >= 1"),
        ({"subsample": 0.0}, "subsample must be in"),
        ({"learning_rate": -1}, "learning_rate must be > 0"),
    ],
)
def test_fit_rejects_bad_parameters(data, kwargs, message) -> None:
    X, y = data
    with pytest.raises(ValueError, match=message):
        GbmClassifier(**kwargs).fit(X, y)


def test_fit_rejects_bad_targets(data) -> None:
    X, y = data
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        GbmClassifier(**FAST).fit(X, np.arange(len(y)) % 3)
    with pytest.raises(ValueError, match="1 class"):
        GbmClassifier(**FAST).fit(X, np.ones(len(y)))
    with pytest.raises(ValueError, match="NaN"):
        GbmClassifier(**FAST).fit(X, np.where(np.arange(len(y)) == 3, np.nan, y))
    with pytest.raises(ValueError, match="0 sample"):
        GbmClassifier(**FAST).fit(X.iloc[:0], y[:0])


def test_predict_checks_the_columns(fitted, data) -> None:
    X, _ = data
    with pytest.raises(ValueError, match="feature names"):
        fitted.predict_proba(X.rename(columns={"a": "z"}))
    with pytest.raises(ValueError, match="missing:\n- e"):
        fitted.predict_proba(X.drop(columns="e"))
    with (
        pytest.warns(UserWarning, match="does not have valid feature names"),
        pytest.raises(ValueError, match="expecting 6 features"),
    ):
        fitted.predict_proba(X.to_numpy()[:, :5])


# --- defaults: rounds chosen by seeded cross-validation, then refit on all rows -------------


def test_default_rounds_are_measured_by_seeded_cv_and_refit_on_every_row(data) -> None:
    X, y = data
    model = GbmClassifier(random_state=5, n_jobs=1).fit(X, y)
    assert model.get_params()["n_estimators"] == "auto"
    # the search stopped well before its cap, and the final booster has exactly those rounds
    assert 1 <= model.n_iter_ < model.max_n_estimators
    assert model.best_iteration_ == model.n_iter_ == model.booster_.current_iteration()
    again = GbmClassifier(random_state=5, n_jobs=1).fit(X, y)
    assert again.n_iter_ == model.n_iter_
    np.testing.assert_array_equal(again.decision_function(X), model.decision_function(X))
    # refit on every row: the same rounds fixed by hand on all rows give the same model
    fixed = GbmClassifier(n_estimators=model.n_iter_, random_state=5, n_jobs=1).fit(X, y)
    np.testing.assert_array_equal(fixed.decision_function(X), model.decision_function(X))
    explained = model.explain(X.head(20)).sum(axis=1).to_numpy()
    assert np.max(np.abs(explained - model.decision_function(X.head(20)))) < 1e-9


def test_default_rounds_follow_the_learning_rate_and_the_cap(data) -> None:
    """Measured, not fixed: bigger steps need fewer rounds; the cap bounds the search."""
    X, y = data
    slow = GbmClassifier(random_state=0, n_jobs=1).fit(X, y)
    fast = GbmClassifier(learning_rate=0.5, random_state=0, n_jobs=1).fit(X, y)
    assert fast.n_iter_ < slow.n_iter_
    capped = GbmClassifier(max_n_estimators=3, random_state=0, n_jobs=1).fit(X, y)
    assert capped.n_iter_ == 3


def test_default_rounds_on_too_few_rows_of_a_class_fall_back(data) -> None:
    X, _ = data
    one_default = np.zeros(40, dtype=int)
    one_default[0] = 1
    model = GbmClassifier(n_jobs=1).fit(X.head(40), one_default)
    assert model.n_iter_ <= 100


def _category_sets(tree: dict, feature: int) -> list[set[int]]:
    """The category codes sent left by every categorical split on ``feature``."""
    if "split_index" not in tree:
        return []
    found = []
    if tree["split_feature"] == feature and tree["decision_type"] == "==":
        found.append({int(c) for c in str(tree["threshold"]).split("||")})
    return (
        found
        + _category_sets(tree["left_child"], feature)
        + _category_sets(tree["right_child"], feature)
    )


def test_a_small_category_can_be_split_off_alone() -> None:
    # 400 applicants in 10 categories of 40; only "c9" is risky. A category group needs
    # as many rows as a leaf (min_child_samples=20), not LightGBM's 100, so the trees can
    # isolate "c9" — with LightGBM's categorical defaults it always shares its side of a
    # split with at least two other categories.
    rng = np.random.default_rng(0)
    region = np.repeat([f"c{i}" for i in range(10)], 40)
    y = (rng.random(400) < np.where(region == "c9", 0.8, 0.2)).astype(int)
    X = pd.DataFrame({"region": pd.Series(region, dtype="str"), "noise": rng.normal(size=400)})
    model = GbmClassifier(n_estimators=20, subsample=1.0, colsample_bytree=1.0, n_jobs=1)
    model.fit(X, y)
    code = model.categories_["region"].index("c9")
    trees = model.booster_.dump_model()["tree_info"]
    sets = [s for t in trees for s in _category_sets(t["tree_structure"], 0)]
    assert sets, "no split on the categorical column"
    assert {code} in sets or set(range(10)) - {code} in sets
