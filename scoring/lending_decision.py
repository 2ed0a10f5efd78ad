"""信易贷 decisions from the SME ratings and the supervision classes in force on a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from features.build import build_features
from features.compile import BuildConfig
from features.store.base import Store
from scoring.history import ratings_on
from scoring.policies.lending import LendingConfig, decide, lending_frame


def lending_decisions(
    store: Store, on: dt.date, cfg: LendingConfig | None = None,
    subject_ids: Iterable[str] | None = None, build: BuildConfig | None = None,
) -> pd.DataFrame:
    """Decision, knock-outs, credit line and rate tier of rated SMEs on ``on``.

    Parameters
    ----------
    store
        The store holding ratings and records.
    on
        The date: each SME's rating and supervision class in force then, and its
        indicators (tax paid in 12 months…) as of that date.
    cfg
        The 信易贷 policy (DOMAIN.md defaults).
    subject_ids
        Only these SMEs (default: every rated SME).
    """
    ratings = ratings_on(store, "sme", on)
    enterprise = ratings_on(store, "enterprise", on)
    ids = None if subject_ids is None else list(dict.fromkeys(subject_ids))
    if ids is not None:
        ratings = ratings[ratings["subject_id"].isin(ids)]
    if ratings.empty:
        return decide(lending_frame(ratings, build_features(store, "sme", on, cfg=build,
                                                            subjects=[])), cfg or LendingConfig())
    features = build_features(store, "sme", on, cfg=build,
                              subjects=ratings["subject_id"].tolist() if ids else None)
    frame = lending_frame(ratings, features, enterprise[["subject_id", "final_grade"]])
    return decide(frame, cfg or LendingConfig())
