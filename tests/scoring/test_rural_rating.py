"""信用村 / 信用乡镇 from the household ratings in force: the use case on the tiny city."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from little_city import rating, table_frame

from features.build import build_features
from features.compile import BuildConfig, add_months
from scoring.policies.rural import RuralConfig
from scoring.rural_rating import NoRuralRatingsError, rural_assessment

T = dt.date(2026, 10, 31)


def _rate_households(store) -> None:
    """Household grades by hand (the scoring tests train no household champion)."""
    ids = build_features(store, "household", T)["subject_id"]
    grades = np.random.default_rng(3).choice(
        ["AAA", "AA", "A", "NR"], len(ids), p=[0.25, 0.35, 0.25, 0.15]
    )
    store.append(
        "ratings",
        table_frame(
            [
                rating(s, T, g, "2026-11-02 08:00", scheme="household")
                for s, g in zip(ids, grades, strict=True)
            ],
            "ratings",
        ),
    )


def test_villages_read_the_loan_book_at_the_date(tiny) -> None:
    with pytest.raises(NoRuralRatingsError):
        rural_assessment(tiny, T, RuralConfig(), BuildConfig())
    _rate_households(tiny)
    result = rural_assessment(tiny, T, RuralConfig(), BuildConfig())
    units = result.villages.units.set_index("village_code")
    declared = build_features(tiny, "village", T).set_index("subject_id").loc[units.index]
    np.testing.assert_allclose(
        units["on_time_share"], declared["share_borrowers_without_arrears"], rtol=1e-9
    )
    np.testing.assert_allclose(units["npl_ratio"], declared["npl_ratio"], rtol=1e-9)
    assert "npl_increment" not in set(result.villages.criteria["criterion"])


def test_the_yearly_npl_increment_reads_the_book_a_year_before(tiny) -> None:
    _rate_households(tiny)
    cfg = RuralConfig(village_max_npl_increment=0.01)
    result = rural_assessment(tiny, T, cfg, BuildConfig())
    units = result.villages.units.set_index("village_code")
    before = build_features(tiny, "village", add_months(T, -12)).set_index("subject_id")
    # the policy's ratio a year back is the village scheme's (no loans: 0, not null)
    ratio = before.loc[units.index, "npl_ratio"].fillna(0.0)
    np.testing.assert_allclose(units["npl_ratio_prev"], ratio, rtol=1e-9)
    np.testing.assert_allclose(
        units["npl_increment"], units["npl_ratio"] - ratio, rtol=1e-9, atol=1e-12
    )
    crit = result.villages.criteria
    rise = crit[crit["criterion"] == "npl_increment"]
    assert len(rise) == len(units)
    assert (rise["passed"] == (rise["value"] <= 0.01 + 1e-12)).all()
