"""Rural credit: 信用户, 信用村 and 信用乡镇 rules, failing criteria, household lines."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scoring.policies.rural import (
    RuralConfig,
    assess_townships,
    assess_villages,
    credit_households,
    household_offers,
)


def household(
    sid,
    village,
    grade,
    outstanding=0.0,
    open_arrears=0,
    npl=0.0,
    pd_=0.02,
    township=None,
    past_delinquencies=0,
):
    return {
        "subject_id": sid,
        "village_code": village,
        "township_code": township or village[:9],
        "final_grade": grade,
        "loans_outstanding": outstanding,
        "overdue_open_now": open_arrears,
        "npl_amount_now": npl,
        "loan_overdue_24m": past_delinquencies,
        "pd": pd_,
        "assets_value": 200_000.0,
        "annual_income": 100_000.0,
    }


def village_frame() -> pd.DataFrame:
    good = "530302001001"  # 8 of 10 信用户, no borrower in arrears now, no NPL: a 信用村
    weak = "530302001002"  # 5 of 10 信用户, 2 of 5 borrowers in arrears now, NPL 10%
    other = "530302002001"  # another township: 7 of 10, fine
    # good: three of its borrowers were late in the past two years and cured: not in arrears
    rows = [
        household(
            f"g{i}",
            good,
            "AA" if i < 8 else "NR",
            outstanding=50_000 * (i < 5),
            past_delinquencies=int(i < 3),
        )
        for i in range(10)
    ]
    rows += [household(f"w{i}", weak, "A" if i < 5 else "NR", pd_=0.01 * i) for i in range(10)]
    for i, (out, late, npl) in enumerate(
        [(100_000, 0, 0), (100_000, 0, 0), (100_000, 0, 0), (150_000, 2, 50_000), (50_000, 1, 0)]
    ):
        rows[10 + i].update(loans_outstanding=out, overdue_open_now=late, npl_amount_now=npl)
    rows += [household(f"o{i}", other, "AAA" if i < 7 else "NR") for i in range(10)]
    return pd.DataFrame(rows)


def test_credit_households() -> None:
    grades = pd.Series(["AAA", "AA", "A", "NR", None])
    assert list(credit_households(grades, RuralConfig())) == [True, True, True, False, False]


def test_villages_are_judged_and_failures_named() -> None:
    result = assess_villages(village_frame(), RuralConfig())
    units = result.units.set_index("village_code")
    assert units.loc["530302001001", "is_credit_village"]
    assert units.loc["530302002001", "is_credit_village"]
    weak = units.loc["530302001002"]
    assert not weak["is_credit_village"]
    assert weak["credit_share"] == 0.5 and weak["borrowers"] == 5
    assert weak["on_time_share"] == pytest.approx(0.6)
    assert weak["npl_ratio"] == pytest.approx(50_000 / 500_000)
    assert json.loads(weak["failed"]) == ["credit_share", "on_time_share", "npl_ratio"]
    c = result.criteria[result.criteria["unit_code"] == "530302001002"].set_index("criterion")
    share = c.loc["credit_share"]
    assert not share["passed"] and share["threshold"] == 0.6
    assert share["message_zh"] == "信用户占比50.0%，低于要求60%"
    assert "below the required 60%" in share["message_en"]
    # non-信用户 households by descending PD
    assert share["weighing"] == ["w9", "w8", "w7", "w6", "w5"]
    # late borrowers by descending outstanding; defaulters by amount
    assert c.loc["on_time_share", "weighing"] == ["w3", "w4"]
    assert c.loc["npl_ratio", "weighing"] == ["w3"]
    assert "高于上限3%" in c.loc["npl_ratio", "message_zh"]
    good = result.criteria[result.criteria["unit_code"] == "530302001001"]
    assert good["passed"].all() and all(w == [] for w in good["weighing"])


def test_thresholds_are_configuration() -> None:
    lenient = RuralConfig(
        village_min_credit_share=0.5, village_min_on_time_share=0.6, village_max_npl=0.10
    )
    units = assess_villages(village_frame(), lenient).units.set_index("village_code")
    assert units["is_credit_village"].all()
    with pytest.raises(ValueError, match="village_max_npl"):
        RuralConfig(village_max_npl=3.0)


def test_arrears_and_npl_are_stocks_at_the_date() -> None:
    """A borrower late in the past but not in arrears now repays on time; only loans
    outstanding count as borrowing; the NPL ratio is the non-performing stock."""
    units = assess_villages(village_frame(), RuralConfig()).units.set_index("village_code")
    good = units.loc["530302001001"]
    assert good["borrowers"] == 5 and good["on_time_share"] == 1.0
    assert good["npl_amount"] == 0.0 and good["is_credit_village"]
    weak = units.loc["530302001002"]
    assert weak["on_time_borrowers"] == 3 and weak["npl_amount"] == 50_000


def test_the_yearly_rise_of_the_npl_ratio_when_configured() -> None:
    frame = village_frame()
    frame["loans_outstanding_prev"] = frame["loans_outstanding"]
    frame["npl_amount_now_prev"] = 0.0
    frame.loc[frame["subject_id"] == "w3", "npl_amount_now_prev"] = 45_000.0  # was NPL already
    cfg = RuralConfig(
        village_max_npl=0.2,
        village_min_on_time_share=0.5,
        village_min_credit_share=0.5,
        village_max_npl_increment=0.01,
    )
    result = assess_villages(frame, cfg)
    weak = result.units.set_index("village_code").loc["530302001002"]
    assert weak["npl_increment"] == pytest.approx((50_000 - 45_000) / 500_000)
    assert json.loads(weak["failed"]) == []  # a 1.0% rise meets <= 1%
    frame.loc[frame["subject_id"] == "w3", "npl_amount_now_prev"] = 0.0
    result = assess_villages(frame, cfg)
    c = result.criteria.set_index(["unit_code", "criterion"])
    rise = c.loc[("530302001002", "npl_increment")]
    assert not rise["passed"] and rise["weighing"] == ["w3"]
    assert rise["message_zh"].startswith("不良贷款率年增幅10.0%")
    with pytest.raises(KeyError, match="npl_amount_now_prev"):
        assess_villages(village_frame(), cfg)
    # off by default: no such criterion
    assert "npl_increment" not in set(assess_villages(frame, RuralConfig()).criteria["criterion"])


def test_villages_without_borrowers_pass_the_loan_rules() -> None:
    frame = pd.DataFrame([household(f"h{i}", "530302001009", "A") for i in range(5)])
    result = assess_villages(frame, RuralConfig())
    assert result.units["is_credit_village"].all()
    assert np.isnan(result.units["on_time_share"].iloc[0])
    assert result.units["npl_ratio"].iloc[0] == 0.0


def test_townships() -> None:
    frame = village_frame()
    villages = assess_villages(frame, RuralConfig())
    towns = assess_townships(frame, villages, RuralConfig())
    units = towns.units.set_index("township_code")
    # 530302001: 1 of 2 villages (50%, enough), NPL 50k / 750k = 6.7% > 3%
    t1 = units.loc["530302001"]
    assert t1["villages"] == 2 and t1["credit_village_share"] == 0.5
    assert t1["npl_ratio"] == pytest.approx(50_000 / 750_000)
    assert not t1["is_credit_township"] and json.loads(t1["failed"]) == ["npl_ratio"]
    assert units.loc["530302002", "is_credit_township"]
    strict = assess_townships(
        frame, villages, RuralConfig(township_min_credit_village_share=0.6, township_max_npl=0.1)
    )
    c = strict.criteria.set_index(["unit_code", "criterion"])
    assert c.loc[("530302001", "credit_village_share"), "weighing"] == ["530302001002"]
    assert c.loc[("530302001", "credit_village_share"), "weighing_kind"] == "village"


def test_household_offers() -> None:
    frame = pd.DataFrame(
        [
            {
                "subject_id": "a",
                "final_grade": "AAA",
                "assets_value": 300_000.0,
                "annual_income": 100_000.0,
                "village_code": "v1",
                "township_code": "t1",
            },
            {
                "subject_id": "b",
                "final_grade": "AA",
                "assets_value": 100_000.0,
                "annual_income": 50_000.0,
                "village_code": "v1",
                "township_code": "t1",
            },
            {
                "subject_id": "c",
                "final_grade": "A",
                "assets_value": np.nan,
                "annual_income": 20_000.0,
                "village_code": "v2",
                "township_code": "t1",
            },
            {
                "subject_id": "d",
                "final_grade": "NR",
                "assets_value": 1e6,
                "annual_income": 1e6,
                "village_code": "v1",
                "township_code": "t1",
            },
        ]
    )
    from scoring.policies.rural import Assessment

    villages = Assessment(
        pd.DataFrame({"village_code": ["v1", "v2"], "is_credit_village": [True, False]}),
        pd.DataFrame(),
    )
    towns = Assessment(
        pd.DataFrame({"township_code": ["t1"], "is_credit_township": [True]}), pd.DataFrame()
    )
    out = household_offers(frame, RuralConfig(), villages=villages, townships=towns)
    by = out.set_index("subject_id")
    # AAA: 100k + 30k + 30k = 160k; discount 15 + 5 + 3 = 23%
    assert by.loc["a", "credit_line"] == 160_000 and by.loc["a", "rate_discount"] == 0.23
    # AA: 80k + 10k + 15k = 105k; 10 + 5 + 3
    assert by.loc["b", "credit_line"] == 105_000 and by.loc["b", "rate_discount"] == 0.18
    # A: 50k + 0 + 6k, not in a 信用村: 5 + 3
    assert by.loc["c", "credit_line"] == 56_000 and by.loc["c", "rate_discount"] == 0.08
    # not a 信用户: nothing
    assert by.loc["d", "credit_line"] == 0 and by.loc["d", "rate_discount"] == 0
    capped = household_offers(
        frame, RuralConfig(line_cap=120_000, discount_cap=0.2), villages=villages, townships=towns
    ).set_index("subject_id")
    assert capped.loc["a", "credit_line"] == 120_000 and capped.loc["a", "rate_discount"] == 0.2
    plain = household_offers(frame, RuralConfig()).set_index("subject_id")
    assert plain.loc["a", "rate_discount"] == 0.15 and not plain["in_credit_village"].any()


def test_missing_columns_are_named() -> None:
    with pytest.raises(KeyError, match="npl_amount_now"):
        assess_villages(village_frame().drop(columns="npl_amount_now"), RuralConfig())


def test_inputs_are_not_mutated() -> None:
    frame = village_frame()
    before = frame.copy()
    villages = assess_villages(frame, RuralConfig())
    assess_townships(frame, villages, RuralConfig())
    household_offers(frame, RuralConfig(), villages=villages)
    pd.testing.assert_frame_equal(frame, before)
