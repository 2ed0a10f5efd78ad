"""Who lives in the generated city: divisions, enterprises and their legal
representatives, farm households, drivers — with their permanent risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.records.ids import generate_id_numbers, generate_uscc
from features.records.regions import COUNTIES
from features.records.synthetic import names
from features.records.synthetic.calendar import END_DAY, START_DAY, month_index
from features.records.synthetic.params import (
    DRIVER_LATENT,
    ENTERPRISE_LATENT,
    HOUSEHOLD_LATENT,
    INDUSTRY_MIX,
    SCALE_MIX,
    ScaleSpec,
)

COUNTY_CODES = np.array([c.code for c in COUNTIES], dtype=object)
COUNTY_NAMES = np.array([c.name_zh for c in COUNTIES], dtype=object)


def _standardise(v: np.ndarray, sd: float) -> np.ndarray:
    return (v - v.mean()) / (v.std() or 1.0) * sd


def _random_days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    span = (np.asarray(hi, "datetime64[D]") - np.asarray(lo, "datetime64[D]")).astype(int)
    return np.asarray(lo, "datetime64[D]") + (rng.random(len(span)) * np.maximum(span, 1)).astype(
        "timedelta64[D]"
    )


def unique_person_ids(
    rng: np.random.Generator,
    regions: np.ndarray,
    births: np.ndarray,
    male: np.ndarray,
    taken: set[str],
) -> np.ndarray:
    """ID numbers that collide neither with each other nor with ``taken`` (updated)."""
    ids = generate_id_numbers(rng, regions, births, male)
    while True:
        seen: set[str] = set()
        clash = np.zeros(len(ids), dtype=bool)
        for i, code in enumerate(ids):
            if code in taken or code in seen:
                clash[i] = True
            else:
                seen.add(code)
        if not clash.any():
            taken.update(seen)
            return ids
        ids[clash] = generate_id_numbers(rng, regions[clash], births[clash], male[clash])


@dataclass
class Divisions:
    """Townships and villages with their statistical codes."""

    townships: pd.DataFrame  # township_code, name, region_code
    villages: pd.DataFrame  # village_code, name, township_code, region_code, effect


def make_divisions(rng: np.random.Generator, spec: ScaleSpec) -> Divisions:
    """Townships per county by population, villages per township."""
    shares = np.array([c.population_share for c in COUNTIES])
    per_county = np.maximum(1, np.round(shares * spec.townships).astype(int))
    rows = []
    for county, k in zip(COUNTIES, per_county, strict=True):
        urban = county.code == "530302"
        kinds = rng.choice(["street", "town", "township"], k, p=[0.0, 0.75, 0.25])
        if urban:
            kinds = rng.choice(["street", "town"], k, p=[0.6, 0.4])
        serial = {"street": 0, "town": 100, "township": 200}
        for kd in kinds:
            serial[kd] += 1
            suffix = {"street": "街道", "town": "镇", "township": "乡"}[kd]
            rows.append((f"{county.code}{serial[kd]:03d}", suffix, county.code))
    tw = pd.DataFrame(rows, columns=["township_code", "suffix", "region_code"])
    tw["name"] = names.place_names(rng, len(tw), tw["suffix"].to_numpy())
    tw_weight = shares[[COUNTY_CODES.tolist().index(r) for r in tw["region_code"]]]
    tw_weight = (
        tw_weight
        / np.bincount(
            [COUNTY_CODES.tolist().index(r) for r in tw["region_code"]], minlength=len(COUNTIES)
        )[[COUNTY_CODES.tolist().index(r) for r in tw["region_code"]]]
    )
    v_town = rng.choice(len(tw), spec.villages, p=tw_weight / tw_weight.sum())
    v_town[: len(tw)] = np.arange(len(tw))  # every township has at least one village
    v_town.sort()
    serial = np.zeros(len(tw), dtype=int)
    codes = []
    for t in v_town:
        serial[t] += 1
        codes.append(f"{tw['township_code'].iat[t]}{200 + serial[t]:03d}")
    vil = pd.DataFrame(
        {
            "village_code": codes,
            "township_code": tw["township_code"].to_numpy()[v_town],
            "region_code": tw["region_code"].to_numpy()[v_town],
        }
    )
    vil["name"] = names.place_names(rng, len(vil), np.full(len(vil), "村委会", dtype=object))
    vil["effect"] = rng.normal(0.0, 0.35, len(vil))  # village credit culture
    return Divisions(tw.drop(columns="suffix"), vil)


@dataclass
class Enterprises:
    """Static attributes and permanent risk of the enterprises."""

    frame: pd.DataFrame  # subjects columns (status/closed_on filled later)
    mu: np.ndarray
    industry: np.ndarray
    scale: np.ndarray
    est_month: np.ndarray
    borrower: np.ndarray
    first_loan_month: np.ndarray
    rep: np.ndarray  # index into Persons
    persons: pd.DataFrame  # person_id, factor, risk


def make_enterprises(rng: np.random.Generator, spec: ScaleSpec, taken: set[str]) -> Enterprises:
    """Enterprises with industry, scale, age, capital and a legal representative."""
    n = spec.enterprises
    county = rng.choice(len(COUNTIES), n, p=[c.enterprise_share for c in COUNTIES])
    sections = np.array(list(INDUSTRY_MIX), dtype=object)
    ind_p = np.array([v[0] for v in INDUSTRY_MIX.values()])
    industry = rng.choice(sections, n, p=ind_p / ind_p.sum())
    scales = np.array(list(SCALE_MIX), dtype=object)
    scale = rng.choice(scales, n, p=[v[0] for v in SCALE_MIX.values()])
    coop = (industry == "A") & (rng.random(n) < 0.4)
    # 60 % registered before 2021, more of them recently; 40 % during 2021–2026.
    old = rng.random(n) < 0.6
    years = np.arange(2000, 2021)
    w = 1.12 ** (years - 2000)
    year = rng.choice(years, n, p=w / w.sum())
    lo = np.where(old, year.astype(str).astype("datetime64[D]"), START_DAY)
    hi = np.where(old, (year + 1).astype(str).astype("datetime64[D]"), END_DAY)
    established = _random_days(rng, lo, hi)
    cap_median = {"micro": 50.0, "small": 300.0, "medium": 2000.0, "large": 20000.0}
    capital = np.round(np.array([cap_median[s] for s in scale]) * rng.lognormal(0.0, 0.7, n), 1)

    regions = COUNTY_CODES[county]
    ids = generate_uscc(rng, regions, "91")
    ids[coop] = generate_uscc(rng, regions[coop], "93")
    ids = _dedupe_uscc(rng, ids, regions, coop)
    name = names.enterprise_names(rng, COUNTY_NAMES[county], industry, coop)

    # Legal representatives: most run one firm, a pool of serial founders runs several.
    pool = max(1, int(0.05 * n))
    shared = rng.random(n) < 0.22
    rep = np.where(shared, rng.integers(0, pool, n), pool + np.cumsum(~shared) - 1)
    n_persons = pool + int((~shared).sum())
    p_region = np.where(
        np.arange(n_persons) < pool, COUNTY_CODES[rng.integers(0, len(COUNTIES), n_persons)], ""
    )
    p_region[rep[~shared]] = regions[~shared]
    births = _random_days(
        rng,
        np.full(n_persons, np.datetime64("1955-01-01")),
        np.full(n_persons, np.datetime64("1998-12-31")),
    )
    person_ids = unique_person_ids(rng, p_region, births, rng.random(n_persons) < 0.75, taken)
    factor = rng.normal(0.0, 1.0, n_persons)

    ind_off = np.array([INDUSTRY_MIX[s][1] for s in industry])
    scale_off = np.array([SCALE_MIX[s][1] for s in scale])
    log_cap = np.log(capital)
    mu = _standardise(
        ind_off
        + scale_off
        + 0.3 * (~old)
        - 0.15 * (log_cap - log_cap.mean()) / log_cap.std()
        + 0.5 * factor[rep]
        + rng.normal(0.0, 0.8, n),
        ENTERPRISE_LATENT.mu_sd,
    )
    # A person's own risk: their own factor and the firms they run.
    firm_risk = np.bincount(rep, weights=mu, minlength=n_persons) / np.maximum(
        np.bincount(rep, minlength=n_persons), 1
    )
    person_risk = _standardise(1.0 * factor + 0.6 * firm_risk, 1.0)

    est_month = month_index(established)
    borrower = (scale != "large") & (rng.random(n) < 0.30)
    first_loan = np.maximum(
        np.maximum(est_month, 0) + rng.integers(0, 6, n),
        np.where(rng.random(n) < 0.5, rng.integers(0, 6, n), rng.integers(0, 70, n)),
    )
    frame = pd.DataFrame(
        {
            "subject_id": ids,
            "subject_type": "enterprise",
            "name": name,
            "region_code": regions,
            "industry": industry,
            "scale": scale,
            "registered_capital": capital,
            "established_on": established,
            "legal_rep_id": person_ids[rep],
        }
    )
    persons = pd.DataFrame({"person_id": person_ids, "factor": factor, "risk": person_risk})
    return Enterprises(frame, mu, industry, scale, est_month, borrower, first_loan, rep, persons)


def _dedupe_uscc(
    rng: np.random.Generator, ids: np.ndarray, regions: np.ndarray, coop: np.ndarray
) -> np.ndarray:
    while True:
        _, first = np.unique(ids.astype(str), return_index=True)
        dup = np.ones(len(ids), dtype=bool)
        dup[first] = False
        if not dup.any():
            return ids
        for cat, sel in (("91", dup & ~coop), ("93", dup & coop)):
            if sel.any():
                ids[sel] = generate_uscc(rng, regions[sel], cat)


@dataclass
class Households:
    """Farm households, their villages and permanent risk."""

    frame: pd.DataFrame
    mu: np.ndarray
    village: np.ndarray  # index into Divisions.villages
    borrower: np.ndarray
    first_loan_month: np.ndarray


def make_households(
    rng: np.random.Generator, spec: ScaleSpec, div: Divisions, taken: set[str]
) -> Households:
    """Households spread over villages with size, labour, land, assets and income."""
    n = spec.households
    vsize = rng.lognormal(0.0, 0.35, len(div.villages))
    village = rng.choice(len(div.villages), n, p=vsize / vsize.sum())
    vil = div.villages
    regions = vil["region_code"].to_numpy()[village]
    births = _random_days(
        rng, np.full(n, np.datetime64("1950-01-01")), np.full(n, np.datetime64("1995-12-31"))
    )
    heads = unique_person_ids(rng, regions, births, rng.random(n) < 0.85, taken)
    size = np.clip(rng.poisson(2.8, n) + 1, 1, 9)
    labour = np.minimum(size, rng.binomial(size, 0.6) + (rng.random(n) < 0.8))
    land = np.round(rng.lognormal(np.log(6.0), 0.6, n), 1)
    wealth = rng.normal(0.0, 1.0, n)
    assets = np.round(150_000 * np.exp(0.6 * wealth + rng.normal(0, 0.5, n)), -2)
    income = np.round(
        40_000
        * np.exp(
            0.4 * wealth + 0.25 * np.log(land / 6.0) + 0.15 * (labour - 2) + rng.normal(0, 0.4, n)
        ),
        -2,
    )
    labour_share = labour / size
    mu = _standardise(
        -0.35 * (labour_share - labour_share.mean()) / labour_share.std()
        - 0.25 * wealth
        - 0.25 * (np.log(income) - np.log(income).mean()) / np.log(income).std()
        + vil["effect"].to_numpy()[village]
        + rng.normal(0.0, 0.7, n),
        HOUSEHOLD_LATENT.mu_sd,
    )
    borrower = rng.random(n) < 0.55
    first_loan = np.where(rng.random(n) < 0.6, rng.integers(0, 6, n), rng.integers(0, 70, n))
    frame = pd.DataFrame(
        {
            "subject_id": heads,
            "subject_type": "household",
            "name": names.person_names(rng, n),
            "region_code": regions,
            "township_code": vil["township_code"].to_numpy()[village],
            "village_code": vil["village_code"].to_numpy()[village],
            "household_size": size,
            "labour_count": labour,
            "land_mu": land,
            "assets_value": assets,
            "annual_income": income,
            "status": "active",
        }
    )
    return Households(frame, mu, village, borrower, first_loan)


@dataclass
class Drivers:
    """Road-transport drivers, their employers and permanent risk."""

    frame: pd.DataFrame
    mu: np.ndarray
    licence: np.ndarray
    employer: np.ndarray  # index into Enterprises or -1


def make_drivers(
    rng: np.random.Generator, spec: ScaleSpec, ent: Enterprises, taken: set[str]
) -> Drivers:
    """Drivers with licence class, licence date and (mostly) a transport employer."""
    n = spec.drivers
    transport = np.flatnonzero((ent.industry == "G") & (ent.est_month < 24))
    weight = np.array(
        [{"micro": 1, "small": 6, "medium": 30, "large": 100}[s] for s in ent.scale[transport]],
        dtype=float,
    )
    employed = rng.random(n) < 0.75
    drawn = transport[rng.choice(len(transport), n, p=weight / weight.sum())]
    employer = np.where(employed, drawn, -1)
    licence = rng.choice(
        np.array(["A1", "A2", "B1", "B2", "C1"], dtype=object), n, p=[0.05, 0.2, 0.05, 0.3, 0.4]
    )
    regions = np.where(
        employed,
        ent.frame["region_code"].to_numpy()[np.maximum(employer, 0)],
        COUNTY_CODES[rng.integers(0, len(COUNTIES), n)],
    )
    births = _random_days(
        rng, np.full(n, np.datetime64("1962-01-01")), np.full(n, np.datetime64("2002-12-31"))
    )
    ids = unique_person_ids(rng, regions, births, rng.random(n) < 0.93, taken)
    adult = births + np.timedelta64(18 * 365 + 5, "D")
    licensed = _random_days(
        rng, np.maximum(adult, np.datetime64("1995-01-01")), np.full(n, np.datetime64("2024-06-30"))
    )
    young = births > np.datetime64("1994-01-01")
    novice = licensed > np.datetime64("2020-06-30")
    emp_mu = np.where(employed, ent.mu[np.maximum(employer, 0)], 0.2)
    mu = _standardise(
        0.4 * young
        + 0.3 * novice
        + 0.25 * np.isin(licence, ["A2", "B2"])
        + 0.35 * emp_mu
        + rng.normal(0.0, 0.8, n),
        DRIVER_LATENT.mu_sd,
    )
    employer_id = np.where(
        employed, ent.frame["subject_id"].to_numpy()[np.maximum(employer, 0)], None
    )
    frame = pd.DataFrame(
        {
            "subject_id": ids,
            "subject_type": "driver",
            "name": names.person_names(rng, n),
            "region_code": regions,
            "established_on": licensed,
            "licence_class": licence,
            "employer_id": employer_id,
            "status": "active",
        }
    )
    return Drivers(frame, mu, licence, employer)


#: Share of micro and small firms whose legal representative is a farm household's
#: head of the same county (个体 and family firms run from a farm), and a driver's.
HOUSEHOLD_REP_SHARE = 0.10
DRIVER_REP_SHARE = 0.01


def people_behind_firms(
    rng: np.random.Generator, ent: Enterprises, hh: Households, drv: Drivers
) -> pd.DataFrame:
    """``ent.frame`` with some micro and small firms represented by a household head or
    a driver of the same county (seed 002 #12 then carries the firm's serious records
    to the person's rating).

    A firm run by one representative only is chosen, so no serial founder loses a firm.
    Within a county, firms and persons are paired by rank of their latent risk plus as
    much noise (correlation about one half): a risky farmer tends to run a risky firm.
    ``rng`` is a stream of its own: every other draw of the city is unchanged.
    """
    frame = ent.frame.copy()
    own = np.bincount(ent.rep)[ent.rep] == 1
    small = np.isin(ent.scale, ["micro", "small"]) & own
    pick = rng.random(len(frame))
    regions = frame["region_code"].to_numpy()
    reps = frame["legal_rep_id"].to_numpy(dtype=object)
    for persons, mu, lo, hi in (
        (hh.frame, hh.mu, 0.0, HOUSEHOLD_REP_SHARE),
        (drv.frame, drv.mu, HOUSEHOLD_REP_SHARE, HOUSEHOLD_REP_SHARE + DRIVER_REP_SHARE),
    ):
        chosen = small & (pick >= lo) & (pick < hi)
        p_regions = persons["region_code"].to_numpy()
        for region in np.unique(regions[chosen]):
            firms = np.flatnonzero(chosen & (regions == region))
            pool = np.flatnonzero(p_regions == region)
            if not len(pool):
                continue
            people = rng.choice(pool, min(len(firms), len(pool)), replace=False)
            firms = firms[: len(people)]
            f_rank = np.argsort(_z(ent.mu[firms]) + rng.normal(0.0, 1.0, len(firms)))
            p_rank = np.argsort(_z(mu[people]) + rng.normal(0.0, 1.0, len(people)))
            reps[firms[f_rank]] = persons["subject_id"].to_numpy()[people[p_rank]]
    frame["legal_rep_id"] = reps
    return frame


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std() if len(x) > 1 and x.std() > 0 else x - x.mean()
