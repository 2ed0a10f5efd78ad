"""Driver integrity points: the rule table, grades, the 12-month cycle and point in time."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from policy_plant import AS_OF, open_objection, plant, record, subject

from features.records.windows import WindowPolicy
from scoring.policies.driver import (
    DriverConfig,
    PointRule,
    driver_grades,
    driver_points,
    grade_for_points,
    record_points,
)


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["subject_id", "kind", "value_num", "value_text"])


def test_each_event_scores_by_the_rule() -> None:
    records = frame(
        [
            ("d", "traffic_violation", 12.0, "safety"),
            ("d", "traffic_violation", 9.0, "safety"),
            ("d", "traffic_violation", 6.0, "safety"),
            ("d", "traffic_violation", 3.0, "safety"),
            ("d", "traffic_violation", 2.0, "safety"),
            ("d", "traffic_violation", 1.0, "safety"),
            ("d", "traffic_violation", None, "safety"),
            ("d", "traffic_accident", None, "full"),
            ("d", "traffic_accident", None, "equal"),
            ("d", "traffic_accident", None, "minor"),
            ("d", "passenger_complaint", None, "refusal"),
            ("d", "passenger_complaint", None, "overcharging"),
            ("d", "passenger_complaint", None, "detour"),
            ("d", "passenger_complaint", None, "attitude"),
            ("d", "overloading", 40.0, None),
        ]
    )
    scored = record_points(records, DriverConfig())
    assert list(scored["points"]) == [20, 10, 10, 5, 1, 1, 20, 20, 5, 5, 10]
    assert scored["label_zh"].iloc[0] == "一次记12分的交通违法"


@pytest.mark.parametrize(
    ("points", "grade"),
    [(0, "AAA"), (1, "AA"), (9, "AA"), (10, "A"), (19, "A"), (20, "B"), (85, "B")],
)
def test_grades_by_points(points, grade) -> None:
    assert grade_for_points(pd.Series([points]), DriverConfig()).iloc[0] == grade


def test_driver_points_totals_and_details() -> None:
    records = frame(
        [
            ("a", "traffic_violation", 3.0, None),
            ("a", "passenger_complaint", None, "detour"),
            ("b", "traffic_accident", None, "major"),
        ]
    )
    out = driver_points(records, ["c", "b", "a"], DriverConfig()).set_index("subject_id")
    assert list(out.index) == ["a", "b", "c"]
    assert out.loc["a", "points"] == 15 and out.loc["a", "grade"] == "A"
    assert out.loc["a", "grade_zh"] == "基本合格" and out.loc["a", "events"] == 2
    assert out.loc["b", "points"] == 20 and out.loc["b", "grade"] == "B"
    assert out.loc["c", "points"] == 0 and out.loc["c", "grade"] == "AAA"
    assert [d["rule"] for d in json.loads(out.loc["a", "detail"])] == ["violation_3", "detour"]
    assert json.loads(out.loc["c", "detail"]) == []


def test_the_rule_is_configuration() -> None:
    cfg = DriverConfig(
        rules=(PointRule("overload", "overloading", 7, "超限超载", "overloading", min_value=30.0),),
        grades=(("AAA", 0), ("B", 7)),
    )
    records = frame([("a", "overloading", 40.0, None), ("a", "traffic_violation", 12.0, None)])
    out = driver_points(records, ["a"], cfg)
    assert out["points"].iloc[0] == 7 and out["grade"].iloc[0] == "B"
    with pytest.raises(ValueError, match="rising from 0"):
        DriverConfig(grades=(("AAA", 1), ("B", 20)))


def test_store_cycle_is_point_in_time(store) -> None:
    subjects = [
        subject("d1", "driver"),
        subject("d2", "driver"),
        subject("d3", "driver", closed_on=pd.Timestamp("2026-01-01")),
        subject("e1", "enterprise"),
    ]
    r = [
        record(
            "d1",
            "traffic_violation",
            "2026-03-01",
            value_num=6.0,
            severity="general",
            valid_until="2027-03-01",
        ),  # 10
        record(
            "d1",
            "passenger_complaint",
            "2026-09-01",
            value_text="refusal",
            severity="minor",
            valid_until="2027-09-01",
        ),  # 5
        record(
            "d1",
            "traffic_violation",
            "2025-10-31",
            value_num=12.0,
            severity="serious",
            valid_until="2026-10-31",
        ),  # before the cycle
        record(
            "d1",
            "traffic_violation",
            "2026-10-20",
            value_num=12.0,
            severity="serious",
            published="2026-11-05",
            valid_until="2027-10-20",
        ),  # published after T
        record(
            "d2",
            "traffic_accident",
            "2026-05-01",
            value_text="full",
            severity="minor",
            valid_until="2029-05-01",
        ),  # 20, but revoked
        record(
            "d2",
            "traffic_violation",
            "2026-06-01",
            value_num=3.0,
            severity="minor",
            valid_until="2027-06-01",
        ),  # 5, objection open
        record(
            "d2",
            "traffic_violation",
            "2026-07-01",
            value_num=1.0,
            severity="minor",
            valid_until="2027-07-01",
        ),  # 1
    ]
    r[4]["revoked_on"] = pd.Timestamp("2026-10-01")
    plant(store, subjects, r)
    open_objection(store, r[5]["record_id"], "d2", "2026-10-15")
    out = driver_grades(store, AS_OF, DriverConfig(), WindowPolicy()).set_index("subject_id")
    assert list(out.index) == ["d1", "d2"]  # the closed driver and the enterprise are not rated
    assert out.loc["d1", "points"] == 15 and out.loc["d1", "grade"] == "A"
    assert out.loc["d2", "points"] == 1 and out.loc["d2", "grade"] == "AA"
    # before the objection was opened the violation counted
    before = driver_grades(
        store, dt.date(2026, 10, 14), DriverConfig(), WindowPolicy(), subject_ids=["d2"]
    )
    assert before["points"].iloc[0] == 6
    # an explicit list of drivers, one without records
    some = driver_grades(store, AS_OF, DriverConfig(), WindowPolicy(), subject_ids=["d9", "d1"])
    assert list(some["subject_id"]) == ["d1", "d9"] and list(some["points"]) == [15, 0]


def test_a_slice_gives_the_stores_points(store, tiny_city) -> None:
    """On a slice (a one-driver rating) the cycle's records come from the slice's
    effective records in process: the same points, grades and details."""
    from features.store.sliced import SlicedStore, slice_store

    test_store_cycle_is_point_in_time(store)  # plants the cases above
    for day in (AS_OF, dt.date(2026, 10, 14)):
        ids = ["d1", "d2", "d3", "d9"]
        whole = driver_grades(store, day, DriverConfig(), WindowPolicy(), subject_ids=ids)
        sliced = driver_grades(
            slice_store(store, ids), day, DriverConfig(), WindowPolicy(), subject_ids=ids
        )
        pd.testing.assert_frame_equal(sliced, whole)
    tables = {
        t: tiny_city.query_arrow(f"SELECT * FROM {t}")
        for t in ("subjects", "records", "objections", "repairs")
    }
    drivers = list(
        tiny_city.query("SELECT DISTINCT subject_id FROM subjects WHERE subject_type = 'driver'")[
            "subject_id"
        ]
    )
    view = SlicedStore(tiny_city, tables, drivers)
    whole = driver_grades(tiny_city, AS_OF, DriverConfig(), WindowPolicy(), subject_ids=drivers)
    assert whole["points"].gt(0).mean() > 0.1
    pd.testing.assert_frame_equal(
        driver_grades(view, AS_OF, DriverConfig(), WindowPolicy(), subject_ids=drivers), whole
    )


def _rule(points: int, grade: str, records: list[dict] | None = None) -> dict:
    labels = {"AAA": "优秀", "AA": "合格", "A": "基本合格", "B": "不合格"}
    return {
        "points": points,
        "events": len(records or []),
        "grade": grade,
        "grade_zh": labels.get(grade, grade),
        "grade_en": grade,
        "detail": records or [],
    }


ACCIDENT = {
    "record_id": "R-ACC-1",
    "date": "2026-08-01",
    "rule": "responsible_accident",
    "points": 20,
    "label_zh": "负同等及以上责任的交通事故",
    "label_en": "accident with equal or greater responsibility",
}
SCALE = ("AAA", "AA", "A", "B")


def test_the_points_grade_caps_the_final_grade_and_names_the_records() -> None:
    from scoring.policies.driver import RULE_KEY, cap_by_points

    final, overrides = cap_by_points(
        ["AAA", "AAA", "AA", "B", "AAA"],
        ["[]"] * 5,
        [
            _rule(20, "B", [ACCIDENT]),
            _rule(12, "A"),
            _rule(19, "A"),
            _rule(5, "AA"),
            _rule(0, "AAA"),
        ],
        SCALE,
    )
    # B by the points beats AAA by the model; 10–19 points: no better than A; a model
    # grade already worse than the points grade stays; 0 points keep the model's grade
    assert final == ["B", "A", "A", "B", "AAA"]
    named = [json.loads(o) for o in overrides]
    assert [len(o) for o in named] == [1, 1, 1, 0, 0]
    first = named[0][0]
    assert first["grade"] == "B" and first["indicator"] == RULE_KEY
    assert [r["record_id"] for r in first["records"]] == ["R-ACC-1"]
    assert first["records"][0]["points"] == 20
    assert "R-ACC-1" in first["reason_zh"] and "20分" in first["reason_zh"]
    assert "不合格" in first["reason_zh"] and "R-ACC-1" in first["reason_en"]
    assert first["label_zh"] == "诚信考核记分"


def test_a_points_rule_keeps_the_scale_overrides_beside_it() -> None:
    from scoring.policies.driver import cap_by_points

    earlier = json.dumps([{"grade": "A", "indicator": "x", "reason_zh": "z", "reason_en": "e"}])
    final, overrides = cap_by_points(["A"], [earlier], [_rule(20, "B", [ACCIDENT])], SCALE)
    assert final == ["B"]
    assert [o["indicator"] for o in json.loads(overrides[0])] == ["x", "points_rule"]
    unchanged, same = cap_by_points(["A"], [earlier], [None], SCALE)
    assert unchanged == ["A"] and same == [earlier]


def test_a_points_grade_outside_the_scale_is_refused() -> None:
    from scoring.policies.driver import cap_by_points

    with pytest.raises(ValueError, match=r"\[driver.grades\]"):
        cap_by_points(["AAA"], ["[]"], [_rule(3, "C")], SCALE)
