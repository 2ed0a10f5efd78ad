"""New agricultural businesses (农民专业合作社, 家庭农场) on the generated tiny city.

The scheme trains and rates; a member household's new 90+ day arrears re-rate its
co-operative through the declared link ``coop_member`` and move the co-op's member
indicators; the village sees its rated co-operatives and family farms; the credit
report of a co-op reads in Chinese; subsidies accept a co-op's code but not a firm's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from features.build import build_features
from features.records.kinds import KINDS
from features.records.schema import TABLES
from features.records.validate import _kind_party_problem
from features.records.windows import WindowPolicy
from scoring.history import ratings_on
from scoring.report import credit_report
from scoring.rerating import affected_subjects, rerate_change
from scoring.village_businesses import per_village, village_businesses

KEY = "agri_business"
ON = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def agri_model(tiny_champion):
    """An agri_business champion of the tiny city (scorecard; forced: too few defaults
    for the gates, the small city passes them)."""
    from scoring.loader import load_model

    return load_model(KEY, tiny_champion(KEY, family="scorecard"))


def _overdue(member: str, record_id: str) -> pd.DataFrame:
    k = KINDS["loan_overdue"]
    row = dict(
        record_id=record_id,
        subject_id=member,
        kind="loan_overdue",
        domain=k.domain,
        polarity="negative",
        value_num=95.0,
        amount=50_000.0,
        event_date=ON - dt.timedelta(days=20),
        published_on=ON - dt.timedelta(days=15),
        valid_until=ON + dt.timedelta(days=2 * 365),
        source_dept=k.dept,
    )
    return pd.DataFrame([row], columns=[c for c in TABLES["records"].column_names if c in row])


def _coop_and_clean_member(store) -> tuple[str, str]:
    """A rated co-operative (USCC 93…) and a member household with no loan arrears."""
    pairs = store.query(
        """SELECT l.subject_id AS coop, l.party_id AS member FROM subject_links l
           JOIN subjects c ON c.subject_id = l.subject_id AND c.subject_type = 'agri_business'
           WHERE l.relation = 'coop_member' AND l.party_id NOT IN (
               SELECT subject_id FROM records WHERE kind = 'loan_overdue')
             AND l.subject_id IN (SELECT subject_id FROM records WHERE kind = 'loan')
           ORDER BY l.subject_id, l.party_id"""
    )
    assert not pairs.empty, "the tiny city has co-ops with members (agri_business.toml)"
    coop, member = pairs.iloc[0]
    assert coop.startswith("93")
    return coop, member


def test_trains_rates_and_the_village_sees_its_businesses(tiny, agri_model) -> None:
    from scoring.batch import score_scheme

    score_scheme(tiny, agri_model, ON)
    rated = ratings_on(tiny, KEY, ON)
    assert len(rated) > 50
    assert set(rated["final_grade"]) <= {"AAA", "AA", "A", "B"}
    # every reason of every rating reads in Chinese: no code, no English word
    for reasons in rated["reasons"]:
        for r in json.loads(reasons).get("raise", []):
            assert not re.search(r"[A-Za-z_]{3,}", r["text_zh"]), r["text_zh"]

    farms = village_businesses(tiny, ON)
    assert set(farms["subject_id"]) <= set(rated["subject_id"])
    assert farms["village_code"].notna().all() and len(farms) == len(rated)
    assert set(farms["grade_label_zh"]) <= {"优秀", "良好", "一般", "较差"}
    counts = per_village(farms).set_index("village_code")
    assert counts["businesses"].sum() == len(farms)
    worst = farms.groupby("village_code")["worst_grade"].sum()
    assert (counts["businesses_worst"] == worst.reindex(counts.index)).all()


def test_a_members_arrears_re_rate_the_coop(tiny, agri_model) -> None:
    coop, member = _coop_and_clean_member(tiny)
    # a change of the member's records re-rates the co-op (declared link coop_member) and
    # not the other households of the village (village_households is read by co-ops only)
    affected = affected_subjects(tiny, member)
    assert coop in affected and member in affected
    types = tiny.query(
        "SELECT DISTINCT subject_type FROM subjects WHERE subject_id IN "
        f"({', '.join(repr(a) for a in affected)})"
    )["subject_type"]
    assert set(types) <= {"household", "agri_business"}
    assert len([a for a in affected if not a.startswith("9")]) == 1  # the member alone

    before = build_features(tiny, KEY, ON, subjects=[coop]).set_index("subject_id").loc[coop]

    def change():
        tiny.append("records", _overdue(member, "R-TEST-MEMBER-OVERDUE"))
        return None, {"kind": "record", "id": "R-TEST-MEMBER-OVERDUE"}

    _, changes, _ = rerate_change(tiny, affected, ON, {KEY: agri_model}, change)
    after = build_features(tiny, KEY, ON, subjects=[coop]).set_index("subject_id").loc[coop]
    assert after["members_overdue_24m"] == before["members_overdue_24m"] + 1
    assert after["members_default_24m"] == before["members_default_24m"] + 1
    assert any(c.subject_id == coop and c.scheme == KEY for c in changes)
    assert ratings_on(tiny, KEY, ON, [coop]).iloc[0]["subject_id"] == coop

    html = credit_report(tiny, coop, WindowPolicy(), as_of=ON, scheme=KEY)
    assert "新型农业经营主体信用评价" in html and "农民专业合作社" in html
    assert member not in html  # a member's ID is personal: masked wherever it is shown


def test_subsidies_accept_a_coop_but_not_a_firm() -> None:
    today = dt.date(2026, 11, 1)
    coop = "93530322831746751A"  # valid USCC, category 93
    firm = "91110000600037341L"  # valid USCC of an enterprise (91)
    person = "11010519491231002X"
    for kind in ("agricultural_subsidy", "agricultural_insurance"):
        assert _kind_party_problem(kind, coop, today) is None
        assert _kind_party_problem(kind, person, today) is None
        problem = _kind_party_problem(kind, firm, today)
        assert problem is not None and "新型农业经营主体" in problem[0]
    # a farm-product check names an organisation, never a person
    assert _kind_party_problem("product_quality_check", coop, today) is None
    assert _kind_party_problem("product_quality_check", person, today) is not None


@pytest.mark.spark
@pytest.mark.slow
def test_spark_rates_the_coops_as_duckdb(
    scoring_city_file: Path, tmp_path_factory: pytest.TempPathFactory, spark, agri_model
) -> None:
    """Member and village links (subject_links, same village_code) read the same on Spark."""
    from city_stores import lake_of, writable_copy
    from ratings_parity import rating_differences

    from scoring.batch import score_scheme
    from scoring.spark_batch import score_scheme_spark

    at = dt.datetime(2026, 11, 2, 3, 4, 5)
    with (
        writable_copy(scoring_city_file, tmp_path_factory) as duck,
        lake_of(scoring_city_file, tmp_path_factory, spark) as lake,
    ):
        ran = score_scheme(duck, agri_model, ON, scored_at=at)
        spark_run = score_scheme_spark(lake, agri_model, ON, scored_at=at)
        assert spark_run.rows == ran.rows > 50
        sql = "SELECT * FROM ratings WHERE scheme = ? AND as_of = ? ORDER BY subject_id"
        expected, got = duck.query(sql, [KEY, ON]), lake.query(sql, [KEY, ON])
        assert rating_differences(expected, got) == []
        members = build_features(lake, KEY, ON, engine="spark")["members_overdue_24m"]
        assert members.sum() > 0
