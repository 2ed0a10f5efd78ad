"""Periodic activity records of enterprises: tax paid, headcount, housing fund,
electricity, and the yearly tax credit level.

Activity is noisy and seasonal; a firm whose risk drifts up pays less tax,
insures fewer staff and uses less power, with a lag and much noise — as in
real shared data, where the trend says more than the level.
"""

from __future__ import annotations

import numpy as np

from features.records.synthetic.batch import RecordBatch
from features.records.synthetic.calendar import N_MONTHS, month_end
from features.records.synthetic.events import lag, sigmoid

# Quarter-end month indices with the whole quarter inside the data (2021Q1 … 2026Q3).
QUARTER_ENDS = np.arange(2, N_MONTHS, 3)
TAX_BASE = {"micro": 3_000.0, "small": 40_000.0, "medium": 400_000.0, "large": 4_000_000.0}
STAFF_BASE = {"micro": 3.0, "small": 25.0, "medium": 150.0, "large": 600.0}
POWER_BASE = {"micro": 4_000.0, "small": 30_000.0, "medium": 250_000.0, "large": 2_000_000.0}
HEAVY_POWER = {"B": 4.0, "C": 3.0, "D": 5.0, "H": 1.5, "F": 0.6, "L": 0.4, "I": 0.5}
TAX_SEASON = np.array([0.85, 1.0, 1.0, 1.15])
POWER_SEASON = np.array([1.1, 0.9, 1.1, 0.9])


def add_periodic(
    rng: np.random.Generator,
    batch: RecordBatch,
    z: np.ndarray,
    x: np.ndarray,
    mu: np.ndarray,
    scale: np.ndarray,
    industry: np.ndarray,
    alive: np.ndarray,
    est_month: np.ndarray,
) -> None:
    """Add quarterly activity records and yearly tax levels for a chunk of enterprises."""
    n = len(mu)
    firm_size = rng.lognormal(0.0, 0.8, n)
    tax_base = np.array([TAX_BASE[s] for s in scale]) * firm_size
    staff_base = np.array([STAFF_BASE[s] for s in scale]) * np.sqrt(firm_size)
    power_base = (
        np.array([POWER_BASE[s] for s in scale])
        * firm_size
        * np.array([HEAVY_POWER.get(s, 1.0) for s in industry])
    )
    metered = rng.random(n) < 0.6
    fund = rng.random(n) < np.where(np.isin(scale, ["medium", "large"]), 0.8, 0.15)
    zero_prone = scale == "micro"
    q = QUARTER_ENDS
    live = alive[:, q]
    # Activity follows the drifting part of risk with a one-quarter lag.
    drift = x[:, np.maximum(q - 3, 0)]
    quarter = (q // 3) % 4
    i, k = np.nonzero(live)
    day = month_end(q[k])
    zero = zero_prone[i] & (rng.random(len(i)) < sigmoid(-0.6 + 0.6 * z[i, q[k]]))
    tax = (
        tax_base[i]
        * np.exp(-0.5 * drift[i, k] - 0.35 * mu[i])
        * TAX_SEASON[quarter[k]]
        * rng.lognormal(0.0, 0.3, len(i))
    )
    batch.add(
        "tax_paid", i, day, lag(rng, day, 15, 45), amount=np.where(zero, 0.0, np.round(tax, 2))
    )
    staff = np.round(
        staff_base[i] * np.exp(-0.3 * drift[i, k] - 0.1 * mu[i]) * rng.lognormal(0, 0.08, len(i))
    )
    has = staff >= 1
    batch.add(
        "social_insurance_headcount",
        i[has],
        day[has],
        lag(rng, day[has], 5, 30),
        value_num=staff[has],
    )
    f = has & fund[i]
    contributors = np.maximum(1, np.round(staff[f] * rng.uniform(0.5, 1.0, int(f.sum()))))
    batch.add(
        "housing_fund",
        i[f],
        day[f],
        lag(rng, day[f], 5, 30),
        value_num=contributors,
        amount=np.round(contributors * 3 * rng.uniform(250, 600, int(f.sum())), 2),
    )
    m = metered[i]
    kwh = (
        power_base[i[m]]
        * np.exp(-0.35 * drift[i[m], k[m]])
        * POWER_SEASON[quarter[k[m]]]
        * rng.lognormal(0.0, 0.2, int(m.sum()))
    )
    batch.add(
        "utility_consumption",
        i[m],
        day[m],
        lag(rng, day[m], 5, 20),
        value_num=np.round(kwh),
        value_text="electricity",
    )
    _tax_levels(rng, batch, z, alive, est_month)


def _tax_levels(
    rng: np.random.Generator,
    batch: RecordBatch,
    z: np.ndarray,
    alive: np.ndarray,
    est_month: np.ndarray,
) -> None:
    """纳税信用级别 for years 2021–2025, published in April of the next year."""
    n = len(z)
    previous_d = np.zeros(n, dtype=bool)
    for year in range(2021, 2026):
        dec = (year - 2021) * 12 + 11
        live = np.flatnonzero(alive[:, dec])
        score = 81.0 - 6.0 * z[live, dec] + rng.normal(0.0, 4.0, len(live))
        level = np.select([score >= 90, score >= 70, score >= 40], ["A", "B", "C"], "D")
        age_months = dec - est_month[live]
        level = np.where((level == "A") & ((age_months < 36) | previous_d[live]), "B", level)
        # judged D directly (e.g. serious tax fraud), far likelier for risky firms
        direct_d = rng.random(len(live)) < sigmoid(-6.5 + 1.2 * z[live, dec])
        level = np.where(direct_d, "D", level)
        level = np.where(age_months < 12, "M", level)
        previous_d[:] = False
        previous_d[live] = level == "D"
        published_month = dec + 4
        if published_month >= N_MONTHS:
            continue
        event = np.full(len(live), np.datetime64(f"{year}-12-31"))
        decided = np.datetime64(f"{year + 1}-04-01") + rng.integers(0, 25, len(live)).astype(
            "timedelta64[D]"
        )
        batch.add(
            "tax_credit_level",
            live,
            event,
            lag(rng, decided, 0, 10),
            decided_on=decided,
            valid_until=np.datetime64(f"{year + 2}-04-30"),
            value_text=level.astype(object),
        )
