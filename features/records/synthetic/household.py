"""Records of one chunk of farm households: loans, village assessment,
agricultural insurance and subsidies, arrears and the odd public record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.records.synthetic.batch import RecordBatch
from features.records.synthetic.calendar import N_MONTHS, N_SIM
from features.records.synthetic.enterprise import add_dishonest, add_loan_records
from features.records.synthetic.events import dated, lag, pick, sigmoid, window_end
from features.records.synthetic.latent import draw_events, intensity, simulate_x
from features.records.synthetic.loans import LoanBook, simulate_loans
from features.records.synthetic.params import HOUSEHOLD_HAZARDS as H
from features.records.synthetic.params import HOUSEHOLD_LATENT as SPEC
from features.records.windows import WindowPolicy, add_months


@dataclass
class HouseholdChunk:
    """What one chunk of households produced."""

    records: RecordBatch
    z: np.ndarray
    x: np.ndarray
    loans: LoanBook


def generate_chunk(
    rng: np.random.Generator,
    mu: np.ndarray,
    village_effect: np.ndarray,
    land_mu: np.ndarray,
    assets: np.ndarray,
    income: np.ndarray,
    borrower: np.ndarray,
    first_loan: np.ndarray,
    windows: WindowPolicy,
    prefix: str,
) -> HouseholdChunk:
    """Latent paths and every record of a chunk of households."""
    n = len(mu)
    months = np.arange(N_SIM)
    x = simulate_x(rng, n, SPEC, N_SIM)
    z = mu[:, None] + x
    alive = np.ones((n, N_SIM), dtype=bool)
    recordable = months[None, :] < N_MONTHS
    batch = RecordBatch(prefix)

    # Rural credit-cooperative loans: size from assets and income.
    size = np.clip(0.2 * assets + 0.5 * income, 20_000, 200_000)
    loans = simulate_loans(
        rng,
        z,
        SPEC,
        borrower,
        first_loan,
        alive,
        size,
        H["loan_default"],
        H["loan_dpd30"],
        H["loan_late"],
        renew=0.9,
    )
    add_loan_records(rng, batch, loans, dept="bank", commitments=True)

    def events(key: str) -> tuple[np.ndarray, np.ndarray]:
        return draw_events(rng, intensity(H[key], z, SPEC.var, months), recordable)

    i, t = events("utility_arrears")
    when = dated(rng, t)
    batch.add(
        "utility_arrears",
        i,
        when,
        lag(rng, when, 10, 40),
        valid_until=add_months(when, 3),
        severity="minor",
        value_text="electricity",
        amount=np.round(rng.lognormal(np.log(400), 0.7, len(i)), 1),
    )
    i, t = events("penalty")
    decided = dated(rng, t)
    sev = pick(rng, ("minor", "general"), [0.7, 0.3], len(i))
    batch.add(
        "administrative_penalty",
        i,
        lag(rng, decided, -60, -10),
        lag(rng, decided, 1, 20),
        decided_on=decided,
        valid_until=window_end(windows, "administrative_penalty", sev, decided),
        severity=sev,
        value_text=pick(rng, ("environment", "fire", "other"), [0.4, 0.2, 0.4], len(i)),
        amount=np.round(rng.lognormal(np.log(800), 0.8, len(i)), -1),
        source_dept="agriculture",
    )
    i, t = events("court_judgment")
    decided = dated(rng, t)
    sev = np.full(len(i), "minor", dtype=object)
    batch.add(
        "court_judgment",
        i,
        lag(rng, decided, -300, -60),
        lag(rng, decided, 5, 60),
        decided_on=decided,
        valid_until=window_end(windows, "court_judgment", sev, decided),
        severity=sev,
        value_text=pick(rng, ("debt", "contract", "tort"), [0.6, 0.2, 0.2], len(i)),
        amount=np.round(rng.lognormal(np.log(30_000), 0.8, len(i)), -2),
    )
    i, t = events("dishonest")
    add_dishonest(rng, batch, i, t)

    for year in range(2021, 2027):
        dec = (year - 2021) * 12 + 11
        if dec < N_MONTHS:
            # 村两委评议 each December, shared in January.
            score = np.clip(
                np.round(82 - 5.0 * z[:, dec] + 4.0 * village_effect + rng.normal(0, 4.0, n)),
                30,
                100,
            )
            day = np.full(n, np.datetime64(f"{year}-12-20"))
            batch.add(
                "village_assessment",
                np.arange(n),
                day,
                lag(rng, day, 10, 40),
                valid_until=add_months(day, 12),
                value_num=score,
            )
        spring = (year - 2021) * 12 + 3
        if spring < N_MONTHS:
            insured = np.flatnonzero(rng.random(n) < sigmoid(0.9 - 0.5 * z[:, spring]))
            day = dated(rng, np.full(len(insured), spring))
            batch.add(
                "agricultural_insurance",
                insured,
                day,
                lag(rng, day, 5, 30),
                valid_until=add_months(day, 12),
                amount=np.round(land_mu[insured] * rng.uniform(600, 1000, len(insured)), 0),
            )
            got = np.flatnonzero(rng.random(n) < 0.92)
            day = dated(rng, np.full(len(got), spring + 2))
            batch.add(
                "agricultural_subsidy",
                got,
                day,
                lag(rng, day, 5, 30),
                amount=np.round(land_mu[got] * rng.uniform(90, 130, len(got)), 1),
                value_text="耕地地力保护补贴",
            )
    return HouseholdChunk(batch, z, x, loans)
