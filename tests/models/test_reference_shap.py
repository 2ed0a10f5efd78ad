"""Baseline Shapley values of LightGBM models (models/reference_shap.py).

Checked against the definition itself (every coalition of a few features, each
hybrid row predicted by LightGBM), against ``shap``'s interventional TreeExplainer
with one background row where shap can run (no categorical splits), and for the
properties the reasons rely on: exact sums, 0 for a value equal to the
reference's, and the sign of a monotone feature's share.
"""

from __future__ import annotations

import itertools
import math

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from models import reference_shap as reference_shap_module
from models.gbm import GbmClassifier
from models.reference_shap import TreePaths, reference_shap

N_FEATURES = 5


def _data(seed: int = 0, n: int = 2500) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, N_FEATURES))
    x[:, 3] = rng.integers(0, 6, n)  # category codes
    x[rng.random(n) < 0.1, 0] = np.nan
    x[rng.random(n) < 0.1, 3] = np.nan
    x[rng.random(n) < 0.2, 1] = 0.0
    y = (
        x[:, 1] + (x[:, 3] % 2) + np.nan_to_num(x[:, 0]) - 0.5 * x[:, 4] + rng.normal(size=n) > 0.5
    ).astype(int)
    return x, y


def _booster(missing: str, categorical: bool = True, seed: int = 0) -> lgb.Booster:
    x, y = _data(seed)
    params = {
        "objective": "binary",
        "num_leaves": 15,
        "verbosity": -1,
        "min_data_in_leaf": 5,
        "min_data_per_group": 5,
        "cat_smooth": 1.0,
        "seed": seed,
        "zero_as_missing": missing == "Zero",
        "use_missing": missing != "None",
        "monotone_constraints": [1, 0, 0, 0, -1],
    }
    data = lgb.Dataset(x, y, categorical_feature=[3] if categorical else "auto")
    return lgb.train(params, data, 40)


def _brute_force(booster: lgb.Booster, x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Shapley values by their definition: every coalition of the features."""
    m = len(x)
    subsets = list(itertools.product((0, 1), repeat=m))
    hybrid = np.array([np.where(np.array(s, bool), x, ref) for s in subsets])
    v = dict(zip(subsets, booster.predict(hybrid, raw_score=True), strict=True))
    phi = np.zeros(m)
    for j in range(m):
        for s in subsets:
            if s[j]:
                continue
            k = sum(s)
            with_j = tuple(1 if i == j else s[i] for i in range(m))
            weight = math.factorial(k) * math.factorial(m - k - 1) / math.factorial(m)
            phi[j] += weight * (v[with_j] - v[s])
    return phi


@pytest.mark.parametrize("missing", ["NaN", "Zero", "None"])
def test_trees_are_routed_as_lightgbm_routes_them(missing: str) -> None:
    booster = _booster(missing)
    x, _ = _data(seed=1)
    paths = TreePaths.from_dump(booster.dump_model())
    # the same leaves, added in the same order: LightGBM's output bit for bit
    np.testing.assert_array_equal(paths.predict(x), booster.predict(x, raw_score=True))


@pytest.mark.parametrize("missing", ["NaN", "Zero", "None"])
def test_the_explanation_gives_lightgbm_s_output_bit_for_bit(missing: str) -> None:
    """The leaves each row reaches are known from the explanation: the log-odds it adds
    up are LightGBM's own, for many rows and a few, and the contributions are unchanged."""
    booster = _booster(missing)
    explainer = reference_shap_module.ReferenceExplainer(
        TreePaths.from_dump(booster.dump_model()), np.array([0.3, 0.0, -1.0, 2.0, np.nan])
    )
    x, _ = _data(seed=7, n=700)
    x[:3, 3] = [-1.0, 9.0, np.nan]
    x[3:5, 1] = [0.0, 1e-36]
    for rows in (x, x[:3], x[5:6]):
        phi, base, raw = explainer.with_output(rows, n_jobs=2)
        np.testing.assert_array_equal(raw, booster.predict(rows, raw_score=True))
        alone, alone_base = explainer(rows, n_jobs=2)
        np.testing.assert_array_equal(phi, alone)
        assert base == alone_base


def test_single_leaf_trees_are_added_in_their_place() -> None:
    """A tree without a split adds its one value where it stands among the trees, as
    LightGBM's running sum does (not all such values first): checked against adding the
    trees one by one."""
    booster = _booster("NaN")
    dump = booster.dump_model()
    trees = dump["tree_info"][:12]
    single = [{"tree_structure": {"leaf_value": v}} for v in (0.1234567, -1e-9, 3.3)]
    dump = {**dump, "tree_info": [single[0], *trees[:5], single[1], *trees[5:], single[2]]}
    x, _ = _data(seed=8, n=300)
    expected = np.zeros(len(x))
    for tree in dump["tree_info"]:
        expected = expected + TreePaths.from_dump({**dump, "tree_info": [tree]}).predict(x)
    paths = TreePaths.from_dump(dump)
    np.testing.assert_array_equal(paths.predict(x), expected)
    _, _, raw = reference_shap_module.ReferenceExplainer(paths, x[0]).with_output(x)
    np.testing.assert_array_equal(raw, expected)


def test_a_model_of_one_leaf_gives_its_value() -> None:
    """No split at all (too few rows for a leaf): every row's output is the one value."""
    x, y = _data(seed=9, n=60)
    params = {"objective": "binary", "verbosity": -1, "min_data_in_leaf": 50}
    booster = lgb.train(params, lgb.Dataset(x, y), 5)
    paths = TreePaths.from_dump(booster.dump_model())
    assert len(paths.feature) == 0
    phi, _, raw = reference_shap_module.ReferenceExplainer(paths, x[0]).with_output(x)
    np.testing.assert_array_equal(raw, booster.predict(x, raw_score=True))
    assert not phi.any()


@pytest.mark.parametrize("missing", ["NaN", "Zero", "None"])
def test_a_few_rows_are_routed_as_many_rows_are(missing: str) -> None:
    """A few rows (one subject's look-up) are compared with every box at once; many, one
    feature at a time: the same booleans, for NaN, zero, negative and unseen codes."""
    booster = _booster(missing)
    paths = TreePaths.from_dump(booster.dump_model())
    x, _ = _data(seed=4, n=200)
    x[:7, 3] = [-1.0, 0.0, 5.0, 6.0, 99.0, np.nan, 2.0]  # negative, seen, unseen codes
    x[7:10, 1] = [0.0, -0.0, 1e-36]  # zeros as LightGBM reads them
    x[10, :] = np.nan
    picked = np.flatnonzero(paths.feature != 2)[::3]  # a subset of pairs, as the explainer plans
    for plan in (paths.plan(), paths.plan(picked)):
        many = paths.follows(x, plan=plan)  # more rows than _FEW_ROWS: per feature
        assert x.shape[0] > reference_shap_module._FEW_ROWS
        few = np.concatenate([paths.follows(x[i : i + 3], plan=plan) for i in range(0, 200, 3)], 1)
        assert plan.size == many.shape[0]
        np.testing.assert_array_equal(few, many)
        assert plan.cat_at.size  # the categorical feature is among the pairs compared


@pytest.mark.parametrize("missing", ["NaN", "Zero", "None"])
def test_values_are_the_shapley_values_of_the_reference_game(missing: str) -> None:
    booster = _booster(missing)
    x, _ = _data(seed=2, n=40)
    ref = np.array([0.3, 0.0, -1.0, 2.0, np.nan])
    phi, base = reference_shap(TreePaths.from_dump(booster.dump_model()), x, ref)
    assert base == pytest.approx(booster.predict(ref[None], raw_score=True)[0], abs=1e-12)
    for i in range(len(x)):
        np.testing.assert_allclose(phi[i], _brute_force(booster, x[i], ref), rtol=0, atol=1e-10)


def test_contributions_add_up_and_a_value_equal_to_the_reference_gets_nothing() -> None:
    booster = _booster("NaN")
    x, _ = _data(seed=3)
    ref = x[11].copy()
    phi, base = reference_shap(TreePaths.from_dump(booster.dump_model()), x, ref)
    np.testing.assert_allclose(
        base + phi.sum(axis=1), booster.predict(x, raw_score=True), rtol=0, atol=1e-10
    )
    same = (x == ref) | (np.isnan(x) & np.isnan(ref))
    assert same.any()
    assert np.all(phi[same] == 0.0)


def test_monotone_features_take_the_sign_of_their_difference_from_the_reference() -> None:
    booster = _booster("NaN")
    x, _ = _data(seed=4)
    ref = np.array([0.2, 0.1, 0.0, 1.0, -0.3])
    phi, _ = reference_shap(TreePaths.from_dump(booster.dump_model()), x, ref)
    up = ~np.isnan(x[:, 0])  # +1 constraint on feature 0
    assert np.all(phi[up, 0] * np.sign(x[up, 0] - ref[0]) >= 0)
    assert np.all(phi[:, 4] * np.sign(x[:, 4] - ref[4]) <= 0)  # -1 constraint on feature 4
    assert (phi[up, 0] != 0).any() and (phi[:, 4] != 0).any()


def test_same_as_shap_interventional_with_one_background_row() -> None:
    """The peer: shap computes the same thing where it can (no categorical splits)."""
    shap = pytest.importorskip("shap")
    booster = _booster("NaN", categorical=False)
    x, _ = _data(seed=5, n=300)
    ref = np.array([0.1, 0.0, 0.5, 2.0, -0.2])
    phi, base = reference_shap(TreePaths.from_dump(booster.dump_model()), x, ref)
    explainer = shap.TreeExplainer(
        booster, data=ref[None], feature_perturbation="interventional", model_output="raw"
    )
    # shap keeps the trees in single precision: it agrees to its float32 rounding (the
    # brute-force test above holds ours to LightGBM's own predictions to 1e-10)
    np.testing.assert_allclose(phi, explainer.shap_values(x), rtol=0, atol=1e-6)
    assert base == pytest.approx(float(np.ravel(explainer.expected_value)[0]), abs=1e-6)


def test_gbm_classifier_explains_against_a_reference_frame() -> None:
    x, y = _data(seed=6, n=1500)
    frame = pd.DataFrame(x[:, [0, 1, 2, 4]], columns=["a", "b", "c", "e"])
    frame["sector"] = np.where(
        np.isnan(x[:, 3]), None, np.array(list("PQRSTU"))[np.nan_to_num(x[:, 3]).astype(int)]
    )
    est = GbmClassifier(
        n_estimators=30, monotone_constraints={"a": 1, "e": -1}, random_state=0
    ).fit(frame, y)
    ref = frame.iloc[[7]].copy()
    out = est.explain(frame, reference=ref)
    np.testing.assert_allclose(out.sum(axis=1), est.decision_function(frame), rtol=0, atol=1e-10)
    assert out["base"].nunique() == 1
    assert out["base"].iloc[0] == pytest.approx(est.decision_function(ref)[0], abs=1e-12)
    same_sector = (frame["sector"] == ref["sector"].iloc[0]).to_numpy()
    assert (out.loc[same_sector, "sector"] == 0).all()
    with pytest.raises(ValueError, match="one row"):
        est.explain(frame, reference=frame.iloc[:2])
    # the log-odds with the explanation: decision_function's, bit for bit, with or
    # without a reference
    for reference in (ref, None):
        raw, both = est.decision_and_explain(frame, reference=reference)
        np.testing.assert_array_equal(raw, est.decision_function(frame))
        pd.testing.assert_frame_equal(both, est.explain(frame, reference=reference))
