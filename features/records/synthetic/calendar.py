"""The monthly time grid of the generated city.

Month index 0 is January 2021. Records run to :data:`END` (2026-10-31, month
69); latent paths, loan schedules and survival run 12 months further so that
the true probability of an event in (T, T+12 months] is defined for every T.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

START = dt.date(2021, 1, 1)
END = dt.date(2026, 10, 31)
HORIZON = 12
N_MONTHS = (END.year - START.year) * 12 + END.month - START.month + 1  # 70
N_SIM = N_MONTHS + HORIZON  # 82

_MONTHS = np.arange(np.datetime64("2021-01"), np.datetime64("2021-01") + N_SIM + 1)
#: First day of every simulated month (plus one past the end), as datetime64[D].
MONTH_START = _MONTHS.astype("datetime64[D]")
DAYS_IN_MONTH = np.diff(MONTH_START).astype(int)
#: Calendar month (1–12) of every simulated month index.
MONTH_OF_YEAR = (np.arange(N_SIM) % 12) + 1
END_DAY = np.datetime64(END.isoformat(), "D")
START_DAY = np.datetime64(START.isoformat(), "D")


def month_end(t: np.ndarray | int) -> np.ndarray:
    """Last day of month index ``t``."""
    return MONTH_START[np.asarray(t) + 1] - np.timedelta64(1, "D")


def random_day(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """A uniformly drawn day inside month index ``t`` (datetime64[D])."""
    t = np.asarray(t)
    offset = (rng.random(t.shape) * DAYS_IN_MONTH[t]).astype(int)
    return MONTH_START[t] + offset.astype("timedelta64[D]")


def month_index(days: np.ndarray) -> np.ndarray:
    """Month index of ``datetime64[D]`` dates (may be negative before 2021)."""
    months = np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]")
    return (months - np.datetime64("2021-01", "M")).astype(int)


def add_days(days: np.ndarray, n: np.ndarray | int) -> np.ndarray:
    """``days`` plus ``n`` days."""
    return np.asarray(days, dtype="datetime64[D]") + np.asarray(n).astype("timedelta64[D]")
