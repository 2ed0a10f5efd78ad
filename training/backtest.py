"""Back-testing a rating batch once its outcomes have matured.

A batch rated at ``T`` predicts the target event in ``(T, T + horizon]`` (DESIGN.md §2,
:func:`features.build.build_labels`). Only when that window has passed, and the
store's records reach its end, is the realised default rate known; before, the
cohort is *not yet matured* and shows how many of its months have been observed.

Per grade the predicted PD is compared with the realised default rate by the
Jeffreys test of ECB/EBA validation practice: the posterior of the default rate
under the Jeffreys prior, Beta(D + ½, N − D + ½), gives a one-sided p-value (the
posterior probability that the true rate is at most the predicted PD) and an
equal-tailed interval. A grade *fails* when the p-value is below ``alpha``: its PD
is too low for the defaults it had. Over-prediction is conservative and reported,
not failed. The p-value is the gates' own :func:`models.grade_tests.jeffreys_p_value`, so a
back-test and a promotion judge a grade by the same test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from models import grade_tests, metrics

PASS, FAIL, EMPTY = "pass", "fail", "empty"


def matures_on(batch: dt.date, horizon: int) -> dt.date:
    """The last day of the batch's outcome window, ``batch + horizon`` months."""
    return (pd.Timestamp(batch) + pd.DateOffset(months=horizon)).date()


def months_observed(batch: dt.date, cutoff: dt.date, horizon: int) -> int:
    """Whole months of the outcome window observed by ``cutoff`` (0 … ``horizon``)."""
    if cutoff <= batch:
        return 0
    months = (cutoff.year - batch.year) * 12 + cutoff.month - batch.month
    if (pd.Timestamp(batch) + pd.DateOffset(months=months)).date() > cutoff:
        months -= 1
    return int(min(max(months, 0), horizon))


def jeffreys_interval(count: int, defaults: int, level: float = 0.95) -> tuple[float, float]:
    """Equal-tailed Jeffreys interval of the default rate at ``level``."""
    from scipy.stats import beta

    tail = (1.0 - level) / 2
    a, b = defaults + 0.5, count - defaults + 0.5
    lo = 0.0 if defaults == 0 else float(beta.ppf(tail, a, b))
    hi = 1.0 if defaults == count else float(beta.ppf(1 - tail, a, b))
    return lo, hi


@dataclass(frozen=True)
class GradeOutcome:
    """One grade of a matured batch: subjects, defaults and their mean predicted PD."""

    count: int
    defaults: int
    predicted_pd: float


@dataclass(frozen=True)
class Outcomes:
    """What the back-test reads of a matured batch: counts, not rows.

    The embedded path counts them in pandas (:func:`outcomes_of`); monitoring on
    Spark counts them in SQL (:mod:`training.monitor_sql`), so a province's
    cohort never comes back to the driver.
    """

    grades: dict[str, GradeOutcome]
    n: int
    defaults: int
    predicted_pd: float | None
    auc: float | None


def outcomes_of(rated: pd.DataFrame, defaulted: Iterable[str]) -> Outcomes:
    """The :class:`Outcomes` of a batch's rows (``subject_id``, ``pd``, ``model_grade``)."""
    y = rated["subject_id"].isin(set(defaulted)).to_numpy(int)
    frame = pd.DataFrame(
        {"grade": rated["model_grade"].to_numpy(object), "pd": rated["pd"], "y": y}
    )
    grades = {}
    for g in frame["grade"].dropna().unique():
        part = frame[frame["grade"] == g]
        grades[str(g)] = GradeOutcome(len(part), int(part["y"].sum()), float(part["pd"].mean()))
    auc = metrics.auc(y, frame["pd"].to_numpy(float)) if 0 < y.sum() < len(y) else None
    return Outcomes(
        grades,
        len(frame),
        int(y.sum()),
        float(frame["pd"].mean()) if len(y) else None,
        None if auc is None else float(auc),
    )


def backtest(
    rated: pd.DataFrame, defaulted: Iterable[str], grades: Sequence[str], alpha: float = 0.05
) -> dict:
    """Predicted PD against the realised default rate per grade, and the cohort's AUC.

    Parameters
    ----------
    rated
        The batch: ``subject_id``, ``pd`` and ``model_grade`` (the model's own grade:
        the PD bands it was calibrated to, before policy overrides).
    defaulted
        Subjects with the target event in the outcome window.
    grades
        The scale's grades, best first.
    alpha
        Level of the one-sided Jeffreys test (a grade fails below it).

    Returns
    -------
    dict
        As :func:`backtest_outcomes`.
    """
    return backtest_outcomes(outcomes_of(rated, defaulted), grades, alpha)


def backtest_outcomes(outcomes: Outcomes, grades: Sequence[str], alpha: float = 0.05) -> dict:
    """The back-test of a matured batch from its counts.

    Parameters
    ----------
    outcomes
        The batch's counts per grade, its defaults and AUC.
    grades
        The scale's grades, best first.
    alpha
        Level of the one-sided Jeffreys test (a grade fails below it).

    Returns
    -------
    dict
        ``n``, ``defaults``, ``realised_rate``, ``predicted_pd``, ``auc`` (``None``
        with a single outcome), ``failed`` (grades) and ``grades``: one row per grade
        with ``count``, ``defaults``, ``realised_rate``, ``predicted_pd``, the
        interval ``lower``/``upper``, ``p_value`` and ``result`` (pass, fail, empty).
    """
    rows = []
    for g in grades:
        got = outcomes.grades.get(g)
        if got is None or got.count == 0:
            rows.append({"grade": g, "count": 0, "defaults": 0, "result": EMPTY})
            continue
        n, d, p = got.count, got.defaults, got.predicted_pd
        lo, hi = jeffreys_interval(n, d, 1 - 2 * alpha)
        pv = grade_tests.jeffreys_p_value(n, d, p)
        rows.append(
            {
                "grade": g,
                "count": n,
                "defaults": d,
                "realised_rate": d / n,
                "predicted_pd": p,
                "lower": lo,
                "upper": hi,
                "p_value": pv,
                "result": FAIL if pv < alpha else PASS,
            }
        )
    n = outcomes.n
    return {
        "n": n,
        "defaults": outcomes.defaults,
        "realised_rate": outcomes.defaults / n if n else None,
        "predicted_pd": outcomes.predicted_pd,
        "auc": outcomes.auc,
        "alpha": alpha,
        "failed": [r["grade"] for r in rows if r["result"] == FAIL],
        "grades": rows,
    }
