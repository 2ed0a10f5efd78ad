"""Inspection draws: ratios, allowed ranges, floor, caps, region and reproducibility."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scoring.policies.inspection import (
    DEFAULT_CLASSES,
    ClassPolicy,
    InspectionConfig,
    capped_subjects,
    draw,
    region_prefix,
    summary_table,
)

AS_OF = dt.date(2026, 10, 31)


def enterprises(n: int = 2000, mix=(0.654, 0.253, 0.077, 0.016), seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "subject_id": [f"E{i:05d}" for i in range(n)],
            "credit_class": rng.choice(list("ABCD"), n, p=mix),
            "region_code": rng.choice(["530302", "530303", "530381"], n),
            "name": [f"企业{i}" for i in range(n)],
        }
    )


def with_counts(**counts: int) -> pd.DataFrame:
    classes = [c for c, n in counts.items() for _ in range(n)]
    return pd.DataFrame(
        {
            "subject_id": [f"E{i:05d}" for i in range(len(classes))],
            "credit_class": classes,
            "region_code": "530302",
        }
    )


def test_defaults_follow_domain() -> None:
    cfg = InspectionConfig()
    assert [(c.credit_class, c.ratio, c.cap_per_year) for c in cfg.classes] == [
        ("A", 0.02, 0.5),
        ("B", 0.05, 1.0),
        ("C", 0.30, 2.0),
        ("D", 0.80, None),
    ]
    assert cfg.floor == 0.03 and cfg.top_up_order == ("D", "C", "B", "A")


@pytest.mark.parametrize(
    ("cls", "ratio", "allowed"),
    [
        ("A", 0.06, (0.0, 0.05)),
        ("B", 0.04, (0.05, 0.20)),
        ("C", 0.61, (0.21, 0.60)),
        ("D", 0.60, (0.61, 1.0)),
    ],
)
def test_ratios_outside_the_allowed_range_are_rejected(cls, ratio, allowed) -> None:
    with pytest.raises(ValueError, match="outside the allowed range"):
        ClassPolicy(cls, ratio, allowed)


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="top_up_order"):
        InspectionConfig(top_up_order=("D", "C", "B"))
    with pytest.raises(ValueError, match="floor"):
        InspectionConfig(floor=1.5)
    with pytest.raises(ValueError, match="cap_per_year"):
        ClassPolicy("A", 0.02, (0, 0.05), 0)


def test_draw_takes_the_ratio_of_each_class() -> None:
    frame = enterprises()
    result = draw(frame, InspectionConfig(), seed=11)
    pop = frame["credit_class"].value_counts()
    s = result.summary.set_index("credit_class")
    for c in DEFAULT_CLASSES:
        expected = int(np.floor(c.ratio * pop[c.credit_class] + 0.5))
        assert s.loc[c.credit_class, "population"] == pop[c.credit_class]
        assert s.loc[c.credit_class, "drawn"] == expected
    assert result.floor_met and (result.drawn["selected_by"] == "ratio").all()
    drawn = result.drawn.merge(frame, on="subject_id", suffixes=("", "_in"))
    assert (drawn["credit_class"] == drawn["credit_class_in"]).all()
    assert result.drawn["subject_id"].is_unique
    assert "name" in result.drawn  # extra columns are carried along


def test_same_seed_same_list_whatever_the_row_order() -> None:
    frame = enterprises()
    a = draw(frame, InspectionConfig(), seed=42)
    b = draw(frame.sample(frac=1, random_state=3), InspectionConfig(), seed=42)
    c = draw(frame, InspectionConfig(), seed=43)
    pd.testing.assert_frame_equal(a.drawn, b.drawn)
    assert set(a.drawn["subject_id"]) != set(c.drawn["subject_id"])


def test_floor_tops_up_from_the_riskiest_class_first() -> None:
    # Only A and B enterprises: ratios give 16 + 10 = 26, under the floor of 30.
    result = draw(with_counts(A=800, B=200), InspectionConfig(), seed=5)
    s = result.summary.set_index("credit_class")
    assert result.floor_required == 30 and len(result.drawn) == 30 and result.floor_met
    # B is topped up first (D and C are empty), within B's 20% maximum
    assert s["drawn_ratio"].to_dict() == {"A": 16, "B": 10, "C": 0, "D": 0}
    assert s["drawn_floor"].to_dict() == {"A": 0, "B": 4, "C": 0, "D": 0}
    assert (result.drawn.loc[result.drawn["selected_by"] == "floor", "credit_class"] == "B").all()


def test_floor_goes_beyond_the_allowed_range_only_when_needed() -> None:
    cfg = InspectionConfig(floor=0.5)
    result = draw(with_counts(A=100, B=100), cfg, seed=1)
    assert len(result.drawn) == 100
    s = result.summary.set_index("credit_class")
    # ratios 2 + 5; within ranges B to 20 and A to 5 (25); then beyond ranges, B first: +75
    assert s["drawn"].to_dict() == {"A": 5, "B": 95, "C": 0, "D": 0}


def test_floor_is_reported_when_caps_leave_too_few() -> None:
    frame = enterprises(100, mix=(1.0, 0.0, 0.0, 0.0))
    history = pd.DataFrame({"subject_id": frame["subject_id"], "as_of": dt.date(2026, 3, 31)})
    result = draw(frame, InspectionConfig(), seed=1, history=history, as_of=AS_OF)
    assert result.summary.set_index("credit_class").loc["A", "capped"] == 100
    assert len(result.drawn) == 0 and not result.floor_met
    assert result.parameters()["floor_met"] is False


def test_caps_per_class() -> None:
    classes = pd.Series(
        {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C", "c2": "C", "d1": "D"}
    )
    history = pd.DataFrame.from_records(
        [
            ("a1", "2025-06-30"),  # within 24 months: A's 0.5/year reached
            ("a2", "2024-09-30"),  # 25 months before: free again
            ("b1", "2026-01-31"),  # this calendar year: B's 1/year reached
            ("b2", "2025-12-31"),  # last year
            ("c1", "2026-02-28"),
            ("c1", "2026-05-31"),  # twice this year: C's 2 reached
            ("c2", "2026-05-31"),
            ("c2", "2026-05-31"),  # one date counted once
            ("d1", "2026-01-31"),
            ("d1", "2026-02-28"),
            ("d1", "2026-03-31"),  # D: no cap
            ("b2", "2026-10-31"),  # the same as-of date: a re-draw, not counted
        ],
        columns=["subject_id", "as_of"],
    )
    assert capped_subjects(history, classes, InspectionConfig(), AS_OF) == {"a1", "b1", "c1"}


def test_redrawing_the_same_date_gives_the_same_list() -> None:
    frame = enterprises()
    first = draw(frame, InspectionConfig(), seed=9)
    history = first.drawn[["subject_id"]].assign(as_of=AS_OF)
    again = draw(frame, InspectionConfig(), seed=9, history=history, as_of=AS_OF)
    pd.testing.assert_frame_equal(first.drawn, again.drawn)
    later = draw(frame, InspectionConfig(), seed=9, history=history, as_of=dt.date(2026, 11, 30))
    assert not set(later.drawn["subject_id"]) & set(
        first.drawn.loc[first.drawn["credit_class"].isin(["A", "B"]), "subject_id"]
    )


def test_history_needs_the_as_of_date() -> None:
    frame = enterprises(50)
    with pytest.raises(ValueError, match="as_of"):
        draw(frame, InspectionConfig(), seed=1, history=frame[["subject_id"]].assign(as_of=AS_OF))


def test_region_filter_and_codes() -> None:
    assert region_prefix("530300") == "5303" and region_prefix("530302") == "530302"
    assert region_prefix("530000") == "53"
    with pytest.raises(ValueError, match="6-digit"):
        region_prefix("5303")
    frame = enterprises()
    result = draw(frame, InspectionConfig(), seed=2, region="530302")
    assert set(result.drawn["region_code"]) == {"530302"}
    assert result.population == (frame["region_code"] == "530302").sum()
    city = draw(frame, InspectionConfig(), seed=2, region="530300")
    assert city.population == len(frame)


def test_bad_input_is_named() -> None:
    frame = enterprises(20)
    with pytest.raises(ValueError, match="region_code"):
        draw(frame.drop(columns="region_code"), InspectionConfig(), seed=1)
    with pytest.raises(ValueError, match="unknown credit class"):
        draw(frame.assign(credit_class="E"), InspectionConfig(), seed=1)
    with pytest.raises(ValueError, match="twice"):
        draw(pd.concat([frame, frame.head(1)]), InspectionConfig(), seed=1)


def test_summary_table_and_parameters() -> None:
    result = draw(enterprises(), InspectionConfig(), seed=3, region="530300")
    table = summary_table(result)
    assert list(table["分类 Class"]) == ["A", "B", "C", "D", "合计 Total"]
    assert table["抽取数 Drawn"].iloc[-1] == len(result.drawn)
    params = result.parameters()
    assert params["seed"] == 3 and params["region"] == "530300"
    assert params["classes"]["A"] == {"ratio": 0.02, "allowed": [0.0, 0.05], "cap_per_year": 0.5}
    assert sum(c["drawn"] for c in params["counts"].values()) == params["drawn"]


def test_input_frame_is_not_mutated() -> None:
    frame = enterprises(100)
    before = frame.copy()
    draw(frame, InspectionConfig(), seed=1, region="530302")
    pd.testing.assert_frame_equal(frame, before)
