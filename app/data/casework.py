"""异议与修复: each change of the trail followed at once by the re-rating it causes.

The same sequence as ``xinping objection …`` / ``xinping repair approve``:
write the append-only row (and its audit row, as the app's user and role),
then re-rate every subject the record touches with the champion models.
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
from scoring.rerating import Change, affected_subjects, rerate

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


def _rerate(store: Store, record_id: str, on: dt.date, home: Path, cfg: BuildConfig,
            cause: dict[str, Any]) -> tuple[tuple[Change, ...], float]:
    subject_id = store.scalar("SELECT subject_id FROM records WHERE record_id = ? LIMIT 1",
                              [record_id])
    changes, seconds = rerate(store, affected_subjects(store, subject_id), on,
                              champions(home), cause, cfg)
    return tuple(changes), seconds


def object_to(store: Store, record_id: str, reason: str, by: str, role: str, on: dt.date,
              home: Path, cfg: BuildConfig) -> Outcome:
    """Open an objection (the record is suspended at once) and re-rate."""
    oid = open_objection(store, record_id.strip(), reason, by, on, role=role)
    changes, seconds = _rerate(store, record_id.strip(), on, home, cfg, {
        "kind": "objection_open", "id": oid, "record_id": record_id, "on": str(on)})
    return Outcome(oid, "", changes, seconds)


def resolve(store: Store, objection_id: str, upheld: bool, by: str, role: str, on: dt.date,
            home: Path, cfg: BuildConfig) -> Outcome:
    """Resolve an objection as upheld or rejected and re-rate."""
    row = resolve_objection(store, objection_id, upheld, by, on, role=role)
    changes, seconds = _rerate(store, row["record_id"], on, home, cfg, {
        "kind": f"objection_{row['status']}", "id": objection_id,
        "record_id": row["record_id"], "on": str(on)})
    return Outcome(objection_id, str(row["status"]), changes, seconds)


def repair(store: Store, record_id: str, by: str, role: str, on: dt.date, home: Path,
           cfg: BuildConfig, policy: WindowPolicy) -> Outcome:
    """Approve a credit repair (never before the tier minimum) and re-rate."""
    res = approve_repair(store, record_id.strip(), by, on, policy, role=role)
    changes, seconds = _rerate(store, res.record_id, on, home, cfg, {
        "kind": "repair", "id": res.repair_id, "record_id": res.record_id, "on": str(on),
        "effective_on": str(res.effective_on)})
    return Outcome(res.repair_id, str(res.effective_on), changes, seconds)


def open_with_deadlines(store: Store, today: dt.date, rules: DeadlineRules) -> pd.DataFrame:
    """Open objections with their stage deadlines (overdue ones flagged)."""
    return deadlines(store, today, rules)


def changes_frame(changes: tuple[Change, ...]) -> pd.DataFrame:
    """The re-rated subjects as a table: grade and PD before → after."""
    return pd.DataFrame([{
        "scheme": c.scheme, "subject_id": c.subject_id,
        "before_grade": c.before_grade or "—", "after_grade": c.after_grade,
        "before_pd": c.before_pd, "after_pd": c.after_pd, "moved": c.moved,
    } for c in changes], columns=["scheme", "subject_id", "before_grade", "after_grade",
                                  "before_pd", "after_pd", "moved"])


def negative_records(store: Store, subject_id: str) -> pd.DataFrame:
    """A subject's negative records (the ones objections and repairs are about)."""
    return store.query("""
        SELECT record_id, kind, severity, event_date, published_on, valid_until, source_dept
        FROM records WHERE subject_id = ? AND polarity = 'negative'
        ORDER BY event_date DESC""", [subject_id])
