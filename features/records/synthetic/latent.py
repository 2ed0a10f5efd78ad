"""Latent risk paths, event intensities, event draws and the oracle.

The latent log-hazard of subject ``i`` in month ``t`` is
``z[i, t] = mu[i] + x[i, t] + macro[i, t]`` where ``x`` is a stationary AR(1)
with monthly persistence ``rho``. Every event kind has its own base rate and
loading (:class:`~.params.Hazard`).

The oracle is the probability of at least one target event in months
``T+1 … T+12`` given what is known at ``T`` (``mu``, ``x[T]`` and the
deterministic macro path): with ``x[T+m] | x[T] ~ N(rho^m x[T], v_m)``,
``E[lambda(T+m)] = base * exp(beta * (mu + macro + rho^m x[T]) + beta^2 v_m / 2 - ...)``
and ``P = 1 - exp(-sum_m E[lambda])`` (exact for the Poisson part up to Jensen's
gap, which is negligible at these rates).
"""

from __future__ import annotations

import numpy as np

from features.records.synthetic.calendar import HORIZON, MONTH_OF_YEAR
from features.records.synthetic.params import Hazard, LatentSpec


def simulate_x(rng: np.random.Generator, n: int, spec: LatentSpec, n_months: int) -> np.ndarray:
    """Stationary AR(1) paths, shape ``(n, n_months)``, float32."""
    x = np.empty((n, n_months), dtype=np.float32)
    x[:, 0] = rng.normal(0.0, spec.x_sd, n)
    shock_sd = spec.x_sd * np.sqrt(1.0 - spec.rho**2)
    shocks = rng.normal(0.0, shock_sd, (n, n_months)).astype(np.float32)
    for t in range(1, n_months):
        x[:, t] = spec.rho * x[:, t - 1] + shocks[:, t]
    return x


def intensity(h: Hazard, z: np.ndarray, var_z: float, months: np.ndarray) -> np.ndarray:
    """Monthly intensity of ``h`` for latent ``z`` (any shape ending in months)."""
    season = h.season[MONTH_OF_YEAR[months] - 1]
    return (h.per_year / 12.0) * season * np.exp(h.beta * z - 0.5 * h.beta**2 * var_z)


def draw_events(
    rng: np.random.Generator, lam: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson event counts per (subject, month); return (subject, month) per event."""
    if mask is not None:
        lam = np.where(mask, lam, 0.0)
    counts = rng.poisson(lam)
    rows, cols = np.nonzero(counts)
    reps = counts[rows, cols]
    return np.repeat(rows, reps), np.repeat(cols, reps)


def expected_intensity_sum(
    hazards: list[Hazard],
    mu: np.ndarray,
    x_t: np.ndarray,
    macro: np.ndarray,
    spec: LatentSpec,
    t: int,
    exposure: np.ndarray | None = None,
    first: int = 1,
) -> np.ndarray:
    """Sum over months ``t+first … t+12`` of the expected intensity given ``x[t]``.

    Parameters
    ----------
    hazards
        The target's event processes (independent, so intensities add up).
    mu, x_t
        Permanent risk and the AR(1) state at ``t``, shape ``(n,)``.
    macro
        Macro shifts, shape ``(n, n_sim_months)``.
    spec
        The latent process.
    t
        As-of month index.
    exposure
        Optional 0/1 array ``(n, n_sim_months)``: months in which the subject can
        have the event at all (alive, a loan outstanding).
    first
        First month ahead to include.
    """
    total = np.zeros(len(mu))
    for m in range(first, HORIZON + 1):
        month = t + m
        mean_x = (spec.rho**m) * x_t
        var_x = spec.x_sd**2 * (1.0 - spec.rho ** (2 * m))
        z_mean = mu + mean_x + macro[:, month]
        for h in hazards:
            season = h.season[MONTH_OF_YEAR[month] - 1]
            lam = (
                (h.per_year / 12.0)
                * season
                * np.exp(h.beta * z_mean + 0.5 * h.beta**2 * var_x - 0.5 * h.beta**2 * spec.var)
            )
            if exposure is not None:
                lam = lam * exposure[:, month]
            total += lam
    return total
