"""Public disclosure: the window, the minor rule, masking, the lists, the 7-working-day
deadline, the identity check and the online objection (tests/public_city.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from public_city import (
    BLACK,
    BLACK2,
    FIRM,
    FIRM_NAME,
    HOLIDAYS,
    LISTS,
    OLD,
    PERSON,
    PERSON_NAME,
    POLICY,
    RED,
    REP,
    T,
    build_public_city,
)

from features.store.duckdb_store import DuckDBStore
from scoring.disclosure import (
    DisclosureConfig,
    DisclosureError,
    disclosures,
    mask_name,
    public_list,
)
from scoring.disclosure_deadline import due_by, late_disclosures
from scoring.evidence import effective_ids
from scoring.objections import DeadlineRules, ObjectionError, objection_status
from scoring.self_service import (
    Claim,
    IdentityError,
    IdentityRules,
    file_objection,
    own_records,
    verify_identity,
)

CFG = DisclosureConfig(windows=POLICY)


@pytest.fixture()
def city():
    store = build_public_city(DuckDBStore(":memory:"))
    yield store
    store.close()


def _shown(store, **kw) -> set[tuple[str, str]]:
    frame, _ = disclosures(store, kw.pop("on", T), kw.pop("cfg", CFG), **kw)
    return {(r.subject_code, str(r.decided_on)) for r in frame.itertuples()}


def test_only_published_unrevoked_records_inside_their_window_are_shown(city) -> None:
    frame, cut = disclosures(city, T, CFG)
    assert not cut
    firm = frame[frame["subject_code"] == FIRM]
    # L1 licence, P1, P6, P7 penalties; not P2 (past the 12-month tier maximum although its
    # valid_until is later), P3 (minor), P4 (published after T), P5 (revoked), TAX (not 双公示)
    assert sorted(map(str, firm["decided_on"])) == [
        "2026-06-01",
        "2026-07-01",
        "2026-09-01",
        "2026-09-30",
    ]
    assert set(frame["kind"]) == {"administrative_licence", "administrative_penalty"}
    # P1 is shown until its valid_until; on that day it is gone
    p1 = firm[firm["decided_on"] == dt.date(2026, 6, 1)].iloc[0]
    assert p1["shown_until"] == dt.date(2027, 6, 1)
    assert (FIRM, "2026-06-01") in _shown(city, on=dt.date(2027, 5, 31))
    assert (FIRM, "2026-06-01") not in _shown(city, on=dt.date(2027, 6, 1))
    # P4 appears once published
    assert (FIRM, "2026-10-20") in _shown(city, on=dt.date(2026, 11, 5))


def test_minor_penalties_are_shown_only_when_configured(city) -> None:
    assert (FIRM, "2026-10-01") not in _shown(city)
    assert (FIRM, "2026-10-01") in _shown(city, cfg=dataclasses.replace(CFG, publish_minor=True))


def test_a_record_under_an_open_objection_is_hidden(city) -> None:
    from scoring.objections import open_objection, resolve_objection

    oid = open_objection(city, "P1", "处罚已撤销", "tester", T)
    assert (FIRM, "2026-06-01") not in _shown(city)
    resolve_objection(city, oid, False, "tester", dt.date(2026, 11, 10))
    assert (FIRM, "2026-06-01") in _shown(city, on=dt.date(2026, 11, 10))


def test_a_person_is_masked_and_never_found_by_a_fragment(city) -> None:
    frame, _ = disclosures(city, T, CFG)
    person = frame[frame["subject_type"] == "driver"].iloc[0]
    assert person["subject_code"] == "110105**********2X"
    assert person["subject_name"] == "张**"
    text = frame.to_string()
    assert PERSON not in text and PERSON_NAME not in text and REP not in text
    assert "经办人" not in text  # free-text detail is never public
    assert mask_name("欧阳明华") == "欧***"
    # a person is found only by the exact ID or exact name; an enterprise by part of its name
    assert disclosures(city, T, CFG, q="张三")[0].empty
    assert disclosures(city, T, CFG, q="110105")[0].empty
    assert len(disclosures(city, T, CFG, q=PERSON_NAME)[0]) == 1
    assert len(disclosures(city, T, CFG, q=PERSON.lower())[0]) == 1
    firm = disclosures(city, T, CFG, q="甲建材", kind="licence")[0]
    assert list(firm["subject_name"]) == [FIRM_NAME] and list(firm["subject_code"]) == [FIRM]
    with pytest.raises(DisclosureError) as err:
        disclosures(city, T, CFG, kind="tax")
    assert err.value.zh == "公示类别应为：全部、行政许可或行政处罚"


def test_lists_show_only_listings_in_force_not_suspended_expired_or_the_watch_list(city) -> None:
    black, _ = public_list(city, "black", T, LISTS, CFG)
    # BLACK2 is under an objection's verification (suspended), OLD expired in 2025
    assert list(black["subject_code"]) == [BLACK]
    assert {BLACK2, OLD}.isdisjoint(black["subject_code"])
    assert list(black["basis_text"]) == ["严重违法失信名单"]
    red, _ = public_list(city, "red", T, LISTS, CFG)
    assert list(red["subject_code"]) == [RED]
    # the red listing runs 12 months from its entry: gone after it expires
    assert public_list(city, "red", dt.date(2027, 2, 2), LISTS, CFG)[0].empty
    with pytest.raises(DisclosureError):
        public_list(city, "watch", T, LISTS, CFG)


def test_the_seven_working_day_deadline_counts_the_configured_holidays(city) -> None:
    # decided Wed 2026-09-30: without holidays due Fri 10-09; with the national holiday
    # 10-01..10-07 the count starts on 10-08 and ends on 10-16
    assert due_by(dt.date(2026, 9, 30), 7, ()) == dt.date(2026, 10, 9)
    assert due_by(dt.date(2026, 9, 30), 7, HOLIDAYS) == dt.date(2026, 10, 16)
    plain, summary = late_disclosures(city, dt.date(2026, 1, 1), T, CFG)
    assert set(plain["record_id"]) == {"P6", "P7", "P4"}
    p6 = plain[plain["record_id"] == "P6"].iloc[0]
    assert p6["due_by"] == dt.date(2026, 7, 10) and p6["workdays_late"] == 3
    with_holidays, summary_h = late_disclosures(
        city, dt.date(2026, 1, 1), T, dataclasses.replace(CFG, holidays=HOLIDAYS)
    )
    assert "P7" not in set(with_holidays["record_id"])
    sep = summary_h[summary_h["month"] == dt.date(2026, 9, 1)].iloc[0]
    assert (sep["source_dept"], sep["decided"], sep["late"]) == ("samr", 2, 0)
    jul = summary[(summary["month"] == dt.date(2026, 7, 1))].iloc[0]
    assert (jul["late"], jul["late_share"], jul["max_workdays_late"]) == (1, 1.0, 3)
    # the number of working days is configuration
    lenient, _ = late_disclosures(
        city, dt.date(2026, 1, 1), T, dataclasses.replace(CFG, deadline_workdays=10)
    )
    assert set(lenient["record_id"]) == {"P4"}


def test_identity_must_match_every_part_and_says_only_that_it_does_not(city) -> None:
    row = verify_identity(city, Claim(FIRM, FIRM_NAME, REP))
    assert row["subject_id"] == FIRM
    assert verify_identity(city, Claim(PERSON.lower(), PERSON_NAME))["subject_id"] == PERSON
    wrong = [
        Claim(FIRM, "曲靖甲建材公司", REP),  # name
        Claim(FIRM, FIRM_NAME, PERSON),  # legal representative
        Claim(FIRM, FIRM_NAME, ""),  # legal representative missing
        Claim(PERSON, "张三", ""),  # person's name
        Claim("915303007220000099", FIRM_NAME, REP),  # unknown code
    ]
    for claim in wrong:
        with pytest.raises(IdentityError) as err:
            verify_identity(city, claim)
        assert (err.value.code, err.value.zh) == ("mismatch", "信息不符")
    logged = city.query("SELECT * FROM audit_log WHERE role = 'public'")
    assert (logged["action"] == "identity_failed").sum() == len(wrong)
    assert PERSON not in logged.to_string()  # the person's ID is kept as its hash


def test_repeated_failures_are_rate_limited_per_code(city) -> None:
    rules = IdentityRules(max_failures=3, window_minutes=60)
    now = dt.datetime.now()
    for _ in range(3):
        with pytest.raises(IdentityError, match="does not match"):
            verify_identity(city, Claim(FIRM, "错", REP), rules, now)
    with pytest.raises(IdentityError) as err:
        verify_identity(city, Claim(FIRM, FIRM_NAME, REP), rules, now)  # even the right answer
    assert err.value.code == "too_many_attempts"
    # another code is not affected; the window passes
    assert verify_identity(city, Claim(PERSON, PERSON_NAME), rules, now)["subject_id"] == PERSON
    later = now + dt.timedelta(minutes=61)
    assert verify_identity(city, Claim(FIRM, FIRM_NAME, REP), rules, later)["subject_id"] == FIRM


def test_own_records_show_everything_that_counts_and_what_is_public(city) -> None:
    mine = own_records(city, FIRM, T, POLICY, CFG)
    # P2 and P3 count (inside valid_until) but are not public; TAX counts, never public
    assert set(mine["record_id"]) == {"L1", "P1", "P2", "P3", "P6", "P7", "TAX"}
    public = set(mine.loc[mine["public"], "record_id"])
    assert public == {"L1", "P1", "P6", "P7"}


def test_an_online_objection_enters_the_workflow_and_the_record_stops_counting(city) -> None:
    claim = Claim(FIRM, FIRM_NAME, REP)
    assert "P1" in effective_ids(city, [FIRM], T, POLICY)
    rules = DeadlineRules(holidays=HOLIDAYS)
    receipt = file_objection(
        city, claim, "P1", "该处罚已经复议撤销", "13800000000", T, POLICY, CFG, rules
    )
    assert receipt.objection_id == "YYP1-1" and receipt.record_id == "P1"
    # opened Saturday 10-31: 2 + 2 + 10 working days end on 11-20, as does the 20-day cap
    assert receipt.due_by == dt.date(2026, 11, 20)
    status = objection_status(city)
    row = status[status["objection_id"] == receipt.objection_id].iloc[0]
    assert row["status"] == "open" and row["handled_by"] == f"public:{FIRM}"
    assert "13800000000" in row["reason"]
    assert "P1" not in effective_ids(city, [FIRM], T, POLICY)
    assert (FIRM, "2026-06-01") not in _shown(city)
    mine = own_records(city, FIRM, T, POLICY, CFG)
    assert mine.loc[mine["record_id"] == "P1", "objection_id"].iloc[0] == "YYP1-1"
    audit = city.query("SELECT * FROM audit_log WHERE action = 'objection_open'")
    # the city's own objection (SV2) was opened from the CLI; this one by the public
    assert list(audit["role"]) == ["cli", "public"]
    assert list(audit["user_name"])[1] == f"public:{FIRM}"
    # again on the same record, a record of another subject, a wrong identity
    with pytest.raises(ObjectionError, match="already under an open objection"):
        file_objection(city, claim, "P1", "再次", "138", T, POLICY, CFG, rules)
    with pytest.raises(ObjectionError) as err:
        file_objection(city, claim, "PD1", "不是我的", "138", T, POLICY, CFG, rules)
    assert err.value.zh == "本主体没有该条有效记录"
    with pytest.raises(IdentityError):
        file_objection(city, Claim(FIRM, FIRM_NAME, PERSON), "P6", "x", "1", T, POLICY, CFG, rules)
    with pytest.raises(ObjectionError) as err:
        file_objection(city, claim, "P6", "理由", " ", T, POLICY, CFG, rules)
    assert err.value.zh == "请填写联系方式"


def test_a_search_is_cut_at_the_configured_maximum_latest_first(city) -> None:
    frame, cut = disclosures(city, T, dataclasses.replace(CFG, max_rows=2))
    assert cut and list(map(str, frame["decided_on"])) == ["2026-09-30", "2026-09-01"]
    frame, cut = disclosures(city, T, dataclasses.replace(CFG, max_rows=5))
    assert not cut and len(frame) == 5
