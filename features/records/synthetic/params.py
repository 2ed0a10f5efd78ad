"""Sizes, latent-risk processes and event rates of the generated city.

Rates are per subject-year averaged over the population; ``beta`` is the
log-hazard loading on the standardised latent risk. They were set from public
figures (stocks of 经营异常名录 and 失信被执行人, SME and rural NPL ratios,
road-accident rates) and then checked against the aims in DESIGN.md §4: base
rates of each scheme's target, and an oracle AUC below about 0.92 — never
tuned to flatter a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ScaleSpec:
    """How big the city is and how it is cut into chunks."""

    enterprises: int
    households: int
    villages: int
    townships: int
    drivers: int
    chunk: int
    truth_every_months: int


SCALES: dict[str, ScaleSpec] = {
    "tiny": ScaleSpec(2_000, 4_000, 20, 4, 1_000, 2_000, 1),  # tests
    "small": ScaleSpec(10_000, 20_000, 100, 12, 5_000, 10_000, 1),
    "city": ScaleSpec(300_000, 1_000_000, 2_500, 130, 200_000, 25_000, 3),
    # three cities' worth: the benchmark suite's growth step (bench/suite.py)
    "city3": ScaleSpec(900_000, 3_000_000, 7_500, 390, 600_000, 25_000, 3),
}
#: scales that are a multiple of another: a declared scheme's generator that gives no size
#: for them takes the multiple of its size at the other
MULTIPLES: dict[str, tuple[str, int]] = {"city3": ("city", 3)}

_FLAT = np.ones(12)


@dataclass(frozen=True)
class Hazard:
    """A recurrent event whose monthly intensity rises with the latent risk.

    ``lambda(t) = per_year / 12 * season[month] * exp(beta * z(t) - beta^2 * var_z / 2)``;
    the last term keeps ``per_year`` the population's mean yearly rate.
    """

    per_year: float
    beta: float
    season: np.ndarray = field(default_factory=lambda: _FLAT)


@dataclass(frozen=True)
class LatentSpec:
    """AR(1) latent risk: ``z = mu + x(t) + macro(t)``, ``x`` with monthly ``rho``."""

    mu_sd: float
    x_sd: float
    rho: float

    @property
    def var(self) -> float:
        """Stationary variance of ``mu + x``."""
        return self.mu_sd**2 + self.x_sd**2


def _season(peaks: dict[int, float]) -> np.ndarray:
    s = np.ones(12)
    for month, weight in peaks.items():
        s[month - 1] = weight
    return s * 12 / s.sum()


ENTERPRISE_LATENT = LatentSpec(mu_sd=1.0, x_sd=0.7, rho=0.95)
HOUSEHOLD_LATENT = LatentSpec(mu_sd=0.9, x_sd=0.6, rho=0.95)
DRIVER_LATENT = LatentSpec(mu_sd=0.9, x_sd=0.5, rho=0.93)

#: Enterprise events. The first four make the enterprise scheme's target.
ENTERPRISE_HAZARDS: dict[str, Hazard] = {
    "penalty_gs": Hazard(0.045, 1.3),  # general or serious penalty
    "abnormal_list": Hazard(0.030, 1.2, _season({7: 8.0, 8: 2.0})),  # annual reports due June 30
    "serious_list": Hazard(0.003, 1.8),
    "dishonest": Hazard(0.006, 1.6),
    "penalty_minor": Hazard(0.080, 1.0),
    "court_judgment": Hazard(0.040, 1.0),
    "tax_arrears": Hazard(0.080, 1.2),  # mostly late filing and small sums
    "si_arrears": Hazard(0.060, 1.1),
    "wage_arrears": Hazard(0.006, 1.4, _season({1: 3.0, 12: 2.0})),  # before the Spring Festival
    "utility_arrears": Hazard(0.060, 0.9),
    "bidding_misconduct": Hazard(0.020, 1.0),  # construction firms only
    "commitment_broken": Hazard(0.010, 1.2),
    "licence": Hazard(0.35, -0.2),
    "honour": Hazard(0.010, -1.0),
    "qualification": Hazard(0.015, -0.8),
    "closure": Hazard(0.030, 0.5),
    # SME loans (per outstanding loan)
    "loan_default": Hazard(0.050, 1.3),
    "loan_dpd30": Hazard(0.060, 1.0),
    "loan_late": Hazard(0.25, 1.0),  # a few days late, cured
}
ENTERPRISE_TARGET = ("penalty_gs", "abnormal_list", "serious_list", "dishonest")

HOUSEHOLD_HAZARDS: dict[str, Hazard] = {
    "loan_default": Hazard(0.055, 1.4, _season({3: 1.5, 4: 1.5, 10: 0.7})),
    "loan_dpd30": Hazard(0.080, 1.0),
    "loan_late": Hazard(0.20, 1.0),
    "utility_arrears": Hazard(0.030, 0.9),
    "penalty": Hazard(0.005, 1.0),
    "court_judgment": Hazard(0.010, 1.0),
    "dishonest": Hazard(0.003, 1.3),
}

DRIVER_HAZARDS: dict[str, Hazard] = {
    "accident_responsible": Hazard(0.030, 1.2),
    "violation_12": Hazard(0.018, 1.3),
    "accident_other": Hazard(0.030, 0.2),
    "violation_minor": Hazard(1.5, 0.9),
    "complaint": Hazard(0.30, 0.8),  # taxi and bus drivers
    "overloading": Hazard(0.20, 0.9),  # truck drivers
}
DRIVER_TARGET = ("accident_responsible", "violation_12")

#: Person-level (legal representative) dishonesty, per year.
PERSON_DISHONEST = Hazard(0.005, 1.5)

# GB/T 4754 sections: share of enterprises and the section's risk offset.
INDUSTRY_MIX: dict[str, tuple[float, float]] = {
    "A": (0.090, 0.10),
    "B": (0.020, 0.30),
    "C": (0.080, 0.00),
    "D": (0.010, -0.40),
    "E": (0.080, 0.30),
    "F": (0.340, 0.05),
    "G": (0.060, 0.10),
    "H": (0.070, 0.20),
    "I": (0.030, -0.10),
    "J": (0.010, -0.30),
    "K": (0.030, 0.30),
    "L": (0.090, 0.15),
    "M": (0.030, -0.20),
    "N": (0.010, -0.20),
    "O": (0.030, 0.05),
    "P": (0.005, -0.20),
    "Q": (0.005, -0.30),
    "R": (0.010, 0.10),
}
SCALE_MIX: dict[str, tuple[float, float]] = {
    "micro": (0.820, 0.30),
    "small": (0.140, 0.00),
    "medium": (0.033, -0.40),
    "large": (0.007, -0.70),
}
# Sector-specific shocks on the log-hazard: 2022 lockdowns (everyone), the property slump.
MACRO_COMMON = ((16, 6.0, 0.25),)  # (centre month, width, height)
MACRO_INDUSTRY = {"K": (18, 0.45), "E": (24, 0.20)}  # section: (start month, plateau)


def macro_path(industry: np.ndarray, n_months: int) -> np.ndarray:
    """Common and industry-specific shift of the log-hazard per subject and month."""
    t = np.arange(n_months)
    common = np.zeros(n_months)
    for centre, width, height in MACRO_COMMON:
        common += height * np.exp(-0.5 * ((t - centre) / width) ** 2)
    out = np.broadcast_to(common, (len(industry), n_months)).copy()
    for section, (start, plateau) in MACRO_INDUSTRY.items():
        ramp = plateau * np.clip((t - start) / 12, 0, 1)
        out[industry == section] += ramp
    return out
