"""信易贷: knock-outs with reasons, credit lines by grade and tax paid, rate tiers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scoring.policies.lending import KnockOut, LendingConfig, credit_line, decide, lending_frame


def smes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject_id": ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"],
            "final_grade": ["AAA", "AA", "BBB", "A", "B", "AAA", "BB", "A"],
            "dishonest_now": [0, 1, 0, 0, 0, 0, 0, np.nan],
            "serious_list_now": [0, 1, 0, 0, 0, 0, 0, 0],
            "tax_level": ["A", "B", "D", "M", "B", "A", None, "B"],
            "tax_paid_12m": [100_000, 50_000, 80_000, 1_234_567.0, 90_000, 0, 12_345, np.nan],
        }
    )


def test_lines_tiers_and_knockouts() -> None:
    out = decide(smes(), LendingConfig(), supervision=pd.Series({"s4": "D", "s1": "A"}))
    by = out.set_index("subject_id")
    assert list(out["subject_id"]) == [f"s{i}" for i in range(1, 9)]
    # AAA 5 × 100k
    assert by.loc["s1", "decision"] == "approve" and by.loc["s1", "credit_line"] == 500_000
    assert by.loc["s1", "rate_tier"] == "preferential"
    assert by.loc["s1", "rate_tier_zh"] == "优惠利率"
    # two knock-outs, both reported with reasons
    ko = json.loads(by.loc["s2", "knockouts"])
    assert [k["rule"] for k in ko] == ["dishonest_debtor", "serious_list"]
    assert ko[0]["reason_zh"] == "列为失信被执行人" and ko[1]["reason_en"]
    assert by.loc["s2", "decision"] == "decline" and by.loc["s2", "credit_line"] == 0
    assert by.loc["s2", "rate_tier"] == "declined" and by.loc["s2", "knocked_out"]
    # tax level D, supervision class D
    assert [k["rule"] for k in json.loads(by.loc["s3", "knockouts"])] == ["tax_level_d"]
    assert [k["rule"] for k in json.loads(by.loc["s4", "knockouts"])] == ["supervision_d"]
    # grade B: no multiple → declined with the grade as reason, not a knock-out
    assert not by.loc["s5", "knocked_out"] and by.loc["s5", "decision"] == "decline"
    assert "B" in json.loads(by.loc["s5", "decline_reasons"])[0]["reason_zh"]
    # no tax paid → no line
    assert by.loc["s6", "decision"] == "decline"
    assert "纳税" in json.loads(by.loc["s6", "decline_reasons"])[0]["reason_zh"]
    # BB 1×, rounded down to 1,000; raised rate
    assert by.loc["s7", "credit_line"] == 12_000 and by.loc["s7", "rate_tier"] == "raised"
    # a missing indicator never knocks out; missing tax paid gives no line
    assert not by.loc["s8", "knocked_out"] and by.loc["s8", "credit_line"] == 0


def test_line_is_capped() -> None:
    line = credit_line(
        pd.Series(["AAA", "A"]), pd.Series([10_000_000.0, 1_234_567.0]), LendingConfig()
    )
    assert list(line) == [3_000_000.0, 3_000_000.0]


def test_configurable_multiples_tiers_and_rules() -> None:
    cfg = LendingConfig(
        multiples=(("AAA", 2.0), ("B", 0.5)),
        line_cap=100_000,
        line_step=500,
        tiers=(("AAA", "standard"), ("B", "raised")),
        knockouts=(
            KnockOut(
                "min_tax",
                "tax_paid_12m",
                "<",
                5_000,
                "近12个月纳税不足5000元",
                "less than 5,000 yuan tax in 12 months",
            ),
        ),
    )
    out = decide(smes(), cfg).set_index("subject_id")
    assert out.loc["s1", "credit_line"] == 100_000 and out.loc["s1", "rate_tier"] == "standard"
    assert out.loc["s5", "credit_line"] == 45_000 and out.loc["s5", "decision"] == "approve"
    assert out.loc["s6", "knocked_out"]  # 0 tax paid < 5,000
    assert not out.loc["s2", "knocked_out"]  # the default rules are replaced


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="rate tier"):
        LendingConfig(tiers=(("AAA", "cheap"),))
    with pytest.raises(ValueError, match="op"):
        KnockOut("x", "tax_level", "~", "D", "", "")
    with pytest.raises(KeyError, match="tax_paid_12m"):
        decide(smes().drop(columns="tax_paid_12m"), LendingConfig())
    with pytest.raises(KeyError, match="serious_list_now"):
        decide(smes().drop(columns="serious_list_now"), LendingConfig())


def test_lending_frame_joins_ratings_indicators_and_classes() -> None:
    ratings = pd.DataFrame({"subject_id": ["s1", "s4"], "final_grade": ["AAA", "A"]})
    features = smes().drop(columns="final_grade").assign(as_of=pd.Timestamp("2026-10-31"))
    enterprise = pd.DataFrame({"subject_id": ["s4"], "final_grade": ["D"]})
    frame = lending_frame(ratings, features, enterprise)
    out = decide(frame, LendingConfig()).set_index("subject_id")
    assert out.loc["s4", "knocked_out"] and not out.loc["s1", "knocked_out"]


def test_input_is_not_mutated() -> None:
    frame = smes()
    before = frame.copy()
    decide(frame, LendingConfig(), supervision=pd.Series({"s1": "D"}))
    pd.testing.assert_frame_equal(frame, before)
