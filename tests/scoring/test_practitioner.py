"""The practitioner scheme (执业人员, issue 18) on the generated tiny city: it trains, rates,
its scale's overrides bind, a tour guide's conduct violation and upheld complaint are the
reasons in Chinese, a firm's serious listing reaches the practitioner who legally
represents it (seed 002 #12), and the person's ID is masked in the credit report.

Records are planted on chosen practitioners so that each test holds whatever the tiny
city happens to contain.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest

from features.build import build_features
from features.records.kinds import KINDS
from features.records.personal import mask_id
from features.records.schema import TABLES
from features.records.windows import WindowPolicy
from scoring.batch import rate_subjects, score_scheme
from scoring.history import ratings_on
from scoring.report import credit_report
from scoring.rerating import affected_subjects, rerate_change

ON = dt.date(2026, 10, 31)
GRADES = {"A", "B", "C", "D"}


@pytest.fixture(scope="module")
def practitioner_model(tiny_champion):
    """A practitioner champion of the tiny city (LightGBM only: no cross-validation of
    both families, faster)."""
    from scoring.loader import load_model

    return load_model("practitioner", tiny_champion("practitioner", family="gbm"))


def _record(rid: str, subject: str, kind: str, days_ago: int, **values) -> dict:
    k = KINDS[kind]
    day = ON - dt.timedelta(days=days_ago)
    return dict(
        record_id=rid,
        subject_id=subject,
        kind=kind,
        domain=k.domain,
        polarity=k.polarity_for(values.get("value_text")),
        event_date=day,
        decided_on=day,
        published_on=day + dt.timedelta(days=3),
        source_dept="culture_tourism",
        **values,
    )


def _plant(store, rows: list[dict]) -> None:
    cols = TABLES["records"].column_names
    keys = {k for row in rows for k in row}
    store.append("records", pd.DataFrame(rows, columns=[c for c in cols if c in keys]))


def _clean(store, profession: str, n: int) -> list[str]:
    """``n`` practitioners of ``profession`` with no negative record in three years and no
    firm they represent (so that what a test plants is what moves them)."""
    ids = store.query(
        """SELECT s.subject_id FROM subjects s
           JOIN subject_attributes a ON a.subject_id = s.subject_id AND a.name = 'profession'
           WHERE s.subject_type = 'practitioner' AND a.value_text = ?
             AND s.subject_id NOT IN (SELECT subject_id FROM records
                                      WHERE polarity = 'negative' AND event_date > ?)
             AND s.subject_id NOT IN (SELECT legal_rep_id FROM subjects
                                      WHERE legal_rep_id IS NOT NULL)
           ORDER BY s.subject_id""",
        params=[profession, ON - dt.timedelta(days=3 * 365)],
    )["subject_id"].tolist()
    assert len(ids) >= n, f"the tiny city has {len(ids)} clean {profession}s"
    return ids[:n]


def test_the_population_is_rated_on_the_scale(tiny, practitioner_model) -> None:
    run = score_scheme(tiny, practitioner_model, ON)
    rated = ratings_on(tiny, "practitioner", ON)
    n = tiny.scalar("SELECT count(*) FROM subjects WHERE subject_type = 'practitioner'")
    assert run.rows == len(rated) and 0.9 * n <= len(rated) <= n
    assert set(rated["final_grade"]) <= GRADES and rated["pd"].between(0, 1).all()


def test_the_black_list_and_a_lost_licence_override_the_model(tiny, practitioner_model) -> None:
    listed, suspended, revoked = _clean(tiny, "tour_guide", 3)
    _plant(
        tiny,
        [
            _record("T-BL", listed, "profession_blacklist", 30, severity="serious"),
            _record("T-SUS", suspended, "practice_licence", 40, value_text="suspended"),
            _record("T-REV", revoked, "practice_licence", 50, value_text="revoked"),
        ],
    )
    rows = rate_subjects(tiny, practitioner_model, ON, subjects=[listed, suspended, revoked])
    got = rows.set_index("subject_id")
    assert got.loc[listed, "final_grade"] == "D"
    assert "列入行业黑名单，直接评为D级" in got.loc[listed, "overrides"]
    # the shipped list rule puts the guide on the platform's black list (旅游市场黑名单)
    from app.settings import load_settings
    from scoring.list_reads import subject_lists
    from scoring.list_rules import apply_rules

    shipped = load_settings()
    apply_rules(tiny, ON, shipped.lists.config(), shipped.windows.policy(), "test")
    states = subject_lists(tiny, listed, ON, shipped.lists.config())
    assert states["black"].member and not states["black"].suspended
    assert not subject_lists(tiny, suspended, ON, shipped.lists.config())["black"].member
    for who in (suspended, revoked):
        assert got.loc[who, "final_grade"] in {"C", "D"}
        why = json.loads(got.loc[who, "overrides"])
        if got.loc[who, "model_grade"] in {"A", "B"}:  # the rule moved it
            assert why and why[0]["indicator"] == "licence_suspended_now"
            assert why[0]["reason_zh"].startswith("执业证书被暂停执业或吊销")


def test_a_tour_guides_violation_and_complaint_are_the_reasons(tiny, practitioner_model) -> None:
    (guide,) = _clean(tiny, "tour_guide", 1)
    _plant(
        tiny,
        [
            _record("T-CV", guide, "conduct_violation", 60, severity="general"),
            *(
                _record(f"T-C{i}", guide, "service_complaint", 20 + 30 * i, value_text="upheld")
                for i in range(3)
            ),
        ],
    )
    feats = build_features(tiny, "practitioner", ON, subjects=[guide]).set_index("subject_id")
    assert feats.loc[guide, "violations_gs_24m"] == 1
    assert feats.loc[guide, "complaints_upheld_12m"] == 3
    score_scheme(tiny, practitioner_model, ON, subjects=[guide])  # written: the report reads it
    row = ratings_on(tiny, "practitioner", ON, [guide]).iloc[0]
    reasons = json.loads(row["reasons"])
    raised = {r["indicator"]: r["text_zh"] for r in reasons["raise"]}
    assert "近12个月有3次服务投诉经核查属实" in raised.values()
    assert any("执业违规" in t for t in raised.values()), raised
    for r in reasons["raise"] + reasons["lower"]:
        # Chinese sentences: no code, no English word, no "None"
        assert not re.search(r"[A-Za-z]{2,}", r["text_zh"]), r["text_zh"]
    for r in reasons["raise"]:  # a planted harm is never listed as lowering the risk
        assert r["indicator"] not in {x["indicator"] for x in reasons["lower"]}
    html = credit_report(tiny, guide, WindowPolicy(), as_of=ON, scheme="practitioner")
    assert guide not in html and guide[:-2] not in html
    assert mask_id(guide) in html and "重点职业人群执业人员" in html
    assert "执业服务投诉" in html and "文化和旅游局" in html


def test_a_firms_serious_listing_reaches_the_practitioner_who_represents_it(
    tiny, practitioner_model
) -> None:
    pairs = tiny.query(
        """SELECT f.subject_id AS firm, p.subject_id AS person FROM subjects f
           JOIN subjects p ON p.subject_id = f.legal_rep_id AND p.subject_type = 'practitioner'
           WHERE f.subject_type = 'enterprise' AND f.status = 'active'
             AND f.subject_id NOT IN (SELECT subject_id FROM records WHERE severity = 'serious')
           ORDER BY f.subject_id"""
    )
    assert len(pairs), "the generator makes some practitioners legal representatives"
    feats = build_features(tiny, "practitioner", ON).set_index("subject_id")
    firm, person = next(
        (f, p)
        for f, p in pairs.itertuples(index=False)
        if feats.loc[p, "represented_firms_serious_24m"] == 0
    )
    affected = affected_subjects(tiny, firm)
    assert person in affected

    def change():
        k = KINDS["serious_violation_list"]
        row = _record("T-FIRM", firm, "serious_violation_list", 10, severity="serious")
        row |= {"source_dept": k.dept, "valid_until": ON + dt.timedelta(days=3 * 365)}
        _plant(tiny, [row])
        return None, {"kind": "record", "id": "T-FIRM"}

    _, changes, _ = rerate_change(tiny, affected, ON, {"practitioner": practitioner_model}, change)
    mine = next(c for c in changes if c.subject_id == person)
    assert mine.after_grade in {"C", "D"}
    after = build_features(tiny, "practitioner", ON, subjects=[person]).set_index("subject_id")
    assert after.loc[person, "represented_firms_serious_24m"] == 1
    rating = ratings_on(tiny, "practitioner", None, [person]).iloc[0]
    why = json.dumps(json.loads(rating["overrides"]), ensure_ascii=False)
    if mine.before_grade in {"A", "B"}:
        assert "本人担任法定代表人的单位近24个月有严重失信记录，不高于C级" in why


def test_a_credit_check_names_the_practitioner_grade() -> None:
    from scoring.measures.vocabulary import trigger_short

    assert trigger_short("grade:practitioner:C") == "执业人员 C"
    assert trigger_short("grade:practitioner:D", "en") == "Practitioner D"
    assert trigger_short("grade:driver:B") == "驾驶员 B"
