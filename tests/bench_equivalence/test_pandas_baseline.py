"""The pandas baseline (bench/pandas_baseline.py) agrees with the SQL compiler.

Two independent readings of the same declarations — SQL compiled by
features/compile.py and run on DuckDB, and a plain pandas interpreter that
shares no code with it — must give the same frame for every scheme on the
generated tiny city, at two as-of dates.
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from bench.pandas_baseline import (
    ATOL,
    build_features_pandas,
    compare_frames,
    load_tables,
    repair_min_end,
)
from features.build import build_features
from features.records.synthetic.city import generate_city
from features.records.windows import WindowPolicy
from features.schemes import SCHEMES
from features.store.duckdb_store import DuckDBStore

AS_OF = ("2026-10-31", "2024-06-30")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory):
    store = DuckDBStore(tmp_path_factory.mktemp("city") / "tiny.duckdb")
    generate_city(store, scale="tiny", seed=5)
    yield store, load_tables(store)
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("as_of", AS_OF)
@pytest.mark.parametrize("key", list(SCHEMES))
def test_baseline_equals_compiled_sql(city, key: str, as_of: str) -> None:
    store, tables = city
    scheme = SCHEMES[key]
    expected = build_features(store, scheme, as_of)
    actual = build_features_pandas(tables, scheme, as_of)
    assert len(expected) > 0
    assert compare_frames(expected, actual, scheme) == []
    # the same check through pandas' own comparison (floats to 1e-9 relative or the
    # engines' rounding step absolute, NaN positions)
    pd.testing.assert_frame_equal(expected, actual, check_exact=False, rtol=1e-9, atol=ATOL)


@pytest.mark.slow
def test_the_city_exercises_the_point_in_time_rules(city) -> None:
    """The comparison is only worth something if objections, repairs, revocations and
    every aggregation actually occur in the data at the compared dates."""
    store, tables = city
    n = store.query(
        """SELECT
             (SELECT count(*) FROM objections WHERE opened_on <= DATE '2026-10-31') AS obj,
             (SELECT count(*) FROM repairs WHERE status = 'approved') AS rep,
             (SELECT count(*) FROM records WHERE revoked_on IS NOT NULL) AS rev"""
    ).iloc[0]
    assert (n > 0).all()
    frame = build_features_pandas(tables, "enterprise", AS_OF[0])
    for col in (
        "rep_firms_listed",
        "rep_dishonest_now",
        "penalty_severity_24m",
        "headcount",
        "days_since_penalty",
        "tax_level",
    ):
        assert frame[col].notna().any() and (frame[col].astype(object) != 0).any(), col


def test_repair_minimum_follows_the_tiers() -> None:
    """The repair floor of the baseline is WindowPolicy.min_months, record by record."""
    policy = WindowPolicy()
    rec = pd.DataFrame(
        {
            "kind": ["administrative_penalty"] * 4 + ["serious_violation_list", "tax_arrears"],
            "severity": ["serious", "serious", "general", "general", "serious", None],
            "value_text": ["other", "other", "food", "price", None, None],
            "event_date": pd.to_datetime(["2025-01-31"] * 6).astype("datetime64[s]"),
            "decided_on": pd.to_datetime(
                ["2025-01-31", "2026-05-31", "2026-05-31", "2026-05-31", "2026-05-31", None]
            ).astype("datetime64[s]"),
        }
    )
    got = repair_min_end(rec, policy).dt.strftime("%Y-%m-%d").tolist()
    assert got == [
        "2025-07-31",
        "2027-05-31",
        "2027-05-31",
        "2026-08-31",
        "2027-05-31",
        "2025-01-31",
    ]
    months = [
        policy.min_months(k, s, d.date(), v or "")
        for k, s, d, v in zip(
            rec["kind"][:5],
            rec["severity"][:5],
            rec["decided_on"][:5],
            rec["value_text"][:5],
            strict=True,
        )
    ]
    assert months == [6, 12, 12, 3, 12]
    assert np.all(repair_min_end(rec, policy).notna())


# -- planted edge cases ----------------------------------------------------------------------
# One subject per point-in-time case, so a count of 1 or 0 shows whether its record counts.
T = "2026-10-31"
PEN, LIST = "administrative_penalty", "serious_violation_list"
# subject: (expected count at T, record fields, objections [(status, opened, resolved)],
#           repairs [(status, approved_on)])
CASES: dict[str, tuple[int, dict, list, list]] = {
    "E01": (1, {"published_on": "2026-10-31"}, [], []),
    "E02": (0, {"published_on": "2026-11-01"}, [], []),
    "E03": (0, {"revoked_on": "2026-10-31"}, [], []),
    "E04": (1, {"revoked_on": "2026-11-01"}, [], []),
    "E05": (0, {}, [("open", "2026-10-31", None)], []),
    "E06": (1, {}, [("open", "2026-11-01", None)], []),
    "E07": (1, {}, [("open", "2026-05-01", None), ("rejected", "2026-05-01", "2026-10-31")], []),
    "E08": (0, {}, [("open", "2026-05-01", None), ("rejected", "2026-05-01", "2026-11-01")], []),
    "E09": (0, {}, [("open", "2026-05-01", None), ("upheld", "2026-05-01", "2026-06-01")], []),
    "E10": (0, {"valid_until": "2026-10-31"}, [], []),
    "E11": (1, {"valid_until": "2026-11-01"}, [], []),
    "E12": (1, {"valid_until": None}, [], []),
    # general tier: minimum 3 months from the decision
    "E13": (1, {"decided_on": "2026-09-15"}, [], [("approved", "2026-10-01")]),
    "E14": (0, {"decided_on": "2026-06-15"}, [], [("approved", "2026-10-01")]),
    "E15": (1, {"decided_on": "2026-06-15"}, [], [("approved", "2026-11-05")]),
    # serious: 6 months before the 2026-04-01 cut-over, 12 months after it
    "E16": (
        0,
        {"decided_on": "2026-03-15", "severity": "serious"},
        [],
        [("approved", "2026-10-01")],
    ),
    "E17": (
        1,
        {"decided_on": "2026-04-15", "severity": "serious"},
        [],
        [("approved", "2026-10-01")],
    ),
    # food sector: 12 months
    "E18": (
        1,
        {"decided_on": "2026-06-15", "value_text": "food"},
        [],
        [("approved", "2026-10-01")],
    ),
    "E19": (1, {"decided_on": "2026-06-15"}, [], [("applied", None), ("rejected", "2026-09-01")]),
    "E20": (0, {"decided_on": "2026-10-01", "severity": "minor"}, [], [("approved", "2026-10-20")]),
    # serious violation list: repair no earlier than 12 months
    "E21": (
        1,
        {"kind": LIST, "severity": "serious", "decided_on": "2026-01-15"},
        [],
        [("approved", "2026-10-01")],
    ),
    # no decision date: the event date starts the minimum
    "E22": (0, {"decided_on": None, "event_date": "2026-06-15"}, [], [("approved", "2026-10-01")]),
    "E23": (0, {"decided_on": "2026-06-15"}, [], [("approved", "2026-10-31")]),
}


def _rec(rid: str, subject: str, kind: str, day: str, **kw: object) -> dict:
    row = {
        "record_id": rid,
        "subject_id": subject,
        "kind": kind,
        "domain": "x",
        "severity": None,
        "polarity": "neutral",
        "value_num": None,
        "value_text": None,
        "amount": None,
        "event_date": day,
        "decided_on": day,
        "published_on": day,
        "valid_until": None,
        "revoked_on": None,
        "source_dept": "test",
    }
    row.update(kw)
    return row


def _subject(sid: str, stype: str = "enterprise", **kw: object) -> dict:
    row = {
        "subject_id": sid,
        "subject_type": stype,
        "name": sid,
        "region_code": "530302",
        "status": "active",
        "established_on": "2010-01-01",
        "scale": "small",
        "registered_capital": 100.0,
        "legal_rep_id": None,
        "employer_id": None,
        "closed_on": None,
    }
    row.update(kw)
    return row


def _planted_store() -> DuckDBStore:
    subjects, records, objections, repairs = [], [], [], []
    for sid, (_, fields, objs, reps) in CASES.items():
        subjects.append(_subject(sid))
        row = {
            "severity": "general",
            "polarity": "negative",
            "value_text": "other",
            "amount": 1000.0,
            "valid_until": "2030-01-01",
            "published_on": "2026-07-01",
        }
        row.update(fields)
        kind = row.pop("kind", PEN)
        records.append(_rec(f"R{sid}", sid, kind, row.pop("event_date", "2026-06-15"), **row))
        for i, (status, opened, resolved) in enumerate(objs):
            objections.append(
                {
                    "objection_id": f"O{sid}",
                    "record_id": f"R{sid}",
                    "subject_id": sid,
                    "status": status,
                    "opened_on": opened,
                    "resolved_on": resolved,
                    "recorded_at": f"2026-01-0{i + 1}",
                }
            )
        for status, decided in reps:
            repairs.append(
                {
                    "repair_id": f"X{sid}",
                    "record_id": f"R{sid}",
                    "subject_id": sid,
                    "status": status,
                    "applied_on": "2026-05-01",
                    "approved_on": decided,
                }
            )
    # windows: 12 months = (2025-10-31, 2026-10-31], the year before = (2024-10-31, 2025-10-31]
    subjects.append(_subject("W1"))
    for i, day in enumerate(["2024-10-31", "2024-11-01", "2025-10-31", "2025-11-01", "2026-10-31"]):
        records.append(_rec(f"RW1{i}", "W1", "tax_paid", day, amount=10.0**i))
    # dated after T but published by T: not in any window, yet in force
    records.append(
        _rec("RW15", "W1", "tax_paid", "2026-11-15", published_on="2026-10-01", amount=1e6)
    )
    # aggregations: values, latest with a tie on the date (record_id decides), texts
    subjects.append(_subject("A1"))
    for rid, day, val, text in [
        ("RA1a", "2026-05-10", 4.0, "B"),
        ("RA1c", "2026-09-30", 7.0, "A"),
        ("RA1b", "2026-09-30", 5.0, "C"),
        ("RA1d", "2026-01-03", 9.0, "B"),
    ]:
        records.append(
            _rec(rid, "A1", "social_insurance_headcount", day, value_num=val, value_text=text)
        )
    for i, sev in enumerate(["minor", "general", "serious", None]):
        records.append(
            _rec(
                f"RA2{i}",
                "A1",
                "tax_arrears",
                "2026-03-01",
                severity=sev,
                polarity="negative",
                valid_until="2030-01-01",
            )
        )
    # a positive record past its validity: in its window, not in force
    records.append(
        _rec("RA30", "A1", "red_list", "2025-12-01", polarity="positive", valid_until="2026-01-01")
    )
    records.append(
        _rec("RA31", "A1", "red_list", "2026-02-01", polarity="positive", valid_until="2027-02-01")
    )
    # population: founded after T, closed at T, closed after T
    subjects += [
        _subject("P1", established_on="2026-11-01"),
        _subject("P2", closed_on="2026-10-31", status="closed"),
        _subject("P3", closed_on="2026-11-01"),
    ]
    # related parties: person L1 represents F1, F2 and the closed F3; driver V1 works for F2
    subjects += [
        _subject("L1", "household"),
        _subject("F1", legal_rep_id="L1"),
        _subject("F2", legal_rep_id="L1"),
        _subject("F3", legal_rep_id="L1", closed_on="2025-01-01", status="closed"),
        _subject("V1", "driver", employer_id="F2", established_on=None),
    ]
    records += [
        _rec(
            "RL1",
            "L1",
            "dishonest_judgment_debtor",
            "2026-02-01",
            polarity="negative",
            severity="serious",
        ),
        _rec(
            "RF2",
            "F2",
            PEN,
            "2026-03-01",
            polarity="negative",
            severity="serious",
            valid_until="2029-01-01",
        ),
        _rec(
            "RF3",
            "F3",
            "abnormal_operations_list",
            "2024-12-01",
            polarity="negative",
            severity="general",
        ),
        _rec(
            "RF1",
            "F1",
            "safety_rating",
            "2026-01-01",
            value_text="A",
            polarity="positive",
            valid_until="2028-01-01",
        ),
    ]
    return _store(subjects, records, objections, repairs)


def _store(
    subjects: list, records: list, objections: list | None = None, repairs: list | None = None
) -> DuckDBStore:
    store = DuckDBStore(":memory:")
    for name, rows in [
        ("subjects", subjects),
        ("records", records),
        ("objections", objections),
        ("repairs", repairs),
    ]:
        if not rows:
            continue
        frame = pd.DataFrame(rows)
        for col in frame.columns:
            if col.endswith(("_on", "_date", "_until")) and col != "recorded_at":
                frame[col] = pd.to_datetime(frame[col]).dt.date
            if col == "recorded_at":
                frame[col] = pd.to_datetime(frame[col])
        store.append(name, frame)
    return store


def _planted_scheme():
    from features.dsl import (
        Attribute,
        Derived,
        Indicator,
        Match,
        Population,
        Records,
        Related,
        Scheme,
    )

    def ind(name: str, src: object, **kw: object) -> Indicator:
        return Indicator(name, name, name, "x", src, **kw)  # type: ignore[arg-type]

    pen = Match((PEN, LIST))
    tax = Match(("tax_paid",))
    hc = Match(("social_insurance_headcount",))
    return Scheme(
        "planted",
        "planted",
        "planted",
        Population("enterprise"),
        (
            ind("n_any", Records(pen, "count", 120)),
            ind("n_in_force", Records(pen, "count")),
            ind("tax_12m", Records(tax, "sum_amount", 12)),
            ind("tax_prev_12m", Records(tax, "sum_amount", 12, offset=12)),
            ind("tax_n_4m", Records(tax, "count", 4)),
            ind("tax_all", Records(tax, "sum_amount")),
            ind("tax_trend", Derived("log_ratio", "tax_12m", "tax_prev_12m")),
            ind("tax_ratio", Derived("ratio", "tax_12m", "tax_prev_12m")),
            ind("tax_rel", Derived("trend", "tax_12m", "tax_prev_12m")),
            ind("hc_latest", Records(hc, "latest_value", 12)),
            ind("hc_text", Records(hc, "latest_text", 12)),
            ind("hc_avg", Records(hc, "avg_value", 12)),
            ind("hc_max", Records(hc, "max_value", 12)),
            ind("hc_sum", Records(hc, "sum_value", 12)),
            ind("hc_kinds", Records(hc, "distinct_values", 12)),
            ind("hc_days", Records(hc, "days_since", 12)),
            ind("hc_diff", Derived("diff", "hc_latest", "hc_avg")),
            ind("arrears_w", Records(Match(("tax_arrears",)), "weighted", 12)),
            ind("red_12m", Records(Match(("red_list",)), "count", 12)),
            ind("red_now", Records(Match(("red_list",)), "count")),
            ind(
                "rep_dishonest",
                Related("legal_rep", Records(Match(("dishonest_judgment_debtor",)), "count")),
            ),
            ind(
                "rep_firms_any",
                Related("rep_firms", Records(Match((PEN, "abnormal_operations_list")), "count")),
            ),
            ind("rep_firms_pen_12m", Related("rep_firms", Records(Match((PEN,)), "count", 12))),
            ind("age", Attribute("established_on", "years_since")),
            ind("capital", Attribute("registered_capital", "log1p")),
            ind("scale", Attribute("scale", categorical=True)),
        ),
    )


@pytest.fixture(scope="module")
def planted():
    store = _planted_store()
    yield store, load_tables(store)
    store.close()


@pytest.mark.parametrize("as_of", [T, "2026-08-31", "2025-06-30"])
def test_planted_cases_agree(planted, as_of: str) -> None:
    store, tables = planted
    scheme = _planted_scheme()
    expected = build_features(store, scheme, as_of)
    actual = build_features_pandas(tables, scheme, as_of)
    assert compare_frames(expected, actual, scheme) == []


def test_planted_cases_follow_design(planted) -> None:
    """Hand-checked values at T (DESIGN.md §5, the DSL's docstrings), on both engines."""
    store, tables = planted
    scheme = _planted_scheme()
    for frame in (build_features(store, scheme, T), build_features_pandas(tables, scheme, T)):
        f = frame.set_index("subject_id")
        assert "P1" not in f.index and "P2" not in f.index and "P3" in f.index
        assert {s: int(f.loc[s, "n_any"]) for s in CASES} == {s: c[0] for s, c in CASES.items()}
        assert (f.loc[list(CASES), "n_in_force"] == f.loc[list(CASES), "n_any"]).all()
        w = f.loc["W1"]
        assert (w.tax_12m, w.tax_prev_12m, w.tax_n_4m, w.tax_all) == (
            1e4 + 1e3,
            1e2 + 1e1,
            1.0,
            1e6 + 11111,
        )
        assert w.tax_trend == pytest.approx(np.log((1 + 11000) / (1 + 110)))
        assert w.tax_ratio == pytest.approx(100.0) and w.tax_rel == pytest.approx(99.0)
        a = f.loc["A1"]
        assert (a.hc_latest, a.hc_text, a.hc_max, a.hc_sum, a.hc_kinds) == (
            7.0,
            "A",
            9.0,
            25.0,
            3.0,
        )
        assert a.hc_avg == 6.25 and a.hc_days == 31.0 and a.hc_diff == 0.75
        assert a.arrears_w == 14.0 and a.red_12m == 2.0 and a.red_now == 1.0
        assert np.isnan(f.loc["E01", "hc_latest"]) and f.loc["E01", "hc_text"] is None
        assert np.isnan(f.loc["E01", "tax_ratio"]) and f.loc["E01", "tax_trend"] == 0.0
        assert f.loc["F1", "rep_dishonest"] == 1.0 and f.loc["E01", "rep_dishonest"] == 0.0
        # F1 sees F2 (penalty) and the closed F3 (listing); F2 sees only F3
        assert (f.loc["F1", "rep_firms_any"], f.loc["F2", "rep_firms_any"]) == (2.0, 1.0)
        assert (f.loc["F1", "rep_firms_pen_12m"], f.loc["F2", "rep_firms_pen_12m"]) == (1.0, 0.0)
        assert f.loc["E01", "age"] == pytest.approx(
            (pd.Timestamp(T) - pd.Timestamp("2010-01-01")).days / 365.25
        )
        assert f.loc["E01", "capital"] == pytest.approx(np.log(101.0))


# -- edge cases where the compiled SQL departed from the declarations ------------------------
def _one_indicator_scheme(src: object):
    from features.dsl import Indicator, Population, Scheme

    probe = Indicator("x", "x", "x", "x", src)  # type: ignore[arg-type]
    return Scheme("probe", "probe", "probe", Population("enterprise"), (probe,))


def test_latest_value_is_the_latest_records_value_that_has_one() -> None:
    from features.dsl import Match, Records

    store = _store(
        [_subject("A1")],
        [
            _rec("R1", "A1", "social_insurance_headcount", "2026-08-31", value_num=5.0),
            _rec("R2", "A1", "social_insurance_headcount", "2026-09-30", value_num=None),
        ],
    )
    scheme = _one_indicator_scheme(
        Records(Match(("social_insurance_headcount",)), "latest_value", 6)
    )
    # DSL: the value of the latest record that has one — September's has none, so August's
    assert build_features_pandas(load_tables(store), scheme, T)["x"].iloc[0] == 5.0
    assert build_features(store, scheme, T)["x"].iloc[0] == 5.0


def test_rep_firms_without_window_counts_records_in_force() -> None:
    """Records(window=None) means "in force" for related firms too (a positive record past
    its valid_until no longer counts; eff only drops expired negative records)."""
    from features.dsl import Match, Records, Related

    store = _store(
        [_subject("F1", legal_rep_id="L1"), _subject("F2", legal_rep_id="L1")],
        [_rec("R1", "F2", "red_list", "2025-06-01", polarity="positive", valid_until="2026-06-01")],
    )
    scheme = _one_indicator_scheme(Related("rep_firms", Records(Match(("red_list",)), "count")))
    # F2's red list membership expired on 2026-06-01: not in force at T
    assert build_features_pandas(load_tables(store), scheme, T)["x"].tolist() == [0.0, 0.0]
    assert build_features(store, scheme, T)["x"].tolist() == [0.0, 0.0]
