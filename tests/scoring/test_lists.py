"""The managed lists: entry by rule and by decision, expiry, objections, repair, red drop."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from little_city import record, subject, table_frame

from features.records.ids import uscc_check_char
from features.records.windows import WindowPolicy
from features.store.duckdb_store import DuckDBStore
from scoring.list_decisions import enter_by_decision, exit_on_repair, revoke_listing
from scoring.list_reads import listing_rows, subject_list_history, subject_lists
from scoring.list_rules import apply_rules
from scoring.lists import ListError, ListRule, ListsConfig
from scoring.objections import approve_repair, open_objection, resolve_objection

FIRM, RED, OTHER = (
    f"9153030072100000{n}" + uscc_check_char(f"9153030072100000{n}") for n in ("1", "2", "3")
)
REP = "110105194912310038"
T = dt.date(2026, 10, 31)
CONFIG = ListsConfig(
    rules=(
        ListRule("black-serious-list", "black", "严重违法失信名单", ("serious_violation_list",)),
        ListRule(
            "watch-abnormal",
            "watch",
            "经营异常名录",
            ("abnormal_operations_list",),
            while_record=True,
        ),
        ListRule("red-red-list", "red", "红名单记录", ("red_list",)),
    )
)
POLICY = WindowPolicy()


@pytest.fixture()
def store():
    st = DuckDBStore(":memory:")
    st.append(
        "subjects",
        table_frame(
            [
                subject(FIRM, "曲靖丙建材有限公司", legal_rep_id=REP),
                subject(RED, "曲靖丁食品有限公司"),
                subject(OTHER, "曲靖戊物流有限公司"),
            ],
            "subjects",
        ),
    )
    st.append(
        "records",
        table_frame(
            [
                record(
                    "SV1",
                    FIRM,
                    "serious_violation_list",
                    event="2026-03-10",
                    published="2026-03-12",
                    severity="serious",
                    valid_until="2029-03-10",
                ),
                record(
                    "PEN1",
                    OTHER,
                    "administrative_penalty",
                    event="2026-05-01",
                    published="2026-05-03",
                    severity="serious",
                    value_text="other",
                    valid_until="2029-05-01",
                ),
                record(
                    "RL1",
                    RED,
                    "red_list",
                    event="2026-02-01",
                    published="2026-02-02",
                    polarity="positive",
                    value_text="contract_honouring",
                    domain="evaluation",
                    dept="ndrc",
                ),
            ],
            "records",
        ),
    )
    yield st
    st.close()


def _black(st, day: dt.date):
    return subject_lists(st, FIRM, day, CONFIG)["black"]


def test_a_serious_list_record_enters_the_black_list_by_rule_and_leaves_at_expiry(store) -> None:
    assert not _black(store, T).member  # nothing until the rules run
    out = apply_rules(store, T, CONFIG, POLICY, "tester")
    black = out.rows[out.rows["list_key"] == "black"]
    assert list(black["event"]) == ["enter", "publish"]
    state = _black(store, T)
    assert state.member and state.applies
    (listing,) = state.listings
    assert listing.basis == "rule" and listing.rule_id == "black-serious-list"
    assert listing.evidence == ("SV1",)
    # in force from the platform's publication, 36 months from the list decision
    assert listing.entered_on == dt.date(2026, 3, 12)
    assert listing.expires_on == dt.date(2029, 3, 10)
    assert _black(store, dt.date(2029, 3, 9)).member
    later = _black(store, dt.date(2029, 3, 10))
    assert not later.member and later.listings[0].status == "expired"
    # the other subject's serious penalty does not make a black listing (no rule for it)
    assert not subject_lists(store, OTHER, T, CONFIG)["black"].member
    # the legal representative is named (seed 002 #12)
    assert listing.persons == (REP,)


def test_apply_rules_is_idempotent(store) -> None:
    # an objection on the evidence opened and rejected before the first run: the first run
    # writes the whole history (enter, publish, suspend, resume), the second nothing
    oid = open_objection(store, "SV1", "异议", "tester", dt.date(2026, 4, 1))
    resolve_objection(store, oid, False, "tester", dt.date(2026, 4, 10))
    first = apply_rules(store, T, CONFIG, POLICY, "tester")
    assert first.count("suspend") == 1 and first.count("resume") == 1
    before = store.count("list_events")
    again = apply_rules(store, T, CONFIG, POLICY, "tester")
    assert len(first.rows) > 0 and len(again.rows) == 0
    assert store.count("list_events") == before
    audits = store.query("SELECT * FROM audit_log WHERE action = 'list_apply_rules'")
    assert len(audits) == first.rows["subject_id"].nunique()


def test_an_objection_suspends_a_listing_and_an_upheld_one_revokes_it(store) -> None:
    apply_rules(store, T, CONFIG, POLICY, "tester")
    oid = open_objection(store, "SV1", "名单依据有误", "tester", dt.date(2026, 11, 2))
    # suspended from the opening day, before any rule run writes the event
    state = _black(store, dt.date(2026, 11, 2))
    assert state.member and state.suspended and not state.applies
    assert state.listings[0].suspended_by == oid
    assert apply_rules(store, dt.date(2026, 11, 3), CONFIG, POLICY, "t").count("suspend") == 1
    resolve_objection(store, oid, True, "tester", dt.date(2026, 11, 10))
    state = _black(store, dt.date(2026, 11, 10))
    assert not state.member and state.listings[0].status == "revoked"
    wrote = apply_rules(store, dt.date(2026, 11, 11), CONFIG, POLICY, "t")
    assert wrote.count("revoke_wrongful") == 1 and wrote.count("enter") == 0
    # the history keeps everything; the state is restored at every date after
    events = list(subject_list_history(store, FIRM)["event"])
    assert events == ["enter", "publish", "suspend", "revoke_wrongful"]
    assert not _black(store, dt.date(2027, 6, 1)).member


def test_a_rejected_objection_resumes_the_listing(store) -> None:
    apply_rules(store, T, CONFIG, POLICY, "tester")
    oid = open_objection(store, "SV1", "异议", "tester", dt.date(2026, 11, 2))
    resolve_objection(store, oid, False, "tester", dt.date(2026, 11, 9))
    assert _black(store, dt.date(2026, 11, 5)).suspended
    state = _black(store, dt.date(2026, 11, 9))
    assert state.member and state.applies
    wrote = apply_rules(store, dt.date(2026, 11, 30), CONFIG, POLICY, "t")
    assert wrote.count("suspend") == 1 and wrote.count("resume") == 1


def test_a_decision_listing_with_evidence_and_its_checks(store) -> None:
    lid = enter_by_decision(
        store,
        OTHER,
        "black",
        "市场监督管理局",
        "曲市监信〔2026〕12号",
        ["PEN1"],
        "严重违法，依法列入",
        dt.date(2026, 6, 1),
        CONFIG,
        "tester",
        persons=["11010519491231002X"],
        policy=WindowPolicy(),
    )
    state = subject_lists(store, OTHER, T, CONFIG)["black"]
    (x,) = state.listings
    assert state.member and x.listing_id == lid and x.basis == "decision"
    assert x.evidence == ("PEN1",) and x.dept == "市场监督管理局"
    assert x.persons == ("11010519491231002X",) and x.expires_on == dt.date(2029, 6, 1)
    with pytest.raises(ListError, match="another subject"):
        enter_by_decision(
            store,
            OTHER,
            "black",
            "d",
            "n2",
            ["SV1"],
            "r",
            T,
            CONFIG,
            "tester",
            policy=WindowPolicy(),
        )
    with pytest.raises(ListError, match="no such record"):
        enter_by_decision(
            store, OTHER, "black", "d", "n3", ["NOPE"], "r", T, CONFIG, "t", policy=POLICY
        )
    with pytest.raises(ListError, match="--decision is empty"):
        enter_by_decision(
            store, OTHER, "black", "d", " ", ["PEN1"], "r", T, CONFIG, "t", policy=POLICY
        )
    # a wrongful decision listing is revoked by hand: history kept, never counted
    revoke_listing(store, lid, dt.date(2026, 12, 1), "文书送达对象错误", CONFIG, "tester")
    assert not subject_lists(store, OTHER, dt.date(2026, 12, 1), CONFIG)["black"].member
    assert len(subject_list_history(store, OTHER)) == 3


def test_a_repair_exits_early_only_after_the_minimum(store) -> None:
    apply_rules(store, T, CONFIG, POLICY, "tester")
    lid = _black(store, T).listings[0].listing_id
    with pytest.raises(ListError, match="from 2027-03-12"):
        exit_on_repair(store, lid, dt.date(2027, 1, 5), "已整改", CONFIG, "tester")
    # a repair of the evidence approved before the minimum ends the listing at the minimum
    approve_repair(store, "SV1", "tester", dt.date(2027, 1, 5), POLICY)
    assert _black(store, dt.date(2027, 3, 11)).member
    gone = _black(store, dt.date(2027, 3, 12))
    assert not gone.member and gone.listings[0].status == "exited"
    wrote = apply_rules(store, dt.date(2027, 3, 31), CONFIG, POLICY, "t")
    assert wrote.count("exit_repair") == 1
    assert wrote.rows.loc[wrote.rows["event"] == "exit_repair", "effective_on"].iloc[0] == dt.date(
        2027, 3, 12
    )


def test_a_red_listing_drops_at_once_on_a_general_record(store) -> None:
    apply_rules(store, T, CONFIG, POLICY, "tester")
    red = subject_lists(store, RED, T, CONFIG)["red"]
    assert red.member and red.until == dt.date(2027, 2, 1)
    store.append(
        "records",
        table_frame(
            [
                record(
                    "PEN2",
                    RED,
                    "administrative_penalty",
                    event="2026-11-03",
                    published="2026-11-05",
                    severity="general",
                    value_text="food",
                    valid_until="2027-11-03",
                )
            ],
            "records",
        ),
    )
    wrote = apply_rules(store, dt.date(2026, 11, 30), CONFIG, POLICY, "t")
    assert wrote.count("exit_rule") == 1
    # dated the day the record was published, not the day the rules ran
    assert not subject_lists(store, RED, dt.date(2026, 11, 5), CONFIG)["red"].member
    assert subject_lists(store, RED, dt.date(2026, 11, 4), CONFIG)["red"].member
    # and no new red listing while the general record counts, even from a new red record
    store.append(
        "records",
        table_frame(
            [
                record(
                    "RL2",
                    RED,
                    "red_list",
                    event="2026-12-01",
                    published="2026-12-02",
                    polarity="positive",
                    value_text="a_level_taxpayer",
                    domain="evaluation",
                    dept="ndrc",
                )
            ],
            "records",
        ),
    )
    assert apply_rules(store, dt.date(2026, 12, 31), CONFIG, POLICY, "t").count("enter") == 0
    assert not subject_lists(store, RED, dt.date(2026, 12, 31), CONFIG)["red"].member


def test_watch_list_follows_the_abnormal_operations_record_and_class_d(store) -> None:
    from little_city import rating

    store.append(
        "records",
        table_frame(
            [
                record(
                    "AB1",
                    OTHER,
                    "abnormal_operations_list",
                    event="2026-06-01",
                    published="2026-06-02",
                    severity="general",
                    value_text="annual_report",
                    revoked="2026-11-15",
                )
            ],
            "records",
        ),
    )
    grade = ListRule("watch-class-d", "watch", "D类", grade="enterprise:D")
    config = ListsConfig(rules=(*CONFIG.rules, grade))
    store.append("ratings", pd.DataFrame([rating(FIRM, dt.date(2026, 9, 30), "D", "2026-10-01")]))
    apply_rules(store, T, config, POLICY, "t")
    watch = subject_lists(store, OTHER, T, config)["watch"]
    assert watch.member and watch.listings[0].evidence == ("AB1",)
    assert subject_lists(store, FIRM, T, config)["watch"].member  # class D
    # the missing annual report is filed: the record is withdrawn, the listing ends
    store.append("ratings", pd.DataFrame([rating(FIRM, dt.date(2026, 11, 30), "B", "2026-12-01")]))
    wrote = apply_rules(store, dt.date(2026, 11, 30), config, POLICY, "t")
    assert wrote.count("exit_rule") == 2
    assert not subject_lists(store, OTHER, dt.date(2026, 11, 15), config)["watch"].member
    assert subject_lists(store, OTHER, dt.date(2026, 11, 14), config)["watch"].member
    assert not subject_lists(store, FIRM, dt.date(2026, 11, 30), config)["watch"].member


def test_the_legal_representative_is_masked_in_the_history(store) -> None:
    apply_rules(store, T, CONFIG, POLICY, "tester")
    shown = subject_list_history(store, FIRM)
    enter = shown[shown["event"] == "enter"].iloc[0]
    assert enter["persons"] == "110105**********38"
    full = subject_list_history(store, FIRM, masked=False)
    assert full.loc[full["event"] == "enter", "persons"].iloc[0] == REP
    # the display rows a profile or report renders: Chinese labels, the person masked
    (black,) = [
        r for r in listing_rows(subject_lists(store, FIRM, T, CONFIG)) if "黑名单" in r["list"]
    ]
    assert black["status"] == "有效" and black["basis"].startswith("规则认定：")
    assert "black-serious-list" not in black["basis"]
    assert black["persons"] == "110105**********38" and black["evidence"] == "SV1"
    assert REP in listing_rows(subject_lists(store, FIRM, T, CONFIG), masked=False)[0]["persons"]
    # the audit log never holds the ID
    text = " ".join(store.query("SELECT detail FROM audit_log")["detail"])
    assert REP not in text and isinstance(pd.Timestamp(T), pd.Timestamp)


def test_a_decision_listing_leaves_by_repair_only_when_its_evidence_is_repaired(store) -> None:
    lid = enter_by_decision(
        store,
        OTHER,
        "black",
        "市场监督管理局",
        "文书1",
        ["PEN1"],
        "严重违法",
        T,
        CONFIG,
        "t",
        policy=WindowPolicy(),
    )
    later = dt.date(2027, 11, 2)
    with pytest.raises(ListError, match="no repair of the listing's evidence"):
        exit_on_repair(store, lid, later, "已整改", CONFIG, "t")
    approve_repair(store, "PEN1", "t", later, POLICY)
    exit_on_repair(store, lid, later, "已整改并修复", CONFIG, "t")
    assert subject_lists(store, OTHER, dt.date(2027, 11, 1), CONFIG)["black"].member
    gone = subject_lists(store, OTHER, later, CONFIG)["black"]
    assert not gone.member and gone.listings[0].status == "exited"


def test_a_credit_check_sees_only_the_lists_that_apply(store) -> None:
    from features.records.schema import LIST_KEYS
    from scoring.list_reads import lists_applying
    from scoring.measures.matching import SubjectState
    from scoring.measures.vocabulary import LIST_KEYS as VOCABULARY

    assert tuple(VOCABULARY) == LIST_KEYS  # one vocabulary for the table and the measures
    apply_rules(store, T, CONFIG, POLICY, "tester")
    assert lists_applying(subject_lists(store, FIRM, T, CONFIG)) == {"black"}
    open_objection(store, "SV1", "依据有误", "tester", dt.date(2026, 11, 2))
    during = lists_applying(subject_lists(store, FIRM, dt.date(2026, 11, 2), CONFIG))
    assert during == frozenset()  # suspended: no measure applies while it is verified
    assert "list:black" not in SubjectState(lists=during).holds()


def test_a_watch_rule_keeps_out_a_firm_already_black_listed(store) -> None:
    serious = ListRule("watch-serious", "watch", "有严重失信记录", severities=("serious",))
    both = ListsConfig(rules=(*CONFIG.rules, serious))
    apply_rules(store, T, both, POLICY, "tester")
    # without ``unless``: the black-listed firm is on watch too, for the same record
    assert subject_lists(store, FIRM, T, both)["watch"].member
    fresh = DuckDBStore(":memory:")
    for table in ("subjects", "records"):
        fresh.append(table, store.query(f"SELECT * FROM {table}"))
    kept = ListRule(
        "watch-serious", "watch", "有严重失信记录", severities=("serious",), unless=("black",)
    )
    config = ListsConfig(rules=(*CONFIG.rules, kept))
    apply_rules(fresh, T, config, POLICY, "tester")
    states = subject_lists(fresh, FIRM, T, config)
    assert states["black"].member and not states["watch"].member
    # a firm not on the black list still enters the watch list by the same rule
    assert subject_lists(fresh, OTHER, T, config)["watch"].member
    fresh.close()


def test_a_decision_listing_refuses_evidence_that_does_not_count(store) -> None:
    # the penalty is not published yet on the day: it cannot carry a listing
    with pytest.raises(ListError, match="does not count") as refused:
        enter_by_decision(
            store, OTHER, "black", "市场监督管理局", "文书0", ["PEN1"], "严重违法",
            dt.date(2026, 5, 2), CONFIG, "t", policy=POLICY,
        )  # fmt: skip
    assert "不是有效记录" in refused.value.zh
    # nor while an objection on it is open
    open_objection(store, "PEN1", "处罚已撤销", "t", dt.date(2026, 10, 1))
    with pytest.raises(ListError, match="does not count"):
        enter_by_decision(
            store, OTHER, "black", "市场监督管理局", "文书1", ["PEN1"], "严重违法", T, CONFIG,
            "t", policy=POLICY,
        )  # fmt: skip


def test_apply_rules_reads_only_the_records_a_rule_can_match(tiny, tmp_path, monkeypatch) -> None:
    # the rules read the records they can match, the red-drop records and the listings'
    # evidence (a city's every record in force took more than 6 GB): the same events as
    # when every record in force is read
    import shutil

    from app.settings import settings
    from scoring import list_rules

    cfg = settings()
    config, policy = cfg.lists.config(), cfg.windows.policy()
    tiny.close()
    copy = tmp_path / "full.duckdb"
    shutil.copy(tiny.path, copy)
    days = (dt.date(2025, 10, 31), dt.date(2026, 4, 30), T)
    with DuckDBStore(tiny.path) as scoped:
        for day in days:
            apply_rules(scoped, day, config, policy, "test")
        got = scoped.query("SELECT * EXCLUDE (recorded_at) FROM list_events ORDER BY event_id")
        some = list_rules.records_in_force(scoped, T, policy, config)
        every = list_rules.records_in_force(scoped, T, policy)
    real = list_rules.records_in_force
    monkeypatch.setattr(list_rules, "records_in_force", lambda s, d, p, *_: real(s, d, p))
    with DuckDBStore(copy) as full:
        for day in days:
            apply_rules(full, day, config, policy, "test")
        want = full.query("SELECT * EXCLUDE (recorded_at) FROM list_events ORDER BY event_id")
    assert len(want) > 50 and set(want["event"]) >= {"enter", "exit_rule"}
    assert 0 < len(some) < len(every) / 2
    pd.testing.assert_frame_equal(got, want)
