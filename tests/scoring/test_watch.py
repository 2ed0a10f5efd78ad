"""Early warning (issue 19): alerts with their records, re-runs that add nothing, audited
acknowledgements, the watch list by rule and by hand, the monthly risk report by hand count
and its inert Excel export.

Most cases run on the hand-made little city (little_city.py): E1 goes A → D at D1 on a
serious-violation listing published 2026-07-15 (PD 1 % → 5 %), E6's D was re-rated A after
an upheld objection, the driver goes AAA → AA, OBJ-2 is open from 2026-10-02. The first
case re-rates a firm of the generated tiny city with a real champion.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest
from little_city import D0, D1, DRV, E1, E2, E3, E4, E6, record, subject, table_frame

from features.store.duckdb_store import DuckDBStore
from scoring.lists import ListsConfig
from scoring.risk_report import report_sheets, risk_report
from scoring.watch import WatchConfig, pd_alerts
from scoring.watch_list import add_watch, remove_watch, watch_list
from scoring.watch_store import (
    Viewer,
    WatchError,
    ack_alert,
    alerts,
    compute_alerts,
    run_watch,
)

SUP = Viewer("wang", "supervisor")
CFG = WatchConfig()


def _of(frame: pd.DataFrame, kind: str, subject_id: str) -> pd.DataFrame:
    return frame[(frame["alert_type"] == kind) & (frame["subject_id"] == subject_id)]


def _record_ids(row: pd.Series) -> list[str]:
    return [r["record_id"] for r in json.loads(row["records"])]


@pytest.mark.slow
def test_a_firm_gaining_a_serious_record_is_alerted_with_that_record(tiny, champions) -> None:
    """The issue's check: a serious record is appended to a rated firm, the firm is re-rated
    with the champion (the shared tiny-city enterprise champion), and ``watch run`` shows the
    alert naming the record."""
    from scoring.batch import score_scheme

    model = champions["enterprise"]
    t0 = pd.Timestamp(tiny.scalar("SELECT max(published_on) FROM records")).date()
    firms = tiny.query(
        "SELECT subject_id FROM subjects WHERE subject_type = 'enterprise' "
        "AND status = 'active' ORDER BY subject_id LIMIT 40"
    )["subject_id"].tolist()
    score_scheme(tiny, model, t0, subjects=firms)
    before = tiny.query(
        "SELECT subject_id, final_grade FROM ratings WHERE as_of = ? ORDER BY subject_id", [t0]
    )
    firm = before[before["final_grade"] == "A"]["subject_id"].iloc[0]
    t1 = t0 + dt.timedelta(days=20)
    new = record(
        "R-WATCH-1",
        firm,
        "administrative_penalty",
        event=str(t0 + dt.timedelta(days=3)),
        published=str(t0 + dt.timedelta(days=5)),
        severity="serious",
        value_text="food",
        valid_until=str(t0 + dt.timedelta(days=3 * 365)),
        amount=200000.0,
    )
    tiny.append("records", table_frame([new], "records"))
    score_scheme(tiny, model, t1, subjects=[firm], cause={"kind": "record", "id": "R-WATCH-1"})

    run = run_watch(tiny, t1, CFG, SUP)
    assert run.since == t0  # the previous rating batch
    found = _of(run.added, "serious_record", firm)
    assert len(found) == 1 and _record_ids(found.iloc[0]) == ["R-WATCH-1"]
    item = json.loads(found.iloc[0]["records"])[0]
    assert item["kind_zh"] == "行政处罚" and item["published_on"] == str(t0 + dt.timedelta(5))
    assert "R-WATCH-1" in found.iloc[0]["cause_zh"] and "enterprise" in found.iloc[0]["scheme"]
    # the same date again adds nothing
    assert sum(run_watch(tiny, t1, CFG, SUP).counts.values()) == 0


def test_grade_crossing_and_pd_factor_alerts_name_the_records(city) -> None:
    since, found = compute_alerts(city, D1, CFG)
    assert since == D0
    down = _of(found, "grade_down", E1)
    assert len(down) == 1 and "R-E1-LIST" in _record_ids(down.iloc[0])
    assert down.iloc[0]["cause_zh"] == "等级由 A（信用风险低） 下调为 D（信用风险高）（下降3级）"
    rise = _of(found, "pd_rise", E1)
    assert len(rise) == 1 and (rise.iloc[0]["value_from"], rise.iloc[0]["value_to"]) == (
        0.01,
        0.05,
    )
    # E2 kept B, E3 moved up, E6's D was re-rated A before D1's rating in force: no alert
    assert (
        found[found["subject_id"].isin([E2, E3, E6])]
        .query("alert_type in ['grade_down', 'pd_rise']")
        .empty
    )
    # the driver's AAA → AA alerts (no boundary for drivers) …
    assert len(_of(found, "grade_down", DRV)) == 1
    # … unless a boundary at A is configured; the enterprise boundary C is crossed by A → D
    strict = WatchConfig(boundaries=(("driver", "A"), ("enterprise", "C")))
    _, fewer = compute_alerts(city, D1, strict)
    assert _of(fewer, "grade_down", DRV).empty and len(_of(fewer, "grade_down", E1)) == 1
    # a larger factor than 5 and the PD rise is no longer an alert
    _, calm = compute_alerts(city, D1, WatchConfig(pd_factor=6.0))
    assert _of(calm, "pd_rise", E1).empty


def test_a_pd_rise_below_the_floor_is_not_an_alert() -> None:
    stamp = pd.Timestamp("2026-10-01 08:00")
    prev = pd.DataFrame(
        {
            "subject_id": ["X", "Y"],
            "as_of": [D0, D0],
            "scored_at": [stamp, stamp],
            "final_grade": ["A", "A"],
            "pd": [0.001, 0.02],
        }
    )
    cur = prev.assign(as_of=D1, pd=[0.004, 0.06])  # both rose 3–4 times; X stays under 5 %
    found = pd_alerts(prev, cur, "enterprise", CFG, D0, D1)
    assert found["subject_id"].tolist() == ["Y"]


def test_serious_records_alert_once_and_an_upheld_objection_keeps_one_out(city) -> None:
    _, found = compute_alerts(city, D1, CFG)
    serious = found[found["alert_type"] == "serious_record"]
    # E1's listing published in (D0, D1]; E6's was revoked by its upheld objection (08-10);
    # E3's serious penalty was published in 2024
    assert serious["subject_id"].tolist() == [E1]
    assert _record_ids(serious.iloc[0]) == ["R-E1-LIST"]


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (dt.date(2026, 10, 12), None),  # due 10-22 (Thursday): 9 working days left
        (dt.date(2026, 10, 19), None),  # 4 working days left (19, 20, 21, 22)
        (dt.date(2026, 10, 20), "deadline_due"),  # 3 working days left
        (dt.date(2026, 10, 23), "deadline_overdue"),
    ],
)
def test_objection_deadlines_alert_when_near_or_past(city, day: dt.date, kind: str | None) -> None:
    _, found = compute_alerts(city, day, CFG)
    due = found[found["alert_type"].str.startswith("deadline")]
    if kind is None:
        assert due.empty
    else:
        assert due["alert_type"].tolist() == [kind] and due["subject_id"].tolist() == [E1]
        assert _record_ids(due.iloc[0]) == ["R-E1-PEN"] and "OBJ-2" in due.iloc[0]["cause_zh"]


def test_a_rerun_adds_nothing_and_ids_do_not_depend_on_the_run(city) -> None:
    first = run_watch(city, D1, CFG, SUP)
    assert first.found == len(first.added) > 0
    again = run_watch(city, D1, CFG, SUP)
    assert again.found == first.found and sum(again.counts.values()) == 0
    # an overlapping later period finds the same serious record under the same ID
    _, later = compute_alerts(city, D1 + dt.timedelta(days=5), CFG, since=D0)
    same = later[later["alert_type"] == "serious_record"]["alert_id"]
    assert set(same) <= set(first.added["alert_id"])
    assert city.scalar("SELECT count(*) FROM watch_alerts") == first.found


def test_an_acknowledgement_is_audited_and_leaves_the_open_list(city) -> None:
    run_watch(city, D1, CFG, SUP)
    open_before = alerts(city, SUP, open_only=True)
    target = open_before.iloc[0]["alert_id"]
    with pytest.raises(WatchError):
        ack_alert(city, target, "  ", SUP)  # a note is needed
    ack_id = ack_alert(city, target, "已约谈企业负责人", SUP)
    after = alerts(city, SUP, open_only=True)
    assert target not in set(after["alert_id"]) and len(after) == len(open_before) - 1
    every = alerts(city, SUP)
    row = every[every["alert_id"] == target].iloc[0]
    assert row["acked_by"] == "wang" and row["ack_note"] == "已约谈企业负责人"
    with pytest.raises(WatchError):
        ack_alert(city, target, "again", SUP)
    log = city.query("SELECT action, user_name, detail FROM audit_log ORDER BY logged_at")
    acks = log[log["action"] == "watch_ack"]
    assert len(acks) == 1 and json.loads(acks.iloc[0]["detail"])["ack_id"] == ack_id
    # every look-up: one row per subject shown
    shown = sum(f["subject_id"].nunique() for f in (open_before, after, every))
    assert (log["action"] == "watch_alerts").sum() == shown


def _listing(store: DuckDBStore, subject_id: str, on: dt.date) -> None:
    store.append(
        "list_events",
        table_frame(
            [
                {
                    "event_id": "LE-T1",
                    "listing_id": "LE-T1",
                    "list_key": "black",
                    "subject_id": subject_id,
                    "event": "enter",
                    "basis": "decision",
                    "dept": "samr",
                    "document_no": "曲市监〔2026〕1号",
                    "evidence": "R-E3-PEN",
                    "effective_on": on,
                    "expires_on": dt.date(2029, 9, 1),
                    "reason": "严重违法",
                }
            ],
            "list_events",
        ),
    )


def test_the_watch_list_by_rule_and_by_hand(city) -> None:
    _listing(city, E3, dt.date(2026, 9, 1))
    cfg = WatchConfig(pd_threshold=0.05)
    found = watch_list(city, D1, cfg, ListsConfig(), SUP)
    rules = {(r.subject_id, r.rule) for r in found.itertuples()}
    assert rules == {(E1, "class_d"), (E1, "pd_high"), (E3, "serious_list")}
    # the listing raises a list-entry alert with its evidence
    _, alerted = compute_alerts(city, D1, CFG)
    entry = _of(alerted, "list_entry", E3)
    assert len(entry) == 1 and _record_ids(entry.iloc[0]) == ["R-E3-PEN"]

    other = Viewer("li", "supervisor")
    add_watch(city, E2, "群众投诉较多", SUP)
    add_watch(city, E4.lower(), "新设企业", other)
    with pytest.raises(WatchError):
        add_watch(city, E2, "again", SUP)
    with pytest.raises(WatchError):
        add_watch(city, "91000000000000000X", "不存在", SUP)
    mine = watch_list(city, D1, cfg, ListsConfig(), SUP, mine_only=True)
    assert set(mine[mine["rule"] == "by_hand"]["subject_id"]) == {E2}
    assert set(
        watch_list(city, D1, cfg, ListsConfig(), SUP).query("rule == 'by_hand'")["subject_id"]
    ) == {E2, E4}
    remove_watch(city, E2, "已整改", SUP)
    with pytest.raises(WatchError):
        remove_watch(city, E2, "again", SUP)
    mine = watch_list(city, D1, cfg, ListsConfig(), SUP, mine_only=True)
    assert mine[mine["rule"] == "by_hand"].empty
    # nothing deleted: the removal is a third row
    rows = city.query("SELECT user_name, subject_id, action FROM watchlist ORDER BY entered_at")
    assert rows["action"].tolist() == ["add", "add", "remove"]
    assert {"watch_add", "watch_remove", "watch_list"} <= set(
        city.query("SELECT action FROM audit_log")["action"]
    )


def test_the_monthly_report_matches_a_hand_count(city) -> None:
    # E2 moves to 沾益区, industry F (a new subjects version)
    moved = subject(E2, "曲靖乙制造有限公司") | {"region_code": "530303", "industry": "F"}
    city.append("subjects", table_frame([moved], "subjects"))
    report = risk_report(city, "2026-09")
    assert (report.as_of, report.previous) == (dt.date(2026, 9, 30), dt.date(2026, 8, 31))
    shares = report.shares.set_index(["region_code", "industry"])
    # in force on 09-30 (麒麟区, C): E1 D, E3 B, E4 A, E5 B (D0's rating, still in force), E6 A
    # (re-rated after the upheld objection); 沾益区, F: E2 B
    qilin = shares.loc[("530302", "C")]
    assert (qilin["n"], qilin["n_A"], qilin["n_B"], qilin["n_C"], qilin["n_D"]) == (5, 2, 2, 0, 1)
    assert qilin["share_A"] == pytest.approx(0.4) and qilin["share_D"] == pytest.approx(0.2)
    assert shares.loc[("530303", "F"), "n_B"] == 1
    # migration 08-31 → 09-30, subjects in force at both: E1 A→D, E3 C→B, E5 B→B, E6 A→A;
    # E2 B→B; E4 is new
    moves = {
        (r.region_code, r.industry, r.class_from, r.class_to): r.n
        for r in report.migration.itertuples()
    }
    assert moves == {
        ("530302", "C", "A", "D"): 1,
        ("530302", "C", "C", "B"): 1,
        ("530302", "C", "B", "B"): 1,
        ("530302", "C", "A", "A"): 1,
        ("530303", "F", "B", "B"): 1,
    }
    # serious records published in September: none (E1's listing was published in July)
    assert report.serious.empty
    july = risk_report(city, "2026-07")
    assert july.serious["serious_records"].sum() == 2  # R-E1-LIST and R-E6-LIST (upheld later)
    # top movers: E1 dropped three classes with the largest PD rise
    assert report.movers.iloc[0]["subject_id"] == E1 and report.movers.iloc[0]["steps"] == 3
    assert set(report.movers["subject_id"]) == {E1}  # E3 improved, E6's PD did not rise


def test_the_excel_report_has_no_formula(city) -> None:
    from openpyxl import load_workbook

    from features.exports import excel_bytes

    evil = subject(E1, '=HYPERLINK("http://x","点我")') | {"name": '=HYPERLINK("http://x")'}
    city.append("subjects", table_frame([evil], "subjects"))
    report = risk_report(city, "2026-09")
    book = load_workbook(io.BytesIO(excel_bytes(report_sheets(report, "zh"))))
    assert book.sheetnames == ["分类占比", "分类迁移", "新增严重失信", "变动最大企业"]
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    named = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert named and all(c.quotePrefix for c in named)
    movers = book["变动最大企业"]
    assert [c.value for c in movers[1]][:2] == ["统一社会信用代码", "企业名称"]
    assert movers["C2"].value == "麒麟区"  # county names, not codes
