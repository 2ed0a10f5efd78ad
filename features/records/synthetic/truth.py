"""Rows of ``synthetic_truth``: the latent risk and the oracle probability.

For every as-of month end T (monthly at small scale, quarterly at city scale,
always including the data's last day) and every subject in its scheme's
population at T, ``pd_true`` is the probability of the scheme's target event
in (T, T+12 months] given the latent state at T (see
:func:`~.latent.expected_intensity_sum`). For loan defaults, an episode already
30 days past due at T that will cross 90 days is a known fact at T and counts
as certain.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from features.records.synthetic.calendar import N_MONTHS, month_end
from features.records.synthetic.latent import expected_intensity_sum
from features.records.synthetic.loans import LoanBook
from features.records.synthetic.params import Hazard, LatentSpec


def truth_months(every: int) -> np.ndarray:
    """As-of month indices: every ``every`` months ending at the data's last month."""
    return np.arange(N_MONTHS - 1, -1, -every)[::-1]


def _in_progress(book: LoanBook, n: int, t: int) -> np.ndarray:
    """Subjects whose loan crosses 90 days past due in month t+1 or t+2."""
    i, month, _ = book.default
    sel = (month > t) & (month <= t + 2)
    flag = np.zeros(n, dtype=bool)
    flag[i[sel]] = True
    return flag


def truth_rows(
    subject_ids: pa.Array,
    scheme: str,
    spec: LatentSpec,
    hazards: list[Hazard],
    mu: np.ndarray,
    x: np.ndarray,
    macro: np.ndarray | None,
    in_population: np.ndarray,
    months: np.ndarray,
    exposure: np.ndarray | None = None,
    loans: LoanBook | None = None,
) -> pa.Table:
    """Truth rows of one chunk for one scheme.

    Parameters
    ----------
    in_population
        ``(n, N_SIM)`` booleans: subject is in the scheme's population at month t.
    exposure
        ``(n, N_SIM)`` 0/1: months the target can happen (alive, loan outstanding).
    loans
        For loan-default targets: episodes in progress at T count as certain.
    """
    n = len(mu)
    if macro is None:
        macro = np.zeros_like(x)
    ids, dates, latent, pd_true = [], [], [], []
    for t in months:
        who = np.flatnonzero(in_population[:, t])
        if who.size == 0:
            continue
        first = 3 if loans is not None else 1
        total = expected_intensity_sum(
            hazards,
            mu[who],
            x[who, t],
            macro[who],
            spec,
            int(t),
            None if exposure is None else exposure[who],
            first=first,
        )
        p = 1.0 - np.exp(-total)
        if loans is not None:
            p = np.where(_in_progress(loans, n, int(t))[who], 1.0, p)
        ids.append(who)
        dates.append(np.full(who.size, month_end(int(t))))
        latent.append(mu[who] + x[who, t] + macro[who, t])
        pd_true.append(p)
    if not ids:
        return pa.table({"subject_id": pa.array([], pa.string())})
    idx = np.concatenate(ids)
    days = np.concatenate(dates).astype("datetime64[D]").astype(np.int64).astype(np.int32)
    return pa.table(
        {
            "subject_id": subject_ids.take(pa.array(idx)),
            "scheme": pa.array(np.full(idx.size, scheme, dtype=object), pa.string()),
            "as_of": pa.array(days, pa.date32()),
            "latent": pa.array(np.concatenate(latent).astype(float)),
            "pd_true": pa.array(np.concatenate(pd_true).astype(float)),
        }
    )
