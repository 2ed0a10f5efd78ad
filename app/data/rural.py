"""农村信用: townships → villages → households shaped for the page.

The verdicts come from :func:`scoring.rural_rating.rural_assessment` (the same
as ``xinping rural``); a new or corrected 村两委评议 and the household's
re-rating are :func:`scoring.casework.assess_household`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterable

import pandas as pd

from features.compile import BuildConfig
from features.store.base import Store
from features.subjects import current_subjects_sql, ever_sql
from features.text_match import isin
from scoring.casework import ASSESSMENT_KIND
from scoring.policies.rural import RuralConfig
from scoring.rural_rating import RuralResult, reassess

log = logging.getLogger("xinping.app")

#: results brought up to date after a change made from the page, shared by every session:
#: (store, day) → (the data version they are the result for, the result)
_UPDATED: dict[tuple[str, dt.date], tuple[str, RuralResult]] = {}
_UPDATED_LOCK = threading.Lock()


def updated_result(key: tuple[str, str], day: dt.date) -> RuralResult | None:
    """The result on ``day`` brought up to date by :func:`bring_up_to_date` for the
    store's data as it is now (``key``: :func:`app.cache.store_key`), or ``None``."""
    with _UPDATED_LOCK:
        hit = _UPDATED.get((key[0], day))
    return hit[1] if hit is not None and hit[0] == key[1] else None


def bring_up_to_date(
    store: Store,
    result: RuralResult,
    computed_for: tuple[str, str],
    households: Iterable[str],
    versions: tuple[str, str] | None,
    cfg: RuralConfig,
    build: BuildConfig,
) -> None:
    """After a change made from the page (an assessment stored, its household re-rated):
    keep ``result`` updated with the change alone for the data version after it, so that
    the page drawn next reads it instead of rating every village again (a city's
    households: tens of seconds).

    Only when nothing else was written between: ``result`` was computed for the data
    version the store had just before the change (``computed_for``, its
    :func:`app.cache.store_key`; ``versions``:
    :attr:`scoring.casework.Outcome.versions`). Otherwise the next page rates them all.
    """
    if versions is None or versions[0] != computed_for[1]:
        return
    try:
        fresh = reassess(result, store, list(households), cfg, build)
    except Exception as exc:  # the change is stored; the next page rates every village again
        # the type only: a message may quote a household head's ID
        log.error("bringing the rural result of %s up to date failed: %s", result.on, type(exc))
        return
    with _UPDATED_LOCK:
        _UPDATED[(computed_for[0], result.on)] = (versions[1], fresh)


def names(store: Store, subject_type: str) -> dict[str, str]:
    """Code → name of every village or township."""
    within = ever_sql("subject_type", subject_type)
    frame = store.query(current_subjects_sql(subject_type, ("subject_id", "name"), within))
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
    hit = (c["unit_code"] == unit).to_numpy()
    if not hit.any():  # not a village: a township
        c = result.townships.criteria
        hit = (c["unit_code"] == unit).to_numpy()
    mine = c[hit].copy()
    suffix = "zh" if lang == "zh" else "en"
    mine["label"] = mine[f"label_{suffix}"]
    mine["message"] = mine[f"message_{suffix}"]
    return mine.reset_index(drop=True)


def village_people(store: Store, village: str) -> pd.DataFrame:
    """The households of ``village`` as they stand now: ``subject_id`` and ``name``."""
    current = current_subjects_sql(
        "household", ("subject_id", "name", "village_code"), ever_sql("village_code", village)
    )
    return store.query(
        f"SELECT subject_id, name FROM ({current}) s WHERE village_code = ?", [village]
    )


def households(result: RuralResult, village: str, people: pd.DataFrame) -> pd.DataFrame:
    """The village's rated households with grade, offer and whether they weigh on a failure.

    ``people``: :func:`village_people` (their names). ``weighs`` counts the failed criteria
    that list the household among those weighing most; rows are sorted by it, then by PD
    (riskiest first).
    """
    at = result.rows.of("village_code", [village])
    mine = result.households[["subject_id", "final_grade", "pd"]].take(at)
    # the village's offers first: a merge with a city's million offers builds on all of them
    offered = ["subject_id", "credit_household", "credit_line", "rate_discount"]
    if result.offers_aligned():  # the offers hold the households' rows in order
        offers = result.offers[offered].take(at)
    else:
        offers = result.offers.loc[isin(result.offers["subject_id"], mine["subject_id"]), offered]
    out = mine.merge(offers, on="subject_id", how="left")
    crit = result.villages.criteria
    failing = crit[(crit["unit_code"] == village) & ~crit["passed"]]
    heavy = [sid for ids in failing["weighing"] for sid in ids]
    out["weighs"] = out["subject_id"].map(lambda s: heavy.count(s))
    out = out.merge(people[["subject_id", "name"]], on="subject_id", how="left")
    return out.sort_values(["weighs", "pd"], ascending=[False, False]).reset_index(drop=True)


def businesses(result: RuralResult, village: str, lang: str) -> pd.DataFrame:
    """The village's rated co-operatives and family farms: name, grade (with its label), PD."""
    b = result.businesses
    mine = b[b["village_code"] == village].copy()
    mine["grade_label"] = mine["grade_label_zh" if lang == "zh" else "grade_label_en"]
    return mine.reset_index(drop=True)


def last_assessment(store: Store, household: str) -> pd.Series | None:
    """The household's latest 村两委评议 record (by event date, then recording time)."""
    rows = store.query(
        """
        SELECT record_id, value_num, event_date, published_on, source_dept, detail, recorded_at
        FROM records WHERE subject_id = ? AND kind = ?
        ORDER BY event_date DESC, recorded_at DESC LIMIT 1""",
        [household, ASSESSMENT_KIND],
    )
    return None if rows.empty else rows.iloc[0]
