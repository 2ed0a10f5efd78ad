"""Points scorecard: WOE binning (optbinning) + logistic regression + PDO scaling,
with optional boosted correction tables (:mod:`models.corrections`).

The model is a classic credit scorecard. Each feature is cut into bins by optbinning's
optimal binning under a monotonic trend of the event rate; each bin gets a weight of
evidence (WOE), features whose information value (IV) is below ``min_iv`` are left out,
and a logistic regression on the WOE values gives one coefficient per feature. Points
follow the usual PDO scaling::

    factor = pdo / ln 2
    offset = base_score - factor * ln(base_odds)
    score  = offset + factor * ln(odds of the negative class)       (higher = lower risk)

so a bin's points are ``round(-factor * coef * woe)`` and the base points (the
intercept's share) are ``round(offset - factor * intercept)``. The total score is the
sum of integer points, and :meth:`ScorecardClassifier.predict_proba` is computed *from
that integer score* through the same scaling, so the points shown to a person explain
the probability exactly.

Conventions
-----------
* The positive class is ``classes_[1]`` (for a 0/1 target, 1 = default, the "event").
* WOE is optbinning's: ``ln(share of non-events / share of events)``; a high WOE is a
  low-risk bin and earns more points.
* ``monotonic_trends`` uses optbinning's meaning: the trend of the *event rate* as the
  feature's value grows. ``"ascending"`` (higher value = riskier) gives points that are
  non-increasing in the value; ``"descending"`` (higher value = safer) gives points that
  are non-decreasing. This matches LightGBM's ``monotone_constraints`` of ``+1`` and
  ``-1`` on the log-odds of default in :class:`models.gbm.GbmClassifier`.
* Missing values go to a ``Missing`` bin with their own empirical WOE. A missing bin
  never seen at fit, and any category never seen at fit (an ``Unseen`` bin), has
  WOE 0 — the odds of the whole training population — and therefore 0 points.
* A feature whose logistic-regression coefficient comes out with the wrong sign
  (riskier bins earning more points, which happens with correlated features) is dropped
  and the regression refitted, so points always follow the bins' risk order.

Defaults
--------
One principle, the same on any data set: *a shape or a strength the modeller did not
declare is measured on the data, not assumed*.

* ``default_trend="auto"``: a feature without a declared risk direction
  (``monotonic_trends``) gets the bin shape its event rates show — monotone, peak or
  valley — chosen by optbinning's own heuristic. Forcing every such feature to be
  monotone (``"auto_asc_desc"``) merges the bins of a U-shaped risk (age; a repayment
  status where "no use" and "paid in full" differ from "revolving") and loses what they
  say. Where the direction is known, declare it and the points follow it, as the rating
  schemes' training does.
* ``C=1.0``, ``min_iv=0.02``: the customary weak L2 penalty and IV floor. Measured on
  both benchmark data sets (``bench/RESULTS-peers.md``), a strength chosen by
  cross-validation (``C="auto"``) or a lower IV floor (0.005) changed the out-of-fold
  AUC by less than 0.002 either way, so the simpler, faster default stays.
  ``C="auto"`` is there for data where it matters: it picks the strength by stratified
  cross-validation of the log-loss, seeded by ``random_state``.
* ``corrections="auto"``: one coefficient per feature cannot hold a finer shape inside
  a feature or two features acting together (a repayment status that means more when
  the bill is high). Such structure is measured too: boosted correction tables — one
  per feature, and for pairs of features at most as many as there are features — are
  fitted from the scorecard's own log-odds and kept only when seeded cross-validation
  shows that they lower the log-loss by more than one standard error
  (:mod:`models.corrections`). Where the scorecard already holds the risk, nothing is
  added and the model is the classic scorecard (German credit: no table on any of 15
  folds); where it does not, the tables carry it (UCI credit card: +0.013 AUC).
  Declared trends bind the tables as well. The rating schemes' training turns them off
  (``"off"``): a published rating keeps one points table per indicator.
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import isotonic_regression
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_consistent_length,
    check_is_fitted,
)

from .corrections import fit_corrections
from .tabular import (
    Columns,
    ReadRows,
    category_codes,
    check_binary_target,
    check_sample_weight,
    code_matrix,
    feature_names,
    read_arrays,
    read_columns,
)

TRENDS = frozenset(
    {
        "auto",
        "auto_heuristic",
        "auto_asc_desc",
        "ascending",
        "descending",
        "convex",
        "concave",
        "peak",
        "valley",
        "peak_heuristic",
        "valley_heuristic",
    }
)
_C_GRID = np.logspace(-3, 2, 11)  # C="auto": candidate inverse L2 strengths
_CV_FOLDS = 5  # C="auto": stratified folds of the choice
_SMOOTHING = 0.5  # pseudo-count for the WOE of a bin with no events or no non-events


@dataclass(frozen=True)
class FeatureBins:
    """The fitted bins of one feature.

    ``splits`` holds the numeric cut points (bin ``i`` is ``[splits[i-1], splits[i])``);
    ``groups`` the categories of each bin of a categorical feature. ``woe`` and the
    counts cover the regular bins, then the missing bin.
    """

    name: str
    categorical: bool
    splits: np.ndarray
    groups: tuple[tuple[str, ...], ...]
    labels: tuple[str, ...]
    n_event: np.ndarray
    n_nonevent: np.ndarray
    woe: np.ndarray
    iv: float

    @property
    def n_bins(self) -> int:
        return len(self.labels)

    def positions(self, values: np.ndarray) -> np.ndarray:
        """Row of each value in the bin tables: a regular bin ``0…n_bins-1``, then
        ``n_bins`` for missing and ``n_bins + 1`` for a category unseen at fit."""
        return _positions(values, self.categorical, self.splits, self.groups)


def _positions(values: np.ndarray, categorical: bool, splits: np.ndarray, groups) -> np.ndarray:
    if categorical:
        missing, unseen = len(groups), len(groups) + 1
        categories = [c for group in groups for c in group]
        group_of = np.array([i for i, group in enumerate(groups) for _ in group], dtype=np.int64)
        codes = pd.Index(categories, dtype=object).get_indexer(values)
        out = np.full(len(values), unseen, dtype=np.int64)
        out[codes >= 0] = group_of[codes[codes >= 0]]
        out[pd.isna(values)] = missing
        return out
    out = np.digitize(values, splits, right=False).astype(np.int64)
    out[np.isnan(values)] = len(splits) + 1
    return out


def _woe(n_event: np.ndarray, n_nonevent: np.ndarray) -> np.ndarray:
    """optbinning's WOE ``ln(%non-event / %event)``; smoothed for pure bins, 0 for empty."""
    total_e, total_ne = n_event.sum(), n_nonevent.sum()
    woe = np.zeros(len(n_event))
    pure = (n_event == 0) | (n_nonevent == 0)
    filled = (n_event + n_nonevent) > 0
    exact = filled & ~pure
    woe[exact] = np.log((n_nonevent[exact] / total_ne) / (n_event[exact] / total_e))
    smooth = filled & pure
    woe[smooth] = np.log(
        ((n_nonevent[smooth] + _SMOOTHING) / (total_ne + _SMOOTHING))
        / ((n_event[smooth] + _SMOOTHING) / (total_e + _SMOOTHING))
    )
    return woe


def _monotone(woe: np.ndarray, weight: np.ndarray, trend: str) -> np.ndarray:
    """WOE of the regular bins made monotone (weighted pool-adjacent-violators).

    An event rate ascending in the value means a WOE descending in it. A no-op
    whenever optbinning's bins already follow the trend, which is the usual case.
    """
    if len(woe) < 2 or trend not in ("ascending", "descending", "auto_asc_desc"):
        return woe
    if trend == "auto_asc_desc":
        slope = np.polyfit(np.arange(len(woe)), woe, 1, w=np.sqrt(weight + 1e-12))[0]
        increasing = slope >= 0
    else:
        increasing = trend == "descending"
    return isotonic_regression(woe, sample_weight=weight + 1e-12, increasing=increasing)


def _interval(lo: float, hi: float) -> str:
    return f"[{lo:.6g}, {hi:.6g})"


class ScorecardClassifier(ClassifierMixin, BaseEstimator):
    """Credit scorecard: optimal WOE binning, logistic regression, integer PDO points.

    Parameters
    ----------
    monotonic_trends : dict of str to str, optional
        Event-rate trend per feature, passed to optbinning: ``"ascending"`` (risk rises
        with the value), ``"descending"`` (risk falls with the value), or any other
        optbinning trend (``"auto"``, ``"peak"``, ``"valley"``, ``"convex"``, …). Keys
        are column names (``x0``, ``x1``, … for arrays). Numeric features only.
    default_trend : str, default="auto"
        Trend for the features not in ``monotonic_trends``: optbinning's ``"auto"``
        picks the shape the data show (see *Defaults* above); ``"auto_asc_desc"``
        forces a monotone one.
    categorical_features : list of str, optional
        Columns to bin as categories whatever their dtype; others are categorical when
        their dtype is ``object``, ``str`` or ``category`` with non-numeric values.
    min_iv : float, default=0.02
        Features with a smaller information value are left out of the model.
    max_n_prebins : int, default=20
        Pre-bins before optimisation (optbinning).
    min_prebin_size : float, default=0.05
        Smallest pre-bin as a share of the rows (optbinning).
    max_n_bins : int, optional
        Most bins per feature (optbinning).
    min_bin_size : float, optional
        Smallest bin as a share of the rows (optbinning).
    C : float or "auto", default=1.0
        Inverse L2 regularisation strength of the logistic regression. ``"auto"``: chosen
        from ``np.logspace(-3, 2, 11)`` by stratified 5-fold cross-validation of the
        log-loss (fewer folds when a class has fewer than 5 rows; ``C=1`` when it has
        fewer than 2). The chosen value is in ``C_``.
    pdo : float, default=20
        Points that double the odds.
    base_score : float, default=600
        Score at ``base_odds``.
    base_odds : float, default=50
        Odds of the negative class (non-default : default) that score ``base_score``.
    solver : {"cp", "mip"}, default="cp"
        optbinning's optimisation solver.
    time_limit : float, default=100
        Seconds allowed to the solver per feature.
    corrections : {"auto", "off"}, default="auto"
        ``"auto"``: after the scorecard, boost one-feature and two-feature correction
        tables from its log-odds (:mod:`models.corrections`) and keep them only when
        seeded cross-validation shows a lower log-loss than the scorecard's alone (see
        *Defaults* above). ``"off"``: the classic scorecard only.
    random_state : int, RandomState instance or None, default=None
        Seed of the folds that choose ``C="auto"`` (None: unshuffled stratified folds)
        and of the folds and row sampling of the corrections (None: seed 0). Binning and
        the lbfgs regression are deterministic.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        Class labels; ``classes_[1]`` is the positive (default) class.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.
    categorical_features_ : list of str
        Columns treated as categorical.
    bins_ : dict of str to FeatureBins
        Fitted bins of every feature that could be binned.
    iv_ : pandas.Series
        Information value of each binned feature.
    selected_features_ : list of str
        Features in the model (points not all zero).
    dropped_features_ : dict of str to str
        Features left out and why.
    coef_ : ndarray of shape (1, n_features_in_)
        Logistic-regression coefficient on each feature's WOE (0 when left out).
    intercept_ : ndarray of shape (1,)
        Logistic-regression intercept.
    C_ : float
        The L2 strength used (``C``, or the cross-validated choice when ``"auto"``).
    factor_, offset_ : float
        PDO scaling: ``score = offset_ + factor_ * ln(odds of the negative class)``.
    base_points_ : int
        Points every subject starts from.
    points_ : dict of str to ndarray of int
        Points of each selected feature's bins: regular bins, then missing, then unseen.
    corrections_ : list of CorrectionTable
        The correction tables kept (empty with ``corrections="off"`` or when
        cross-validation found no gain); they may use features the scorecard left out.
    correction_points_ : list of ndarray of int
        Points of each correction table's cells. :meth:`explain` credits each feature of
        a two-feature table half its points (the Shapley value against a reference row),
        an odd point to the first feature.
    correction_summary_ : dict
        ``rounds`` of boosting kept (0: none), and the mean and standard error over the
        folds of the cross-validated log-loss gain of the tables over the scorecard
        (``cv_log_loss_gain``, ``cv_log_loss_gain_se``).
    categories_ : dict of str to list
        Categories of each categorical feature, in the code order the tables use.
    """

    def __init__(
        self,
        *,
        monotonic_trends: Mapping[str, str] | None = None,
        default_trend: str = "auto",
        categorical_features: Sequence[str] | None = None,
        min_iv: float = 0.02,
        max_n_prebins: int = 20,
        min_prebin_size: float = 0.05,
        max_n_bins: int | None = None,
        min_bin_size: float | None = None,
        C: float | str = 1.0,
        pdo: float = 20.0,
        base_score: float = 600.0,
        base_odds: float = 50.0,
        solver: str = "cp",
        time_limit: float = 100,
        corrections: str = "auto",
        random_state=None,
    ) -> None:
        self.monotonic_trends = monotonic_trends
        self.default_trend = default_trend
        self.categorical_features = categorical_features
        self.min_iv = min_iv
        self.max_n_prebins = max_n_prebins
        self.min_prebin_size = min_prebin_size
        self.max_n_bins = max_n_bins
        self.min_bin_size = min_bin_size
        self.C = C
        self.pdo = pdo
        self.base_score = base_score
        self.base_odds = base_odds
        self.solver = solver
        self.time_limit = time_limit
        self.corrections = corrections
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    # --- fit -------------------------------------------------------------------

    def _check_params(self, names: list[str]) -> dict[str, str]:
        if not (self.C == "auto" or (isinstance(self.C, numbers.Real) and self.C > 0)):
            raise ValueError(f"C must be 'auto' or a positive number; got {self.C!r}.")
        for param in ("pdo", "base_odds"):
            value = getattr(self, param)
            if not isinstance(value, numbers.Real) or not value > 0:
                raise ValueError(f"{param} must be a positive number; got {value!r}.")
        if not isinstance(self.base_score, numbers.Real) or not math.isfinite(self.base_score):
            raise ValueError(f"base_score must be a finite number; got {self.base_score!r}.")
        if self.corrections not in ("auto", "off"):
            raise ValueError(f"corrections must be 'auto' or 'off'; got {self.corrections!r}.")
        if not isinstance(self.min_iv, numbers.Real) or self.min_iv < 0:
            raise ValueError(f"min_iv must be a number >= 0; got {self.min_iv!r}.")
        if self.default_trend not in TRENDS:
            raise ValueError(
                f"default_trend must be one of {sorted(TRENDS)}; got {self.default_trend!r}."
            )
        trends = dict(self.monotonic_trends or {})
        unknown = sorted(set(trends) - set(names))
        if unknown:
            raise ValueError(
                f"monotonic_trends names columns not in X: {unknown}; X has "
                f"{names[:10]}{'…' if len(names) > 10 else ''}."
            )
        for name, trend in trends.items():
            if trend not in TRENDS:
                raise ValueError(
                    f"monotonic_trends[{name!r}] = {trend!r}: expected one of {sorted(TRENDS)}."
                )
            if trend in ("ascending", "descending") and name in self.categorical_features_:
                raise ValueError(
                    f"monotonic_trends[{name!r}] = {trend!r}, but {name!r} is categorical: "
                    "categories have no order, so only 'auto' trends apply."
                )
        return {name: trends.get(name, self.default_trend) for name in names}

    def _bin_feature(
        self, name: str, values: np.ndarray, categorical: bool, y, trend: str, weight=None
    ):
        from optbinning import OptimalBinning  # importing optbinning takes seconds

        if categorical and trend not in ("auto", "auto_heuristic", "auto_asc_desc"):
            trend = "auto_asc_desc"
        if categorical:
            present = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
        else:
            present = ~np.isnan(values)
        if present.sum() >= 2 and len(np.unique(values[present])) >= 2:
            binning = OptimalBinning(
                name=name,
                dtype="categorical" if categorical else "numerical",
                solver=self.solver,
                monotonic_trend=trend,
                max_n_prebins=self.max_n_prebins,
                min_prebin_size=self.min_prebin_size,
                max_n_bins=self.max_n_bins,
                min_bin_size=self.min_bin_size,
                min_bin_n_event=1,
                min_bin_n_nonevent=1,
                time_limit=self.time_limit,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if weight is None:
                    binning.fit(values, y)
                else:
                    binning.fit(values, y, sample_weight=weight)
            splits = binning.splits
        else:
            splits = [] if categorical else np.array([])
        if categorical:
            groups = tuple(tuple(str(c) for c in group) for group in splits)
            seen = {c for group in groups for c in group}
            rest = tuple(sorted({v for v in values[present]} - seen))
            if rest or not groups:  # categories optbinning left out form one more bin
                groups = (*groups, rest)
            labels = tuple("[" + ", ".join(group) + "]" for group in groups)
            split_array = np.array([])
        else:
            split_array = np.asarray(splits, dtype=np.float64)
            edges = np.concatenate([[-np.inf], split_array, [np.inf]])
            labels = tuple(_interval(lo, hi) for lo, hi in itertools.pairwise(edges))
            groups = ()
        position = _positions(values, categorical, split_array, groups)
        n_event = np.bincount(
            position, weights=y if weight is None else y * weight, minlength=len(labels) + 1
        )
        n_all = np.bincount(position, weights=weight, minlength=len(labels) + 1).astype(np.float64)
        n_nonevent = n_all - n_event
        woe = _woe(n_event, n_nonevent)
        if not categorical:
            woe[:-1] = _monotone(woe[:-1], n_all[:-1], trend)
        share = n_nonevent / n_nonevent.sum() - n_event / n_event.sum()
        iv = float(np.sum(share * woe))
        return FeatureBins(
            name, categorical, split_array, groups, labels, n_event, n_nonevent, woe, iv
        )

    def fit(self, X, y, sample_weight=None):
        """Bin every feature, select by IV, fit the regression and scale the points.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Numeric and categorical columns; missing values allowed.
        y : array-like of shape (n_samples,)
            Binary target; ``classes_[1]`` (e.g. 1 = default) is the event.
        sample_weight : array-like of shape (n_samples,), optional
            Subjects each row stands for (e.g. a weighted sample of non-defaults):
            the bins' event counts, WOE, IV, the regression and the correction tables
            are weighted.

        Returns
        -------
        self
        """
        columns = read_columns(self, X, fit=True, categorical_features=self.categorical_features)
        check_consistent_length(columns.arrays[0], y)
        self.classes_, target = check_binary_target(y)
        weight = check_sample_weight(sample_weight, target)
        names = list(columns.names)
        trends = self._check_params(names)

        self.bins_ = {}
        self.dropped_features_ = {}
        for name, values, categorical in zip(
            names, columns.arrays, columns.categorical, strict=True
        ):
            self.bins_[name] = self._bin_feature(
                name, values, categorical, target, trends[name], weight
            )
        self.iv_ = pd.Series({n: b.iv for n, b in self.bins_.items()}, name="iv", dtype=float)
        candidates = []
        for name in names:
            if self.iv_[name] < self.min_iv or self.iv_[name] <= 0:
                self.dropped_features_[name] = (
                    f"information value {self.iv_[name]:.4f} below min_iv={self.min_iv}"
                )
            else:
                candidates.append(name)

        woe = {
            name: np.append(self.bins_[name].woe, 0.0)[self.bins_[name].positions(values)]
            for name, values in zip(names, columns.arrays, strict=True)
            if name in candidates
        }
        coef = dict.fromkeys(names, 0.0)
        intercept = self._fit_regression(candidates, woe, target, coef, weight)
        self.selected_features_ = [n for n in names if coef[n] != 0.0]
        self.coef_ = np.array([[coef[n] for n in names]])
        self.intercept_ = np.array([intercept])

        self.factor_ = float(self.pdo / math.log(2.0))
        self.offset_ = float(self.base_score - self.factor_ * math.log(self.base_odds))
        self.base_points_ = round(self.offset_ - self.factor_ * intercept)
        self.points_ = {}
        for name in self.selected_features_:
            table = np.append(self.bins_[name].woe, 0.0)  # regular, missing, unseen
            self.points_[name] = np.round(-self.factor_ * coef[name] * table).astype(np.int64)
        self._fit_corrections(columns, target, trends, intercept, weight)
        return self

    def _fit_corrections(
        self, columns: Columns, target, trends: dict, intercept: float, weight=None
    ) -> None:
        """Correction tables on top of the integer scorecard, in points."""
        self.categories_ = category_codes(columns)
        self.corrections_, self.correction_points_ = [], []
        self.correction_summary_ = {
            "rounds": 0,
            "cv_log_loss_gain": None,
            "cv_log_loss_gain_se": None,
        }
        if self.corrections == "off":
            return
        matrix = code_matrix(columns, self.categories_)
        # the trees correct the log-odds people see: those of the integer score
        init = self.score_to_log_odds(self._scorecard_score(columns))
        rise = {"ascending": 1, "descending": -1}  # event rate's trend -> log-odds sign
        monotone = [
            0 if cat else rise.get(trends[name], 0)
            for name, cat in zip(columns.names, columns.categorical, strict=True)
        ]
        seed = 0
        if self.random_state is not None:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        tables, constant, self.correction_summary_ = fit_corrections(
            matrix,
            target.astype(np.float64),
            init,
            categorical=[j for j, cat in enumerate(columns.categorical) if cat],
            n_categories=[len(self.categories_.get(n, ())) for n in columns.names],
            monotone=monotone,
            seed=seed,
            sample_weight=weight,
        )
        for table in tables:
            self.corrections_.append(table)
            self.correction_points_.append(
                np.round(-self.factor_ * table.log_odds).astype(np.int64)
            )
        self.base_points_ = round(self.offset_ - self.factor_ * (intercept + constant))

    def _choose_c(self, design: np.ndarray, target: np.ndarray, weight=None) -> float:
        """``C``, or for ``"auto"`` the grid value with the best cross-validated log-loss."""
        if self.C != "auto":
            return float(self.C)
        smallest = int(min(target.sum(), len(target) - target.sum()))
        if smallest < 2:
            return 1.0
        seed = None
        if self.random_state is not None:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        folds = StratifiedKFold(
            n_splits=min(_CV_FOLDS, smallest), shuffle=seed is not None, random_state=seed
        )
        model = LogisticRegressionCV(
            Cs=_C_GRID,
            l1_ratios=(0.0,),  # plain L2, as the final regression
            cv=folds,
            scoring="neg_log_loss",
            max_iter=1000,
            use_legacy_attributes=False,
        )
        if weight is None:
            model.fit(design, target)
        else:
            model.fit(design, target, sample_weight=weight)
        return float(np.ravel(model.C_)[0])

    def _fit_regression(self, candidates, woe, target, coef, weight=None) -> float:
        """Logistic regression on WOE; drop wrong-signed features one at a time."""
        kept = list(candidates)
        self.C_ = float(self.C) if self.C != "auto" else 1.0
        if kept:
            self.C_ = self._choose_c(np.column_stack([woe[n] for n in kept]), target, weight)
        while kept:
            design = np.column_stack([woe[n] for n in kept])
            model = LogisticRegression(C=self.C_, max_iter=1000, random_state=self.random_state)
            if weight is None:
                model.fit(design, target)
            else:
                model.fit(design, target, sample_weight=weight)
            beta = model.coef_[0]
            if np.all(beta <= 0):  # higher WOE (safer) must not raise the risk
                for name, b in zip(kept, beta, strict=True):
                    coef[name] = float(b)
                    if b == 0:
                        self.dropped_features_[name] = "zero coefficient"
                return float(model.intercept_[0])
            worst = kept[int(np.argmax(beta))]
            self.dropped_features_[worst] = (
                f"coefficient with the wrong sign ({beta.max():+.4f}) next to the other "
                "features: riskier bins would earn more points"
            )
            kept.remove(worst)
        rate = float(np.clip(np.average(target, weights=weight), 1e-12, 1 - 1e-12))
        return math.log(rate / (1 - rate))

    # --- predict ---------------------------------------------------------------

    def _points(self, columns: Columns, reference: Columns | None = None) -> dict[str, np.ndarray]:
        """Points of each feature for each row: its scorecard bin, its one-feature
        correction tables and its share of each two-feature table — half the cell, or
        against a ``reference`` row, its Shapley value; an odd point goes to the first of
        the two features, so that the shares add up exactly."""
        out = {}
        for name, values in zip(columns.names, columns.arrays, strict=True):
            if name not in self.points_:
                out[name] = np.zeros(columns.n_rows, dtype=np.int64)
                continue
            out[name] = self.points_[name][self.bins_[name].positions(values)]
        if not self.corrections_:
            return out
        names = list(columns.names)
        matrix = code_matrix(columns, self.categories_)
        ref = None if reference is None else code_matrix(reference, self.categories_)
        for table, points in zip(self.corrections_, self.correction_points_, strict=True):
            at = table.positions(matrix)
            if len(table.features) == 1:
                out[names[table.features[0]]] = out[names[table.features[0]]] + points[at]
                continue
            a, b = table.features
            cell = points[at]
            if ref is None:  # half each; an odd point goes to the first feature
                out[names[a]] = out[names[a]] + (cell - cell // 2)
                out[names[b]] = out[names[b]] + cell // 2
                continue
            a0, b0 = (np.repeat(p, columns.n_rows) for p in table.positions(ref))
            cell_ref = points[a0, b0]
            # against the reference: each feature's two-feature Shapley value (an odd
            # half point to the first feature), plus its half of the reference cell,
            # which explain() subtracts again with the reference row's own points
            twice = points[at[0], b0] - points[a0, at[1]] + cell - cell_ref
            share_a = twice - twice // 2
            out[names[a]] = out[names[a]] + share_a + (cell_ref - cell_ref // 2)
            out[names[b]] = out[names[b]] + (cell - cell_ref - share_a) + cell_ref // 2
        return out

    def _scorecard_score(self, columns: Columns) -> np.ndarray:
        """Integer scores of the scorecard alone (before any correction table)."""
        total = np.full(columns.n_rows, self.base_points_, dtype=np.int64)
        for name, values in zip(columns.names, columns.arrays, strict=True):
            if name in self.points_:
                total += self.points_[name][self.bins_[name].positions(values)]
        return total

    def read(self, X) -> ReadRows:
        """``X`` checked once, to pass in its place to :meth:`predict_score`,
        :meth:`decision_function` and :meth:`explain` (as ``reference`` too)."""
        index = X.index if isinstance(X, pd.DataFrame) else None
        return ReadRows(id(self), self._read(X), index)

    def read_arrays(self, arrays: Mapping[str, np.ndarray], index=None) -> ReadRows | None:
        """:meth:`read` of the frame of ``arrays`` (one per fitted feature, in order),
        without framing it; ``None`` when :func:`~models.tabular.read_arrays` cannot
        read them (then read the frame)."""
        check_is_fitted(self)
        columns = read_arrays(self, arrays)
        return None if columns is None else ReadRows(id(self), columns, index)

    def _read(self, X) -> Columns:
        if isinstance(X, ReadRows):
            if X.estimator_id != id(self):
                raise ValueError("rows read by another estimator: pass the frame itself")
            return X.data
        check_is_fitted(self)
        return read_columns(self, X, fit=False)

    def explain(self, X, reference=None) -> pd.DataFrame:
        """Points of every feature for every row, plus the ``base`` points.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
        reference : DataFrame or array-like of shape (1, n_features), optional
            Without it: each feature's points and the base points. With it: each
            feature's points minus the reference row's points for that feature (what
            the row's value earns or loses compared with the reference's), and ``base``
            the reference's whole score — the Shapley values of an additive model
            against that row.

        Returns
        -------
        DataFrame of int64, shape (n_samples, n_features_in_ + 1)
            One column per input feature (0 for features not in the model) and ``base``;
            each row sums exactly to :meth:`predict_score`. Keeps the index of a frame.
        """
        columns = self._read(X)
        if "base" in columns.names:
            raise ValueError("a feature is named 'base', which explain() uses for the base points.")
        ref = None
        if reference is not None:
            ref = self._read(reference)
            if ref.n_rows != 1:
                raise ValueError(f"reference must be one row; got {ref.n_rows} rows.")
        points = self._points(columns, ref)
        base = self.base_points_
        if ref is not None:
            # the reference's points taken off the arrays before framing: a column at a
            # time out of a frame cost more than the scorecard (one driver: about 8 ms)
            at_ref = {name: int(v[0]) for name, v in self._points(ref).items()}
            points = {name: v - at_ref[name] if name in at_ref else v for name, v in points.items()}
            base = self.base_points_ + sum(at_ref.values())
        frame = pd.DataFrame(points, columns=list(columns.names))
        frame["base"] = np.int64(base)
        index = X.index if isinstance(X, pd.DataFrame | ReadRows) else None
        if index is not None:
            frame.index = index
        return frame

    def decision_and_explain(self, X, reference=None) -> tuple[np.ndarray, pd.DataFrame]:
        """:meth:`decision_function` and :meth:`explain` of the same rows (the interface
        :class:`models.gbm.GbmClassifier` shares, where the two come from one pass)."""
        return self.decision_function(X), self.explain(X, reference)

    def predict_score(self, X) -> np.ndarray:
        """Integer scores (higher = lower risk).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of int64, shape (n_samples,)
        """
        columns = self._read(X)
        total = np.full(columns.n_rows, self.base_points_, dtype=np.int64)
        for values in self._points(columns).values():
            total += values
        return total

    def score_to_log_odds(self, score) -> np.ndarray:
        """Log-odds of the positive class for a score, through the PDO scaling."""
        check_is_fitted(self)
        return (self.offset_ - np.asarray(score, dtype=np.float64)) / self.factor_

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of the positive class implied by the integer score.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.score_to_log_odds(self.predict_score(X))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities implied by the integer score.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Columns in the order of ``classes_``.
        """
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        """The positive class where its probability exceeds one half."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the features :meth:`explain` reports (all input features)."""
        check_is_fitted(self)
        return _check_feature_names_in(self, input_features, generate_names=True)

    def points_table(self) -> pd.DataFrame:
        """The scorecard: one row per bin of each feature in the model.

        Returns
        -------
        DataFrame
            Columns ``feature``, ``bin`` (label), ``kind`` (``bin``, ``missing`` or
            ``unseen`` — the last only for categorical features), ``count``,
            ``event_rate``, ``woe`` and ``points`` (int). The base points are in
            ``base_points_``.
        """
        check_is_fitted(self)
        rows = []
        for name in self.selected_features_:
            bins = self.bins_[name]
            counts = bins.n_event + bins.n_nonevent
            labels = [*bins.labels, "Missing"]
            kinds = ["bin"] * bins.n_bins + ["missing"]
            if bins.categorical:
                labels.append("Unseen")
                kinds.append("unseen")
            for i, (label, kind) in enumerate(zip(labels, kinds, strict=True)):
                count = int(counts[i]) if i < len(counts) else 0
                rows.append(
                    {
                        "feature": name,
                        "bin": label,
                        "kind": kind,
                        "count": count,
                        "event_rate": bins.n_event[i] / count if count else np.nan,
                        "woe": float(bins.woe[i]) if i < len(bins.woe) else 0.0,
                        "points": int(self.points_[name][i]),
                    }
                )
        return pd.DataFrame(
            rows, columns=["feature", "bin", "kind", "count", "event_rate", "woe", "points"]
        )

    def correction_table(self) -> pd.DataFrame:
        """The correction tables kept on top of the scorecard, one row per cell.

        Returns
        -------
        DataFrame
            Columns ``table`` (number), ``feature`` and ``bin``, ``feature_2`` and
            ``bin_2`` (empty for a one-feature table) and ``points`` (int). A row's
            points are added to the scorecard's when a subject falls in both bins.
        """
        check_is_fitted(self)
        names = feature_names(self, self.n_features_in_)
        rows = []
        for number, (table, points) in enumerate(
            zip(self.corrections_, self.correction_points_, strict=True), start=1
        ):
            labels = table.labels(names, self.categories_)
            for cell in itertools.product(*(range(n) for n in points.shape)):
                pair = len(cell) == 2
                rows.append(
                    {
                        "table": number,
                        "feature": names[table.features[0]],
                        "bin": labels[0][cell[0]],
                        "feature_2": names[table.features[1]] if pair else "",
                        "bin_2": labels[1][cell[1]] if pair else "",
                        "points": int(points[cell]),
                    }
                )
        return pd.DataFrame(
            rows, columns=["table", "feature", "bin", "feature_2", "bin_2", "points"]
        )
