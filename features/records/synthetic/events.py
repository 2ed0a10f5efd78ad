"""Shared helpers that turn drawn events into record fields."""

from __future__ import annotations

import datetime as dt

import numpy as np

from features.records.synthetic.calendar import add_days, random_day
from features.records.windows import WindowPolicy, add_months


def lag(rng: np.random.Generator, days: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """``days`` plus a uniform lag of ``lo``–``hi`` days."""
    return add_days(days, rng.integers(lo, hi + 1, len(days)))


def dated(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """A day inside each month index."""
    return random_day(rng, t)


def window_end(
    windows: WindowPolicy, kind: str, severity: np.ndarray, decided: np.ndarray
) -> np.ndarray:
    """End of each record's publication window (its tier's maximum)."""
    out = np.empty(len(decided), dtype="datetime64[D]")
    legacy_cut = np.datetime64(windows.legacy_before.isoformat(), "D")
    for sev in np.unique(severity):
        for legacy in (True, False):
            sel = (severity == sev) & ((decided < legacy_cut) == legacy)
            if not sel.any():
                continue
            when = dt.date(2020, 1, 1) if legacy else windows.legacy_before
            months = windows.max_months(kind, str(sev), when)
            out[sel] = add_months(decided[sel], months)
    return out


def sigmoid(v: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-v))


def pick(rng: np.random.Generator, options: tuple[str, ...], p: list[float], n: int) -> np.ndarray:
    """``n`` draws from ``options`` with probabilities ``p``."""
    return rng.choice(np.array(options, dtype=object), n, p=np.array(p) / np.sum(p))
