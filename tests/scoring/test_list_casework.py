"""A listing entered by decision, or revoked, re-rates the persons it reaches at once
(:func:`scoring.casework.list_by_decision`, :func:`scoring.casework.end_listing`).

On the generated tiny city with the test champions: a firm with a serious record is put
on the black list by a department's decision naming a household head as 负有直接责任人员.
The person's ``responsible_listed_firms`` indicator reads the firm's records through the
declared ``responsible_for`` link, and the household scale's rule then keeps the household
from 信用户; the change is written before → after with the listing as its cause. Revoking
the wrongful listing gives the household its grade back.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from features.build import build_features
from features.compile import BuildConfig
from scoring.batch import RatingPolicies
from scoring.casework import end_listing, list_by_decision
from scoring.history import ratings_on
from scoring.lists import ListsConfig

ON = dt.date(2026, 10, 31)


def _firm_and_person(store) -> tuple[str, str, str]:
    """An enterprise with a serious record counting on ``ON`` and a household head who
    represents no firm with serious records, is named nowhere and is not 失信."""
    firm = store.query(
        """SELECT r.subject_id, r.record_id FROM records r JOIN subjects s USING (subject_id)
           WHERE s.subject_type = 'enterprise' AND r.severity = 'serious'
             AND r.kind = 'administrative_penalty' AND r.revoked_on IS NULL
             AND r.published_on <= DATE '2026-10-31' AND r.event_date >= DATE '2025-06-01'
           ORDER BY r.record_id LIMIT 1"""
    )
    feats = build_features(store, "household", ON).set_index("subject_id")
    clear = feats[
        (feats["represented_firms_serious_24m"] == 0)
        & (feats["responsible_listed_firms"] == 0)
        & (feats["dishonest_now"] == 0)
    ]
    person = sorted(clear.index)[0]
    return firm["subject_id"].iloc[0], firm["record_id"].iloc[0], person


def test_a_decision_listing_re_rates_the_person_it_names_and_a_revocation_undoes_it(
    tiny, household_home: Path
) -> None:
    build, policies, config = BuildConfig(), RatingPolicies(), ListsConfig()
    firm, record, person = _firm_and_person(tiny)

    out = list_by_decision(
        tiny,
        firm,
        "black",
        "市市场监督管理局",
        "曲市监黑〔2026〕7号",
        [record],
        "严重违法失信",
        ON,
        config,
        "steward",
        "steward",
        household_home,
        build,
        policies,
        persons=[person],
    )
    assert out.status == "entered" and out.ident
    moved = {(c.scheme, c.subject_id): c for c in out.changes}[("household", person)]
    assert moved.after_grade != moved.before_grade, "named responsible: not a 信用户"
    # the rule that moved the grade comes first among the reasons shown
    assert "负有直接责任人员" in moved.reasons_after[0][0]
    assert all("负有直接责任人员" not in zh for zh, _ in moved.reasons_before)
    stored = ratings_on(tiny, "household", ON, [person]).iloc[0]
    assert stored["final_grade"] == moved.after_grade
    cause = json.loads(stored["reasons"])["cause"]
    assert cause["kind"] == "list_enter" and cause["id"] == out.ident
    overrides = json.loads(stored["overrides"])
    assert any("责任人" in o["reason_zh"] for o in overrides), overrides

    undone = end_listing(
        tiny,
        out.ident,
        ON,
        "决定文书错列责任人员",
        config,
        "steward",
        "steward",
        household_home,
        build,
        policies,
        revoke=True,
    )
    assert undone.status == "revoked"
    back = {(c.scheme, c.subject_id): c for c in undone.changes}[("household", person)]
    assert back.before_grade == moved.after_grade
    assert back.after_grade == moved.before_grade
