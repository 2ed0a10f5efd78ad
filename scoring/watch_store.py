"""Early-warning alerts and the store: the use cases behind ``xinping watch run|alerts|ack``
and the 信用预警 page's alerts (the watch list's are in :mod:`scoring.watch_list`).

Each function here is one use case with typed arguments; the doors (CLI, page) parse and
render. The alerts themselves are pure (:mod:`scoring.watch`); this module reads ratings,
records, lists and objections, writes ``watch_alerts`` and ``watch_acks`` (append-only) and
the audit log: every look-up of the alerts and every acknowledgement is an ``audit_log`` row
(:func:`scoring.audit.write_audit`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.compile import add_months
from features.records.kinds import all_kinds
from features.records.windows import WindowPolicy
from features.registry import scale_file
from features.schemes import rated, schemes
from features.store.base import Store
from features.subjects import current_subjects_sql
from models.rating import has_scale, load_scale
from scoring.audit import write_audit
from scoring.history import batch_dates, grade_order, ratings_on, reason_indicators
from scoring.lists import LIST_LABELS
from scoring.objections import DeadlineRules, deadlines, objection_status
from scoring.policies.inspection import CLASS_LABELS
from scoring.record_changes import record_changes
from scoring.watch import (
    ALERT_COLUMNS,
    ALERT_TYPES,
    WatchConfig,
    deadline_alerts,
    grade_alerts,
    grade_words,
    list_entry_alerts,
    pd_alerts,
    serious_record_alerts,
)

ENTERPRISE = "enterprise"


class WatchError(ValueError):
    """A watch change that is refused (unknown subject or alert, no reason…); ``zh`` says it
    in Chinese."""

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh or message


@dataclass(frozen=True)
class Viewer:
    """Who looks or acts (written to the audit log)."""

    user_name: str
    role: str


@dataclass(frozen=True)
class WatchRun:
    """What ``xinping watch run`` computed and stored for a date.

    ``counts``: new alerts by type (every type, 0 included); ``found``: alerts the rules
    raised, new or already stored.
    """

    as_of: dt.date
    since: dt.date
    counts: dict[str, int]
    found: int
    added: pd.DataFrame


def kind_labels() -> dict[str, tuple[str, str]]:
    """Record kind → (Chinese, English) label (built-in and declared kinds)."""
    return {k: (v.label_zh, v.label_en) for k, v in all_kinds().items()}


def scale_labels(scheme: str) -> dict[str, tuple[str, str]]:
    """Grade → (Chinese, English) label of the scheme's scale (the enterprise classes: their
    names, 信用风险低…); empty for a scheme without a scale file."""
    if scheme == ENTERPRISE:
        return dict(CLASS_LABELS)
    if not has_scale(scheme, scale_file(scheme)):
        return {}
    return {
        g.key: (g.label_zh, g.label_en) for g in load_scale(scheme, path=scale_file(scheme)).grades
    }


def period_start(store: Store, as_of: dt.date, cfg: WatchConfig) -> dt.date:
    """The start of the period a run on ``as_of`` looks at: the latest rating batch before
    ``as_of`` (of any scheme), else ``period_months`` before it."""
    earlier = [d for d in batch_dates(store) if d < as_of]
    return earlier[0] if earlier else add_months(as_of, -cfg.period_months)


def _latest_records(store: Store, where: str, params: list) -> pd.DataFrame:
    """The latest version of each record matching ``where`` (a correction is a new row)."""
    return store.query(
        f"""SELECT * EXCLUDE (rn) FROM (
              SELECT *, row_number() OVER (PARTITION BY record_id ORDER BY recorded_at DESC)
                     AS rn FROM records WHERE {where}) WHERE rn = 1""",
        params,
    )


def _records_by_id(store: Store, ids: Iterable[str]) -> pd.DataFrame:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return _latest_records(store, "FALSE", [])
    return _latest_records(store, f"record_id IN ({', '.join('?' for _ in wanted)})", wanted)


def _behind(
    store: Store, scheme: str, pairs: pd.DataFrame, since: dt.date, as_of: dt.date, policy
) -> dict[str, list[dict]]:
    """The records that moved each subject of ``pairs`` (those cited by either rating)."""
    sch = schemes().get(scheme)
    if sch is None or pairs.empty:
        return {}
    cited = {
        r["subject_id"]: reason_indicators(r["reasons_from"], r["overrides_from"])
        + reason_indicators(r["reasons_to"], r["overrides_to"])
        for r in pairs.to_dict("records")
    }
    kinds = kind_labels()
    out: dict[str, list[dict]] = {}
    for sid, found in record_changes(store, sch, cited, since, as_of, policy).items():
        items = []
        for rec in found:
            zh, en = kinds.get(rec["kind"], (rec["kind"], rec["kind"]))
            day, pub = rec.get("record_date"), rec.get("published_on")
            items.append(
                {
                    "record_id": rec["record_id"],
                    "kind": rec["kind"],
                    "kind_zh": zh,
                    "kind_en": en,
                    "record_date": None if day is None else str(day)[:10],
                    "published_on": None if pub is None else str(pub)[:10],
                }
            )
        out[sid] = items
    return out


#: the rating columns the grade and PD rules compare (scoring.watch._pairs)
_COMPARED = ("subject_id", "as_of", "scored_at", "final_grade", "pd")


def compute_alerts(
    store: Store,
    as_of: dt.date,
    cfg: WatchConfig,
    deadline_rules: DeadlineRules | None = None,
    policy: WindowPolicy | None = None,
    since: dt.date | None = None,
) -> tuple[dt.date, pd.DataFrame]:
    """Every alert the rules raise for ``(since, as_of]`` (nothing is written).

    Returns
    -------
    (date, DataFrame)
        ``since`` (default :func:`period_start`) and the alerts (:data:`ALERT_COLUMNS`).
    """
    since = since or period_start(store, as_of, cfg)
    deadline_rules = deadline_rules or DeadlineRules()
    kinds = kind_labels()
    frames = []
    schemes_of: dict[str, list[str]] = {}
    for scheme in rated():
        # grades and PDs of the whole population; the reasons only of those who moved
        # (a city's household reasons, read twice, held 15 GB)
        cur = ratings_on(store, scheme, as_of, columns=_COMPARED)
        if cur.empty:
            continue
        for sid in cur["subject_id"]:
            schemes_of.setdefault(sid, []).append(scheme)
        prev = ratings_on(store, scheme, since, columns=_COMPARED)
        order = grade_order(scheme, [*prev["final_grade"], *cur["final_grade"]])
        labels = grade_words(scale_labels(scheme))
        edge = cfg.boundary(scheme)
        grades = grade_alerts(prev, cur, scheme, order, since, as_of, labels=labels, boundary=edge)
        rises = pd_alerts(prev, cur, scheme, cfg, since, as_of)
        moved = set(grades["subject_id"]) | set(rises["subject_id"])
        if moved:
            keep = ["subject_id", "reasons", "overrides"]
            pairs = ratings_on(store, scheme, since, moved, keep)[keep].merge(
                ratings_on(store, scheme, as_of, moved, keep)[keep],
                on="subject_id",
                suffixes=("_from", "_to"),
            )
            behind = _behind(store, scheme, pairs, since, as_of, policy)
            grades = grade_alerts(prev, cur, scheme, order, since, as_of, behind, labels, edge)
            rises = pd_alerts(prev, cur, scheme, cfg, since, as_of, behind)
        frames += [grades, rises]
    tiers = list(cfg.serious_severities)
    serious = _latest_records(
        store,
        f"published_on > ? AND published_on <= ? AND polarity = 'negative' "
        f"AND severity IN ({', '.join('?' for _ in tiers)})",
        [since, as_of, *tiers],
    )
    # an upheld objection revokes its record (seed 002): it raises no alert
    status = objection_status(store, status="upheld")
    resolved = [not pd.isna(d) and pd.Timestamp(d).date() <= as_of for d in status["resolved_on"]]
    upheld = status[np.array(resolved, dtype=bool)]
    serious = serious[~serious["record_id"].isin(set(upheld["record_id"]))]
    joined = {k: ",".join(v) for k, v in schemes_of.items()}
    frames.append(serious_record_alerts(serious, since, as_of, cfg, kinds, joined))
    events = store.query(
        "SELECT * FROM list_events WHERE event = 'enter' "
        "AND effective_on > ? AND effective_on <= ?",
        [since, as_of],
    )
    evidence_ids = [i.strip() for t in events["evidence"].dropna() for i in str(t).split(",")]
    evidence = _records_by_id(store, evidence_ids)
    frames.append(list_entry_alerts(events, evidence, since, as_of, cfg, kinds, LIST_LABELS))
    due = deadlines(store, as_of, deadline_rules)
    due = due[[pd.Timestamp(d).date() <= as_of for d in due["opened_on"]]] if len(due) else due
    objected = _records_by_id(store, due["record_id"]) if len(due) else _records_by_id(store, [])
    frames.append(deadline_alerts(due, objected, as_of, since, cfg, kinds, deadline_rules.holidays))
    found = [f for f in frames if not f.empty]
    alerts = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=ALERT_COLUMNS)
    return since, alerts.drop_duplicates("alert_id").reset_index(drop=True)


def run_watch(
    store: Store,
    as_of: dt.date,
    cfg: WatchConfig,
    viewer: Viewer,
    deadline_rules: DeadlineRules | None = None,
    policy: WindowPolicy | None = None,
) -> WatchRun:
    """Compute the alerts of ``as_of`` and store those not stored yet (by alert ID).

    Running the same date again adds nothing; a run is written to the audit log.
    """
    since, alerts = compute_alerts(store, as_of, cfg, deadline_rules, policy)
    known = set(store.query("SELECT DISTINCT alert_id FROM watch_alerts")["alert_id"])
    new = alerts[~alerts["alert_id"].isin(known)].copy()
    if not new.empty:
        new["created_at"] = dt.datetime.now()
        store.append("watch_alerts", new)
    counts = {k: int((new["alert_type"] == k).sum()) for k in ALERT_TYPES}
    write_audit(
        store,
        viewer.user_name,
        viewer.role,
        "watch_run",
        None,
        {"as_of": as_of, "since": since, "found": len(alerts), "added": len(new)},
    )
    return WatchRun(as_of, since, counts, len(alerts), new.reset_index(drop=True))


def subject_rows(store: Store) -> pd.DataFrame:
    """Every subject's current name, type, county and industry."""
    cols = ("subject_id", "name", "subject_type", "region_code", "industry")
    return store.query(current_subjects_sql(None, cols))


def alerts(
    store: Store, viewer: Viewer, open_only: bool = False, page: str | None = None
) -> pd.DataFrame:
    """The stored alerts, newest first (then by type), with their acknowledgement (if any) and the
    subject's name; audited (one row per subject shown).

    Returns
    -------
    pandas.DataFrame
        :data:`scoring.watch.ALERT_COLUMNS`, ``created_at``, ``name``, ``type_zh``,
        ``type_en``, ``acked_by``, ``acked_at``, ``ack_note`` and ``open``.
    """
    frame = store.query("SELECT * FROM watch_alerts ORDER BY as_of DESC, alert_type, alert_id")
    acks = store.query(
        """SELECT alert_id, user_name AS acked_by, acked_at, note AS ack_note FROM (
             SELECT *, row_number() OVER (PARTITION BY alert_id ORDER BY acked_at) AS rn
             FROM watch_acks) WHERE rn = 1"""
    )
    out = frame.merge(acks, on="alert_id", how="left")
    for col in ("as_of", "since"):
        out[col] = pd.Series(
            [pd.Timestamp(d).date() for d in out[col]], index=out.index, dtype=object
        )
    out["open"] = out["acked_at"].isna()
    if open_only:
        out = out[out["open"]]
    out = out.merge(subject_rows(store)[["subject_id", "name"]], on="subject_id", how="left")
    # newest first, then in the order of :data:`ALERT_TYPES` (serious records first)
    out["_order"] = out["alert_type"].map({k: i for i, k in enumerate(ALERT_TYPES)})
    out = out.sort_values(["as_of", "_order", "alert_id"], ascending=[False, True, True])
    out = out.drop(columns="_order")
    out["type_zh"] = [ALERT_TYPES[k][0] for k in out["alert_type"]]
    out["type_en"] = [ALERT_TYPES[k][1] for k in out["alert_type"]]
    out = out.reset_index(drop=True)
    write_audit(
        store,
        viewer.user_name,
        viewer.role,
        "watch_alerts",
        sorted(set(out["subject_id"])) or None,
        {"open_only": open_only, "shown": len(out), **({"page": page} if page else {})},
    )
    return out


def ack_alert(store: Store, alert_id: str, note: str, viewer: Viewer) -> str:
    """Acknowledge an open alert with a note (an ack row and an audit row); returns the ack ID."""
    code = alert_id.strip().upper()
    note = note.strip()
    if not note:
        raise WatchError("a note is needed", "请填写处理说明")
    found = store.query("SELECT subject_id FROM watch_alerts WHERE alert_id = ? LIMIT 1", [code])
    if found.empty:
        raise WatchError(f"no alert {code}", f"没有编号为 {code} 的预警")
    if store.scalar("SELECT count(*) FROM watch_acks WHERE alert_id = ?", [code]):
        raise WatchError(f"alert {code} is already acknowledged", f"预警 {code} 已确认")
    ack = f"ACK-{uuid.uuid4().hex[:12].upper()}"
    store.append(
        "watch_acks",
        pd.DataFrame(
            [
                {
                    "ack_id": ack,
                    "alert_id": code,
                    "user_name": viewer.user_name,
                    "role": viewer.role,
                    "note": note,
                    "acked_at": dt.datetime.now(),
                }
            ]
        ),
    )
    write_audit(
        store,
        viewer.user_name,
        viewer.role,
        "watch_ack",
        found.iloc[0]["subject_id"],
        {"alert_id": code, "ack_id": ack, "note": note},
    )
    return ack
