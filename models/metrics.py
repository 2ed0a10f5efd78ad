"""Validation metrics for rating models (DESIGN.md §8): pure functions on arrays.

Discrimination (:func:`auc`, :func:`gini`, :func:`ks`), calibration (:func:`brier`,
:func:`binomial_test`), stability (:func:`psi`), grade structure (:func:`hhi`,
:func:`monotonic`, :func:`migration_matrix`).

``sample_weight`` (discrimination, Brier, the expected side of PSI, :func:`quantile`):
how many subjects of the population each row stands for, when the rows are a weighted
sample (training's sample of non-defaults, :mod:`features.sample`); ``None`` weighs
every row 1 and gives exactly the unweighted value.

Throughout, ``y_true`` is 1 for the event (default) and 0 otherwise, and the score
passed to the discrimination metrics must *rise with risk* (a PD or a log-odds of
default). For a scorecard score, where higher means safer, pass ``-score``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sklearn.metrics import roc_auc_score, roc_curve

PSI_EPSILON = 1e-6


def _binary(y_true, name: str = "y_true") -> np.ndarray:
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {y.shape}.")
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:
        raise ValueError(f"{name} must hold 0/1 values; got {sorted(values)[:5]}.")
    return y.astype(np.int8)


def _scores(y: np.ndarray, score, name: str = "score") -> np.ndarray:
    s = np.asarray(score, dtype=np.float64)
    if s.shape != y.shape:
        raise ValueError(f"{name} has shape {s.shape} but y_true has shape {y.shape}.")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return s


def _weights(y: np.ndarray, sample_weight) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != y.shape:
        raise ValueError(f"sample_weight has shape {w.shape} but y_true has shape {y.shape}.")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    return w


def quantile(values, q, sample_weight=None) -> np.ndarray:
    """Quantiles ``q`` of ``values`` (NaN ignored), numpy's default (linear) without
    weights; with ``sample_weight``, the inverted weighted distribution function (the
    smallest value whose cumulative weight reaches ``q`` of the total)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    q = np.asarray(q, dtype=np.float64)
    keep = ~np.isnan(x)
    if sample_weight is None:
        return np.quantile(x[keep], q)
    w = np.asarray(sample_weight, dtype=np.float64).ravel()[keep]
    x = x[keep]
    order = np.argsort(x, kind="stable")
    x, cw = x[order], np.cumsum(w[order])
    at = np.searchsorted(cw, q * cw[-1], side="left")
    return x[np.clip(at, 0, len(x) - 1)]


def auc(y_true, score, sample_weight=None) -> float:
    """Area under the ROC curve.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        1 = event (default), 0 = no event; both must occur.
    score : array-like of shape (n,)
        Rises with risk (PD, log-odds of default).
    sample_weight : array-like of shape (n,), optional
        Subjects each row stands for.

    Returns
    -------
    float
        Probability that a random event scores above a random non-event (ties count 1/2).
    """
    y = _binary(y_true)
    return float(roc_auc_score(y, _scores(y, score), sample_weight=_weights(y, sample_weight)))


def gini(y_true, score, sample_weight=None) -> float:
    """Gini coefficient (accuracy ratio), ``2 * AUC - 1``.

    Parameters
    ----------
    y_true, score : array-like of shape (n,)
        As for :func:`auc`.

    Returns
    -------
    float
    """
    return 2.0 * auc(y_true, score, sample_weight) - 1.0


def ks(y_true, score, sample_weight=None) -> float:
    """Kolmogorov–Smirnov statistic: the largest gap between the score distributions.

    Parameters
    ----------
    y_true, score : array-like of shape (n,)
        As for :func:`auc`.

    Returns
    -------
    float
        ``max |F_event(t) - F_non-event(t)|`` over thresholds ``t``, in [0, 1].
    """
    y = _binary(y_true)
    fpr, tpr, _ = roc_curve(y, _scores(y, score), sample_weight=_weights(y, sample_weight))
    return float(np.max(np.abs(tpr - fpr)))


def brier(y_true, pd_pred, sample_weight=None) -> float:
    """Brier score: mean squared difference between predicted PD and outcome.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        1 = event, 0 = no event.
    pd_pred : array-like of shape (n,)
        Predicted probabilities of the event, in [0, 1].

    Returns
    -------
    float
    """
    y = _binary(y_true)
    p = _scores(y, pd_pred, "pd_pred")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("pd_pred must lie in [0, 1].")
    return float(np.average((p - y) ** 2, weights=_weights(y, sample_weight)))


def psi(
    expected,
    actual,
    bins: int | Sequence[float] = 10,
    expected_weight=None,
    actual_weight=None,
) -> float:
    """Population stability index of ``actual`` against ``expected``.

    ``PSI = Σ (a_i - e_i) · ln(a_i / e_i)`` over bins, where ``e_i`` and ``a_i`` are the
    shares of each sample in bin ``i``; a share of 0 is replaced by ``PSI_EPSILON``
    (1e-6) so that an empty bin gives a large but finite value. Missing values form
    one more bin. Rule of thumb: below 0.1 stable, 0.1–0.25 some shift, above 0.25 a
    major shift.

    Parameters
    ----------
    expected : array-like of shape (n,)
        Reference sample (e.g. training scores).
    actual : array-like of shape (m,)
        Sample to compare (e.g. out-of-time scores).
    bins : int or sequence of float, default=10
        Number of quantile bins of ``expected`` (ties merged), or the inner cut points.
        Bins are ``(-inf, c_1], (c_1, c_2], …, (c_k, inf)``.
    expected_weight : array-like of shape (n,), optional
        Subjects each ``expected`` row stands for (its quantiles and shares weighted).
    actual_weight : array-like of shape (m,), optional
        Subjects each ``actual`` row stands for (its shares weighted).

    Returns
    -------
    float
    """
    e = np.asarray(expected, dtype=np.float64).ravel()
    a = np.asarray(actual, dtype=np.float64).ravel()
    if e.size == 0 or a.size == 0:
        raise ValueError("psi needs non-empty expected and actual samples.")
    if isinstance(bins, int | np.integer):
        if bins < 1:
            raise ValueError(f"bins must be >= 1; got {bins}.")
        quantiles = np.linspace(0, 1, int(bins) + 1)[1:-1]
        cuts = (
            np.unique(quantile(e, quantiles, expected_weight))
            if np.any(~np.isnan(e))
            else np.array([])
        )
    else:
        cuts = np.asarray(bins, dtype=np.float64)
        if np.any(np.diff(cuts) <= 0):
            raise ValueError("bins must be strictly increasing cut points.")

    def shares(x: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        index = np.searchsorted(cuts, x, side="left")
        index[np.isnan(x)] = len(cuts) + 1
        counts = np.bincount(index, weights=w, minlength=len(cuts) + 2)
        return counts / (x.size if w is None else w.sum())

    ew = None if expected_weight is None else np.asarray(expected_weight, float).ravel()
    pe = np.maximum(shares(e, ew), PSI_EPSILON)
    aw = None if actual_weight is None else np.asarray(actual_weight, float).ravel()
    pa = np.maximum(shares(a, aw), PSI_EPSILON)
    return float(np.sum((pa - pe) * np.log(pa / pe)))


def hhi(shares) -> float:
    """Herfindahl–Hirschman index of concentration.

    Parameters
    ----------
    shares : array-like
        Shares (or counts) per grade; normalised to sum to 1.

    Returns
    -------
    float
        ``Σ s_i²``: ``1/k`` when ``k`` grades are equally filled, 1 when one holds all.
    """
    s = np.asarray(shares, dtype=np.float64).ravel()
    if s.size == 0 or np.any(s < 0) or not np.all(np.isfinite(s)) or s.sum() <= 0:
        raise ValueError("shares must be non-negative, finite and not all zero.")
    s = s / s.sum()
    return float(np.sum(s**2))


def grade_counts(count, defaults, predicted_pd) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-grade obligors, defaults and PDs as arrays, checked (equal lengths,
    0 ≤ defaults ≤ count, PDs in [0, 1]); the input of every per-grade test."""
    n = np.atleast_1d(np.asarray(count)).astype(np.int64)
    k = np.atleast_1d(np.asarray(defaults)).astype(np.int64)
    p = np.atleast_1d(np.asarray(predicted_pd, dtype=np.float64))
    if not (n.shape == k.shape == p.shape):
        raise ValueError(
            f"count, defaults and predicted_pd differ in length: {n.size}, {k.size}, {p.size}."
        )
    if np.any(n < 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError("need 0 <= defaults <= count for every grade.")
    if np.any((p < 0) | (p > 1)) or not np.all(np.isfinite(p)):
        raise ValueError("predicted_pd must lie in [0, 1].")
    return n, k, p


def binomial_test(
    count,
    defaults,
    predicted_pd,
    *,
    grades: Sequence | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Two-sided exact binomial test of each grade's observed defaults against its PD.

    Parameters
    ----------
    count : int or array-like of int
        Subjects per grade.
    defaults : int or array-like of int
        Defaults observed per grade.
    predicted_pd : float or array-like of float
        Predicted PD per grade (e.g. the mean PD of its subjects).
    grades : sequence, optional
        Grade labels for the index.
    level : float, default=0.95
        Confidence level of the interval and of the ``consistent`` flag.

    Returns
    -------
    DataFrame
        Per grade: ``count``, ``defaults``, ``observed_rate``, ``predicted_pd``,
        ``p_value`` (two-sided, :func:`scipy.stats.binomtest`), ``ci_low``/``ci_high``
        (Clopper–Pearson interval of the observed rate at ``level``) and
        ``consistent`` (``p_value >= 1 - level``: the PD is not rejected). A grade
        with no subjects has NaN statistics and ``consistent`` False.
    """
    n, k, p = grade_counts(count, defaults, predicted_pd)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level}.")
    rows = []
    for ni, ki, pi in zip(n, k, p, strict=True):
        if ni == 0:
            rows.append((0, 0, np.nan, pi, np.nan, np.nan, np.nan, False))
            continue
        result = binomtest(int(ki), int(ni), float(pi), alternative="two-sided")
        ci = result.proportion_ci(confidence_level=level, method="exact")
        rows.append(
            (
                int(ni),
                int(ki),
                ki / ni,
                pi,
                float(result.pvalue),
                float(ci.low),
                float(ci.high),
                bool(result.pvalue >= 1 - level),
            )
        )
    columns = [
        "count",
        "defaults",
        "observed_rate",
        "predicted_pd",
        "p_value",
        "ci_low",
        "ci_high",
        "consistent",
    ]
    index = pd.Index(list(grades), name="grade") if grades is not None else None
    if index is not None and len(index) != len(rows):
        raise ValueError(f"grades has {len(index)} labels for {len(rows)} grades.")
    return pd.DataFrame(rows, columns=columns, index=index)


def monotonic(rates, *, increasing: bool = True, strict: bool = False) -> bool:
    """Whether default rates move one way across grades (best to worst).

    Parameters
    ----------
    rates : array-like of float
        Rate per grade in grade order; NaN (an empty grade) is skipped.
    increasing : bool, default=True
        Direction required.
    strict : bool, default=False
        Whether equal neighbours fail.

    Returns
    -------
    bool
    """
    r = np.asarray(rates, dtype=np.float64).ravel()
    r = r[~np.isnan(r)]
    step = np.diff(r) if increasing else -np.diff(r)
    return bool(np.all(step > 0) if strict else np.all(step >= 0))


def migration_matrix(before, after, grades: Sequence, *, normalize: bool = False) -> pd.DataFrame:
    """Grade migration between two ratings of the same subjects.

    Parameters
    ----------
    before, after : array-like or pandas.Series
        Grades of each subject at the earlier and later date. Arrays must be aligned
        row by row; two Series are aligned on their index (subjects present in both),
        as are rows where either grade is missing, which are left out.
    grades : sequence
        All grades in order (rows and columns of the matrix).
    normalize : bool, default=False
        Row shares (each row sums to 1; an empty row is all 0) instead of counts.

    Returns
    -------
    DataFrame of shape (len(grades), len(grades))
        Rows: grade before; columns: grade after.
    """
    if isinstance(before, pd.Series) and isinstance(after, pd.Series):
        b, a = before.align(after, join="inner")
    else:
        b, a = pd.Series(np.asarray(before)), pd.Series(np.asarray(after))
        if len(b) != len(a):
            raise ValueError(f"before has {len(b)} rows but after has {len(a)}.")
    keep = b.notna().to_numpy() & a.notna().to_numpy()
    b, a = b[keep], a[keep]
    order = list(grades)
    if len(set(order)) != len(order):
        raise ValueError("grades must be distinct.")
    unknown = sorted({*b.unique(), *a.unique()} - set(order), key=str)
    if unknown:
        raise ValueError(f"grades not in {order}: {unknown}.")
    position = {g: i for i, g in enumerate(order)}
    matrix = np.zeros((len(order), len(order)), dtype=np.int64)
    np.add.at(matrix, (b.map(position).to_numpy(int), a.map(position).to_numpy(int)), 1)
    index = pd.Index(order, name="before")
    columns = pd.Index(order, name="after")
    if normalize:
        totals = matrix.sum(axis=1, keepdims=True)
        shares = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
        return pd.DataFrame(shares, index=index, columns=columns)
    return pd.DataFrame(matrix, index=index, columns=columns)
