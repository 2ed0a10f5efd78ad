"""Per-grade tests of a rating scale, as a model validator runs them (pure functions).

:func:`jeffreys_p_value` and :func:`jeffreys_test`: is a grade's PD too low for the
defaults it had (ECB, *Instructions for reporting the validation results of internal
models*, §2.5.3.1)? :func:`jeffreys_detectable_ratio`: how large a miss the test can
see at all (its power). :func:`ordering_test`: can adjacent grades' default rates be
told apart? The training gates (:mod:`training.gates`) and the back-test of matured
rating batches (:mod:`training.backtest`) both judge grades with these.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from models.metrics import grade_counts


def jeffreys_p_value(count: int, defaults: int, predicted_pd: float) -> float:
    """One-sided Jeffreys p-value that ``predicted_pd`` underestimates the default rate.

    The Jeffreys prior Beta(1/2, 1/2) updated with ``defaults`` out of ``count`` gives
    the posterior Beta(D + 1/2, N − D + 1/2) of the default rate; the p-value is its
    CDF at the predicted PD, the posterior probability that the true rate lies at or
    below the PD (ECB, *Instructions for reporting the validation results of internal
    models*, §2.5.3.1; EBA practice). A small p-value: the PD is too low.

    Parameters
    ----------
    count : int
        Obligors in the grade (N ≥ 1).
    defaults : int
        Defaults observed among them (0 ≤ D ≤ N).
    predicted_pd : float
        The grade's PD, in [0, 1].

    Returns
    -------
    float
    """
    from scipy.stats import beta

    if count < 1 or not 0 <= defaults <= count:
        raise ValueError(f"need count >= 1 and 0 <= defaults <= count; got {count}, {defaults}.")
    return float(beta.cdf(predicted_pd, defaults + 0.5, count - defaults + 0.5))


def _jeffreys_critical(count: int, predicted_pd: float, alpha: float) -> int | None:
    """The smallest default count the Jeffreys test rejects at ``alpha`` (None: none)."""
    from scipy.stats import beta

    d = np.arange(count + 1)
    p = beta.cdf(predicted_pd, d + 0.5, count - d + 0.5)
    rejected = np.flatnonzero(p < alpha)
    return int(rejected[0]) if rejected.size else None


def jeffreys_detectable_ratio(
    count: int, predicted_pd: float, level: float = 0.95, power: float = 0.8
) -> float:
    """The smallest multiple of the PD that the Jeffreys test detects with ``power``.

    If the true default rate were ``ratio × predicted_pd``, the one-sided test at
    ``level`` would reject the PD with probability ``power`` (binomial default count).
    A grade whose ratio is 3 can only reveal a PD that is a third of the truth.

    Returns
    -------
    float
        The ratio; ``inf`` when no true rate up to 1 reaches the power (too few obligors).
    """
    from scipy.optimize import brentq
    from scipy.stats import binom

    if count < 1 or predicted_pd <= 0:
        return float("inf")
    crit = _jeffreys_critical(count, predicted_pd, 1.0 - level)
    if crit is None:
        return float("inf")

    def reach(rate: float) -> float:
        return float(binom.sf(crit - 1, count, rate)) - power

    if reach(1.0) < 0:
        return float("inf")
    if reach(predicted_pd) >= 0:
        return 1.0
    return float(brentq(reach, predicted_pd, 1.0, xtol=1e-10) / predicted_pd)


def jeffreys_test(
    count,
    defaults,
    predicted_pd,
    *,
    grades: Sequence | None = None,
    level: float = 0.95,
    power: float = 0.8,
    min_expected_defaults: float = 5.0,
    min_count: int = 30,
) -> pd.DataFrame:
    """Jeffreys test of each grade's PD against its observed defaults, with its power.

    Parameters
    ----------
    count, defaults, predicted_pd : array-like
        Obligors, defaults and PD per grade.
    grades : sequence, optional
        Grade labels for the index.
    level : float, default=0.95
        Confidence level: a grade fails when the one-sided p-value is below ``1 - level``.
    power : float, default=0.8
        Power at which :func:`jeffreys_detectable_ratio` is stated.
    min_expected_defaults : float, default=5.0
        Below this many expected defaults (``N × PD``) the grade holds too little
        evidence: its status is ``insufficient``, neither passed nor failed.
    min_count : int, default=30
        Fewer obligors than this: ``insufficient`` too.

    Returns
    -------
    DataFrame
        Per grade: ``count``, ``defaults``, ``observed_rate``, ``predicted_pd``,
        ``expected_defaults``, ``p_value`` (:func:`jeffreys_p_value`), ``ci_low`` /
        ``ci_high`` (equal-tailed Jeffreys interval of the rate at ``level``),
        ``detectable_ratio`` (:func:`jeffreys_detectable_ratio`) and ``status``:
        ``failed`` (PD significantly underestimates), ``passed`` or ``insufficient``.
    """
    from scipy.stats import beta

    n, k, p = grade_counts(count, defaults, predicted_pd)
    if not 0 < level < 1 or not 0 < power < 1:
        raise ValueError(f"level and power must be in (0, 1); got {level}, {power}.")
    rows = []
    tail = (1 - level) / 2
    for ni, ki, pi in zip(n, k, p, strict=True):
        expected = float(ni * pi)
        if ni == 0:
            rows.append((0, 0, np.nan, pi, 0.0, np.nan, np.nan, np.nan, np.inf, "insufficient"))
            continue
        pv = jeffreys_p_value(int(ni), int(ki), float(pi))
        a, b = ki + 0.5, ni - ki + 0.5
        low = 0.0 if ki == 0 else float(beta.ppf(tail, a, b))
        high = 1.0 if ki == ni else float(beta.ppf(1 - tail, a, b))
        if expected < min_expected_defaults or ni < min_count:
            status = "insufficient"
        else:
            status = "failed" if pv < 1 - level else "passed"
        ratio = jeffreys_detectable_ratio(int(ni), float(pi), level, power)
        rows.append((int(ni), int(ki), ki / ni, pi, expected, pv, low, high, ratio, status))
    columns = [
        "count",
        "defaults",
        "observed_rate",
        "predicted_pd",
        "expected_defaults",
        "p_value",
        "ci_low",
        "ci_high",
        "detectable_ratio",
        "status",
    ]
    index = pd.Index(list(grades), name="grade") if grades is not None else None
    if index is not None and len(index) != len(rows):
        raise ValueError(f"grades has {len(index)} labels for {len(rows)} grades.")
    return pd.DataFrame(rows, columns=columns, index=index)


def ordering_test(count, defaults, *, grades: Sequence | None = None, level: float = 0.95):
    """Whether each grade's default rate is higher than the better grade's before it.

    For each pair of adjacent non-empty grades (best to worst), two one-sided Fisher
    exact tests on the 2×2 table of defaults and survivors: ``ordered`` when the worse
    grade's rate is significantly higher, ``reversed`` when it is significantly lower
    (a reversal that noise does not explain), else ``indistinct`` — the two rates
    cannot be told apart on this evidence, which is not a failure.

    Parameters
    ----------
    count, defaults : array-like of int
        Obligors and defaults per grade, best grade first.
    grades : sequence, optional
        Grade labels.
    level : float, default=0.95
        Confidence of each one-sided test.

    Returns
    -------
    DataFrame
        One row per adjacent pair: ``better``, ``worse``, their ``better_rate`` /
        ``worse_rate``, ``p_ordered`` (one-sided p that the worse rate is not higher),
        ``p_reversed`` (one-sided p that it is not lower) and ``status``.
    """
    from scipy.stats import fisher_exact

    n, k, _ = grade_counts(count, defaults, np.zeros(np.size(count)))
    labels = list(grades) if grades is not None else list(range(len(n)))
    if len(labels) != len(n):
        raise ValueError(f"grades has {len(labels)} labels for {len(n)} grades.")
    present = [i for i in range(len(n)) if n[i] > 0]
    rows = []
    alpha = 1 - level
    for i, j in itertools.pairwise(present):
        table = [[k[j], n[j] - k[j]], [k[i], n[i] - k[i]]]  # worse first
        p_ord = float(fisher_exact(table, alternative="greater").pvalue)
        p_rev = float(fisher_exact(table, alternative="less").pvalue)
        status = "ordered" if p_ord < alpha else "reversed" if p_rev < alpha else "indistinct"
        rows.append((labels[i], labels[j], k[i] / n[i], k[j] / n[j], p_ord, p_rev, status))
    return pd.DataFrame(
        rows,
        columns=[
            "better",
            "worse",
            "better_rate",
            "worse_rate",
            "p_ordered",
            "p_reversed",
            "status",
        ],
    )
