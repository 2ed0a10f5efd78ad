"""异议与修复: each change of the trail followed at once by the re-rating it causes.

The same sequence as ``xinping objection …`` / ``xinping repair approve``:
rate every subject the record touches as of the day, write the append-only row
(and its audit row, as the app's user and role), then re-rate them with the
champion models: before → after is what the change did.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from features.compile import BuildConfig
from features.records.windows import WindowPolicy
from features.store.base import Store
from scoring.loader import LoadedModel, NoModelError, load_model
from scoring.objections import (
    DeadlineRules,
    approve_repair,
    deadlines,
    open_objection,
    resolve_objection,
)
from scoring.rerating import Change, affected_subjects, rerate_change

MODELLED = ("enterprise", "sme", "household", "driver")


@dataclass(frozen=True)
class Outcome:
    """What a change did: its ID, a note, and every re-rated subject before → after."""

    ident: str
    note: str
    changes: tuple[Change, ...]
    seconds: float


def champions(home: Path) -> dict[str, LoadedModel]:
    """The champion model of every modelled scheme that has one."""
    out = {}
    for key in MODELLED:
        try:
            out[key] = load_model(key, home)
        except NoModelError:
            continue
    return out


def _rerate(store: Store, record_id: str | None, on: dt.date, home: Path, cfg: BuildConfig,
            change) -> tuple[Any, tuple[Change, ...], float]:
    subject_id = None if record_id is None else store.scalar(
        "SELECT subject_id FROM records WHERE record_id = ? LIMIT 1", [record_id])
    subjects = [] if subject_id is None else affected_subjects(store, subject_id)
    result, changes, seconds = rerate_change(store, subjects, on, champions(home), change, cfg)
    return result, tuple(changes), seconds


def object_to(store: Store, record_id: str, reason: str, by: str, role: str, on: dt.date,
              home: Path, cfg: BuildConfig) -> Outcome:
    """Open an objection (the record is suspended at once) and re-rate."""
    rid = record_id.strip()

    def change():
        oid = open_objection(store, rid, reason, by, on, role=role)
        return oid, {"kind": "objection_open", "id": oid, "record_id": rid, "on": str(on)}

    oid, changes, seconds = _rerate(store, rid, on, home, cfg, change)
    return Outcome(oid, "", changes, seconds)


def resolve(store: Store, objection_id: str, upheld: bool, by: str, role: str, on: dt.date,
            home: Path, cfg: BuildConfig) -> Outcome:
    """Resolve an objection as upheld or rejected and re-rate."""
    record_id = store.scalar("SELECT record_id FROM objections WHERE objection_id = ? LIMIT 1",
                             [objection_id])

    def change():
        row = resolve_objection(store, objection_id, upheld, by, on, role=role)
        return row, {"kind": f"objection_{row['status']}", "id": objection_id,
                     "record_id": row["record_id"], "on": str(on)}

    row, changes, seconds = _rerate(store, record_id, on, home, cfg, change)
    return Outcome(objection_id, str(row["status"]), changes, seconds)


def repair(store: Store, record_id: str, by: str, role: str, on: dt.date, home: Path,
           cfg: BuildConfig, policy: WindowPolicy) -> Outcome:
    """Approve a credit repair (never before the tier minimum) and re-rate."""
    rid = record_id.strip()

    def change():
        res = approve_repair(store, rid, by, on, policy, role=role)
        return res, {"kind": "repair", "id": res.repair_id, "record_id": res.record_id,
                     "on": str(on), "effective_on": str(res.effective_on)}

    res, changes, seconds = _rerate(store, rid, on, home, cfg, change)
    return Outcome(res.repair_id, str(res.effective_on), changes, seconds)


def open_with_deadlines(store: Store, today: dt.date, rules: DeadlineRules) -> pd.DataFrame:
    """Open objections with their stage deadlines (overdue ones flagged)."""
    return deadlines(store, today, rules)


def changes_frame(changes: tuple[Change, ...]) -> pd.DataFrame:
    """The re-rated subjects as a table: the grade in force, then grade, PD and top
    risk factors before → after (before = the same day without the change)."""
    cols = ["scheme", "subject_id", "in_force_grade", "in_force_as_of", "before_grade",
            "after_grade", "before_pd", "after_pd", "moved", "reasons_before", "reasons_after"]
    return pd.DataFrame([{
        "scheme": c.scheme, "subject_id": c.subject_id,
        "in_force_grade": c.in_force_grade, "in_force_as_of": c.in_force_as_of,
        "before_grade": c.before_grade, "after_grade": c.after_grade,
        "before_pd": c.before_pd, "after_pd": c.after_pd, "moved": c.moved,
        "reasons_before": c.reasons_before, "reasons_after": c.reasons_after,
    } for c in changes], columns=cols)


def negative_records(store: Store, subject_id: str) -> pd.DataFrame:
    """A subject's negative records (the ones objections and repairs are about)."""
    return store.query("""
        SELECT record_id, kind, severity, polarity, value_num, value_text, amount, event_date,
               published_on, valid_until, source_dept
        FROM records WHERE subject_id = ? AND polarity = 'negative'
        ORDER BY event_date DESC""", [subject_id])
