"""信用村 / 信用乡镇 from the household ratings in force: the use case on the tiny city."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from little_city import rating, table_frame

from features.build import build_features
from features.compile import BuildConfig, add_months
from scoring.policies.rural import RuralConfig
from scoring.rural_rating import NoRuralRatingsError, reassess, rural_assessment

T = dt.date(2026, 10, 31)


def _rate_households(store, leave_out: int = 0) -> list[str]:
    """Household grades by hand (the scoring tests train no household champion); the
    first ``leave_out`` households are left unrated, and returned."""
    ids = build_features(store, "household", T)["subject_id"]
    left, ids = list(ids[:leave_out]), ids[leave_out:]
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
    return left


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


def _same(a, b, key: str) -> None:
    """The same rows in the same order (the whole assessment's: by ``key``)."""
    import pandas as pd

    assert a[key].is_monotonic_increasing
    pd.testing.assert_frame_equal(a, b[a.columns], check_dtype=False)


@pytest.mark.parametrize(
    ("increment", "newly_rated"),
    [(None, 0), (1.0, 0), (None, 1)],
    ids=["households re-rated", "with the NPL increment", "a household rated first"],
)
def test_a_result_brought_up_to_date_is_the_one_rated_again(tiny, increment, newly_rated) -> None:
    # re-rated households' values are put in their rows' places; a household rated for
    # the first time is a new row (tests both ways of scoring.rural_rating._replace_rows)
    new = _rate_households(tiny, leave_out=newly_rated)
    # loans judged leniently: the verdicts turn on the 信用户 and 信用村 shares, so that
    # the township's verdict (and so every household's discount in it) moves too
    cfg = RuralConfig(
        village_max_npl_increment=increment,
        village_min_on_time_share=0.0,
        village_min_credit_share=0.95,
        village_max_npl=1.0,
        township_max_npl=1.0,
        township_min_credit_village_share=1.0,
    )
    before = rural_assessment(tiny, T, cfg, BuildConfig())
    # a township's households re-rated (an assessment each): all of a failing township's
    # households become AAA, and one household elsewhere NR
    units = before.townships.units
    township = units.loc[~units["is_credit_township"], "township_code"].iloc[0]
    frame = before.households
    village_ids = list(frame.loc[frame["township_code"] == township, "subject_id"])
    failing = frame.loc[frame["township_code"] == township, "village_code"].iloc[0]
    other = frame.loc[frame["township_code"] != township, "subject_id"].iloc[0]
    rows = [rating(s, T, "AAA", "2026-11-03 09:00", scheme="household") for s in village_ids]
    rows.append(rating(other, T, "NR", "2026-11-03 09:00", scheme="household", pd_=0.4))
    rows += [rating(s, T, "A", "2026-11-03 09:00", scheme="household") for s in new]
    tiny.append("ratings", table_frame(rows, "ratings"))
    changed = [*village_ids, other, *new]
    assert not set(new) & set(before.households["subject_id"])
    now = reassess(before, tiny, changed, cfg, BuildConfig())
    if not new:  # the households' rows updated in place: an unmoved column is not copied
        loans = (r.households["loans_outstanding"].to_numpy() for r in (now, before))
        assert np.shares_memory(*loans)
    again = rural_assessment(tiny, T, cfg, BuildConfig())
    _same(now.households, again.households, "subject_id")
    _same(now.villages.units, again.villages.units, "village_code")
    _same(now.townships.units, again.townships.units, "township_code")
    _same(now.offers, again.offers, "subject_id")
    for mine, theirs in ((now.villages, again.villages), (now.townships, again.townships)):
        assert len(mine.criteria) == len(theirs.criteria)
        key = ["unit_code", "criterion"]
        a = mine.criteria.sort_values(key).reset_index(drop=True)
        b = theirs.criteria.sort_values(key).reset_index(drop=True)
        assert a.drop(columns="weighing").equals(b.drop(columns="weighing"))
        assert list(a["weighing"]) == list(b["weighing"])
    # and it did change: the township is now a 信用乡镇, its households' discount with it
    assert now.townships.units.set_index("township_code").loc[township, "is_credit_township"]
    mine = now.offers[now.offers["subject_id"].isin(village_ids)]
    assert mine["in_credit_township"].all() and mine["in_credit_village"].all()
    assert (
        failing
        in set(
            before.villages.units.loc[~before.villages.units["is_credit_village"], "village_code"]
        )
        or not before.townships.units.set_index("township_code").loc[township, "is_credit_township"]
    )


def test_one_household_turning_its_village_moves_every_offer_there(tiny) -> None:
    """A single household re-rated turns its village into a 信用村 (and may turn its
    township): every household of that village (and township) gets the bonus, not only
    the household re-rated; households elsewhere keep the very offer they had."""
    _rate_households(tiny)
    cfg = RuralConfig(
        village_min_on_time_share=0.0,
        village_min_credit_share=1.0,
        village_max_npl=1.0,
        township_max_npl=1.0,
        township_min_credit_village_share=0.0,
    )
    frame = rural_assessment(tiny, T, cfg, BuildConfig()).households
    village = frame["village_code"].dropna().iloc[0]
    mine = frame.loc[frame["village_code"] == village, "subject_id"].tolist()
    assert len(mine) > 1
    # every household of the village a 信用户 but the last one
    rows = [rating(s, T, "AAA", "2026-11-03 09:00", scheme="household") for s in mine[:-1]]
    rows.append(rating(mine[-1], T, "NR", "2026-11-03 09:00", scheme="household", pd_=0.4))
    tiny.append("ratings", table_frame(rows, "ratings"))
    before = rural_assessment(tiny, T, cfg, BuildConfig())
    units = before.villages.units.set_index("village_code")
    assert not units.loc[village, "is_credit_village"]
    # the last one re-rated: the village turns
    tiny.append(
        "ratings",
        table_frame(
            [rating(mine[-1], T, "AAA", "2026-11-03 10:00", scheme="household")], "ratings"
        ),
    )
    now = reassess(before, tiny, [mine[-1]], cfg, BuildConfig())
    again = rural_assessment(tiny, T, cfg, BuildConfig())
    assert again.villages.units.set_index("village_code").loc[village, "is_credit_village"]
    _same(now.offers, again.offers, "subject_id")
    _same(now.villages.units, again.villages.units, "village_code")
    _same(now.townships.units, again.townships.units, "township_code")
    offers = now.offers.set_index("subject_id")
    assert offers.loc[mine, "in_credit_village"].all()
