"""Responsibility reaches people (seed 002 #12): a firm's serious listing names its legal
representative and responsible persons, and a credit check of such a person returns the
measures whose ``reaches`` name that role — through the firm, with the firm's evidence."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from little_city import record, subject, table_frame

from features.records.ids import id_check_char, uscc_check_char
from features.records.windows import WindowPolicy
from features.store.duckdb_store import DuckDBStore
from scoring.credit_check import CheckConfig, CheckError, credit_check, stored_check
from scoring.list_decisions import enter_by_decision
from scoring.list_rules import apply_rules
from scoring.lists import ListRule, ListsConfig
from scoring.objections import open_objection

FIRM, DEBTOR, OTHER = (
    f"9153030072100001{n}" + uscc_check_char(f"9153030072100001{n}") for n in ("1", "2", "3")
)
REP, REP2, CLERK, NOBODY = (
    f"53030219800101{n}" + id_check_char(f"53030219800101{n}") for n in ("001", "002", "003", "004")
)
T = dt.date(2026, 10, 31)
LISTS = ListsConfig(
    rules=(
        ListRule("black-serious-list", "black", "严重违法失信名单", ("serious_violation_list",)),
    )
)
CFG = CheckConfig()


def _check(st, sid, matter):
    return credit_check(st, sid, matter, T, LISTS, CFG, "市市场监管局", "市场准入审查", "tester")


@pytest.fixture()
def store():
    st = DuckDBStore(":memory:")
    st.append(
        "subjects",
        table_frame(
            [
                subject(FIRM, "曲靖庚建材有限公司", legal_rep_id=REP),
                subject(DEBTOR, "曲靖辛物流有限公司", legal_rep_id=REP2),
                subject(OTHER, "曲靖壬商贸有限公司", legal_rep_id=NOBODY),
                *(subject(p, n, "household") for p, n in
                  ((REP, "李四"), (REP2, "王五"), (CLERK, "赵六"), (NOBODY, "钱七"))),
            ],
            "subjects",
        ),
    )  # fmt: skip
    neg = dict(severity="serious", valid_until="2029-03-10")
    st.append(
        "records",
        table_frame(
            [
                record("SV9", FIRM, "serious_violation_list", event="2026-03-10",
                       published="2026-03-12", **neg),
                record("JD9", DEBTOR, "dishonest_judgment_debtor", event="2026-06-01",
                       published="2026-06-02", dept="court", **neg),
                record("PN9", OTHER, "admin_penalty", event="2026-05-01",
                       published="2026-05-03", **neg),
            ],
            "records",
        ),
    )  # fmt: skip
    apply_rules(st, T, LISTS, CFG.windows, "tester")
    yield st
    st.close()


def _by_id(result):
    return {m.measure_id: m for m in result.measures}


def test_the_legal_representative_of_a_black_listed_firm_gets_the_entry_ban(store) -> None:
    out = _check(store, REP, "market_entry")
    ban = _by_id(out)["P-MKT-01"]
    assert (ban.through, ban.reached_as) == (FIRM, "legal_representative")
    assert ban.matched == ("list:black",)
    assert [e.source for e in ban.evidence] == ["listing"]
    assert out.reached_through == [
        {
            "firm_id": FIRM,
            "firm_name": "曲靖庚建材有限公司",
            "role": "legal_representative",
            "lists": ["black"],
            "records": [],
        }
    ]
    # the person's own state is clean: nothing reaches it but through the firm
    assert out.lists == {} and out.tiers == {}
    # a measure that reaches the firm only (procurement limit) does not reach the person
    assert "P-PROC-01" not in _by_id(_check(store, REP, "procurement"))
    # the stored check keeps the firm, never the person's full ID
    kept = stored_check(store, out.check_id)["result"]
    assert kept["measures"][0]["through"] == FIRM
    assert REP not in json.dumps(kept)


def test_a_person_nobody_named_gets_nothing(store) -> None:
    assert _check(store, NOBODY, "market_entry").measures == ()
    assert _check(store, CLERK, "market_entry").reached_through == []


def test_a_legal_representative_who_is_no_rated_subject_is_checked_too(store) -> None:
    outsider = "530302197505050015"
    outsider = outsider[:17] + id_check_char(outsider[:17])
    store.append(
        "subjects",
        table_frame([subject(FIRM, "曲靖庚建材有限公司", legal_rep_id=outsider)], "subjects"),
    )  # fmt: skip — the firm's new representative, rated under no scheme
    out = _check(store, outsider, "consumption")
    assert out.subject_type == "person" and out.subject_shown != outsider
    assert out.measures == ()  # the black list names the earlier representative only
    enter_by_decision(
        store, FIRM, "black", "市市场监管局", "曲市监信〔2026〕10号", ["SV9"],
        "严重违法失信", dt.date(2026, 10, 2), LISTS, "tester",
        policy=WindowPolicy(),
    )  # fmt: skip
    ban = _by_id(_check(store, outsider, "market_entry"))["P-MKT-01"]
    assert (ban.through, ban.reached_as) == (FIRM, "legal_representative")
    with pytest.raises(CheckError):  # not a valid ID number: no check
        _check(store, outsider[:17] + ("0" if outsider[17] != "0" else "1"), "market_entry")


def test_a_suspended_listing_reaches_nobody(store) -> None:
    open_objection(store, "SV9", "依据有误", "tester", dt.date(2026, 10, 20))
    apply_rules(store, T, LISTS, CFG.windows, "tester")
    out = _check(store, REP, "market_entry")
    assert out.measures == () and out.reached_through == []


def test_a_person_named_by_the_decision_is_reached_as_responsible(store) -> None:
    enter_by_decision(
        store, OTHER, "black", "市市场监管局", "曲市监信〔2026〕9号", ["PN9"],
        "严重违法失信", dt.date(2026, 10, 1), LISTS, "tester", persons=[CLERK],
        policy=WindowPolicy(),
    )  # fmt: skip
    ban = _by_id(_check(store, CLERK, "market_entry"))["P-MKT-01"]
    assert (ban.through, ban.reached_as) == (OTHER, "responsible_persons")
    # a black-list decision names the firm's legal representative as well
    rep = _by_id(_check(store, NOBODY, "market_entry"))["P-MKT-01"]
    assert (rep.through, rep.reached_as) == (OTHER, "legal_representative")


def test_the_legal_representative_of_a_judgment_debtor_is_limited_in_consumption(
    store,
) -> None:
    out = _by_id(_check(store, REP2, "consumption"))
    assert {"P-CONS-01", "P-CONS-02"} <= set(out)
    limit = out["P-CONS-01"]
    assert (limit.through, limit.reached_as) == (DEBTOR, "legal_representative")
    assert [(e.source, e.id) for e in limit.evidence] == [("record", "JD9")]


def test_a_decision_listing_shows_its_evidence_record_with_the_record_s_own_dates(
    store,
) -> None:
    enter_by_decision(
        store, OTHER, "black", "市市场监管局", "曲市监信〔2026〕9号", ["PN9"],
        "严重违法失信", dt.date(2026, 10, 1), LISTS, "tester",
        policy=WindowPolicy(),
    )  # fmt: skip
    ban = _by_id(_check(store, OTHER, "market_entry"))["P-MKT-01"]
    record = next(e for e in ban.evidence if e.source == "record")
    assert (record.id, record.on, record.until) == ("PN9", "2026-05-01", "2029-03-10")
