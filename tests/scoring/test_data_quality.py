"""Department data quality (scoring/data_quality*.py, issue 19): each metric on a hand-made
frame, the score from the weights, the use case on a store without quarantine rows, and on
the tiny generated city the ranking its departments' generated quality implies."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.records.kinds import all_departments
from features.records.synthetic.city import _rng
from features.records.synthetic.quality import profiles
from features.store.duckdb_store import DuckDBStore
from scoring.data_quality import assess, department_quality, score
from scoring.data_quality_config import QualityConfig
from scoring.data_quality_metrics import (
    accuracy,
    completeness,
    duplicate_mask,
    lag_workdays,
    required_fields,
    timeliness,
    validity,
    volume,
    weighted_median,
)

D = pd.Timestamp
#: 2026-10-01 and -02 (Thursday, Friday) are holidays in these tests
HOLIDAYS = (dt.date(2026, 10, 1), dt.date(2026, 10, 2))
CFG = QualityConfig(holidays=HOLIDAYS, min_count=1)


def rec(**kw) -> dict:
    row = {
        "record_id": "R1",
        "source_dept": "samr",
        "period": "2026-10",
        "month": "2026-10",
        "kind": "administrative_penalty",
        "subject_id": "S1",
        "severity": "general",
        "value_text": "food",
        "value_num": np.nan,
        "amount": 1000.0,
        "event_date": D("2026-09-01"),
        "decided_on": D("2026-09-30"),
        "published_on": D("2026-10-13"),
    }
    return {**row, **kw}


def test_lag_and_deadline_count_working_days_without_holidays() -> None:
    # decided Wednesday 30 September; 1–2 October are holidays, 3–4 a weekend: the 7th
    # working day is Tuesday 13 October (scoring.disclosure_deadline.due_by agrees)
    frame = pd.DataFrame(
        [
            rec(record_id="on_time", published_on=D("2026-10-13")),
            rec(record_id="late", published_on=D("2026-10-14")),
            rec(record_id="same_day", published_on=D("2026-09-30")),
            # a court's decision has no 双公示 deadline: not counted
            rec(record_id="court", kind="court_judgment", published_on=D("2026-12-30")),
            rec(record_id="undated", decided_on=pd.NaT),
        ]
    )
    lags = lag_workdays(frame["decided_on"][:3], frame["published_on"][:3], HOLIDAYS)
    assert list(lags) == [7, 8, 0]
    got = timeliness(frame, CFG).iloc[0]
    assert (got["decided"], got["late"], got["median_lag"]) == (3, 1, 7.0)


def test_the_median_of_counted_lags_is_the_median_of_the_lags_one_by_one() -> None:
    rng = np.random.default_rng(3)
    for size in (1, 2, 3, 8, 41):
        values = rng.integers(0, 12, size)
        counts = rng.integers(1, 4, size)
        expanded = np.repeat(values, counts)
        assert weighted_median(values, counts) == np.median(expanded), (values, counts)
    # an even total whose two middle values differ: their mean
    assert weighted_median(np.array([5, 1]), np.array([1, 1])) == 3.0


def test_completeness_requires_what_the_kind_declares_and_the_configuration_adds() -> None:
    cfg = QualityConfig(required={"administrative_penalty": ("amount",)}, min_count=1)
    # declared: a penalty requires a severity and its sector (declared values); configured: amount
    assert required_fields("administrative_penalty", cfg) == ("severity", "value_text", "amount")
    assert required_fields("tax_credit_level", cfg) == ("value_text",)
    assert required_fields("social_insurance_headcount", cfg) == ("value_num",)
    frame = pd.DataFrame(
        [
            rec(record_id="full"),
            rec(record_id="no_amount", amount=np.nan),
            rec(record_id="empty_text", value_text=""),
            rec(record_id="tax_ok", kind="tax_credit_level", value_text="A", severity=None),
            rec(record_id="tax_blank", kind="tax_credit_level", value_text=None, severity=None),
        ]
    )
    got = completeness(frame, cfg).iloc[0]
    assert (got["rows"], got["incomplete"]) == (5, 3)


def test_a_decision_pushed_again_is_a_duplicate_once_and_only_the_later_push() -> None:
    frame = pd.DataFrame(
        [
            rec(record_id="second", published_on=D("2026-10-20")),
            rec(record_id="first", published_on=D("2026-10-13")),
            # another amount: another decision, even on the same day
            rec(record_id="other", amount=2000.0),
            # no decision date: the event date stands in; a different subject
            rec(record_id="x", subject_id="S2", decided_on=pd.NaT),
        ]
    )
    dup = duplicate_mask(frame)
    assert dup.tolist() == [True, False, False, False]


def test_validity_counts_rows_once_overall_and_once_per_reason() -> None:
    stored = pd.DataFrame({"source_dept": ["tax"], "period": ["2026-10"], "rows": [96]})
    problems = [
        [{"column": "subject_id", "problem": "x"}, {"column": "severity", "problem": "y"}],
        [{"column": "subject_id", "problem": "x"}, {"column": "subject_id", "problem": "z"}],
        [{"column": "event_date", "problem": "x"}],
        "not json",
    ]
    quarantined = pd.DataFrame(
        {
            "source_dept": "tax",
            "period": "2026-10",
            "reasons": [p if isinstance(p, str) else json.dumps(p) for p in problems],
        }
    )
    overall, per = validity(stored, quarantined)
    assert overall.iloc[0][["pushed", "quarantined"]].tolist() == [100, 4]
    rows = dict(zip(per["reason"], per["rows"], strict=True))
    assert rows == {"subject_id": 2, "severity": 1, "event_date": 1, "": 1}
    assert per.loc[per["reason"] == "subject_id", "rate"].iloc[0] == pytest.approx(0.02)


def test_accuracy_counts_resolved_objections_only() -> None:
    frame = pd.DataFrame(
        {
            "source_dept": "court",
            "period": "2026-10",
            "status": ["upheld", "rejected", "rejected", "open"],
        }
    )
    got = accuracy(frame).iloc[0]
    assert (got["resolved"], got["upheld"]) == (3, 1)


def test_volume_flags_a_drop_and_a_surge_against_the_previous_months() -> None:
    months = [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01", "2026-02"]
    rows = [100] * 12 + [40, 250]
    monthly = pd.DataFrame({"source_dept": "bank", "month": months, "rows": rows})
    small = pd.DataFrame({"source_dept": "justice", "month": months, "rows": [2] * 13 + [9]})
    got = volume(pd.concat([monthly, small]), QualityConfig(volume_min_usual=30))
    bank = got[got["source_dept"] == "bank"].set_index("month")
    assert bank.loc["2026-01", "flag"] == "drop" and bank.loc["2026-01", "ratio"] == 0.4
    assert bank.loc["2026-02", "flag"] == "surge"
    assert bank.loc["2025-06", "flag"] == "" and np.isnan(bank.loc["2025-02", "usual"])
    # a department pushing a handful of rows a month is not judged on its volume
    assert (got.loc[got["source_dept"] == "justice", "flag"] == "").all()


def test_a_quarterly_department_is_compared_with_its_own_season() -> None:
    # tax paid published in the first month of each quarter: 300 rows, then 20 and 20
    months = [str(p) for p in pd.period_range("2023-01", "2025-12", freq="M")]
    rows = [300 if int(m[5:]) % 3 == 1 else 20 for m in months]
    monthly = pd.DataFrame({"source_dept": "tax", "month": months, "rows": rows})
    seasonal = volume(monthly, QualityConfig(volume_min_usual=10)).set_index("month")
    naive = volume(
        monthly, QualityConfig(volume_min_usual=10, volume_basis="previous_months")
    ).set_index("month")
    year = [m for m in months if m.startswith("2025")]
    assert (seasonal.loc[year, "flag"] == "").all()
    # against the previous 12 months (median 20) every busy month is a surge
    assert naive.loc[year, "flag"].tolist() == ["surge", "", ""] * 4


def test_the_score_is_the_weighted_goodness_of_the_metrics_a_department_has() -> None:
    frame = pd.DataFrame(
        {
            "late_share": [0.25, np.nan, 0.0],
            "incomplete_share": [0.0, 0.1, 0.5],
            "quarantine_rate": [np.nan, np.nan, 0.0],
            "duplicate_share": [np.nan, np.nan, 0.0],
            "upheld_share": [np.nan, np.nan, 0.0],
            "volume_off_share": [np.nan, np.nan, 0.0],
        }
    )
    got = score(frame, QualityConfig())
    # timeliness 0.25 late of a 0.5 zero point: goodness 0.5; completeness full: 1
    assert got[0] == pytest.approx(round(100 * (0.25 * 0.5 + 0.20 * 1) / 0.45, 1))
    assert got[1] == pytest.approx(50.0)  # 0.1 of a 0.2 zero point, the only metric
    assert got[2] == pytest.approx(80.0)  # completeness at its zero point, all else perfect
    # the weights decide: more on its perfect completeness lifts the first row
    heavier = QualityConfig(weights={**QualityConfig().weights, "completeness": 1.0})
    assert score(frame, heavier)[0] == pytest.approx(100 * (0.25 * 0.5 + 1.0) / 1.25)


def test_a_metric_on_too_few_rows_is_left_out_of_the_score() -> None:
    frame = pd.DataFrame([rec(record_id=f"R{i}", published_on=D("2026-12-30")) for i in range(3)])
    monthly = pd.DataFrame({"source_dept": ["samr"], "month": ["2026-10"], "rows": [3]})
    empty_q = pd.DataFrame(columns=["source_dept", "month", "reasons"])
    empty_o = pd.DataFrame(columns=["source_dept", "month", "status"])
    judged = assess(frame, monthly, empty_q, empty_o, ("2026-10",), QualityConfig(min_count=3))
    skipped = assess(frame, monthly, empty_q, empty_o, ("2026-10",), QualityConfig(min_count=4))
    assert judged.scores["late_share"].iloc[0] == 1.0
    assert judged.scores["score"].iloc[0] < 100
    assert np.isnan(skipped.scores["late_share"].iloc[0])
    # nothing judged: no score and no rank (shown as —), not a perfect 100
    assert np.isnan(skipped.scores["score"].iloc[0])
    assert pd.isna(skipped.scores["rank"].iloc[0])


@pytest.mark.parametrize(
    "change",
    [
        {"weights": {"timeliness": 1.0}},
        {"weights": {**QualityConfig().weights, "volume": -0.1}},
        {"zero_at": {**QualityConfig().zero_at, "validity": 0.0}},
        {"volume_low": 1.5},
    ],
)
def test_the_rules_refuse_weights_and_bounds_that_make_no_score(change: dict) -> None:
    with pytest.raises(ValueError, match="quality"):
        QualityConfig(**change)


def test_a_store_without_quarantine_rows_is_scored(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        [
            rec(record_id="A1", published_on=D("2026-10-05"), decided_on=D("2026-10-05")),
            rec(record_id="A2", published_on=D("2026-10-28"), decided_on=D("2026-10-05")),
        ]
    ).drop(columns=["period", "month"])
    rows = rows.assign(domain="supervision", polarity="negative", ingest_id=1)
    rows["recorded_at"] = rows["published_on"]
    with DuckDBStore(tmp_path / "s.duckdb", threads=1) as store:
        store.append("records", rows)
        report = department_quality(store, QualityConfig(min_count=1), month="2026-10")
    got = report.scores.iloc[0]
    assert got["source_dept"] == "samr" and got["rank"] == 1
    assert (got["quarantined"], got["quarantine_rate"]) == (0, 0.0)
    assert (got["decided"], got["late"]) == (2, 1)
    assert report.reasons.empty
    assert report.trend["period"].tolist() == ["2026-10"]
    with pytest.raises(ValueError, match="month"):
        department_quality(store, QualityConfig())


def test_the_generated_city_ranks_departments_in_the_order_of_their_quality(
    scoring_city_file: Path,
) -> None:
    """The issue's check: the tiny city (seed 5) has departments of different quality
    (features/records/synthetic/quality.py); their 2025 scores must follow it."""
    from app.settings import settings

    level = {d: p.level for d, p in profiles(_rng(5, "quality"), list(all_departments())).items()}
    with DuckDBStore(scoring_city_file, read_only=True) as store:
        report = department_quality(store, settings().quality_config(), year=2025)
    scores = report.scores
    # the departments pushing enough rows to be judged on most metrics
    judged = scores[scores["pushed"] >= 200].assign(level=lambda f: f["source_dept"].map(level))
    assert len(judged) >= 12
    rho = judged[["score", "level"]].corr(method="spearman").iloc[0, 1]
    assert rho >= 0.8, judged[["source_dept", "level", "score"]]
    # by thirds of their generated quality: the better third scores higher on average
    thirds = pd.qcut(judged["level"], 3, labels=["worst", "middle", "best"])
    means = judged.groupby(thirds, observed=True)["score"].mean()
    assert means["worst"] < means["middle"] < means["best"], means
    # the quarantined rows are the generated defects (a wrong check character, an event
    # typed after its publication — and so after its decision or window end —, an unknown
    # tier, a day the month does not have), counted by the column the ingest named
    reasons = set(report.reasons["reason"])
    assert {"subject_id", "published_on", "severity", "event_date"} <= reasons
    assert reasons <= {
        "subject_id",
        "published_on",
        "severity",
        "event_date",
        "decided_on",
        "valid_until",
    }
    assert (report.reasons["rows"] > 0).all()


def test_the_store_counts_records_as_one_row_each_would(scoring_city_file: Path) -> None:
    """The engine flags and groups the records (``read_inputs``); the scores must equal
    assessing one pandas row per record with the metrics' own masks over the same months
    (a required amount and a configured holiday, so each flag and the working-day lag
    have something to do)."""
    from app.settings import settings
    from scoring.data_quality import _month_range, read_inputs
    from scoring.data_quality_metrics import incomplete_mask

    base = settings().quality_config()
    cfg = QualityConfig(
        **{
            **{f: getattr(base, f) for f in base.__dataclass_fields__},
            "required": {"*": ("decided_on",), "administrative_penalty": ("amount",)},
            "holidays": (dt.date(2025, 10, 1), dt.date(2025, 10, 2), dt.date(2025, 10, 3)),
        }
    )
    months = tuple(str(p) for p in pd.period_range("2025-01", "2025-12", freq="M"))
    with DuckDBStore(scoring_city_file, read_only=True) as store:
        counted, monthly, quarantined, objections = read_inputs(store, months, cfg)
        start, end = _month_range(months)
        rows = store.query(
            """SELECT *, strftime(published_on, '%Y-%m') AS month FROM records
               WHERE published_on BETWEEN ? AND ?
               QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY recorded_at) = 1""",
            [start, end],
        )
    assert counted["n"].sum() == len(rows) and len(counted) < len(rows) / 5
    rows = rows.assign(incomplete=incomplete_mask(rows, cfg), duplicate=duplicate_mask(rows))
    assert rows["incomplete"].any() and rows["duplicate"].any()
    for periods in (months[-1:], months, ("2025",)):
        got = assess(counted, monthly, quarantined, objections, periods, cfg).scores
        want = assess(rows, monthly, quarantined, objections, periods, cfg).scores
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
