"""The reference subject that reasons are measured against.

A reason says that a value raises or lowers the risk *compared with* something.
Adverse-action practice measures it against a reference profile; xinping's is the
typical subject of the training population: each numeric indicator at its median
(the lower median, so that the reference holds a value subjects really have: 0
penalties, not 0.5) and each categorical one at its most frequent category — or
missing, where a missing value states a fact most subjects share (no days since a
penalty for a firm that never had one).
Contributions against it (:meth:`models.gbm.GbmClassifier.explain`,
:meth:`models.scorecard.ScorecardClassifier.explain` with ``reference=``) add up
exactly to the subject's output minus the reference's.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd


def reference_profile(
    X: pd.DataFrame, sample_weight=None, missing_states: Collection[str] = ()
) -> pd.DataFrame:
    """The typical row of ``X``: one row, the same columns.

    Numeric columns take the lower median of their non-missing values, other columns
    their most frequent non-missing value (ties: the first in sorted order). A column
    with no value at all stays missing, and so does a column of ``missing_states``
    missing in more than half of the rows (by weight): there a missing value is a state
    of its own that the typical subject is in (most firms have no penalty on record,
    hence no days since one, and a reason should not measure them against one that has).

    Parameters
    ----------
    X : DataFrame
        The training rows (any numeric and categorical columns).
    sample_weight : array-like of shape (n,), optional
        Subjects each row stands for (a weighted sample): the weighted lower median
        (the smallest value with half the weight at or below it) and the category of
        the largest weight.
    missing_states : collection of str, optional
        Columns whose missing value states a fact (no record of a penalty, of a housing
        fund payment).

    Returns
    -------
    DataFrame of one row.
    """
    row: dict[str, object] = {}
    weights = None if sample_weight is None else pd.Series(sample_weight, index=X.index)
    for name in X.columns:
        col = X[name]
        present = col.dropna()
        mostly_missing = name in missing_states and (
            len(present) * 2 < len(col)
            if weights is None
            else weights[present.index].sum() * 2 < weights.sum()
        )
        if present.empty or mostly_missing:
            row[name] = np.nan if pd.api.types.is_numeric_dtype(col) else None
        elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            values = present.to_numpy(dtype=float)
            if weights is None:
                row[name] = float(np.percentile(values, 50, method="lower"))
            else:
                order = np.argsort(values, kind="stable")
                cum = np.cumsum(weights[present.index].to_numpy(dtype=float)[order])
                row[name] = float(values[order][np.searchsorted(cum, cum[-1] / 2)])
        else:
            if weights is None:
                counts = present.astype(str).value_counts()
            else:
                counts = weights[present.index].groupby(present.astype(str).to_numpy()).sum()
            top = counts[counts == counts.max()].index
            row[name] = sorted(top)[0]
    return pd.DataFrame([row], columns=list(X.columns)).astype(
        {n: X[n].dtype for n in X.columns if pd.api.types.is_numeric_dtype(X[n])}
    )
