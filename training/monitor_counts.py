"""What monitoring reads of a rating batch: counts, never rows.

A batch's report (:func:`training.monitor.assess_counts`) needs, against the
training reference of its model version (:mod:`training.reference`):

* the rows rated and their mean PD;
* how many scores fall in each of the reference's score bins, and how many values
  of each indicator in each of that indicator's bins (PSI compares shares);
* once the outcomes have matured, per grade the subjects, the defaults and the mean
  PD, and the cohort's AUC (:class:`training.backtest.Outcomes`).

The embedded path counts them from the batch's frames in pandas
(:func:`counts_of_frames`); on Spark the same counts are aggregated by the engine
(:mod:`training.monitor_sql`), so what comes back to the driver is bounded by the
number of bins and grades, whatever the population.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from training.backtest import Outcomes, outcomes_of
from training.reference import counts_in


@dataclass(frozen=True)
class BatchCounts:
    """A batch's counts in the bins of its reference, and its outcomes once matured."""

    rows: int
    mean_pd: float | None
    score: np.ndarray
    #: per indicator of the reference that the batch's indicator frame has: counts per bin
    features: dict[str, np.ndarray]
    outcomes: Outcomes | None = None


def counts_of_frames(
    reference: dict,
    rated: pd.DataFrame,
    features: pd.DataFrame,
    defaulted: Iterable[str] | None = None,
) -> BatchCounts:
    """The counts of a batch held as frames (the embedded path).

    Parameters
    ----------
    reference
        The training reference (:func:`training.reference.population_reference`).
    rated
        The batch's ratings: ``subject_id``, ``score``, ``pd``, ``model_grade``.
    features
        Its subjects' indicators at the batch date.
    defaulted
        Subjects with the target event in the outcome window, when it has matured.
    """
    return BatchCounts(
        rows=len(rated),
        mean_pd=float(rated["pd"].mean()) if len(rated) else None,
        score=counts_in(reference["score"], rated["score"]),
        features={
            name: counts_in(spec, features[name])
            for name, spec in reference["features"].items()
            if name in features
        },
        outcomes=None if defaulted is None else outcomes_of(rated, defaulted),
    )
