"""Credit checks (信用核查): the measures a subject gets for a matter, stored and audited."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json

import pandas as pd
import pytest
from little_city import rating, record, subject, table_frame

from features.exports import is_formula_like
from features.records.ids import uscc_check_char
from features.store.duckdb_store import DuckDBStore
from scoring.credit_check import CheckConfig, CheckError, credit_check, stored_check
from scoring.credit_check_batch import check_file
from scoring.list_rules import apply_rules
from scoring.lists import ListRule, ListsConfig
from scoring.measures.catalogue import Catalogue
from scoring.measures.versions import catalogue_in_force, save_version
from scoring.objections import open_objection

BLACK, RED, DEBTOR = (
    f"9153030072100000{n}" + uscc_check_char(f"9153030072100000{n}") for n in ("1", "2", "3")
)
PERSON = "110105194912310038"
T = dt.date(2026, 10, 31)
LISTS = ListsConfig(
    rules=(
        ListRule("black-serious-list", "black", "严重违法失信名单", ("serious_violation_list",)),
        ListRule("red-red-list", "red", "红名单记录", ("red_list",)),
    )
)
CFG = CheckConfig()


def _check(st, sid, matter, on=T):
    return credit_check(st, sid, matter, on, LISTS, CFG, "市财政局", "政府采购资格审查", "tester")


@pytest.fixture()
def store():
    st = DuckDBStore(":memory:")
    st.append(
        "subjects",
        table_frame(
            [
                subject(BLACK, "曲靖丙建材有限公司"),
                subject(RED, "曲靖丁食品有限公司"),
                subject(DEBTOR, "曲靖戊物流有限公司"),
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
                record("RL1", RED, "red_list", event="2026-02-01", published="2026-02-02",
                       polarity="positive", value_text="contract_honouring",
                       domain="evaluation", dept="ndrc"),
                record("JD1", DEBTOR, "dishonest_judgment_debtor", event="2026-06-01",
                       published="2026-06-02", dept="court", **neg),
                record("JD2", PERSON, "dishonest_judgment_debtor", event="2026-06-01",
                       published="2026-06-02", dept="court", **neg),
            ],
            "records",
        ),
    )  # fmt: skip
    st.append(
        "ratings", table_frame([rating(RED, dt.date(2026, 9, 30), "A", "2026-10-01")], "ratings")
    )
    apply_rules(st, T, LISTS, CFG.windows, "tester")
    yield st
    st.close()


def _ids(result):
    return [m.measure_id for m in result.measures]


def test_a_black_listed_firm_gets_the_mandatory_procurement_limit_with_basis_and_evidence(
    store,
) -> None:
    out = _check(store, BLACK, "procurement")
    proc = next(m for m in out.measures if m.measure_id == "P-PROC-01")
    assert proc.type == "punishment" and proc.force == "mandatory"
    assert "政府采购法" in proc.basis_document and proc.implementing
    assert "list:black" in proc.matched
    assert {e.id for e in proc.evidence if e.source == "record"} == {"SV1"}
    assert out.lists == {"black": [out.lists["black"][0]]}
    assert out.tiers == {"serious": ["SV1"]}
    assert all(m.type == "punishment" for m in out.measures)


def test_an_open_objection_on_the_evidence_removes_the_black_list_measures(store) -> None:
    open_objection(store, "SV1", "依据有误", "tester", dt.date(2026, 10, 20))
    apply_rules(store, T, LISTS, CFG.windows, "tester")
    out = _check(store, BLACK, "procurement")
    assert out.lists == {} and out.tiers == {}
    assert "P-PROC-01" not in _ids(out) and out.measures == ()


def test_a_red_listed_a_rated_firm_gets_the_licensing_rewards(store) -> None:
    out = _check(store, RED, "licensing")
    assert {"R-LIC-01", "R-LIC-02"} <= set(_ids(out))
    assert all(m.type == "reward" for m in out.measures)
    assert out.grades == {"enterprise": "A"}
    # procurement: the red list and grade A both trigger R-PROC-01
    proc = _check(store, RED, "procurement")
    assert set(next(m for m in proc.measures if m.measure_id == "R-PROC-01").matched) == {
        "list:red",
        "grade:enterprise:A",
    }


def test_a_green_channel_rating_gets_the_licensing_rewards(store) -> None:
    green = "91530300721000004" + uscc_check_char("91530300721000004")
    store.append("subjects", table_frame([subject(green, "曲靖己茶叶有限公司")], "subjects"))
    row = rating(green, dt.date(2026, 9, 30), "B", "2026-10-01")
    store.append("ratings", table_frame([row], "ratings"))
    assert _check(store, green, "licensing").measures == ()
    store.append("ratings", table_frame([{**row, "green_channel": True, "model_version": "3",
                                          "scored_at": row["scored_at"] + pd.Timedelta(days=1)}],
                                        "ratings"))  # fmt: skip
    out = _check(store, green, "licensing")
    assert out.green_channel and out.lists == {}
    assert {"R-LIC-01", "R-LIC-02"} == set(_ids(out))
    assert all(m.matched == ("green_channel",) for m in out.measures)


def test_a_dishonest_judgment_debtor_is_limited_in_consumption(store) -> None:
    out = _check(store, DEBTOR, "consumption")
    assert "P-CONS-01" in _ids(out)
    m = next(m for m in out.measures if m.measure_id == "P-CONS-01")
    assert m.matched == ("record:dishonest_judgment_debtor",)
    assert [(e.id, e.kind, e.on) for e in m.evidence] == [
        ("JD1", "dishonest_judgment_debtor", "2026-06-01")
    ]
    # before the record was published: nothing
    assert _check(store, DEBTOR, "consumption", dt.date(2026, 6, 1)).measures == ()


def test_the_tier_mapping_is_configuration(store) -> None:
    out = credit_check(
        store,
        DEBTOR,
        "funding",
        T,
        LISTS,
        dataclasses.replace(CFG, tiers={"serious": "heavier"}),
        "市财政局",
        "资金申报",
        "tester",
    )
    assert out.tiers == {"heavier": ["JD1"]}
    assert "P-FUND-02" in _ids(out) and "P-FUND-01" not in _ids(out)


def test_a_check_is_stored_and_audited_and_a_later_catalogue_change_leaves_it(store) -> None:
    out = _check(store, BLACK, "procurement")
    before = stored_check(store, out.check_id)
    assert before["catalogue_version"] == catalogue_in_force(store).version_id
    assert [m["measure_id"] for m in before["result"]["measures"]] == _ids(out)
    assert before["result"] == json.loads(out.to_json())  # what was returned, as returned
    cat = catalogue_in_force(store).catalogue
    smaller = Catalogue(cat.title, tuple(m for m in cat.measures if m.id != "P-PROC-01"))
    save_version(store, smaller, "steward", "drop P-PROC-01")
    after = _check(store, BLACK, "procurement")
    assert "P-PROC-01" not in _ids(after) and after.catalogue_version == "MV-0001"
    assert stored_check(store, out.check_id) == before
    audits = store.query("SELECT * FROM audit_log WHERE action = 'credit_check'")
    assert len(audits) == 2
    assert json.loads(audits["detail"].iloc[0])["check_id"] == out.check_id


def test_a_household_id_is_masked_in_the_result_and_the_stored_row(store) -> None:
    out = _check(store, PERSON, "consumption")
    assert out.subject_shown != PERSON and "*" in out.subject_shown
    assert "P-CONS-01" in _ids(out)
    row = store.query("SELECT result FROM credit_checks WHERE check_id = ?", [out.check_id])
    assert PERSON not in row["result"].iloc[0]
    audit = store.query("SELECT subject_id, detail FROM audit_log")
    assert PERSON not in " ".join(audit["subject_id"].astype(str)) + " ".join(audit["detail"])


def test_bad_input_is_refused(store) -> None:
    with pytest.raises(CheckError, match="matter"):
        _check(store, BLACK, "parking")
    with pytest.raises(CheckError, match="no subject"):
        _check(store, "91530300XXXXXXXXXX", "procurement")
    assert store.count("credit_checks") == 0


def test_the_batch_keeps_every_row_and_names_the_bad_ones(store, tmp_path) -> None:
    src = tmp_path / "bidders.csv"
    src.write_text(
        f"subject_id\n{BLACK}\nNOT-AN-ID\n\n{RED}\n=cmd|' /C calc'!A0\n", encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    report = check_file(
        store, src, "procurement", T, LISTS, CFG, "市财政局", "招标资格审查", "tester", out
    )
    frame = report.frame
    assert list(frame["row_number"]) == [2, 3, 4, 5, 6]
    assert list(frame["status"]) == ["ok", "error", "error", "ok", "error"]
    bad = frame[frame["status"] == "error"]
    assert all("subject_id" in t for t in bad["error"])
    assert "NOT-AN-ID" in bad["error"].iloc[0]
    assert "P-PROC-01" in frame["measures"].iloc[0]
    cells = [
        c for line in csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))) for c in line
    ]
    assert len(cells) == 6 * 9 and not any(is_formula_like(c) for c in cells)  # inert
    assert any(c.startswith("'=cmd") for c in cells)  # the bad value is named, not dropped
    assert store.count("credit_checks") == 2


def test_checks_made_at_once_from_many_threads_get_distinct_ids(store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda _: _check(store, BLACK, "procurement").check_id, range(24)))
    assert len(set(ids)) == 24
    stored = store.query("SELECT check_id FROM credit_checks")["check_id"]
    assert stored.is_unique and len(stored) == 24
