"""Objections (异议) and credit repair (信用修复): append-only status changes and deadlines.

An objection suspends its record at once: from the day it is opened the record
does not count against the subject (seed 002); upheld, the record stays out
(it is corrected or revoked at its source); rejected, it counts again from the
resolution date. An approved repair ends a record's publication, never before
the tier's minimum (DOMAIN.md). Every change is a new row (the tables keep the
whole trail) and an ``audit_log`` row; the re-rating itself is
:mod:`scoring.rerating`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.records.ids import mask_id
from features.records.windows import WindowPolicy, add_months
from features.store.base import Store
from scoring.audit import write_audit


class ObjectionError(ValueError):
    """A change that the trail does not allow (unknown record, already open…).

    ``str(error)`` is the English message; ``error.zh`` says the same in Chinese
    (the app shows the one of the user's language).
    """

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh or message


@dataclass(frozen=True)
class DeadlineRules:
    """Objection deadlines (DOMAIN.md: 2 + 2 + 10 working days, 20 calendar days cap)."""

    acceptance_workdays: int = 2
    check_workdays: int = 2
    department_workdays: int = 10
    cap_days: int = 20
    holidays: tuple[dt.date, ...] = ()


@dataclass(frozen=True)
class RepairResult:
    """An approved repair and the day its record stops counting."""

    repair_id: str
    record_id: str
    subject_id: str
    approved_on: dt.date
    effective_on: dt.date


def find_record(store: Store, record_id: str, subject_id: str | None = None) -> pd.Series:
    """The latest version of a record, read once for a change on it.

    With ``subject_id`` (the officer works from the subject) the read is of that
    subject's records: the records are stored in subject order, so a city store skips
    all but a few blocks (~10 ms); by ``record_id`` alone it reads the whole table
    (1-5 s on a city of 45 M records), which is what the command line does without
    ``--subject-id``.

    Raises
    ------
    ObjectionError
        When there is no such record, or it is not a record of ``subject_id``.
    """
    if subject_id is None:
        rows = store.query(
            "SELECT * FROM records WHERE record_id = ? ORDER BY recorded_at DESC LIMIT 1",
            [record_id],
        )
    else:
        rows = store.query(
            "SELECT * FROM records WHERE subject_id = ? AND record_id = ? "
            "ORDER BY recorded_at DESC LIMIT 1",
            [subject_id, record_id],
        )
    if rows.empty and subject_id is None:
        raise ObjectionError(
            f"record {record_id!r} is not in the store", f"没有编号为 {record_id} 的信用记录"
        )
    if rows.empty:
        # which subject the record is of would take the read of every record: not said
        shown = mask_id(subject_id)
        raise ObjectionError(
            f"subject {shown} has no record {record_id!r}",
            f"主体 {shown} 没有编号为 {record_id} 的信用记录",
        )
    return rows.iloc[0]


def require_reason(reason: str) -> None:
    """Refuse an objection without a reason (checked before its record is read)."""
    if not reason.strip():
        raise ObjectionError("an objection needs a reason (异议理由)", "请填写异议理由")


def _audit(store: Store, by: str, role: str, action: str, subject_id: str, detail: dict) -> None:
    write_audit(store, by, role, action, subject_id, detail)


def objection_status(
    store: Store,
    *,
    objection_id: str | None = None,
    record_id: str | None = None,
    status: str | None = None,
) -> pd.DataFrame:
    """Every objection's latest row (its current status); only the objection
    ``objection_id``, or those on the record ``record_id``, when given; only those whose
    current status is ``status`` (``open``, ``upheld``, ``rejected``), when given.

    Every row of an objection has its ID and its record, so reading only theirs
    leaves each one's latest row as it is (and skips the window over all of them).
    The status is judged on the latest row in the engine: the open objections of a city
    (1,158 of 146,360) come back alone, not every objection to pandas (300 → 72 ms).
    """
    where, params = [], []
    for column, value in (("objection_id", objection_id), ("record_id", record_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    only = f" WHERE {' AND '.join(where)}" if where else ""
    now = "" if status is None else " AND status = ?"
    return store.query(
        f"""
        SELECT * FROM (
          SELECT o.*, row_number() OVER (PARTITION BY objection_id
                                         ORDER BY recorded_at DESC) AS rn
          FROM objections o{only}) WHERE rn = 1{now}""",
        [*params, *([] if status is None else [status])] or None,
    ).drop(columns="rn")


def open_objection(
    store: Store,
    record_id: str,
    reason: str,
    by: str,
    on: dt.date,
    role: str = "cli",
    subject_id: str | None = None,
    *,
    record: pd.Series | None = None,
) -> str:
    """Open an objection on a record; it stops counting against its subject from ``on``.

    The record is ``record`` when the caller read it already (:func:`find_record`),
    else it is read here, among ``subject_id``'s records when given.

    Returns
    -------
    str
        The new objection's ID (``YY<record_id>-<n>``).

    Raises
    ------
    ObjectionError
        When the record is unknown (or not ``subject_id``'s), an objection on it
        is still open, or the reason is empty.
    """
    require_reason(reason)
    rec = find_record(store, record_id, subject_id) if record is None else record
    mine = objection_status(store, record_id=record_id)
    if (mine["status"] == "open").any():
        oid = mine.loc[mine["status"] == "open", "objection_id"].iloc[0]
        raise ObjectionError(
            f"record {record_id} already has open objection {oid}",
            f"记录 {record_id} 已有未办结的异议 {oid}",
        )
    oid = f"YY{record_id}-{len(mine) + 1}"
    with store.transaction() as tx:
        tx.append(
            "objections",
            pd.DataFrame(
                [
                    {
                        "objection_id": oid,
                        "record_id": record_id,
                        "subject_id": rec["subject_id"],
                        "status": "open",
                        "opened_on": on,
                        "reason": reason,
                        "handled_by": by,
                        "recorded_at": dt.datetime.now(),
                    }
                ]
            ),
        )
        _audit(
            tx,
            by,
            role,
            "objection_open",
            rec["subject_id"],
            {"objection_id": oid, "record_id": record_id, "reason": reason},
        )
    return oid


def resolve_objection(
    store: Store, objection_id: str, upheld: bool, by: str, on: dt.date, role: str = "cli"
) -> pd.Series:
    """Close an open objection as upheld or rejected; returns its new status row."""
    row = objection_status(store, objection_id=objection_id)
    if row.empty:
        raise ObjectionError(
            f"objection {objection_id!r} does not exist", f"没有编号为 {objection_id} 的异议"
        )
    row = row.iloc[0].copy()
    if row["status"] != "open":
        raise ObjectionError(
            f"objection {objection_id} is already {row['status']}", f"异议 {objection_id} 已办结"
        )
    opened = pd.Timestamp(row["opened_on"]).date()
    if on < opened:
        raise ObjectionError(
            f"objection {objection_id} was opened {opened}; cannot resolve {on}",
            f"异议 {objection_id} 于 {opened} 提出，不能在 {on} 办结",
        )
    row["status"] = "upheld" if upheld else "rejected"
    row["resolved_on"] = on
    row["handled_by"] = by
    row["recorded_at"] = dt.datetime.now()
    with store.transaction() as tx:
        tx.append("objections", pd.DataFrame([row]))
        _audit(
            tx,
            by,
            role,
            f"objection_{row['status']}",
            row["subject_id"],
            {"objection_id": objection_id, "record_id": row["record_id"]},
        )
    return row


def repair_effective_on(rec: pd.Series, approved_on: dt.date, policy: WindowPolicy) -> dt.date:
    """The day an approved repair ends a record: the approval, or the tier minimum if later."""
    day = pd.Timestamp(
        rec["decided_on"] if pd.notna(rec["decided_on"]) else rec["event_date"]
    ).date()
    if rec["polarity"] != "negative":
        return approved_on
    if pd.isna(rec["severity"]) and rec["kind"] not in policy.list_repair_min_months:
        return approved_on
    severity = rec["severity"] if pd.notna(rec["severity"]) else "serious"
    sector = rec["value_text"] if isinstance(rec["value_text"], str) else ""
    months = policy.min_months(rec["kind"], severity, day, sector)
    earliest = add_months(np.array([day], dtype="datetime64[D]"), months)[0]
    return max(approved_on, pd.Timestamp(earliest).date())


def approve_repair(
    store: Store,
    record_id: str,
    by: str,
    on: dt.date,
    policy: WindowPolicy,
    role: str = "cli",
    subject_id: str | None = None,
    *,
    record: pd.Series | None = None,
) -> RepairResult:
    """Approve a repair of a negative record (an application row is added first if
    none is pending); the record stops counting from :func:`repair_effective_on`.

    The record is ``record`` when the caller read it already (:func:`find_record`),
    else it is read here, among ``subject_id``'s records when given."""
    rec = find_record(store, record_id, subject_id) if record is None else record
    if rec["polarity"] != "negative":
        raise ObjectionError(
            f"record {record_id} is {rec['polarity']}: only negative records are repaired",
            f"记录 {record_id} 不是失信记录：只有失信记录可以信用修复",
        )
    trail = store.query(
        """
        SELECT * FROM (SELECT r.*, row_number() OVER (PARTITION BY repair_id
                       ORDER BY recorded_at DESC) AS rn FROM repairs r WHERE record_id = ?)
        WHERE rn = 1""",
        [record_id],
    )
    if (trail["status"] == "approved").any():
        done = trail.loc[trail["status"] == "approved", "repair_id"].iloc[0]
        raise ObjectionError(
            f"record {record_id} is already repaired ({done})",
            f"记录 {record_id} 已完成信用修复（{done}）",
        )
    pending = trail[trail["status"] == "applied"]
    rid = pending["repair_id"].iloc[0] if len(pending) else f"XF{record_id}-{len(trail) + 1}"
    applied_on = pd.Timestamp(pending["applied_on"].iloc[0]).date() if len(pending) else on
    now = dt.datetime.now()
    rows = (
        []
        if len(pending)
        else [
            {
                "repair_id": rid,
                "record_id": record_id,
                "subject_id": rec["subject_id"],
                "status": "applied",
                "applied_on": applied_on,
                "handled_by": by,
                "recorded_at": now,
            }
        ]
    )
    rows.append(
        {
            "repair_id": rid,
            "record_id": record_id,
            "subject_id": rec["subject_id"],
            "status": "approved",
            "applied_on": applied_on,
            "approved_on": on,
            "handled_by": by,
            "recorded_at": now + dt.timedelta(microseconds=1),
        }
    )
    effective = repair_effective_on(rec, on, policy)
    with store.transaction() as tx:
        tx.append("repairs", pd.DataFrame(rows))
        _audit(
            tx,
            by,
            role,
            "repair_approved",
            rec["subject_id"],
            {"repair_id": rid, "record_id": record_id, "effective_on": effective},
        )
    return RepairResult(rid, record_id, rec["subject_id"], on, effective)


def _workday(start: dt.date, days: int, holidays: tuple[dt.date, ...]) -> dt.date:
    out = np.busday_offset(np.datetime64(start, "D"), days, roll="forward", holidays=list(holidays))
    return pd.Timestamp(out).date()


def deadlines(store: Store, today: dt.date, rules: DeadlineRules = DeadlineRules()) -> pd.DataFrame:
    """Open objections with their stage deadlines and whether they are overdue.

    Stages run one after the other: acceptance, the platform's check, the source
    department's verification (working days, Monday–Friday minus ``holidays``),
    all within ``cap_days`` calendar days of opening.
    """
    open_ = objection_status(store, status="open")
    cols = [
        "objection_id",
        "record_id",
        "subject_id",
        "opened_on",
        "reason",
        "accept_by",
        "check_by",
        "department_by",
        "cap_by",
        "due_by",
        "days_left",
        "overdue",
    ]
    if open_.empty:
        return pd.DataFrame(columns=cols)
    h = rules.holidays
    opened = [pd.Timestamp(d).date() for d in open_["opened_on"]]
    accept = [_workday(d, rules.acceptance_workdays, h) for d in opened]
    check = [_workday(d, rules.check_workdays, h) for d in accept]
    dept = [_workday(d, rules.department_workdays, h) for d in check]
    cap = [d + dt.timedelta(days=rules.cap_days) for d in opened]
    open_["opened_on"] = opened
    open_["accept_by"], open_["check_by"], open_["department_by"] = accept, check, dept
    open_["cap_by"] = cap
    open_["due_by"] = [min(a, b) for a, b in zip(dept, cap, strict=True)]
    open_["days_left"] = [(d - today).days for d in open_["due_by"]]
    open_["overdue"] = open_["days_left"] < 0
    return open_[cols].sort_values(["due_by", "objection_id"]).reset_index(drop=True)


def negative_records(store: Store, subject_id: str) -> pd.DataFrame:
    """A subject's negative records (the ones objections and repairs are about), newest first."""
    return store.query(
        """
        SELECT record_id, kind, severity, polarity, value_num, value_text, amount, event_date,
               published_on, valid_until, source_dept
        FROM records WHERE subject_id = ? AND polarity = 'negative'
        ORDER BY event_date DESC""",
        [subject_id],
    )
