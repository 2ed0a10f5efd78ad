"""Correction tables: boosted single-feature and pairwise points on top of a scorecard (pure).

A scorecard gives each feature one coefficient on its WOE, so it cannot hold a finer
shape inside a feature or two features acting together (a repayment status that means
more when the bill is high). This module measures that structure on the data and hands
it back as *tables of log-odds*: one table per feature (its finer bins) and one per pair
of features (a grid of both features' bins), so the model stays a points table that a
person can read and re-add by hand.

How: gradient boosting (LightGBM) of trees of depth two, started from the scorecard's
own log-odds (``init_score``). Every leaf of a depth-two tree is reached through at most
two features, so the boosted sum is exactly a sum of one- and two-feature functions; the
leaves are grouped by the features on their path and each group is evaluated on the grid
of its features' split thresholds with LightGBM's own leaf assignment (``pred_leaf``),
so the tables reproduce the booster to rounding error (checked at fit). The number of
rounds is chosen by seeded stratified cross-validation with early stopping, and the
tables hold the mean of the folds' boosters (bagging, like EBM's outer bags). When more
pairs of features appear than there are features, as many pairs as features are kept —
those whose tables spread the scores most — and the trees are refitted with only those
pairs allowed (LightGBM's ``interaction_constraints``). The tables are kept only when
they lower the cross-validated log-loss of the scorecard by more than one standard error
of that gain over the folds (Breiman's one-standard-error rule): on data where the
scorecard already holds the structure, no table is added.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
from scipy.special import expit
from sklearn.model_selection import StratifiedKFold

_FOLDS = 5  # stratified folds that choose the number of rounds
_PATIENCE = 50  # rounds without a better cross-validated log-loss before stopping
_MAX_ROUNDS = 5000
_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 4,
    "max_depth": 2,  # every leaf path has at most two features: one- and two-way tables
    "min_data_in_leaf": 20,
    "min_sum_hessian_in_leaf": 1e-3,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "feature_fraction": 1.0,
    "lambda_l2": 5.0,
    "min_data_per_group": 20,
    "cat_smooth": 0.0,
    "cat_l2": 0.0,
    "monotone_constraints_method": "advanced",
    "deterministic": True,
    "force_row_wise": True,
    "verbosity": -1,
    "feature_pre_filter": False,
}


@dataclass(frozen=True)
class CorrectionTable:
    """Log-odds added for one feature's finer bins, or for a grid of two features' bins.

    Attributes
    ----------
    features : tuple of int
        Column positions (one or two).
    thresholds : tuple of ndarray
        Per feature: ascending split thresholds of a numeric feature (bin ``i`` holds
        values in ``(t[i-1], t[i]]``, the last regular bin values above ``t[-1]``), or
        for a categorical feature an empty array (one bin per category code).
    n_categories : tuple of int
        Per feature: number of category codes (0 for numeric).
    log_odds : ndarray
        One axis per feature; the last position of each axis is missing (or unseen).
    """

    features: tuple[int, ...]
    thresholds: tuple[np.ndarray, ...]
    n_categories: tuple[int, ...]
    log_odds: np.ndarray

    def positions(self, matrix: np.ndarray) -> tuple[np.ndarray, ...]:
        """Bin position along each axis for the rows of ``matrix``."""
        out = []
        for j, t, m in zip(self.features, self.thresholds, self.n_categories, strict=True):
            x = matrix[:, j]
            missing = np.isnan(x)
            if m:
                pos = np.where(missing, m, np.nan_to_num(x, nan=m)).astype(np.int64)
            else:
                pos = np.searchsorted(t, x, side="left")  # x <= t[i] falls in bin i
                pos = np.where(missing, len(t) + 1, pos)
            out.append(pos)
        return tuple(out)

    def labels(self, names: list[str], categories: dict[str, list]) -> list[list[str]]:
        """Readable bin labels along each axis (``Missing`` last)."""
        out = []
        for j, t, m in zip(self.features, self.thresholds, self.n_categories, strict=True):
            if m:
                out.append([*(str(c) for c in categories[names[j]]), "Missing"])
            else:
                edges = np.concatenate([[-np.inf], t, [np.inf]])
                regular = [f"({lo:.6g}, {hi:.6g}]" for lo, hi in itertools.pairwise(edges)]
                regular[-1] = regular[-1].replace("inf]", "inf)")
                out.append([*regular, "Missing"])
        return out


def _leaves(node: dict, path: tuple[int, ...], out: list) -> None:
    if "leaf_index" in node:
        out.append((node["leaf_index"], float(node["leaf_value"]), path))
        return
    feature = int(node["split_feature"])
    step = path if feature in path else (*path, feature)
    _leaves(node["left_child"], step, out)
    _leaves(node["right_child"], step, out)


def _thresholds(node: dict, features: tuple[int, ...], out: dict) -> None:
    if "leaf_index" in node:
        return
    feature = int(node["split_feature"])
    if feature in features and node["decision_type"] == "<=":
        out[feature].add(float(node["threshold"]))
    _thresholds(node["left_child"], features, out)
    _thresholds(node["right_child"], features, out)


def _representatives(thresholds: np.ndarray, n_categories: int) -> np.ndarray:
    """One value strictly inside each bin (the regular bins, then missing).

    Not the threshold itself: LightGBM reads a value within 1e-35 of zero as zero, and
    splits at zero sit at -1e-35, so a threshold is not always inside its own bin."""
    if n_categories:
        return np.append(np.arange(n_categories, dtype=np.float64), np.nan)
    t = thresholds
    middle = (t[:-1] + t[1:]) / 2.0
    middle = np.where(middle > t[:-1], middle, np.nextafter(t[:-1], np.inf))
    below = t[0] - max(1.0, abs(t[0]))
    above = t[-1] + max(1.0, abs(t[-1]))
    return np.concatenate([[below], middle, [above, np.nan]])


def tables_from_boosters(
    boosters: list[lgb.Booster],
    n_features: int,
    n_categories: list[int],
    num_iteration: int | None = None,
) -> tuple[list[CorrectionTable], float]:
    """The mean of the boosters as one- and two-feature tables plus a constant (exact).

    Parameters
    ----------
    boosters : list of lightgbm.Booster
        Trees of depth at most two (raw log-odds, no ``init_score`` inside); the tables
        are the mean of their predictions.
    n_features : int
        Columns of the matrix the boosters were trained on.
    n_categories : list of int
        Per column: number of category codes, 0 for a numeric column.
    num_iteration : int, optional
        Use only each booster's first ``num_iteration`` trees.

    Returns
    -------
    tables : list of CorrectionTable
    constant : float
        Log-odds of the trees that never split.
    """
    weight = 1.0 / len(boosters)
    dumps = [b.dump_model(num_iteration=num_iteration)["tree_info"] for b in boosters]
    groups: dict[tuple[int, ...], list[tuple[int, int, int, float]]] = {}
    constant = 0.0
    for k, dump in enumerate(dumps):
        for tree in dump:
            found: list = []
            _leaves(tree["tree_structure"], (), found)
            for leaf, value, path in found:
                if not path:
                    constant += weight * value
                    continue
                if len(path) > 2:
                    raise ValueError("correction trees must have depth two at most")
                groups.setdefault(tuple(sorted(path)), []).append(
                    (k, tree["tree_index"], leaf, weight * value)
                )
    tables = []
    for features, leaves in sorted(groups.items()):
        cut: dict[int, set] = {j: set() for j in features}
        for k, t in sorted({(k, t) for k, t, _, _ in leaves}):
            _thresholds(dumps[k][t]["tree_structure"], features, cut)
        thresholds = tuple(np.array(sorted(cut[j]), dtype=np.float64) for j in features)
        cats = tuple(n_categories[j] for j in features)
        reps = [_representatives(t, m) for t, m in zip(thresholds, cats, strict=True)]
        grid = np.array(list(itertools.product(*reps)), dtype=np.float64)
        rows = np.full((len(grid), n_features), np.nan)
        for axis, j in enumerate(features):
            rows[:, j] = grid[:, axis]
        leaf_of = [
            b.predict(rows, pred_leaf=True, num_iteration=num_iteration).reshape(len(grid), -1)
            for b in boosters
        ]
        values = np.zeros(len(grid))
        for k, t, leaf, value in leaves:
            values += value * (leaf_of[k][:, t] == leaf)
        shape = tuple(len(r) for r in reps)
        tables.append(CorrectionTable(features, thresholds, cats, values.reshape(shape)))
    return tables, constant


def _log_loss(target: np.ndarray, log_odds: np.ndarray, weight: np.ndarray | None = None) -> float:
    p = np.clip(expit(log_odds), 1e-15, 1 - 1e-15)
    return float(-np.average(target * np.log(p) + (1 - target) * np.log(1 - p), weights=weight))


def evaluate(tables: list[CorrectionTable], matrix: np.ndarray) -> np.ndarray:
    """Sum of the tables' log-odds for each row of ``matrix``."""
    total = np.zeros(matrix.shape[0])
    for table in tables:
        total += table.log_odds[table.positions(matrix)]
    return total


def fit_corrections(
    matrix: np.ndarray,
    target: np.ndarray,
    init_log_odds: np.ndarray,
    categorical: list[int],
    n_categories: list[int],
    monotone: list[int],
    seed: int,
    sample_weight: np.ndarray | None = None,
) -> tuple[list[CorrectionTable], float, dict]:
    """Boost depth-two trees from ``init_log_odds``; keep them if cross-validation agrees.

    Parameters
    ----------
    matrix : ndarray of shape (n_samples, n_features)
        Numeric values; categorical columns as integer codes, missing as NaN.
    target : ndarray of 0/1
    init_log_odds : ndarray of shape (n_samples,)
        The scorecard's log-odds of the event; the trees correct them.
    categorical : list of int
        Positions of the categorical columns.
    n_categories : list of int
        Per column: number of category codes (0 for numeric).
    monotone : list of int
        Per column: +1 (log-odds may only rise with the value), -1, or 0.
    seed : int
        Seed of the folds and of the row sampling.
    sample_weight : ndarray of shape (n_samples,), optional
        Weight of each row in the boosting and in the folds' log-loss.

    Returns
    -------
    tables : list of CorrectionTable
        Empty unless the tables lower the cross-validated log-loss by more than one
        standard error of the gain over the folds.
    constant : float
        Log-odds to add to the intercept.
    summary : dict
        ``rounds`` kept (0: none); the mean and standard error over the folds of the
        log-loss gain of the tables over the scorecard (``cv_log_loss_gain``,
        ``cv_log_loss_gain_se``); ``pairs_seen`` and ``pairs_kept`` when tables are kept.
    """
    smallest = int(min(target.sum(), len(target) - target.sum()))
    summary = {"rounds": 0, "cv_log_loss_gain": None, "cv_log_loss_gain_se": None}
    if smallest < 2 or matrix.shape[1] == 0:
        return [], 0.0, summary
    params = {**_PARAMS, "monotone_constraints": monotone, "seed": int(seed), "num_threads": 0}
    folds = list(
        StratifiedKFold(n_splits=min(_FOLDS, smallest), shuffle=True, random_state=int(seed)).split(
            matrix, target
        )
    )
    fit = _Boosting(matrix, target, init_log_odds, categorical, folds, sample_weight)
    boosters, summary = fit(params)
    if boosters is None:
        return [], 0.0, summary
    tables, constant = _exact_tables(boosters, summary["rounds"], matrix, n_categories)
    pairs = [t for t in tables if len(t.features) == 2]
    summary["pairs_seen"] = len(pairs)
    # at most one two-feature table per feature (InterpretML counts its pairs in
    # multiples of the features too, ``interactions="1x"``): each table is read by a
    # validator and adds rounding to the integer points
    most = matrix.shape[1]
    if len(pairs) > most:
        # the pairs that move scores most, by the spread of their table over the rows
        spread = [np.var(t.log_odds[t.positions(matrix)]) for t in pairs]
        keep = [pairs[i].features for i in np.argsort(spread)[::-1][:most]]
        singles = [[j] for j in range(matrix.shape[1])]
        constrained = {**params, "interaction_constraints": [list(p) for p in keep] + singles}
        boosters, second = fit(constrained)
        summary.update(second, pairs_seen=len(pairs))
        if boosters is None:
            return [], 0.0, summary
        tables, constant = _exact_tables(boosters, summary["rounds"], matrix, n_categories)
    summary["pairs_kept"] = sum(len(t.features) == 2 for t in tables)
    return tables, constant, summary


class _Boosting:
    """Rounds by cross-validation and the one-standard-error check; the folds' boosters,
    whose mean the tables hold (bagging, as in EBM's outer bags: no refit on all rows)."""

    def __init__(self, matrix, target, init_log_odds, categorical, folds, weight=None) -> None:
        self.matrix, self.target, self.init = matrix, target, init_log_odds
        self.categorical, self.folds, self.weight = categorical, folds, weight

    def __call__(self, params: dict) -> tuple[list[lgb.Booster] | None, dict]:
        data = lgb.Dataset(
            self.matrix,
            label=self.target,
            weight=self.weight,
            init_score=self.init,
            categorical_feature=self.categorical,
            free_raw_data=False,
        )
        result = lgb.cv(
            {**params, "metric": "binary_logloss"},
            data,
            num_boost_round=_MAX_ROUNDS,
            folds=self.folds,
            callbacks=[lgb.early_stopping(_PATIENCE, verbose=False)],
            return_cvbooster=True,
        )
        rounds = len(result["valid binary_logloss-mean"])
        gains = []
        for booster, (_, valid) in zip(result["cvbooster"].boosters, self.folds, strict=True):
            raw = booster.predict(self.matrix[valid], raw_score=True, num_iteration=rounds)
            init, target = self.init[valid], self.target[valid]
            w = None if self.weight is None else self.weight[valid]
            gains.append(_log_loss(target, init, w) - _log_loss(target, init + raw, w))
        gain = float(np.mean(gains))
        spread = float(np.std(gains, ddof=1) / np.sqrt(len(gains)))
        summary = {"rounds": rounds, "cv_log_loss_gain": gain, "cv_log_loss_gain_se": spread}
        # one-standard-error rule: the best of many rounds looks better than it is, so
        # the tables must beat the scorecard by more than the folds disagree
        if not gain > spread:
            summary["rounds"] = 0
            return None, summary
        return result["cvbooster"].boosters, summary


def _exact_tables(boosters, rounds, matrix, n_categories) -> tuple[list[CorrectionTable], float]:
    tables, constant = tables_from_boosters(boosters, matrix.shape[1], n_categories, rounds)
    # the tables must reproduce the boosters: LightGBM's own leaf assignment built them
    direct = np.mean([b.predict(matrix, raw_score=True, num_iteration=rounds) for b in boosters], 0)
    if not np.allclose(evaluate(tables, matrix) + constant, direct, atol=1e-9):
        raise RuntimeError("correction tables do not reproduce the boosted trees")
    return tables, constant
