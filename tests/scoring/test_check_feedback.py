"""Feedback on credit checks (实施反馈), caseloads and 应查必查 statistics."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest
from little_city import record, subject, table_frame

from features.records.ids import uscc_check_char
from features.store.duckdb_store import DuckDBStore
from scoring.check_feedback import (
    STATISTICS_COLUMNS,
    FeedbackError,
    FeedbackItem,
    check_statistics,
    record_feedback,
    report_caseload,
)
from scoring.credit_check import CheckConfig, credit_check
from scoring.list_rules import apply_rules
from scoring.lists import ListRule, ListsConfig

BLACK, CLEAN = (
    f"9153030072100000{n}" + uscc_check_char(f"9153030072100000{n}") for n in ("1", "5")
)
PERSON = "110105194912310038"
T = dt.date(2026, 10, 31)
LISTS = ListsConfig(
    rules=(
        ListRule("black-serious-list", "black", "严重违法失信名单", ("serious_violation_list",)),
    )
)
CFG = CheckConfig()
FIN, MKT = "市财政局", "市市场监管局"


def _check(st, sid, matter="procurement", dept=FIN, on=T):
    return credit_check(st, sid, matter, on, LISTS, CFG, dept, "资格审查", "tester")


@pytest.fixture()
def store():
    st = DuckDBStore(":memory:")
    st.append(
        "subjects",
        table_frame(
            [
                subject(BLACK, "曲靖丙建材有限公司"),
                subject(CLEAN, "曲靖庚商贸有限公司"),
                subject(PERSON, "张三", "household"),
            ],
            "subjects",
        ),
    )
    neg = dict(severity="serious", valid_until="2029-03-10")
    st.append(
        "records",
        table_frame(
            [
                record("SV1", BLACK, "serious_violation_list", event="2026-03-10",
                       published="2026-03-12", **neg),
                record("JD2", PERSON, "dishonest_judgment_debtor", event="2026-06-01",
                       published="2026-06-02", dept="court", **neg),
            ],
            "records",
        ),
    )  # fmt: skip
    apply_rules(st, T, LISTS, CFG.windows, "tester")
    yield st
    st.close()


def _mandatory(result):
    return [m.measure_id for m in result.measures if m.force == "mandatory"]


def _rows(st, table):
    return st.query(f"SELECT * FROM {table}")


def test_feedback_is_stored_per_measure_and_audited(store) -> None:
    out = _check(store, BLACK)
    mid = _mandatory(out)[0]
    ids = record_feedback(
        store, out.check_id, FIN, [FeedbackItem(mid, "applied")], "clerk", T, "api"
    )
    assert ids == ("FB-0000001",)
    rows = _rows(store, "check_feedback")
    assert rows[
        ["check_id", "department", "measure_id", "outcome", "reported_by"]
    ].values.tolist() == [[out.check_id, FIN, mid, "applied", "clerk"]]
    audit = store.query("SELECT * FROM audit_log WHERE action = 'check_feedback'")
    assert len(audit) == 1 and audit["role"].iloc[0] == "api"
    assert json.loads(audit["detail"].iloc[0])["feedback"] == {mid: "applied"}


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("unknown_check", "unknown_check"),
        ("wrong_department", "wrong_department"),
        ("no_items", "no_items"),
        ("unknown_measure", "unknown_measure"),
        ("duplicate_measure", "duplicate_measure"),
        ("unknown_outcome", "unknown_outcome"),
        ("note_required", "note_required"),
    ],
)
def test_bad_feedback_is_refused_in_both_languages_and_nothing_is_written(
    store, case, code
) -> None:
    out = _check(store, BLACK)
    mid = _mandatory(out)[0]
    check_id, dept, items = out.check_id, FIN, [FeedbackItem(mid, "applied")]
    if case == "unknown_check":
        check_id = "CC-9999999"
    elif case == "wrong_department":
        dept = MKT
    elif case == "no_items":
        items = []
    elif case == "unknown_measure":
        items = [FeedbackItem("R-LIC-01", "applied")]  # a real measure, not returned here
    elif case == "duplicate_measure":
        items = [FeedbackItem(mid, "applied"), FeedbackItem(mid, "not_applicable")]
    elif case == "unknown_outcome":
        items = [FeedbackItem(mid, "done")]
    elif case == "note_required":
        items = [FeedbackItem(mid, "not_applied", "  ")]
    with pytest.raises(FeedbackError) as err:
        record_feedback(store, check_id, dept, items, "clerk", T)
    assert err.value.code == code
    assert err.value.zh and any("\u4e00" <= ch <= "\u9fff" for ch in err.value.zh)
    assert str(err.value) and not any("\u4e00" <= ch <= "\u9fff" for ch in str(err.value))
    assert store.count("check_feedback") == 0
    assert store.query("SELECT * FROM audit_log WHERE action = 'check_feedback'").empty


def test_a_mandatory_measure_not_applied_needs_a_note_a_recommended_one_does_not(store) -> None:
    proc = _check(store, BLACK)
    item = FeedbackItem("P-PROC-01", "not_applied", "已移送司法机关")
    record_feedback(store, proc.check_id, FIN, [item], "clerk", T)
    emp = _check(store, BLACK, "public_employment")
    assert [(m.measure_id, m.force) for m in emp.measures] == [("P-EMP-01", "recommended")]
    record_feedback(store, emp.check_id, FIN, [FeedbackItem("P-EMP-01", "not_applied")], "c", T)
    notes = _rows(store, "check_feedback").set_index("measure_id")["note"]
    assert notes["P-PROC-01"] == "已移送司法机关" and pd.isna(notes["P-EMP-01"])


def test_a_later_report_is_a_new_row_and_nothing_is_rewritten(store) -> None:
    out = _check(store, BLACK)
    mid = _mandatory(out)[0]
    record_feedback(store, out.check_id, FIN, [FeedbackItem(mid, "not_applicable")], "a", T)
    first = _rows(store, "check_feedback")
    record_feedback(store, out.check_id, FIN, [FeedbackItem(mid, "applied")], "b", T)
    rows = _rows(store, "check_feedback").sort_values("feedback_id", ignore_index=True)
    assert rows["outcome"].tolist() == ["not_applicable", "applied"]
    assert rows.iloc[[0]].reset_index(drop=True).equals(first)
    stats = check_statistics(store, T, T)
    assert stats["mandatory_applied"].tolist() == [1]  # the latest report counts
    report_caseload(store, FIN, "procurement", T, 5, "a")
    report_caseload(store, FIN, "procurement", T, 4, "a")  # a correction
    assert _rows(store, "caseloads")["cases"].tolist() == [5, 4]
    assert check_statistics(store, T, T)["cases"].tolist() == [4]


def test_caseloads_refuse_bad_input(store) -> None:
    for args, code in [
        (("", "procurement", T, 3), "invalid"),
        ((FIN, "parking", T, 3), "unknown_matter"),
        ((FIN, "procurement", T, -1), "bad_cases"),
        ((FIN, "procurement", T, 2.5), "bad_cases"),
    ]:
        with pytest.raises(FeedbackError) as err:
            report_caseload(store, *args, "clerk")
        assert err.value.code == code and err.value.zh
    assert store.count("caseloads") == 0
    assert report_caseload(store, FIN, "procurement", dt.date(2026, 10, 17), 3, "c") == dt.date(
        2026, 10, 1
    )
    assert store.query("SELECT * FROM audit_log WHERE action = 'caseload_report'").shape[0] == 1


def test_statistics_on_a_small_store_with_known_numbers(store) -> None:
    # 市财政局, procurement, October: BLACK checked twice (P-PROC-01 and P-BID-01, both
    # mandatory, each time), CLEAN once (nothing); 10 cases (12 first, then corrected)
    a = _check(store, BLACK)
    assert [(m.measure_id, m.force) for m in a.measures] == [
        ("P-PROC-01", "mandatory"),
        ("P-BID-01", "mandatory"),
    ]
    _check(store, BLACK, on=dt.date(2026, 10, 2))
    _check(store, CLEAN, on=dt.date(2026, 10, 3))
    _check(store, CLEAN, on=dt.date(2026, 9, 30))  # September
    report_caseload(store, FIN, "procurement", dt.date(2026, 10, 1), 12, "c")
    report_caseload(store, FIN, "procurement", dt.date(2026, 10, 1), 10, "c")
    report_caseload(store, FIN, "procurement", dt.date(2026, 9, 1), 99, "c")
    # 市市场监管局, consumption: the person (P-CONS-01, P-CONS-02), no caseload
    _check(store, PERSON, "consumption", MKT)
    items = [FeedbackItem("P-PROC-01", "applied"), FeedbackItem("P-BID-01", "not_applicable")]
    record_feedback(store, a.check_id, FIN, items, "clerk", T)

    stats = check_statistics(store, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert list(stats.columns) == list(STATISTICS_COLUMNS)
    got = stats.drop(columns=["coverage", "feedback_rate"]).values.tolist()
    assert got == [
        # dept, matter, checks, subjects, with measures, returned, mandatory, feedback,
        # mandatory applied, cases
        [MKT, "consumption", 1, 1, 1, 2, 2, 0, 0, 0],
        [FIN, "procurement", 3, 2, 2, 4, 4, 2, 1, 10],
    ]  # sorted by department (code points: 市市… before 市财…)
    assert math.isnan(stats["coverage"].iloc[0])  # no cases reported: no coverage
    assert stats["coverage"].iloc[1] == pytest.approx(0.2)
    assert stats["feedback_rate"].tolist() == [0.0, 0.5]
    # one department only
    only = check_statistics(store, dt.date(2026, 10, 1), dt.date(2026, 10, 31), MKT)
    assert only["department"].tolist() == [MKT]
    # September: the one CLEAN check and the 99 cases
    sep = check_statistics(store, dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert sep[["checks", "subjects_checked", "cases"]].values.tolist() == [[1, 1, 99]]
    assert sep["coverage"].tolist() == [pytest.approx(1 / 99)]
    assert math.isnan(sep["feedback_rate"].iloc[0])  # nothing returned, no rate


def test_statistics_of_an_empty_period_is_an_empty_table(store) -> None:
    stats = check_statistics(store, dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert stats.empty and list(stats.columns) == list(STATISTICS_COLUMNS)


def test_feedback_given_at_once_from_many_threads_gets_distinct_ids(store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    out = _check(store, BLACK)

    def one(i: int) -> tuple[str, ...]:
        item = FeedbackItem("P-PROC-01", "applied", f"第{i}次")
        return record_feedback(store, out.check_id, FIN, [item], "clerk", T)

    with ThreadPoolExecutor(8) as pool:
        ids = [i for got in pool.map(one, range(24)) for i in got]
    stored = _rows(store, "check_feedback")["feedback_id"]
    assert len(set(ids)) == 24 and stored.is_unique and len(stored) == 24
