"""信用户, 信用村 and 信用乡镇 from the household ratings in force on a date.

Joins the household ratings (:func:`scoring.history.ratings_on`), the household
indicators and each household's village and township, then applies the rural
rules of :mod:`scoring.policies.rural`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import pandas as pd

from features.build import build_features
from features.compile import BuildConfig, add_months
from features.dsl import Scheme
from features.schemes import get_scheme
from features.store.base import Store
from scoring.history import ratings_on
from scoring.policies.rural import (
    PREVIOUS_COLUMNS,
    Assessment,
    RuralConfig,
    assess_townships,
    assess_villages,
    household_offers,
    household_places,
    rural_frame,
)
from scoring.village_businesses import per_village, village_businesses


def loan_book_scheme() -> Scheme:
    """The household scheme's loan-book indicators alone (loans outstanding, NPL amount):
    the same declarations and compiler, built a year back for the NPL increment."""
    base = get_scheme("household")
    keep = tuple(i for i in base.indicators if i.name in PREVIOUS_COLUMNS)
    return replace(base, key="household_loan_book", indicators=keep, target=None)


class NoRuralRatingsError(LookupError):
    """No household has been rated on or before the date."""


@dataclass(frozen=True)
class RuralResult:
    """The rural rules' outcome on one date."""

    on: dt.date
    households: pd.DataFrame
    villages: Assessment
    townships: Assessment
    offers: pd.DataFrame
    # the rated businesses placed in villages (co-operatives, family farms) with their
    # rating in force: shown with the village, not one of its criteria
    businesses: pd.DataFrame = field(default_factory=pd.DataFrame)


def rural_assessment(
    store: Store,
    on: dt.date,
    cfg: RuralConfig,
    build: BuildConfig,
) -> RuralResult:
    """Rate villages and townships from the household ratings in force on ``on``.

    The use case behind ``xinping rural`` and the 农村信用 page, with the rural
    policy (settings ``[rural]``) and the indicator build in force.

    Raises
    ------
    NoRuralRatingsError
        When no household rating exists on or before ``on`` (score households first).
    """
    # the rules read grades and PDs only (rural_frame): a city's household reasons held
    # most of the command's 13.4 GB
    ratings = ratings_on(store, "household", on, columns=("final_grade", "pd"))
    if ratings.empty:
        raise NoRuralRatingsError(
            f"no household ratings on or before {on}: run `xinping score --subject household`"
        )
    features = build_features(store, "household", on, cfg=build)
    if cfg.village_max_npl_increment is not None:
        # the loan book a year before, for the yearly rise of the NPL ratio
        before = build_features(store, loan_book_scheme(), add_months(on, -12), cfg=build)
        before = before.drop(columns="as_of").rename(
            columns={c: f"{c}_prev" for c in PREVIOUS_COLUMNS}
        )
        features = features.merge(before, on="subject_id", how="left")
    frame = rural_frame(ratings, features, household_places(store))
    villages = assess_villages(frame, cfg)
    townships = assess_townships(frame, villages, cfg)
    offers = household_offers(frame, cfg, villages=villages, townships=townships)
    businesses = village_businesses(store, on)
    counts = per_village(businesses)
    units = villages.units.merge(counts, on="village_code", how="left")
    units[["businesses", "businesses_worst"]] = (
        units[["businesses", "businesses_worst"]].fillna(0).astype(int)
    )
    villages = replace(villages, units=units)
    return RuralResult(on, frame, villages, townships, offers, businesses)
