"""People behind organisations (seed 002 #12: 对企事业单位严重失信行为，在记入企事业单位信用记录的
同时，记入其法定代表人、主要负责人和其他负有直接责任人员的个人信用记录).

On the generated tiny city, a farm household whose head is a firm's legal representative
is re-rated when the firm is put on the serious-violation list: the change of the firm
reaches the person (declared link ``represented_firms``), the person's indicator counts
the firm, the household scale's rule makes it not a 信用户 and says why, and the records
behind the reason show the firm by name on the credit report.

An organisation is every subject type with a 统一社会信用代码, not only an enterprise: a
household whose head represents a 农民专业合作社 on the serious list is not a 信用户 either,
and a practitioner who is the legal representative of a social organisation on the
civil-affairs 严重违法失信名单 is held to grade C, each with the organisation and its record
named in Chinese.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from features.build import build_features
from features.records.kinds import all_kinds
from features.records.schema import TABLES
from features.records.windows import WindowPolicy
from features.schemes import get_scheme
from models.overrides import apply_overrides
from models.rating import load_scale
from scoring.evidence import records_behind
from scoring.history import ratings_on
from scoring.report import credit_report
from scoring.rerating import affected_subjects, rerate_change

AS_OF = dt.date(2026, 10, 31)
ON = dt.date(2026, 11, 4)
INDICATOR = "represented_firms_serious_24m"


@pytest.fixture(scope="module")
def household_model(household_home: Path):
    """The household champion of the tiny city (tests/scoring/conftest.py)."""
    from scoring.loader import load_model

    return load_model("household", household_home)


def _a_household_behind_a_clean_firm(store) -> tuple[str, str, str]:
    """A household (its head's ID), an active enterprise it legally represents with no
    serious record, and the firm's name; the household is otherwise clear of the rules."""
    feats = build_features(store, "household", ON).set_index("subject_id")
    pairs = store.query(
        """SELECT f.subject_id AS firm, f.name, f.legal_rep_id AS person FROM subjects f
           JOIN subjects h ON h.subject_id = f.legal_rep_id AND h.subject_type = 'household'
           WHERE f.subject_type = 'enterprise' AND f.status = 'active'
             AND f.subject_id NOT IN (SELECT subject_id FROM records
                                      WHERE severity = 'serious')
           ORDER BY f.subject_id"""
    )
    for firm, name, person in pairs.itertuples(index=False):
        row = feats.loc[person] if person in feats.index else None
        if row is not None and row[INDICATOR] == 0 and row["dishonest_now"] == 0:
            return person, firm, name
    raise AssertionError("the tiny city has a household heading a firm (generator, issue 18)")


def _serious_listing(
    firm: str, kind: str = "serious_violation_list", rid: str = "R-TEST-SERIOUS"
) -> pd.DataFrame:
    k = all_kinds()[kind]
    row = dict(
        record_id=rid,
        subject_id=firm,
        kind=kind,
        domain=k.domain,
        severity="serious",
        polarity="negative",
        event_date=ON - dt.timedelta(days=20),
        decided_on=ON - dt.timedelta(days=10),
        published_on=ON - dt.timedelta(days=5),
        valid_until=ON + dt.timedelta(days=3 * 365),
        source_dept=k.dept,
        detail=f"{k.label_zh}（测试）",
    )
    return pd.DataFrame([row], columns=[c for c in TABLES["records"].column_names if c in row])


def test_a_firms_serious_listing_reaches_its_legal_representatives_rating(
    tiny, household_model
) -> None:
    person, firm, name = _a_household_behind_a_clean_firm(tiny)
    # a change of the firm's records re-rates the person who represents it
    affected = affected_subjects(tiny, firm)
    assert person in affected and firm in affected

    def change():
        tiny.append("records", _serious_listing(firm))
        return None, {"kind": "record", "id": "R-TEST-SERIOUS"}

    _, changes, _ = rerate_change(tiny, affected, ON, {"household": household_model}, change)
    mine = next(c for c in changes if c.subject_id == person)
    assert mine.before_grade != "NR" and mine.after_grade == "NR"

    feats = build_features(tiny, "household", ON, subjects=[person]).set_index("subject_id")
    assert feats.loc[person, INDICATOR] == 1
    # the indicator's own reason names the count, in Chinese and in English
    ind = get_scheme("household").indicator(INDICATOR)
    assert ind.reason_zh.format(value=1, window=24, label=ind.label_zh).startswith(
        "本人担任法定代表人的1家单位近24个月"
    )
    assert "1 organisations the person legally represents" in ind.reason_en.format(
        value=1, window=24
    )

    rating = ratings_on(tiny, "household", None, [person]).iloc[0]
    assert rating["final_grade"] == "NR"
    why = json.dumps(json.loads(rating["overrides"]), ensure_ascii=False)
    assert INDICATOR in why and "本人担任法定代表人的单位近24个月有严重失信记录" in why

    behind = records_behind(tiny, get_scheme("household"), person, [INDICATOR], ON)
    assert list(behind["record_id"]) == ["R-TEST-SERIOUS"]
    assert behind.iloc[0]["relation"] == "represented_firms"
    assert behind.iloc[0]["owner_id"] == firm and behind.iloc[0]["owner_name"] == name

    html = credit_report(tiny, person, WindowPolicy(), as_of=ON, scheme="household")
    assert f"担任法定代表人的单位 {name} {firm}" in html


def _ruled(scheme: str, feats: pd.DataFrame, model_grade: str) -> tuple[list[str], list[list]]:
    """The final grades of ``feats`` under the scheme's overrides had the model given
    every row ``model_grade``, and the overrides that held (the rules, without a model)."""
    scale = load_scale(scheme)
    grades = [g.key for g in scale.grades]
    final, applied = apply_overrides([model_grade] * len(feats), feats, scale.overrides, grades)
    return list(final), applied


def _organisation_behind(store, org_type: str, person_type: str, scheme: str, form: str):
    """An active organisation of ``org_type`` (of ``form``) with no serious record whose legal
    representative is a ``person_type`` subject no rule of ``scheme`` holds back now:
    ``(person, organisation, its name)``."""
    pairs = store.query(
        """SELECT f.subject_id AS org, f.name, f.legal_rep_id AS person FROM subjects f
           JOIN subjects p ON p.subject_id = f.legal_rep_id AND p.subject_type = ?
           JOIN subject_attributes a ON a.subject_id = f.subject_id AND a.value_text = ?
           WHERE f.subject_type = ? AND f.status = 'active'
             AND f.subject_id NOT IN (SELECT subject_id FROM records WHERE severity = 'serious')
           ORDER BY f.subject_id""",
        params=[person_type, form, org_type],
    )
    people = sorted(set(pairs["person"]))
    assert people, f"the tiny city has a {person_type} representing a {org_type} ({form})"
    feats = build_features(store, scheme, ON, subjects=people).set_index("subject_id")
    final, _ = _ruled(scheme, feats, "A")
    clear = {p for p, g in zip(feats.index, final, strict=True) if g == "A"}
    for org, name, person in pairs.itertuples(index=False):
        if person in clear:
            return person, org, name
    raise AssertionError(f"no {person_type} behind a {org_type} is clear of the rules")


def test_a_cooperatives_serious_listing_reaches_the_household_that_heads_it(
    tiny, household_model
) -> None:
    person, coop, name = _organisation_behind(
        tiny, "agri_business", "household", "household", "coop"
    )
    affected = affected_subjects(tiny, coop)
    assert person in affected and coop in affected

    def change():
        tiny.append("records", _serious_listing(coop, rid="R-TEST-COOP"))
        return None, {"kind": "record", "id": "R-TEST-COOP"}

    _, changes, _ = rerate_change(tiny, affected, ON, {"household": household_model}, change)
    mine = next(c for c in changes if c.subject_id == person)
    assert mine.before_grade != "NR" and mine.after_grade == "NR"

    rating = ratings_on(tiny, "household", None, [person]).iloc[0]
    why = json.dumps(json.loads(rating["overrides"]), ensure_ascii=False)
    assert "本人担任法定代表人的单位近24个月有严重失信记录，不评为信用户" in why

    behind = records_behind(tiny, get_scheme("household"), person, [INDICATOR], ON)
    assert list(behind["record_id"]) == ["R-TEST-COOP"]
    assert behind.iloc[0]["owner_id"] == coop and behind.iloc[0]["owner_name"] == name
    assert name.endswith("农民专业合作社")

    html = credit_report(tiny, person, WindowPolicy(), as_of=ON, scheme="household")
    assert f"担任法定代表人的单位 {name} {coop}" in html
    assert "严重违法失信名单" in html


def test_a_social_organisations_serious_listing_holds_its_practitioner_at_c(
    tiny, tiny_champion
) -> None:
    from scoring.loader import load_model

    model = load_model("practitioner", tiny_champion("practitioner", family="gbm"))
    person, org, name = _organisation_behind(
        tiny, "social_org", "practitioner", "practitioner", "private_non_enterprise"
    )
    affected = affected_subjects(tiny, org)
    assert person in affected

    def change():
        tiny.append("records", _serious_listing(org, "civil_serious_list", "R-TEST-SOCIAL"))
        return None, {"kind": "record", "id": "R-TEST-SOCIAL"}

    _, changes, _ = rerate_change(tiny, affected, ON, {"practitioner": model}, change)
    mine = next(c for c in changes if c.subject_id == person)
    assert mine.after_grade in {"C", "D"}

    feats = build_features(tiny, "practitioner", ON, subjects=[person]).set_index("subject_id")
    assert feats.loc[person, INDICATOR] == 1
    # by the rules alone: a practitioner the model would put at A is held at C, and why
    final, applied = _ruled("practitioner", feats, "A")
    assert final == ["C"]
    assert [o.reason_zh for o in applied[0]] == [
        "本人担任法定代表人的单位近24个月有严重失信记录，不高于C级"
    ]
    rating = ratings_on(tiny, "practitioner", None, [person]).iloc[0]
    why = json.dumps(json.loads(rating["overrides"]), ensure_ascii=False)
    assert "本人担任法定代表人的单位近24个月有严重失信记录，不高于C级" in why

    behind = records_behind(tiny, get_scheme("practitioner"), person, [INDICATOR], ON)
    assert list(behind["record_id"]) == ["R-TEST-SOCIAL"]
    row = behind.iloc[0]
    assert (row["relation"], row["owner_id"], row["owner_name"]) == (
        "represented_firms",
        org,
        name,
    )
    assert row["kind"] == "civil_serious_list"

    html = credit_report(tiny, person, WindowPolicy(), as_of=ON, scheme="practitioner")
    assert f"担任法定代表人的单位 {name} {org}" in html
    assert "社会组织严重违法失信名单" in html and "civil_serious_list" not in html
    assert person not in html  # the practitioner's ID stays masked
