"""Event records of one chunk of enterprises: penalties, lists, court, arrears, loans…"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.records.synthetic import activity
from features.records.synthetic.batch import RecordBatch
from features.records.synthetic.calendar import N_MONTHS, N_SIM, month_end
from features.records.synthetic.events import dated, lag, pick, sigmoid, window_end
from features.records.synthetic.latent import draw_events, intensity, simulate_x
from features.records.synthetic.loans import LoanBook, simulate_loans
from features.records.synthetic.params import (
    ENTERPRISE_HAZARDS as H,
)
from features.records.synthetic.params import (
    ENTERPRISE_LATENT as SPEC,
)
from features.records.synthetic.params import (
    macro_path,
)
from features.records.windows import WindowPolicy, add_months

# Which sectors an industry's penalties fall in (weights), and who decides them.
SECTORS = {
    "H": (("food", "fire", "price", "other"), [0.6, 0.15, 0.1, 0.15]),
    "C": (
        ("quality", "environment", "work_safety", "food", "special_equipment"),
        [0.3, 0.25, 0.2, 0.15, 0.1],
    ),
    "B": (("work_safety", "environment", "other"), [0.55, 0.35, 0.1]),
    "E": (("construction", "work_safety", "labour", "environment"), [0.4, 0.3, 0.2, 0.1]),
    "G": (("transport", "work_safety", "other"), [0.6, 0.25, 0.15]),
    "F": (("quality", "price", "food", "drug", "other"), [0.35, 0.2, 0.2, 0.1, 0.15]),
    "Q": (("drug", "quality", "other"), [0.6, 0.2, 0.2]),
}
DEFAULT_SECTORS = (("other", "quality", "price", "tax", "labour"), [0.4, 0.2, 0.15, 0.15, 0.1])
SECTOR_DEPT = {
    "environment": "environment",
    "work_safety": "emergency",
    "fire": "emergency",
    "tax": "tax",
    "labour": "hrss",
    "transport": "transport",
}
LOAN_SIZE = {"micro": 300_000.0, "small": 1_500_000.0, "medium": 6_000_000.0, "large": 2e7}


@dataclass
class EnterpriseChunk:
    """What one chunk of enterprises produced."""

    records: RecordBatch
    z: np.ndarray
    x: np.ndarray
    macro: np.ndarray
    alive: np.ndarray
    closure_month: np.ndarray
    loans: LoanBook


def generate_chunk(
    rng: np.random.Generator,
    mu: np.ndarray,
    industry: np.ndarray,
    scale: np.ndarray,
    est_month: np.ndarray,
    borrower: np.ndarray,
    first_loan: np.ndarray,
    windows: WindowPolicy,
    prefix: str,
) -> EnterpriseChunk:
    """Latent paths and every record of a chunk of enterprises (indices are chunk-local)."""
    n = len(mu)
    months = np.arange(N_SIM)
    x = simulate_x(rng, n, SPEC, N_SIM)
    macro = macro_path(industry, N_SIM)
    z = mu[:, None] + x + macro

    # Survival: closure hazard from the month after registration.
    born = months[None, :] >= est_month[:, None]
    c_t, c_m = draw_events(rng, intensity(H["closure"], z, SPEC.var, months), born)
    closure = np.full(n, N_SIM + 1)
    np.minimum.at(closure, c_t, c_m)
    alive = born & (months[None, :] < closure[:, None])
    recordable = alive & (months[None, :] < N_MONTHS)

    batch = RecordBatch(prefix)

    def events(key: str, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        m = recordable if mask is None else recordable & mask
        return draw_events(rng, intensity(H[key], z, SPEC.var, months), m)

    _penalties(rng, batch, events, z, industry, windows)
    _lists(rng, batch, events, windows)
    _court_and_arrears(rng, batch, events, z, industry, windows)
    _positive(rng, batch, events, z)
    _sector_ratings(rng, batch, z, industry, alive)
    loans = simulate_loans(
        rng,
        z,
        SPEC,
        borrower,
        first_loan,
        alive,
        np.array([LOAN_SIZE[s] for s in scale]),
        H["loan_default"],
        H["loan_dpd30"],
        H["loan_late"],
    )
    add_loan_records(rng, batch, loans, dept="bank")
    activity.add_periodic(rng, batch, z, x, mu, scale, industry, alive, est_month)
    return EnterpriseChunk(batch, z, x, macro, alive, closure, loans)


def _penalties(rng, batch, events, z, industry, windows) -> None:
    for key in ("penalty_gs", "penalty_minor"):
        i, t = events(key)
        n = len(i)
        decided = dated(rng, t)
        if key == "penalty_gs":
            serious = rng.random(n) < sigmoid(-2.2 + 0.5 * z[i, t])
            severity = np.where(serious, "serious", "general").astype(object)
            amount = np.where(
                serious,
                rng.lognormal(np.log(150_000), 0.9, n),
                rng.lognormal(np.log(20_000), 0.8, n),
            )
        else:
            severity = np.full(n, "minor", dtype=object)
            amount = rng.lognormal(np.log(1_500), 0.7, n)
        sector = np.empty(n, dtype=object)
        for section in np.unique(industry[i]) if n else []:
            sel = industry[i] == section
            opts, p = SECTORS.get(section, DEFAULT_SECTORS)
            sector[sel] = pick(rng, opts, p, int(sel.sum()))
        dept = np.array([SECTOR_DEPT.get(s, "samr") for s in sector], dtype=object)
        revoked = np.where(rng.random(n) < 0.02, lag(rng, decided, 30, 180), np.datetime64("NaT"))
        batch.add(
            "administrative_penalty",
            i,
            lag(rng, decided, -90, -15),
            lag(rng, decided, 1, 20),
            decided_on=decided,
            valid_until=window_end(windows, "administrative_penalty", severity, decided),
            revoked_on=revoked,
            severity=severity,
            value_text=sector,
            amount=np.round(amount, -1),
            source_dept=dept,
        )


def _lists(rng, batch, events, windows) -> None:
    i, t = events("abnormal_list")
    decided = dated(rng, t)
    month = (t % 12) + 1
    reason = np.where(
        np.isin(month, [7, 8]) & (rng.random(len(i)) < 0.9),
        "annual_report",
        pick(
            rng,
            ("unreachable_address", "false_disclosure", "information_concealed"),
            [0.8, 0.1, 0.1],
            len(i),
        ),
    )
    cured = rng.random(len(i)) < 0.65
    removed = np.where(
        cured,
        add_months(decided, np.ceil(rng.lognormal(np.log(4), 0.7, len(i))).astype(int)),
        np.datetime64("NaT"),
    )
    batch.add(
        "abnormal_operations_list",
        i,
        decided,
        lag(rng, decided, 0, 3),
        decided_on=decided,
        valid_until=removed,
        severity="general",
        value_text=reason.astype(object),
    )

    i, t = events("serious_list")
    decided = dated(rng, t)
    batch.add(
        "serious_violation_list",
        i,
        lag(rng, decided, -120, -30),
        lag(rng, decided, 0, 5),
        decided_on=decided,
        valid_until=window_end(
            windows, "serious_violation_list", np.full(len(i), "serious", dtype=object), decided
        ),
        severity="serious",
    )

    i, t = events("dishonest")
    add_dishonest(rng, batch, i, t)


def add_dishonest(
    rng: np.random.Generator, batch: RecordBatch, i: np.ndarray, t: np.ndarray
) -> None:
    """失信被执行人 listings: half are lifted once the judgment is performed."""
    decided = dated(rng, t)
    n = len(i)
    lifted = rng.random(n) < 0.5
    removal = np.where(lifted, add_months(decided, rng.integers(3, 30, n)), np.datetime64("NaT"))
    batch.add(
        "dishonest_judgment_debtor",
        i,
        lag(rng, decided, -200, -60),
        lag(rng, decided, 1, 7),
        decided_on=decided,
        valid_until=removal,
        severity="serious",
        amount=np.round(rng.lognormal(np.log(80_000), 1.0, n), -2),
    )


def _court_and_arrears(rng, batch, events, z, industry, windows) -> None:
    i, t = events("court_judgment")
    n = len(i)
    decided = dated(rng, t)
    amount = np.round(rng.lognormal(np.log(60_000), 1.1, n), -2)
    sev = np.where(amount > 100_000, "general", "minor").astype(object)
    batch.add(
        "court_judgment",
        i,
        lag(rng, decided, -300, -60),
        lag(rng, decided, 5, 60),
        decided_on=decided,
        valid_until=window_end(windows, "court_judgment", sev, decided),
        severity=sev,
        amount=amount,
        value_text=pick(
            rng, ("contract", "debt", "labour", "tort", "other"), [0.4, 0.3, 0.15, 0.1, 0.05], n
        ),
    )
    for key, kind, sevs, p, median in (
        ("tax_arrears", "tax_arrears", ("minor", "general", "serious"), [0.5, 0.4, 0.1], 30_000),
        ("si_arrears", "social_insurance_arrears", ("minor", "general"), [0.6, 0.4], 20_000),
        ("wage_arrears", "wage_arrears", ("general", "serious"), [0.8, 0.2], 150_000),
        ("utility_arrears", "utility_arrears", ("minor",), [1.0], 3_000),
    ):
        i, t = events(key)
        n = len(i)
        when = dated(rng, t)
        sev = pick(rng, sevs, p, n)
        extra = {}
        if kind == "utility_arrears":
            extra["value_text"] = pick(rng, ("electricity", "water", "gas"), [0.7, 0.2, 0.1], n)
        batch.add(
            kind,
            i,
            when,
            lag(rng, when, 10, 40),
            valid_until=window_end(windows, kind, sev, when),
            severity=sev,
            amount=np.round(rng.lognormal(np.log(median), 0.9, n), -1),
            **extra,
        )
    i, t = events("bidding_misconduct", (industry == "E")[:, None])
    decided = dated(rng, t)
    sev = pick(rng, ("minor", "general", "serious"), [0.3, 0.5, 0.2], len(i))
    batch.add(
        "bidding_misconduct",
        i,
        lag(rng, decided, -120, -20),
        lag(rng, decided, 1, 20),
        decided_on=decided,
        valid_until=window_end(windows, "bidding_misconduct", sev, decided),
        severity=sev,
    )


def _positive(rng, batch, events, z) -> None:
    i, t = events("licence")
    when = dated(rng, t)
    batch.add(
        "administrative_licence",
        i,
        when,
        lag(rng, when, 1, 7),
        decided_on=when,
        valid_until=add_months(when, 60),
        value_text=pick(
            rng,
            (
                "营业执照变更",
                "食品经营许可",
                "道路运输经营许可",
                "排污许可",
                "建筑业企业资质",
                "其他许可",
            ),
            [0.4, 0.2, 0.1, 0.1, 0.1, 0.1],
            len(i),
        ),
    )
    # Half of the licences come with a signed credit commitment (告知承诺制).
    made = rng.random(len(i)) < 0.5
    batch.add(
        "credit_commitment", i[made], when[made], when[made], value_text="made", source_dept="ndrc"
    )
    b_i, b_t = events("commitment_broken")
    broken = dated(rng, b_t)
    batch.add("credit_commitment", b_i, broken, lag(rng, broken, 5, 30), value_text="broken")
    kept_day = add_months(when[made], 12)
    batch.add("credit_commitment", i[made], kept_day, lag(rng, kept_day, 1, 15), value_text="kept")
    i, t = events("honour")
    when = dated(rng, t)
    batch.add(
        "honour", i, when, lag(rng, when, 1, 15), decided_on=when, valid_until=add_months(when, 24)
    )
    i, t = events("qualification")
    when = dated(rng, t)
    batch.add(
        "qualification",
        i,
        when,
        lag(rng, when, 1, 15),
        decided_on=when,
        valid_until=add_months(when, 36),
        value_text=pick(
            rng,
            ("high_tech", "specialised_sme", "quality_certified", "famous_brand"),
            [0.3, 0.3, 0.3, 0.1],
            len(i),
        ),
        source_dept="samr",
    )
    # Red list each March for the most trustworthy, valid one year.
    for year_t in range(2, N_MONTHS, 12):
        chosen = np.flatnonzero(rng.random(len(z)) < sigmoid(-3.6 - 1.5 * z[:, year_t]))
        when = dated(rng, np.full(len(chosen), year_t))
        batch.add(
            "red_list",
            chosen,
            when,
            lag(rng, when, 0, 10),
            decided_on=when,
            valid_until=add_months(when, 12),
            value_text=pick(
                rng, ("contract_honouring", "integrity_model"), [0.7, 0.3], len(chosen)
            ),
        )


def _sector_ratings(rng, batch, z, industry, alive) -> None:
    """Yearly 环保信用评价 (polluting sections) and 安全生产信用评价 (hazardous ones)."""
    for year in range(2021, 2026):
        dec = (year - 2021) * 12 + 11
        published = dec + 5  # results come out in the spring
        if published >= N_MONTHS:
            continue
        for kind, sections, levels, cut, dept_month in (
            (
                "environmental_rating",
                ("B", "C", "D"),
                ("green", "blue", "yellow", "red", "black"),
                (-1.0, 0.6, 1.6, 2.4),
                published,
            ),
            (
                "safety_rating",
                ("B", "C", "E", "G"),
                ("A", "B", "C", "D"),
                (-0.8, 0.9, 2.0),
                published + 1,
            ),
        ):
            who = np.flatnonzero(np.isin(industry, sections) & alive[:, dec])
            score = z[who, dec] + rng.normal(0.0, 0.8, len(who))
            level = np.array(levels, dtype=object)[np.searchsorted(np.array(cut), score)]
            day = dated(rng, np.full(len(who), dept_month))
            batch.add(
                kind,
                who,
                np.full(len(who), np.datetime64(f"{year}-12-31")),
                lag(rng, day, 0, 10),
                decided_on=day,
                valid_until=add_months(day, 12),
                value_text=level,
            )


def add_loan_records(
    rng: np.random.Generator,
    batch: RecordBatch,
    book: LoanBook,
    dept: str,
    commitments: bool = False,
) -> None:
    """Loans granted, repaid, 30-day episodes and 90-day defaults of a loan book."""
    i, t, amount = book.start
    keep = t < N_MONTHS
    i, t, amount = i[keep], t[keep], amount[keep]
    granted = dated(rng, t)
    batch.add(
        "loan",
        i,
        granted,
        lag(rng, granted, 1, 15),
        valid_until=add_months(granted, 12),
        value_num=12.0,
        amount=amount,
        source_dept=dept,
    )
    if commitments:
        batch.add(
            "credit_commitment",
            i,
            granted,
            granted,
            value_text="made",
            source_dept="village_committee",
        )
    i, t, amount = book.repaid
    keep = t < N_MONTHS
    i, t, amount = i[keep], t[keep], amount[keep]
    day = month_end(t)
    batch.add("loan_repaid", i, day, lag(rng, day, 1, 15), amount=amount, source_dept=dept)
    if commitments:
        batch.add(
            "credit_commitment",
            i,
            day,
            lag(rng, day, 1, 15),
            value_text="kept",
            source_dept="village_committee",
        )
    i, t, amount = book.dpd30
    keep = t < N_MONTHS
    day = dated(rng, t[keep])
    batch.add(
        "loan_overdue",
        i[keep],
        day,
        lag(rng, day, 1, 10),
        value_num=rng.integers(30, 60, int(keep.sum())).astype(float),
        amount=np.round(amount[keep] * rng.uniform(0.05, 0.3, int(keep.sum())), -2),
        source_dept=dept,
    )
    i, t, amount = book.late
    keep = t < N_MONTHS
    day = dated(rng, t[keep])
    batch.add(
        "loan_overdue",
        i[keep],
        day,
        lag(rng, day, 1, 10),
        value_num=rng.integers(1, 30, int(keep.sum())).astype(float),
        amount=np.round(amount[keep] * rng.uniform(0.01, 0.1, int(keep.sum())), -2),
        source_dept=dept,
    )
    i, t, amount = book.default
    crossed = dated(rng, t)
    start = crossed - np.timedelta64(60, "D")
    # the 30-day record of a default episode is known two months before it crosses 90 days
    batch.add(
        "loan_overdue",
        i,
        start,
        lag(rng, start, 1, 10),
        value_num=30.0,
        amount=np.round(amount * 0.3, -2),
        source_dept=dept,
    )
    batch.add(
        "loan_overdue",
        i,
        crossed,
        lag(rng, crossed, 1, 10),
        value_num=90.0,
        amount=amount,
        source_dept=dept,
    )
    if commitments:
        batch.add(
            "credit_commitment",
            i,
            crossed,
            lag(rng, crossed, 1, 15),
            value_text="broken",
            source_dept="village_committee",
        )
