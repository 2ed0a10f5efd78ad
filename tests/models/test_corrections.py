"""Correction tables on top of the scorecard: exact tables, exact integer explanations,
kept only when cross-validation shows a gain, declared trends still honoured."""

from __future__ import annotations

import pickle

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from test_scorecard import assert_explained_against_a_reference

from models.corrections import evaluate, tables_from_boosters
from models.scorecard import ScorecardClassifier


def interacting(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Risk from two features acting together, a non-linear one and a category."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "usage": rng.normal(size=n),
            "status": rng.normal(size=n),
            "age": rng.uniform(20, 70, n),
            "sector": pd.Series(rng.choice(["farm", "shop", "trade", "build"], n), dtype="str"),
        }
    )
    X.loc[rng.random(n) < 0.1, "usage"] = np.nan
    X.loc[rng.random(n) < 0.05, "sector"] = None
    usage = X["usage"].fillna(0.0)
    log_odds = (
        -2.0
        + 0.6 * usage
        + 1.2 * usage * (X["status"] > 0.5)
        + 0.002 * (X["age"] - 45) ** 2
        + 0.5 * (X["sector"] == "build")
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(int)
    return X, y


@pytest.fixture(scope="module")
def data():
    return interacting(6000, 0)


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return ScorecardClassifier(random_state=0).fit(X, y)


def test_tables_reproduce_the_boosters_mean_on_new_rows_missing_and_unseen() -> None:
    rng = np.random.default_rng(1)
    n = 3000
    matrix = np.column_stack(
        [
            rng.normal(size=n),
            np.where(rng.random(n) < 0.3, 0.0, rng.normal(size=n)),  # splits at zero
            rng.integers(0, 4, n).astype(float),  # a category code
        ]
    )
    matrix[rng.random(n) < 0.1, 0] = np.nan
    matrix[rng.random(n) < 0.1, 2] = np.nan
    y = (rng.random(n) < 1 / (1 + np.exp(-(matrix[:, 1] * np.nan_to_num(matrix[:, 0]))))).astype(
        int
    )
    params = {"objective": "binary", "max_depth": 2, "num_leaves": 4, "verbosity": -1}
    boosters = [
        lgb.train({**params, "seed": seed, "bagging_fraction": 0.8, "bagging_freq": 1}, data, 60)
        for seed in (1, 2)
        for data in [lgb.Dataset(matrix, y, categorical_feature=[2], free_raw_data=False)]
    ]
    tables, constant = tables_from_boosters(boosters, 3, [0, 0, 4], num_iteration=50)
    assert any(len(t.features) == 2 for t in tables)
    new = np.column_stack([rng.normal(size=500), rng.normal(size=500), rng.integers(-1, 6, 500)])
    new[:50, 0] = np.nan
    new[50:100, 1] = 0.0
    new[new[:, 2] < 0, 2] = np.nan
    new[new[:, 2] > 3, 2] = np.nan  # an unseen category is missing to the tables
    for rows in (matrix, new):
        mean = np.mean([b.predict(rows, raw_score=True, num_iteration=50) for b in boosters], 0)
        assert evaluate(tables, rows) + constant == pytest.approx(mean, abs=1e-9)


def test_corrections_are_kept_where_features_act_together(fitted, data) -> None:
    X, y = data
    assert fitted.correction_summary_["rounds"] > 0
    assert fitted.correction_summary_["cv_log_loss_gain"] > 0
    pairs = {
        tuple(sorted(fitted.feature_names_in_[j] for j in t.features))
        for t in fitted.corrections_
        if len(t.features) == 2
    }
    assert ("status", "usage") in pairs
    X_new, y_new = interacting(6000, 1)
    off = ScorecardClassifier(random_state=0, corrections="off").fit(X, y)
    on_auc = roc_auc_score(y_new, fitted.predict_proba(X_new)[:, 1])
    off_auc = roc_auc_score(y_new, off.predict_proba(X_new)[:, 1])
    assert on_auc > off_auc + 0.01


def test_no_tables_where_the_scorecard_already_holds_the_risk() -> None:
    rng = np.random.default_rng(2)
    n = 4000
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = (
        rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 0.8 * (X["a"] > 0) - 0.5 * (X["b"] > 1))))
    ).astype(int)
    model = ScorecardClassifier(random_state=0).fit(X, y)
    off = ScorecardClassifier(random_state=0, corrections="off").fit(X, y)
    assert model.corrections_ == []
    assert model.correction_summary_["rounds"] == 0
    np.testing.assert_array_equal(model.predict_score(X), off.predict_score(X))
    assert model.correction_table().empty


def test_explain_adds_up_exactly_with_and_without_a_reference(fitted, data) -> None:
    X, _ = data
    rows = X.iloc[:300]
    score = fitted.predict_score(rows)
    parts = fitted.explain(rows)
    assert (parts.dtypes == np.int64).all()
    np.testing.assert_array_equal(parts.sum(axis=1).to_numpy(), score)
    reference = X.iloc[[7]]
    against = fitted.explain(rows, reference=reference)
    np.testing.assert_array_equal(against.sum(axis=1).to_numpy(), score)
    assert (against["base"] == fitted.predict_score(reference)[0]).all()
    # the reference row against itself: nothing to explain
    itself = fitted.explain(reference, reference=reference)
    assert (itself.drop(columns="base").to_numpy() == 0).all()


def test_a_pair_table_is_credited_by_shapley_values_against_the_reference(fitted, data) -> None:
    X, _ = data
    reference = X.iloc[[3]]
    # only usage differs from the reference: every point of difference is usage's
    row = reference.copy()
    row["usage"] = X["usage"].dropna().iloc[20]
    against = fitted.explain(row, reference=reference)
    difference = int(fitted.predict_score(row)[0] - fitted.predict_score(reference)[0])
    assert int(against["usage"].iloc[0]) == difference
    assert (against.drop(columns=["usage", "base"]).to_numpy() == 0).all()


def test_the_correction_table_is_tidy(fitted) -> None:
    table = fitted.correction_table()
    assert list(table.columns) == ["table", "feature", "bin", "feature_2", "bin_2", "points"]
    assert table["points"].dtype == np.int64
    pairs = table[table["feature_2"] != ""]
    assert not pairs.empty and pairs["table"].nunique() <= fitted.n_features_in_
    assert table["bin"].str.contains("Missing").any()


def test_declared_trends_hold_with_the_corrections(data) -> None:
    X, y = data
    model = ScorecardClassifier(monotonic_trends={"status": "ascending"}, random_state=0).fit(X, y)
    assert model.corrections_
    grid = np.linspace(-3, 3, 61)
    for i in range(20):
        rows = X.iloc[[i] * len(grid)].reset_index(drop=True).assign(status=grid)
        assert np.all(np.diff(model.predict_score(rows)) <= 0)


def test_same_seed_same_tables_and_pickle(fitted, data) -> None:
    X, y = data
    again = ScorecardClassifier(random_state=0).fit(X, y)
    pd.testing.assert_frame_equal(again.correction_table(), fitted.correction_table())
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_score(X), fitted.predict_score(X))


def test_corrections_must_be_auto_or_off(data) -> None:
    X, y = data
    with pytest.raises(ValueError, match="corrections must be 'auto' or 'off'"):
        ScorecardClassifier(corrections="on").fit(X, y)


def test_explain_against_a_reference_takes_the_tables_shares_against_it(fitted, data) -> None:
    assert any(len(t.features) == 2 for t in fitted.corrections_)  # two-feature shares
    assert_explained_against_a_reference(fitted, data[0])
