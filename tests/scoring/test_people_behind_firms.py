"""People behind firms (seed 002 #12: 对企事业单位严重失信行为，在记入企事业单位信用记录的同时，
记入其法定代表人、主要负责人和其他负有直接责任人员的个人信用记录).

On the generated tiny city, a farm household whose head is a firm's legal representative
is re-rated when the firm is put on the serious-violation list: the change of the firm
reaches the person (declared link ``represented_firms``), the person's indicator counts
the firm, the household scale's rule makes it not a 信用户 and says why, and the records
behind the reason show the firm by name on the credit report.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from features.build import build_features
from features.records.kinds import KINDS
from features.records.schema import TABLES
from features.records.windows import WindowPolicy
from features.schemes import get_scheme
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


def _serious_listing(firm: str) -> pd.DataFrame:
    k = KINDS["serious_violation_list"]
    row = dict(
        record_id="R-TEST-SERIOUS",
        subject_id=firm,
        kind="serious_violation_list",
        domain=k.domain,
        severity="serious",
        polarity="negative",
        event_date=ON - dt.timedelta(days=20),
        decided_on=ON - dt.timedelta(days=10),
        published_on=ON - dt.timedelta(days=5),
        valid_until=ON + dt.timedelta(days=3 * 365),
        source_dept=k.dept,
        detail="严重违法失信名单（测试）",
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
        "本人担任法定代表人的1家企业近24个月"
    )
    assert "1 firms the person legally represents" in ind.reason_en.format(value=1, window=24)

    rating = ratings_on(tiny, "household", None, [person]).iloc[0]
    assert rating["final_grade"] == "NR"
    why = json.dumps(json.loads(rating["overrides"]), ensure_ascii=False)
    assert INDICATOR in why and "本人担任法定代表人的企业近24个月有严重失信记录" in why

    behind = records_behind(tiny, get_scheme("household"), person, [INDICATOR], ON)
    assert list(behind["record_id"]) == ["R-TEST-SERIOUS"]
    assert behind.iloc[0]["relation"] == "represented_firms"
    assert behind.iloc[0]["owner_id"] == firm and behind.iloc[0]["owner_name"] == name

    html = credit_report(tiny, person, WindowPolicy(), as_of=ON, scheme="household")
    assert f"担任法定代表人的企业 {name} {firm}" in html
