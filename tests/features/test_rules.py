"""Published points rules and flags as declarations (features/rules.py): validation, the
arithmetic, the compiled SQL and its in-process twin, and how a rule binds the grade."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import replace

import pandas as pd
import pytest

from features.build import build_features
from features.compile import BuildConfig
from features.definitions.driver import INTEGRITY
from features.dsl import Match, Population, Scheme
from features.records.kinds import KINDS
from features.rules import Flag, PointsItem, PointsRule, Source, decode_detail
from features.store.duckdb_store import DuckDBStore
from scoring.rules import bind_rules, rule_results

T = dt.date(2026, 10, 31)
_ids = itertools.count()

VIOLATION = Match(("traffic_violation",))
#: A score (better: higher) from 60, an exact band: praise adds (capped), penalties deduct.
SCORE = PointsRule(
    key="test_score",
    label_zh="测试信用评价",
    label_en="Test evaluation",
    items=(
        PointsItem("praise", "表彰", "honour", Match(("honour",)), 5, cap=10),
        PointsItem(
            "grave", "重大违法", "grave violation", Match(("traffic_violation",), min_value=6), -15
        ),
        PointsItem("violation", "违法", "violation", VIOLATION, -5),
    ),
    bands=(("AAA", 90), ("AA", 80), ("A", 70), ("B", 60), ("C", float("-inf"))),
    better="higher",
    binding="exact",
    cycle_months=24,
    start=60,
    sources=(Source("test document", "art. 1", proposal=True),),
)


# --- declarations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bands": (("AAA", 0), ("AA", 0))}, "rising from"),
        ({"bands": (("AAA", 1), ("AA", 5))}, "rising from"),  # not from the start
        ({"binding": "ceiling"}, "binding"),
        ({"better": "more"}, "better"),
        ({"cycle_months": 0}, "cycle_months"),
        ({"items": ()}, "no items"),
        ({"items": INTEGRITY.items[:1] * 2}, "distinct"),
        ({"consequences": (("D", "x", "y"),)}, "unknown grade"),
    ],
)
def test_a_bad_rule_is_refused_with_its_reason(change, message) -> None:
    with pytest.raises(ValueError, match=message):
        replace(INTEGRITY, **change)


def test_bad_items_and_flags_are_refused() -> None:
    with pytest.raises(ValueError, match="cap"):
        PointsItem("x", "x", "x", VIOLATION, 5, cap=0)
    with pytest.raises(ValueError, match="0 points"):
        PointsItem("x", "x", "x", VIOLATION, 0)
    with pytest.raises(ValueError, match="no record kind"):
        PointsItem("x", "x", "x", Match(()), 1)
    with pytest.raises(ValueError, match="years"):
        Flag("f", "f", "f", Match((), polarity="negative"), years=0)
    with pytest.raises(ValueError, match="falling"):
        replace(SCORE, bands=(("AAA", 60), ("AA", 80)))
    with pytest.raises(ValueError, match="distinct"):
        Scheme("s", "s", "s", Population("driver"), (), rules=(INTEGRITY, INTEGRITY))


def test_totals_caps_and_bands() -> None:
    # a demerit count from 0: AAA 0, AA 1–9, A 10–19, B 20+
    assert [INTEGRITY.grade(p) for p in (0, 1, 9, 10, 19, 20, 85)] == [
        "AAA",
        "AA",
        "AA",
        "A",
        "A",
        "B",
        "B",
    ]
    # a score from 60: three honours add 15 but the item is capped at 10
    assert SCORE.total([3, 0, 0]) == 70 and SCORE.grade(70) == "A"
    assert SCORE.total([1, 1, 2]) == 60 + 5 - 15 - 10 and SCORE.grade(40) == "C"
    assert SCORE.grade(95) == "AAA" and SCORE.grade(89.9) == "AA"


# --- compiled and in-process -------------------------------------------------------------


def _record(sid: str, kind: str, day: str, published: str | None = None, **values) -> dict:
    k = KINDS[kind]
    return {
        "record_id": f"R{next(_ids):05d}",
        "subject_id": sid,
        "kind": kind,
        "domain": k.domain,
        "severity": values.pop("severity", None),
        "polarity": k.polarity_for(values.get("value_text")),
        "value_num": values.get("value_num"),
        "value_text": values.get("value_text"),
        "amount": None,
        "event_date": pd.Timestamp(day),
        "decided_on": None,
        "published_on": pd.Timestamp(published or day),
        "valid_until": None,
        "revoked_on": None,
        "source_dept": k.dept,
    }


@pytest.fixture
def store():
    st = DuckDBStore(":memory:", threads=1)
    subjects = [
        {
            "subject_id": sid,
            "subject_type": "driver",
            "name": sid,
            "region_code": "530302",
            "status": "active",
            "established_on": pd.Timestamp(founded),
        }
        for sid, founded in (("d1", "2015-01-01"), ("d2", "2015-01-01"), ("d3", "2025-01-01"))
    ]
    st.append("subjects", pd.DataFrame(subjects))
    records = [
        # d1: 12 licence points (the first item, 20, not also the lower bands), a 3-point one
        _record("d1", "traffic_violation", "2026-03-01", value_num=12.0, value_text="safety"),
        _record("d1", "traffic_violation", "2026-05-01", value_num=3.0, value_text="safety"),
        # d2: three honours (capped in SCORE) and a violation dated the day after T,
        # published at T: it moves no rule at T
        _record("d2", "honour", "2026-01-10"),
        _record("d2", "honour", "2026-02-10"),
        _record("d2", "honour", "2026-03-10"),
        _record("d2", "traffic_violation", "2026-11-01", "2026-10-31", value_num=12.0),
        # d3: no negative record, but founded less than three years ago: no green channel
        _record("d3", "honour", "2026-06-01"),
    ]
    st.append("records", pd.DataFrame(records))
    yield st
    st.close()


def _scheme(*rules: PointsRule) -> Scheme:
    from features.schemes import get_scheme

    return replace(get_scheme("driver"), rules=rules)


@pytest.mark.parametrize("path", ["sql", "in-process"])
def test_rules_and_flags_from_the_records_that_count(store, path) -> None:
    sch = _scheme(INTEGRITY, SCORE)
    subjects = ["d1", "d2", "d3"] if path == "in-process" else None
    f = build_features(store, sch, T, subjects=subjects, with_rules=True).set_index("subject_id")
    pts = f[INTEGRITY.points_column]
    # first match wins: 12 licence points score 20 (not 20 + 10 + 5 + 1), 3 points score 5
    assert pts["d1"] == 25 and f.loc["d1", INTEGRITY.events_column] == 2
    assert [r["rule"] for r in decode_detail(INTEGRITY, f.loc["d1", INTEGRITY.detail_column])] == [
        "violation_12",
        "violation_3",
    ]
    # the record dated after T moves nothing; nothing scored: no detail
    assert pts["d2"] == 0 and f.loc["d2", INTEGRITY.detail_column] is None
    # the score: d1 60 − 15 (first match: grave) − 5; d2 60 + 3 × 5 capped at 10
    assert f.loc["d1", SCORE.points_column] == 40
    assert f.loc["d2", SCORE.points_column] == 70 and f.loc["d3", SCORE.points_column] == 65
    # the green channel: d1 has negatives; d2's only negative is after T; d3 is too young
    assert f["flag__green_channel"].to_dict() == {"d1": False, "d2": True, "d3": False}
    assert f["flag__green_channel"].dtype == bool
    # a day later the violation dated 2026-11-01 counts
    later = build_features(store, sch, dt.date(2026, 11, 1), subjects=subjects, with_rules=True)
    assert later.set_index("subject_id").loc["d2", INTEGRITY.points_column] == 20


def test_the_sql_and_the_in_process_twin_agree(store) -> None:
    sch = _scheme(INTEGRITY, SCORE)
    whole = build_features(store, sch, T, with_rules=True)
    some = build_features(store, sch, T, subjects=["d1", "d2", "d3"], with_rules=True)
    pd.testing.assert_frame_equal(some, whole)
    # the indicators are the same with or without the rules
    plain = build_features(store, sch, T)
    pd.testing.assert_frame_equal(whole[plain.columns], plain)


# --- binding ----------------------------------------------------------------------------


def _results(rule: PointsRule, totals: list[float]) -> list[dict]:
    frame = pd.DataFrame(
        {
            rule.points_column: totals,
            rule.events_column: [1.0] * len(totals),
            rule.detail_column: [None] * len(totals),
        }
    )
    return rule_results((rule,), frame, {})


GRADES = ("AAA", "AA", "A", "B", "C")


def test_a_cap_rule_never_lets_the_grade_be_better_than_its_band() -> None:
    final, overrides = bind_rules(
        (INTEGRITY,), _results(INTEGRITY, [20, 12, 0]), ["AAA", "B", "AA"], ["[]"] * 3, GRADES
    )
    # B by the points beats AAA; a worse model grade stays; 0 points keep the model's grade
    assert final == ["B", "B", "AA"]
    assert [len(json.loads(o)) for o in overrides] == [1, 0, 0]
    assert json.loads(overrides[0])[0]["indicator"] == "points_rule"


def test_an_exact_rule_sets_the_grade_and_a_hard_override_still_applies_after() -> None:
    hard = json.dumps([{"grade": "C", "indicator": "serious_list", "reason_zh": "z"}])
    final, overrides = bind_rules(
        (SCORE,),
        _results(SCORE, [95, 65, 95]),
        ["B", "AAA", "C"],  # the third: the scale's hard override made it C
        ["[]", "[]", hard],
        GRADES,
    )
    # the band is the grade, better or worse than the model's; a hard override wins
    assert final == ["AAA", "B", "C"]
    named = [json.loads(o) for o in overrides]
    assert [o[-1]["indicator"] for o in named] == ["test_score", "test_score", "serious_list"]
    assert "为AAA" in named[0][0]["reason_zh"] and named[0][0]["label_zh"] == "测试信用评价"


def test_a_band_outside_the_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="not a grade of the scale"):
        bind_rules((SCORE,), _results(SCORE, [10]), ["A"], ["[]"], ("AAA", "AA", "A", "B"))


def test_which_records_scored_the_detail_query_and_its_twin(store) -> None:
    """rule_records_sql (the detail query) and evaluate.rule_records name the same records,
    in the same order, as the frame's detail column."""
    from features.compile import rule_records_sql
    from features.effective import effective_records
    from features.evaluate import rule_records

    sch = _scheme(INTEGRITY, SCORE)
    frame = build_features(store, sch, T, with_rules=True).set_index("subject_id")
    tables = {
        t: store.query_arrow(f"SELECT * FROM {t}") for t in ("records", "objections", "repairs")
    }
    eff = effective_records(tables, T, BuildConfig().windows)
    for rule in (INTEGRITY, SCORE):
        rows = store.query(rule_records_sql(sch, rule, T))
        for sid in frame.index:
            mine = rows[rows["subject_id"] == sid]
            sql = [
                (r, str(d)[:10], int(i))
                for r, d, i in zip(mine["record_id"], mine["rdate"], mine["item"], strict=True)
            ]
            assert sql == rule_records(rule, eff, sid)
            detail = decode_detail(rule, frame.loc[sid, rule.detail_column])
            assert [d["record_id"] for d in detail] == [r for r, _, _ in sql]
    assert len(store.query(rule_records_sql(sch, SCORE, T))) == 6  # d1 2, d2 3 honours, d3 1


def test_the_construction_evaluation_compiles_and_ranks_no_one_above_its_band(tiny_city) -> None:
    """The declared construction credit evaluation (an exact, rule-only declaration) runs
    over the generated city's firms the same way in SQL and in process, every band occurs
    where its records say, and bound exactly the band is the final grade."""
    from features.definitions.construction import CONSTRUCTION_CREDIT as RULE
    from features.schemes import get_scheme

    assert RULE.binding == "exact" and RULE.sources and any(s.proposal for s in RULE.sources)
    sch = replace(get_scheme("enterprise"), indicators=(), dimensions=(), rules=(RULE,), flags=())
    whole = build_features(tiny_city, sch, T, with_rules=True)
    some = whole["subject_id"].iloc[::60].tolist()
    pd.testing.assert_frame_equal(
        build_features(tiny_city, sch, T, subjects=some, with_rules=True),
        whole[whole["subject_id"].isin(some)].reset_index(drop=True),
    )
    grades = whole[RULE.points_column].map(RULE.grade)
    assert set(grades) == set(RULE.grades)  # the generated records reach every band
    results = rule_results((RULE,), whole, {})
    final, overrides = bind_rules(
        (RULE,), results, ["AAA"] * len(whole), ["[]"] * len(whole), GRADES
    )
    assert final == grades.tolist()
    assert all(json.loads(o)[0]["indicator"] == "construction_credit" for o in overrides)
