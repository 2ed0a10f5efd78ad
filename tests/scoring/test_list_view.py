"""Where supervisors, banks and everyone read a subject's lists (issue 17): the memberships
and measures a 信易贷 decision shows and obeys, the class table of the supervision page, the
list trail of the profile and the credit report, and a person reached through a firm."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from little_city import rating, record, subject, table_frame

from features.compile import BuildConfig
from features.records.ids import id_check_char, uscc_check_char
from features.records.windows import WindowPolicy
from features.store.duckdb_store import DuckDBStore
from scoring.check_state import CheckConfig
from scoring.lending_decision import applicant_decisions, lending_decisions
from scoring.list_decisions import enter_by_decision, exit_on_repair
from scoring.list_reads import subjects_lists
from scoring.list_view import (
    class_measures,
    measure_rows,
    membership_rows,
    person_reach_rows,
    standing,
    trail_rows,
)
from scoring.lists import ListsConfig
from scoring.measures.catalogue import Catalogue
from scoring.measures.versions import catalogue_in_force, save_version
from scoring.objections import approve_repair
from scoring.policies.lending import LendingConfig

FIRM, GOOD, RED = (
    f"9153030072200001{n}" + uscc_check_char(f"9153030072200001{n}") for n in ("1", "2", "3")
)
REP, CLERK = (f"53030219800101{n}" + id_check_char(f"53030219800101{n}") for n in ("011", "012"))
T = dt.date(2026, 10, 31)
LISTS = ListsConfig()
CHECKS = CheckConfig()
POLICY = WindowPolicy()


@pytest.fixture()
def store():
    st = DuckDBStore(":memory:")
    st.append(
        "subjects",
        table_frame(
            [
                subject(FIRM, "曲靖癸建材有限公司", legal_rep_id=REP),
                subject(GOOD, "曲靖子食品有限公司"),
                subject(RED, "曲靖丑科技有限公司"),
                subject(REP, "孙八", "household"),
                subject(CLERK, "周九", "household"),
            ],
            "subjects",
        ),
    )
    rows = []
    for sid in (FIRM, GOOD, RED):
        rows += [
            record(f"LN-{sid[-4:]}", sid, "loan", event="2026-01-05", published="2026-01-06",
                   polarity="neutral", amount=500_000.0, domain="finance", dept="pboc"),
            record(f"TX-{sid[-4:]}", sid, "tax_paid", event="2026-06-30", published="2026-07-02",
                   polarity="positive", amount=200_000.0, domain="tax", dept="tax"),
        ]  # fmt: skip
    rows += [
        record("PN1", FIRM, "administrative_penalty", event="2026-05-01", published="2026-05-03",
               severity="general", value_text="other", valid_until="2029-05-01"),
        record("PN2", FIRM, "administrative_penalty", event="2026-02-01", published="2026-02-03",
               severity="minor", value_text="other", valid_until="2027-02-01"),
        record("RL1", RED, "red_list", event="2026-02-01", published="2026-02-02",
               polarity="positive", value_text="contract_honouring", domain="evaluation",
               dept="ndrc"),
    ]  # fmt: skip
    st.append("records", table_frame(rows, "records"))
    # black by a department's decision naming the legal representative and a manager
    enter_by_decision(
        st, FIRM, "black", "市市场监督管理局", "曲市监罚〔2026〕7号", ["PN1"],
        "拒不履行行政处罚决定", dt.date(2026, 6, 1), LISTS, "tester", persons=[REP, CLERK],
        policy=WindowPolicy(),
    )  # fmt: skip
    # a watch listing that ends early on an approved repair of its evidence
    watch = enter_by_decision(
        st, FIRM, "watch", "市市场监督管理局", "曲市监〔2026〕3号", ["PN2"], "一般违法，列入观察",
        dt.date(2026, 3, 1), LISTS, "tester",
        policy=WindowPolicy(),
    )  # fmt: skip
    approve_repair(st, "PN2", "tester", dt.date(2026, 8, 1), POLICY)
    exit_on_repair(st, watch, dt.date(2026, 8, 1), "已整改并完成信用修复", LISTS, "tester")
    enter_by_decision(
        st, RED, "red", "市发展改革委", "曲发改〔2026〕1号", ["RL1"], "守合同重信用企业",
        dt.date(2026, 2, 10), LISTS, "tester",
        policy=WindowPolicy(),
    )  # fmt: skip
    ratings = [
        rating(sid, T, grade, "2026-11-02 08:00", scheme=scheme, score=80.0)
        for sid, sme in ((FIRM, "BBB"), (GOOD, "BBB"), (RED, "AA"))
        for scheme, grade in (("sme", sme), ("enterprise", "B"))
    ]
    st.append("ratings", table_frame(ratings, "ratings"))
    yield st
    st.close()


def _mandatory_lending(st) -> None:
    """A catalogue version in which 提高贷款利率或限制贷款 is mandatory (a city's choice)."""
    cat = catalogue_in_force(st).catalogue
    data = cat.to_data()
    for m in data["measures"]:
        if m["id"] == "P-LEND-01":
            m["force"] = "mandatory"
    from scoring.measures.checks import parse_catalogue

    save_version(st, parse_catalogue(data, "test"), "steward", "本市将限制贷款列为强制性措施")


def _decided(st, sid):
    out = lending_decisions(st, T, LendingConfig(), BuildConfig(), [sid], LISTS, CHECKS)
    return out.set_index("subject_id").loc[sid]


def test_a_black_listed_sme_shows_its_membership_and_the_lending_measure(store) -> None:
    s = standing(store, FIRM, T, "lending", LISTS, CHECKS)
    rows = membership_rows(s)
    black = [r for r in rows if r["list"].startswith("黑名单")]
    assert len(black) == 1 and black[0]["entered_on"] == "2026-06-01"
    assert black[0]["basis"] == "部门决定：市市场监督管理局 曲市监罚〔2026〕7号"
    assert black[0]["expires_on"] == "2029-06-01" and black[0]["evidence"] == "PN1"
    assert REP not in black[0]["persons"] and black[0]["persons"].count("*") > 0
    assert not [r for r in rows if r["list"] == "重点关注名单"]  # exited on repair
    measures = measure_rows(s.measures)
    assert [m["measure"] for m in measures] == ["提高贷款利率或限制贷款"]
    assert measures[0]["force"] == "推荐性" and "黑名单" in measures[0]["triggers"]
    # shipped catalogue: recommended, the bank decides; the decision names it, the line stands
    d = _decided(store, FIRM)
    assert [m["measure_id"] for m in json.loads(d["measures"])] == ["P-LEND-01"]
    assert d["decision"] == "approve" and d["credit_line"] > 0


def test_a_mandatory_lending_punishment_withholds_the_line_and_says_why(store) -> None:
    before = _decided(store, FIRM)
    _mandatory_lending(store)
    d = _decided(store, FIRM)
    assert before["credit_line"] > 0
    assert d["decision"] == "decline" and d["credit_line"] == 0.0 and bool(d["knocked_out"])
    assert d["rate_tier_zh"] == "不予授信"
    why = [w["reason_zh"] for w in json.loads(d["decline_reasons"])]
    assert any("提高贷款利率或限制贷款" in w and "依据" in w for w in why)
    # the firm without a listing keeps its line; without the settings nothing changes
    assert _decided(store, GOOD)["credit_line"] == before["credit_line"]
    plain = lending_decisions(store, T, LendingConfig(), BuildConfig(), [FIRM])
    assert plain["credit_line"].iloc[0] == before["credit_line"] and "measures" not in plain
    rows = applicant_decisions(
        store, T, [FIRM, GOOD], LendingConfig(), BuildConfig(), LISTS, CHECKS
    )
    assert list(rows["decision"]) == ["decline", "approve"]
    assert "提高贷款利率或限制贷款" in rows["reasons_zh"].iloc[0]


def test_a_red_listed_sme_gets_the_lending_reward(store) -> None:
    s = standing(store, RED, T, "lending", LISTS, CHECKS)
    assert [r["list"] for r in membership_rows(s)] == ["红名单"]
    assert [a.measure.id for a in s.measures] == ["R-LEND-01"]
    assert measure_rows(s.measures, "en")[0]["type"] == "reward"


def test_the_supervisors_class_table_counts_list_members_per_class(store) -> None:
    members = subjects_lists(store, [FIRM, GOOD, RED], T, LISTS)
    assert set(members) == {FIRM, RED}
    assert members[FIRM]["black"].member and not members[FIRM]["watch"].member
    assert members[RED]["red"].member
    cat: Catalogue = catalogue_in_force(store).catalogue
    table = class_measures(cat, ("A", "B", "C", "D"))
    a = table[table["class"] == "A"]
    assert list(a["measure"]) == ["优化检查频次（减少检查）"] and list(a["type"]) == ["守信激励"]
    d = table[table["class"] == "D"]
    assert list(d["measure"]) == ["列为重点监管对象（增加检查频次）"]
    assert list(d["force"]) == ["强制性"] and d["basis"].iloc[0] != "—"
    assert list(table[table["class"] == "B"]["measure"]) == ["无"]
    anyclass = table[table["class"] == "*"]
    assert "联动公示、联动监管和联合惩戒" in set(anyclass["measure"])


def test_the_trail_lists_entries_and_the_exit_on_repair(store) -> None:
    trail = trail_rows(store, FIRM)
    events = [(r["effective_on"], r["list"], r["event"]) for r in trail]
    assert ("2026-03-01", "重点关注名单", "列入") in events
    assert ("2026-08-01", "重点关注名单", "信用修复提前移出") in events
    assert ("2026-06-01", "黑名单（严重失信主体名单）", "列入") in events
    exit_row = next(r for r in trail if r["event"] == "信用修复提前移出")
    assert exit_row["reason"] == "已整改并完成信用修复"
    assert all(REP not in r["persons"] for r in trail)
    assert any(REP in r["persons"] for r in trail_rows(store, FIRM, masked=False))


def test_a_person_sees_the_firm_listing_naming_them_and_the_measures_reaching_them(
    store,
) -> None:
    rep = person_reach_rows(store, REP, T, LISTS, CHECKS)
    assert [r["firm"] for r in rep] == ["曲靖癸建材有限公司"]
    assert rep[0]["role"] == "法定代表人" and "黑名单" in rep[0]["through"]
    assert "市场和行业禁入" in rep[0]["measures"] and "市场准入" in rep[0]["measures"]
    clerk = person_reach_rows(store, CLERK, T, LISTS, CHECKS)
    assert clerk[0]["role"] == "负有直接责任的人员"
    # 警示约谈 reaches a legal representative, not a responsible person (and needs a tier)
    assert "限制贷款" not in clerk[0]["measures"]  # P-LEND-01 reaches the firm only
    assert person_reach_rows(store, "530302198001010999", T, LISTS, CHECKS) == []


def test_the_credit_report_lists_the_memberships_and_the_trail_in_both_languages(store) -> None:
    from scoring.report import credit_report, report_data

    data = report_data(store, FIRM, POLICY, as_of=T, lists=LISTS, checks=CHECKS)["lists"]
    assert [m["list"] for m in data["members"]] == ["黑名单（严重失信主体名单）"]
    events = [(e["list"], e["event"]) for e in data["trail"]]
    assert ("重点关注名单", "列入") in events and ("重点关注名单", "信用修复提前移出") in events
    assert data["reach"] == [] and not data["person"]
    zh = credit_report(store, FIRM, POLICY, as_of=T, lists=LISTS, checks=CHECKS)
    assert "名单信息" in zh and "名单变更记录" in zh and "信用修复提前移出" in zh
    assert "已整改并完成信用修复" in zh and "曲市监罚〔2026〕7号" in zh
    assert REP not in zh and CLERK not in zh  # the persons named are masked
    en = credit_report(store, FIRM, POLICY, as_of=T, lang="en", lists=LISTS, checks=CHECKS)
    assert "List trail" in en and "early exit on repair" in en and "entered" in en
    assert "black list (serious dishonesty list)" in en and REP not in en
