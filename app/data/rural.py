"""农村信用: townships → villages → households, and the village committee's assessment.

The verdicts come from :func:`scoring.rural_rating.rural_assessment` (the same
as ``xinping rural``). A new or corrected 村两委评议 is appended to ``records``
as a new row (records are never updated) and the household is re-rated at once
with its champion (:func:`scoring.rerating.rerate`).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from features.compile import BuildConfig
from features.records.kinds import KINDS
from features.store.base import Store
from features.subjects import current_subjects_sql
from scoring.batch import RatingPolicies
from scoring.history import as_date
from scoring.loader import NoModelError, load_model
from scoring.rerating import Change, rerate_change
from scoring.rural_rating import RuralResult

KIND = "village_assessment"
DEPT = KINDS[KIND].dept  # the village committee (村民委员会)


def latest_date(store: Store) -> dt.date | None:
    """The latest as-of date of the household ratings (``None`` when none)."""
    value = store.scalar("SELECT max(as_of) FROM ratings WHERE scheme = 'household'")
    return None if value is None else as_date(value)


def version(store: Store) -> tuple[Any, ...]:
    """Changes whenever ratings or records change (a cache key for the assessment)."""
    return (store.scalar("SELECT count(*) FROM ratings WHERE scheme = 'household'"),
            str(store.scalar("SELECT max(scored_at) FROM ratings WHERE scheme = 'household'")),
            store.scalar("SELECT count(*) FROM records"))


def names(store: Store, subject_type: str) -> dict[str, str]:
    """Code → name of every village or township."""
    frame = store.query(current_subjects_sql(subject_type, ("subject_id", "name")))
    return dict(zip(frame["subject_id"], frame["name"], strict=True))


def townships(result: RuralResult, named: dict[str, str]) -> pd.DataFrame:
    """One row per township: name, villages, credit villages, verdict and failed criteria."""
    t = result.townships.units.copy()
    t["name"] = t["township_code"].map(named)
    t["failed_n"] = t["failed"].map(lambda f: len(json.loads(f)))
    return t


def villages(result: RuralResult, township: str, named: dict[str, str]) -> pd.DataFrame:
    """The villages of ``township``: name, households, credit share, verdict."""
    v = result.villages.units
    v = v[v["township_code"] == township].copy()
    v["name"] = v["village_code"].map(named)
    return v.reset_index(drop=True)


def criteria(result: RuralResult, unit: str, lang: str) -> pd.DataFrame:
    """The criteria of a village or township: label, value, threshold, passed, message."""
    c = result.villages.criteria
    if unit not in set(c["unit_code"]):
        c = result.townships.criteria
    mine = c[c["unit_code"] == unit].copy()
    suffix = "zh" if lang == "zh" else "en"
    mine["label"] = mine[f"label_{suffix}"]
    mine["message"] = mine[f"message_{suffix}"]
    return mine.reset_index(drop=True)


def households(store: Store, result: RuralResult, village: str) -> pd.DataFrame:
    """The village's rated households with grade, offer and whether they weigh on a failure.

    ``weighs`` counts the failed criteria that list the household among those
    weighing most; rows are sorted by it, then by PD (riskiest first).
    """
    h = result.households
    mine = h[h["village_code"] == village][["subject_id", "final_grade", "pd"]]
    offers = result.offers[["subject_id", "credit_household", "credit_line", "rate_discount"]]
    out = mine.merge(offers, on="subject_id", how="left")
    crit = result.villages.criteria
    failing = crit[(crit["unit_code"] == village) & ~crit["passed"]]
    heavy = [sid for ids in failing["weighing"] for sid in ids]
    out["weighs"] = out["subject_id"].map(lambda s: heavy.count(s))
    current = current_subjects_sql("household", ("subject_id", "name", "village_code"))
    people = store.query(f"SELECT subject_id, name FROM ({current}) s WHERE village_code = ?",
                         [village])
    out = out.merge(people, on="subject_id", how="left")
    return out.sort_values(["weighs", "pd"], ascending=[False, False]).reset_index(drop=True)


def last_assessment(store: Store, household: str) -> pd.Series | None:
    """The household's latest 村两委评议 record (by event date, then recording time)."""
    rows = store.query("""
        SELECT record_id, value_num, event_date, published_on, source_dept, detail, recorded_at
        FROM records WHERE subject_id = ? AND kind = ?
        ORDER BY event_date DESC, recorded_at DESC LIMIT 1""", [household, KIND])
    return None if rows.empty else rows.iloc[0]


def new_record_id(store: Store, on: dt.date) -> str:
    """A fresh record ID for an assessment entered in the app (checked unique)."""
    while True:
        rid = f"VC-{on:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"
        if not store.scalar("SELECT count(*) FROM records WHERE record_id = ?", [rid]):
            return rid


def record_assessment(store: Store, household: str, score: float, on: dt.date, by: str,
                      note: str = "") -> str:
    """Append the village committee's assessment of ``household`` as a new record.

    The assessment happens, is published and counts from ``on``; it is valid
    for 12 months like the yearly 评议. Returns the new record ID.

    Raises
    ------
    ValueError
        When the score is outside 0–100 or the household is unknown.
    """
    if not 0 <= score <= 100:
        raise ValueError(f"score {score} is outside 0–100")
    if not store.scalar("SELECT count(*) FROM subjects WHERE subject_id = ? "
                        "AND subject_type = 'household'", [household]):
        raise ValueError(f"unknown household {household}")
    rid = new_record_id(store, on)
    spec = KINDS[KIND]
    valid = (pd.Timestamp(on) + pd.DateOffset(months=12)).date()
    store.append("records", pd.DataFrame([{
        "record_id": rid, "subject_id": household, "kind": KIND, "domain": spec.domain,
        "severity": None, "polarity": spec.polarity, "value_num": float(score),
        "value_text": None, "amount": None, "event_date": on, "decided_on": on,
        "published_on": on, "valid_until": valid, "revoked_on": None, "source_dept": DEPT,
        "detail": json.dumps({"entered_by": by, "note": note}, ensure_ascii=False),
        "ingest_id": None, "recorded_at": dt.datetime.now()}]))
    return rid


@dataclass(frozen=True)
class Reassessment:
    """A stored assessment and the household's rating before → after."""

    record_id: str
    changes: tuple[Change, ...]
    seconds: float


def reassess(store: Store, household: str, score: float, on: dt.date, by: str, home: Path,
             build: BuildConfig, policies: RatingPolicies, note: str = "") -> Reassessment:
    """Store the assessment and re-rate the household at once with the household champion.

    Raises
    ------
    ValueError
        As :func:`record_assessment`.
    scoring.loader.NoModelError
        When the household scheme has no champion (the record is stored first).
    """
    try:
        models = {"household": load_model("household", home)}
    except NoModelError:
        record_assessment(store, household, score, on, by, note)
        raise

    def change():
        rid = record_assessment(store, household, score, on, by, note)
        return rid, {"kind": KIND, "id": rid, "record_id": rid, "on": str(on)}

    # rated just before the record is stored: before → after is the assessment alone
    rid, changes, seconds = rerate_change(store, [household], on, models, change, build,
                                          policies)
    return Reassessment(rid, tuple(changes), seconds)
