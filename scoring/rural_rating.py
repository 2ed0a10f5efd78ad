"""信用户, 信用村 and 信用乡镇 from the household ratings in force on a date.

Joins the household ratings (:func:`scoring.history.ratings_on`), the household
indicators and each household's village and township, then applies the rural
rules of :mod:`scoring.policies.rural`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from features.build import build_features
from features.compile import BuildConfig
from features.dsl import Scheme
from features.schemes import get_scheme
from features.store.base import Store
from scoring.history import ratings_on
from scoring.policies.rural import (
    Assessment,
    RuralConfig,
    assess_townships,
    assess_villages,
    household_offers,
    household_places,
    rural_frame,
)


def overdue_scheme(months: int) -> Scheme:
    """The household scheme's delinquency count over ``months`` instead of 24, as a
    one-indicator scheme: the same declaration and compiler, another window."""
    base = get_scheme("household")
    ind = next(i for i in base.indicators if i.name == "loan_overdue_24m")
    src = replace(ind.source, window=months)
    one = replace(ind, name=f"loan_overdue_{months}m", source=src)
    return replace(base, key=f"household_overdue_{months}m", indicators=(one,), target=None)


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


def rural_assessment(
    store: Store, on: dt.date, cfg: RuralConfig, build: BuildConfig,
) -> RuralResult:
    """Rate villages and townships from the household ratings in force on ``on``.

    The use case behind ``xinping rural`` and the 农村信用 page, with the rural
    policy (settings ``[rural]``) and the indicator build in force.

    Raises
    ------
    NoRuralRatingsError
        When no household rating exists on or before ``on`` (score households first).
    """
    ratings = ratings_on(store, "household", on)
    if ratings.empty:
        raise NoRuralRatingsError(
            f"no household ratings on or before {on}: run `xinping score --subject household`")
    features = build_features(store, "household", on, cfg=build)
    if cfg.on_time_grace_days == 0 and f"loan_overdue_{cfg.on_time_months}m" not in features:
        extra = build_features(store, overdue_scheme(cfg.on_time_months), on, cfg=build)
        features = features.merge(extra.drop(columns="as_of"), on="subject_id", how="left")
    frame = rural_frame(ratings, features, household_places(store))
    villages = assess_villages(frame, cfg)
    townships = assess_townships(frame, villages, cfg)
    offers = household_offers(frame, cfg, villages=villages, townships=townships)
    return RuralResult(on, frame, villages, townships, offers)
