"""The measures catalogue: the shipped file checks, each defect is named, matching says
which measures apply and why, and saved versions are append-only."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from features.store.duckdb_store import DuckDBStore
from scoring.measures.checks import (
    CatalogueError,
    parse_catalogue,
    read_catalogue,
    shipped_catalogue,
)
from scoring.measures.matching import StateError, SubjectState, measures_for, select
from scoring.measures.versions import (
    catalogue_in_force,
    catalogue_version,
    save_version,
    version_history,
)
from scoring.measures.vocabulary import MATTERS, trigger_label


@pytest.fixture(scope="module")
def shipped():
    return shipped_catalogue()


def _ids(applied) -> list[str]:
    return [a.measure.id for a in applied]


# -- the shipped catalogue ---------------------------------------------------------------


def test_shipped_catalogue_checks_and_names_what_the_issue_asks(shipped) -> None:
    ids = {m.id for m in shipped.measures}
    names = " ".join(m.name_zh for m in shipped.measures)
    for word in (
        "绿色通道",
        "容缺受理",
        "信用加分",
        "检查频次",
        "重点监管",
        "财政性资金",
        "政府采购",
        "招标投标",
        "评先评优",
        "公职录用",
        "市场和行业禁入",
        "限制高消费",
        "限制出境",
        "信用提醒",
        "警示约谈",
        "加强监督检查",
        "联合惩戒",
    ):
        assert word in names, word
    assert len(ids) == len(shipped.measures)
    # every measure says where it comes from; every punishment names its 设定依据
    for m in shipped.measures:
        assert m.basis.source.startswith(("seed ", "DOMAIN.md")), m.id
        assert m.type == "reward" or m.basis.document, m.id
    proc = shipped.get("P-PROC-01")
    assert "政府采购法》第二十二条" in proc.basis.document and proc.duration_months == 36
    # responsibility reaches people (seed 002 #12)
    assert "legal_representative" in shipped.get("P-MKT-01").reaches
    # every matter of the vocabulary has at least one measure
    assert {m for x in shipped.measures for m in x.matters} == set(MATTERS)


def test_catalogue_round_trips_through_json(shipped) -> None:
    again = parse_catalogue(json.loads(shipped.to_json()), "again.json")
    assert again == shipped and again.sha256() == shipped.sha256()


# -- the checks ----------------------------------------------------------------------------


def _base(shipped) -> dict:
    return copy.deepcopy(shipped.to_data())


def _problems(data: dict) -> list[str]:
    with pytest.raises(CatalogueError) as err:
        parse_catalogue(data, "planted.toml")
    return [str(p) for p in err.value.problems]


def _measure(data: dict, measure_id: str) -> dict:
    return next(m for m in data["measures"] if m["id"] == measure_id)


def test_planted_defects_are_each_named_with_file_entry_field_value(shipped) -> None:
    data = _base(shipped)
    _measure(data, "R-LIC-01")["triggers"] = ["list:blak"]  # unknown trigger
    _measure(data, "R-LIC-02")["matters"] = ["licencing"]  # unknown matter
    _measure(data, "R-PROC-01")["triggers"] = ["list:black"]  # reward by a punishment list
    _measure(data, "R-FUND-01").pop("basis")  # missing basis
    _measure(data, "P-FUND-01")["basis"]["document"] = ""  # punishment without legal basis
    _measure(data, "P-PROC-01")["duration"] = 0  # not positive
    _measure(data, "P-BID-01")["id"] = "P-MKT-01"  # duplicate id
    _measure(data, "P-SUP-01")["triggers"] = ["grade:enterprise:E"]  # not a grade of the scale
    _measure(data, "P-LIC-01")["triggers"] = ["green_channel"]  # punishment by a reward
    _measure(data, "P-AWD-01")["force"] = "compulsory"
    _measure(data, "P-LEND-01")["reaches"] = ["board"]
    _measure(data, "R-SUP-01")["id"] = "P-SUP-09"  # a reward with a punishment's id
    found = _problems(data)
    expected = [
        ("measure R-LIC-01: triggers = 'list:blak'", "list:<one of red, black, watch>"),
        ("measure R-LIC-02: matters = 'licencing'", "one of licensing, procurement"),
        ("measure R-PROC-01: triggers = 'list:black'", "a reward's trigger"),
        ("measure R-FUND-01: basis = None", "document, text and source"),
        ("measure P-FUND-01: basis.document = ''", "no punishment without a legal basis"),
        ("measure P-PROC-01: duration = 0", "positive number of months"),
        ("measure P-MKT-01: id = 'P-MKT-01'", "an id no other measure has"),
        ("measure P-SUP-01: triggers = 'grade:enterprise:E'", "grade:enterprise:<one of A, B"),
        ("measure P-LIC-01: triggers = 'green_channel'", "a punishment's trigger"),
        ("measure P-AWD-01: force = 'compulsory'", "one of mandatory, recommended"),
        ("measure P-LEND-01: reaches = 'board'", "one of subject, legal_representative"),
        ("measure P-SUP-09: id = 'P-SUP-09'", "an id starting R- for a reward"),
    ]
    for where, want in expected:
        hits = [p for p in found if p.startswith(f"planted.toml: {where}") and want in p]
        assert hits, f"no problem {where} … {want} in:\n" + "\n".join(found)
    assert len(found) == len(expected), "\n".join(found)


def test_grade_triggers_must_speak_the_right_way(shipped) -> None:
    data = _base(shipped)
    _measure(data, "R-SUP-01")["triggers"] = ["grade:enterprise:D"]
    _measure(data, "P-SUP-01")["triggers"] = ["grade:enterprise:A"]
    found = _problems(data)
    assert len(found) == 2
    assert "R-SUP-01: triggers = 'grade:enterprise:D'" in found[0]
    assert "P-SUP-01: triggers = 'grade:enterprise:A'" in found[1]


def test_a_file_that_is_not_toml_or_is_missing_is_one_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("title = \n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"bad\.toml: .*valid TOML"):
        read_catalogue(bad)
    with pytest.raises(CatalogueError, match=r"missing\.json: .*a readable file"):
        read_catalogue(tmp_path / "missing.json")


# -- matching --------------------------------------------------------------------------------


def test_black_listed_firm_in_procurement(shipped) -> None:
    applied = measures_for(shipped, SubjectState(lists=frozenset({"black"})), "procurement")
    assert _ids(applied) == ["P-PROC-01", "P-BID-01"]
    assert all(a.matched == ("list:black",) for a in applied)
    # a red-listed firm gets the bonus there, and no punishment
    red = measures_for(shipped, SubjectState(lists=frozenset({"red"})), "procurement")
    assert _ids(red) == ["R-PROC-01"]


def test_red_listed_firm_in_licensing_gets_rewards_only(shipped) -> None:
    applied = measures_for(shipped, SubjectState(lists=frozenset({"red"})), "licensing")
    assert _ids(applied) == ["R-LIC-01", "R-LIC-02"]
    assert {a.measure.type for a in applied} == {"reward"}
    # the green channel alone grants the same two, matched by the green channel
    green = measures_for(shipped, SubjectState(green_channel=True), "licensing")
    assert [a.matched for a in green] == [("green_channel",), ("green_channel",)]
    # nothing applies to a subject with no trigger
    assert measures_for(shipped, SubjectState(), "licensing") == ()


def test_dishonest_judgment_debtor_in_consumption(shipped) -> None:
    state = SubjectState(records=frozenset({"dishonest_judgment_debtor"}))
    applied = measures_for(shipped, state, "consumption")
    assert _ids(applied) == ["P-CONS-01", "P-CONS-02"]
    assert "legal_representative" in applied[0].measure.reaches
    # the same record bears on lending and public employment, not on licensing
    assert _ids(measures_for(shipped, state, "lending")) == ["P-LEND-01"]
    assert measures_for(shipped, state, "licensing") == ()


def test_tiered_treatment_follows_seed_004(shipped) -> None:
    def sup(tier: str) -> list[str]:
        return _ids(measures_for(shipped, SubjectState(tiers=frozenset({tier})), "supervision"))

    # 一般 → 信用提醒, 警示约谈 (recommended); 较重 → closer inspection, limited disclosure
    # (mandatory); 严重 → key supervision and joint punishment
    assert sup("general") == ["P-TIER-01", "P-TIER-02"]
    assert sup("heavier") == ["P-TIER-03", "P-TIER-04"]
    assert sup("serious") == ["P-SUP-01", "P-TIER-05"]
    heavier_funding = measures_for(shipped, SubjectState(tiers=frozenset({"heavier"})), "funding")
    assert _ids(heavier_funding) == ["P-FUND-02"]  # fewer benefits, not the serious ban


def test_grades_and_mixed_states_order_punishments_first(shipped) -> None:
    state = SubjectState(lists=frozenset({"red"}), tiers=frozenset({"general"}))
    applied = measures_for(shipped, state, "supervision")
    assert _ids(applied) == ["P-TIER-01", "P-TIER-02", "R-SUP-01"]
    d_class = measures_for(shipped, SubjectState(grades={"enterprise": "D"}), "supervision")
    assert [(a.measure.id, a.matched) for a in d_class] == [("P-SUP-01", ("grade:enterprise:D",))]
    only = measures_for(shipped, state, "supervision", kind="reward")
    assert _ids(only) == ["R-SUP-01"]


def test_unknown_state_or_matter_is_refused_by_name(shipped) -> None:
    with pytest.raises(StateError, match=r"state\.lists: 'blacklist'"):
        SubjectState(lists=frozenset({"blacklist"}))
    with pytest.raises(StateError, match=r"state.grades\[enterprise\]: 'AAA'"):
        SubjectState(grades={"enterprise": "AAA"})
    with pytest.raises(StateError, match="matter 'tax'"):
        measures_for(shipped, SubjectState(), "tax")
    with pytest.raises(StateError, match="type 'bonus'"):
        select(shipped, kind="bonus")


def test_trigger_labels_are_chinese_first() -> None:
    assert trigger_label("list:black") == "列入黑名单（严重失信主体名单）"
    assert trigger_label("grade:enterprise:D") == "企业信用风险分类 D（信用风险高）"
    assert trigger_label("tier:heavier", "en") == "has a heavier breach of trust"


# -- versions ----------------------------------------------------------------------------------


def test_saved_version_is_in_force_and_earlier_ones_stay(tmp_path: Path, shipped) -> None:
    with DuckDBStore(tmp_path / "s.duckdb") as store:
        first = catalogue_in_force(store)
        assert first.version is None and first.version_id == f"shipped-{shipped.sha256()[:12]}"
        data = _base(shipped)
        _measure(data, "P-PROC-01")["force"] = "recommended"
        v1 = save_version(store, parse_catalogue(data), "steward", "试点调整")
        assert v1.version_id == "MV-0001"
        data2 = copy.deepcopy(data)
        data2["measures"] = [m for m in data2["measures"] if m["id"] != "R-AWD-01"]
        v2 = save_version(store, parse_catalogue(data2), "steward2", "删除 R-AWD-01")
        now = catalogue_in_force(store)
        assert now.version_id == "MV-0002" and now.catalogue.get("R-AWD-01") is None
        # the earlier version and the shipped one are still told as they were
        old = catalogue_version(store, "MV-0001")
        assert old.catalogue.get("P-PROC-01").force == "recommended"
        assert old.catalogue.get("R-AWD-01") is not None and old.sha256 == v1.sha256
        assert catalogue_version(store, first.version_id).catalogue == shipped
        assert catalogue_version(store, "MV-0009") is None
        hist = version_history(store)
        assert list(hist["version_id"]) == ["MV-0002", "MV-0001"]
        assert list(hist["reason"]) == ["删除 R-AWD-01", "试点调整"]
        assert v2.sha256 == hist["sha256"].iloc[0]
        # saving what is in force changes nothing and is refused; so is a missing reason
        with pytest.raises(CatalogueError, match="equals the catalogue in force"):
            save_version(store, parse_catalogue(data2), "steward", "again")
        with pytest.raises(CatalogueError, match="reason"):
            save_version(store, shipped, "steward", "  ")
        assert store.count("measure_versions") == 2
        audit = store.query(
            "SELECT action, detail FROM audit_log WHERE action = 'measures_saved' "
            "ORDER BY logged_at"
        )
        assert len(audit) == 2 and "MV-0002" in audit["detail"].iloc[-1]
