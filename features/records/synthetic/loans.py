"""Loan books of SME and household borrowers, month by month.

A borrower takes a 12-month loan from its first loan month, renews at
maturity with high probability, may fall 30 days past due and cure, or cross
90 days past due (default, the SME and household target). A default ends the
loan; the next one comes after a long gap if at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.records.synthetic.calendar import N_SIM
from features.records.synthetic.latent import intensity
from features.records.synthetic.params import Hazard, LatentSpec

TERM = 12


@dataclass
class LoanBook:
    """Events of a loan book (subject index, month, amount) and monthly exposure."""

    start: tuple[np.ndarray, np.ndarray, np.ndarray]
    repaid: tuple[np.ndarray, np.ndarray, np.ndarray]
    default: tuple[np.ndarray, np.ndarray, np.ndarray]  # month the loan crossed 90 days
    dpd30: tuple[np.ndarray, np.ndarray, np.ndarray]  # cured 30-day episodes
    late: tuple[np.ndarray, np.ndarray, np.ndarray]  # a few days late, cured
    exposure: np.ndarray  # (n, N_SIM) 1 where a default could happen (loan as scheduled)


def simulate_loans(
    rng: np.random.Generator,
    z: np.ndarray,
    spec: LatentSpec,
    borrower: np.ndarray,
    first_month: np.ndarray,
    alive: np.ndarray,
    amount_base: np.ndarray,
    default: Hazard,
    dpd30: Hazard,
    late: Hazard,
    renew: float = 0.85,
) -> LoanBook:
    """Simulate loan books of ``n`` subjects over all simulated months.

    Parameters
    ----------
    z
        Latent risk ``(n, N_SIM)``.
    borrower, first_month
        Who borrows and from which month.
    alive
        ``(n, N_SIM)`` booleans: an enterprise that closed takes no loan.
    amount_base
        Typical loan size per subject (yuan).
    default, dpd30
        Hazards of crossing 90 days past due and of a cured 30-day episode.
    late
        Hazard of paying an instalment a few days late.
    """
    n = len(borrower)
    months = np.arange(N_SIM)
    lam_def = 1.0 - np.exp(-intensity(default, z, spec.var, months))
    lam_30 = 1.0 - np.exp(-intensity(dpd30, z, spec.var, months))
    lam_late = 1.0 - np.exp(-intensity(late, z, spec.var, months))
    u_def, u_30, u_renew, u_late = rng.random((4, n, N_SIM))
    outstanding = np.zeros(n, dtype=bool)
    maturity = np.full(n, -1)
    next_start = np.where(borrower, first_month, N_SIM + 1)
    exposure = np.zeros((n, N_SIM), dtype=np.float32)
    sched_end = np.full(n, -1)
    amount = np.zeros(n)
    ev: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {
        k: [] for k in ("start", "repaid", "default", "dpd30", "late")
    }
    for t in range(N_SIM):
        start = ~outstanding & (next_start <= t) & alive[:, t]
        if start.any():
            idx = np.flatnonzero(start)
            amount[idx] = np.round(amount_base[idx] * rng.lognormal(0, 0.3, len(idx)), -3)
            ev["start"].append((idx, np.full(len(idx), t), amount[idx]))
            outstanding[idx] = True
            maturity[idx] = t + TERM
            sched_end[idx] = t + TERM
        exposure[:, t] = (outstanding | (t < sched_end)) & alive[:, t]
        defaulted = outstanding & (u_def[:, t] < lam_def[:, t])
        if defaulted.any():
            idx = np.flatnonzero(defaulted)
            ev["default"].append((idx, np.full(len(idx), t), amount[idx]))
            outstanding[idx] = False
            next_start[idx] = np.where(rng.random(len(idx)) < 0.3, t + 24, N_SIM + 1)
        cured = outstanding & ~defaulted & (u_30[:, t] < lam_30[:, t])
        if cured.any():
            idx = np.flatnonzero(cured)
            ev["dpd30"].append((idx, np.full(len(idx), t), amount[idx]))
        late_now = outstanding & ~defaulted & ~cured & (u_late[:, t] < lam_late[:, t])
        if late_now.any():
            idx = np.flatnonzero(late_now)
            ev["late"].append((idx, np.full(len(idx), t), amount[idx]))
        matured = outstanding & (maturity == t + 1)
        if matured.any():
            idx = np.flatnonzero(matured)
            ev["repaid"].append((idx, np.full(len(idx), t), amount[idx]))
            outstanding[idx] = False
            again = u_renew[idx, t] < renew
            next_start[idx] = np.where(again, t + 1, t + 1 + rng.integers(6, 36, len(idx)))
        # an enterprise that closes stops borrowing
        outstanding &= alive[:, min(t + 1, N_SIM - 1)]

    def cat(key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        parts = ev[key]
        if not parts:
            return np.array([], int), np.array([], int), np.array([], float)
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]

    return LoanBook(
        cat("start"), cat("repaid"), cat("default"), cat("dpd30"), cat("late"), exposure
    )
