"""The policies on the generated tiny city: the indicators they read exist and agree."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from features.build import build_features
from features.records.windows import WindowPolicy
from scoring.policies.driver import DriverConfig, driver_grades
from scoring.policies.green_channel import GreenChannelConfig, green_channel
from scoring.policies.lending import LendingConfig, decide, lending_frame
from scoring.policies.rural import (
    RuralConfig,
    assess_townships,
    assess_villages,
    household_offers,
    household_places,
    rural_frame,
)

T = dt.date(2026, 10, 31)


def fake_ratings(ids, grades, p, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "subject_id": ids,
            "final_grade": rng.choice(grades, len(ids), p=p),
            "pd": rng.uniform(0, 0.2, len(ids)),
        }
    )


def test_rural_rules_on_the_city(tiny_city) -> None:
    features = build_features(tiny_city, "household", T)
    # arrears are a stock at the date: fewer households are in arrears now than were
    # late in the last two years, and only borrowers with a loan outstanding are
    late_now = features["overdue_open_now"] > 0
    assert 0 < late_now.sum() < (features["loan_overdue_24m"] > 0).sum()
    # a department may send a loan without its amount (the generated city's data quality,
    # features/records/synthetic/quality.py): such a borrower has no outstanding amount
    blank = set(
        tiny_city.query(
            "SELECT DISTINCT subject_id FROM records WHERE kind = 'loan' AND amount IS NULL"
        )["subject_id"]
    )
    complete = late_now & ~features["subject_id"].isin(blank)
    assert complete.sum() > 0.9 * late_now.sum()
    assert (features.loc[complete, "loans_outstanding"] > 0).all()
    npl = features["npl_amount_now"] > 0
    assert npl.sum() > 0 and (features.loc[npl, "overdue_open_now"] > 0).all()
    ratings = fake_ratings(
        features["subject_id"], ["AAA", "AA", "A", "NR"], [0.3, 0.35, 0.25, 0.1], 1
    )
    frame = rural_frame(ratings, features, household_places(tiny_city))
    assert frame["village_code"].notna().all()
    villages = assess_villages(frame, RuralConfig())
    towns = assess_townships(frame, villages, RuralConfig())
    # the NPL ratio and household counts match the village scheme's own indicators
    declared = build_features(tiny_city, "village", T).set_index("subject_id")
    units = villages.units.set_index("village_code")
    assert set(units.index) == set(declared.index)
    assert (units["households"] == declared.loc[units.index, "households"]).all()
    np.testing.assert_allclose(
        units["npl_ratio"], declared.loc[units.index, "npl_ratio"], rtol=1e-9
    )
    np.testing.assert_allclose(
        units["on_time_share"],
        declared.loc[units.index, "share_borrowers_without_arrears"],
        rtol=1e-9,
    )
    assert len(towns.units) == build_features(tiny_city, "township", T).shape[0]
    failed = villages.criteria[~villages.criteria["passed"]]
    assert all(len(w) > 0 for w in failed["weighing"])
    offers = household_offers(frame, RuralConfig(), villages=villages, townships=towns)
    assert (offers["credit_line"] <= 200_000).all() and (offers["rate_discount"] <= 0.30).all()
    assert (offers.loc[~offers["credit_household"], "credit_line"] == 0).all()


def test_lending_on_the_city(tiny_city) -> None:
    features = build_features(tiny_city, "sme", T)
    ratings = fake_ratings(
        features["subject_id"],
        ["AAA", "AA", "A", "BBB", "BB", "B", "C"],
        [0.1, 0.15, 0.2, 0.2, 0.15, 0.1, 0.1],
        2,
    )
    out = decide(lending_frame(ratings, features), LendingConfig())
    assert len(out) == len(features)
    assert (out.loc[out["knocked_out"], "decision"] == "decline").all()
    listed = features.set_index("subject_id")["dishonest_now"] > 0
    assert out.set_index("subject_id").loc[listed[listed].index, "knocked_out"].all()
    assert out["credit_line"].max() <= 3_000_000


def test_driver_points_on_the_city(tiny_city) -> None:
    grades = driver_grades(tiny_city, T, DriverConfig(), WindowPolicy())
    features = build_features(tiny_city, "driver", T).set_index("subject_id")
    assert list(grades["subject_id"]) == list(features.index)
    g = grades.set_index("subject_id")
    quiet = features[
        (features["violations_12m"] == 0)
        & (features["complaints_12m"] == 0)
        & (features["responsible_accidents_24m"] == 0)
    ].index
    assert (g.loc[quiet, "points"] == 0).all()
    # every violation scores at least one point, unless its department sent it without
    # its points (the generated city's data quality: the record counts, scoring nothing)
    blank = set(
        tiny_city.query(
            "SELECT DISTINCT subject_id FROM records "
            "WHERE kind = 'traffic_violation' AND value_num IS NULL AND event_date > ?",
            [T - dt.timedelta(days=366)],
        )["subject_id"]
    )
    whole = ~features.index.isin(blank)
    assert whole.sum() > 0.8 * len(features)
    assert (g.loc[whole, "points"] >= features.loc[whole, "violations_12m"]).all()
    assert set(g["grade"]) <= {"AAA", "AA", "A", "B"} and g["grade"].nunique() >= 3


@pytest.mark.parametrize("scheme", ["enterprise", "household"])
def test_green_channel_on_the_city(tiny_city, scheme) -> None:
    flags = green_channel(tiny_city, scheme, T, GreenChannelConfig(), WindowPolicy())
    assert len(flags) == len(build_features(tiny_city, scheme, T))
    assert 0 < flags.mean() < 1
