"""Feedback on credit checks (实施反馈) and 应查必查 statistics.

After a credit check (:mod:`scoring.credit_check`) the department reports, per
measure the check returned, whether it applied it (``applied``), did not
(``not_applied``: a mandatory measure needs a note saying why) or found it not
applicable (``not_applicable``) — :func:`record_feedback`, table
``check_feedback``. Departments report how many cases they handled per matter
and month — :func:`report_caseload`, table ``caseloads`` — the denominator of
应查必查 coverage. :func:`check_statistics` puts the three together per
department and matter. Both tables are append-only: a later report is a new
row and the latest one counts; every write is audited.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from features.store.base import Store
from scoring.audit import write_audit
from scoring.credit_check import stored_check
from scoring.measures.vocabulary import MATTERS

FEEDBACK_TABLE = "check_feedback"
#: Feedback IDs are numbered from the rows already stored: two threads of one process (the
#: API's workers, the app's sessions) must not number theirs at once. Between processes the
#: store's write access already runs one writer at a time.
_NUMBERING = threading.Lock()
CASELOAD_TABLE = "caseloads"

#: What a department may report about a measure: 已实施 / 未实施 / 不适用.
OUTCOMES: dict[str, tuple[str, str]] = {
    "applied": ("已实施", "applied"),
    "not_applied": ("未实施", "not applied"),
    "not_applicable": ("不适用", "not applicable"),
}

#: check_statistics columns, in order, with their Chinese labels (pages and the API).
STATISTICS_COLUMNS: dict[str, tuple[str, str]] = {
    "department": ("部门", "department"),
    "matter": ("事项", "matter"),
    "checks": ("核查次数", "checks"),
    "subjects_checked": ("核查主体数", "subjects checked"),
    "checks_with_measures": ("命中措施的核查", "checks that returned measures"),
    "measures_returned": ("返回措施数", "measures returned"),
    "mandatory_returned": ("返回强制性措施数", "mandatory measures returned"),
    "feedback_received": ("已反馈措施数", "measures with feedback"),
    "mandatory_applied": ("强制性措施已实施", "mandatory measures applied"),
    "cases": ("办件量", "cases reported"),
    "coverage": ("应查必查覆盖率", "coverage (subjects checked / cases)"),
    "feedback_rate": ("反馈率", "feedback rate (measures with feedback / returned)"),
}


class FeedbackError(ValueError):
    """Feedback or a caseload that cannot be recorded.

    ``str(error)`` is the English message, ``error.zh`` the Chinese one and
    ``error.code`` a short key a door maps to its answer (``unknown_check`` is a
    look-up that found nothing, ``wrong_department`` a check of another
    department, everything else bad input).
    """

    def __init__(self, en: str, zh: str, code: str = "invalid") -> None:
        super().__init__(en)
        self.zh = zh
        self.code = code


@dataclass(frozen=True)
class FeedbackItem:
    """What a department reports about one measure a check returned."""

    measure_id: str
    outcome: str
    note: str = ""


def _check_row(store: Store, check_id: str) -> dict:
    found = stored_check(store, check_id.strip()) if check_id.strip() else None
    if found is None:
        raise FeedbackError(
            f"no credit check {check_id!r}", f"没有编号为 {check_id} 的核查记录", "unknown_check"
        )
    return found


def _validate(check: dict, department: str, items: Sequence[FeedbackItem]) -> None:
    """Raise :class:`FeedbackError` for the first thing wrong with the feedback."""
    if department.strip() != check["department"]:
        raise FeedbackError(
            f"check {check['check_id']} was made by another department",
            f"核查 {check['check_id']} 不是本部门的核查，不能反馈",
            "wrong_department",
        )
    if not items:
        raise FeedbackError("no measures reported", "未填写任何措施的实施情况", "no_items")
    returned = {m["measure_id"]: m for m in check["result"]["measures"]}
    seen: set[str] = set()
    for item in items:
        mid = item.measure_id.strip()
        if mid not in returned:
            listed = "、".join(returned) or "无"
            raise FeedbackError(
                f"measure {mid!r} was not returned by check {check['check_id']} "
                f"(returned: {', '.join(returned) or 'none'})",
                f"措施 {mid} 不在核查 {check['check_id']} 返回的措施中（返回的措施：{listed}）",
                "unknown_measure",
            )
        if mid in seen:
            raise FeedbackError(
                f"measure {mid} is reported twice", f"措施 {mid} 重复填报", "duplicate_measure"
            )
        seen.add(mid)
        if item.outcome not in OUTCOMES:
            raise FeedbackError(
                f"outcome {item.outcome!r} of measure {mid} is not one of {', '.join(OUTCOMES)}",
                f"措施 {mid} 的实施情况 {item.outcome!r} 不是"
                f"{'、'.join(z for z, _ in OUTCOMES.values())}之一",
                "unknown_outcome",
            )
        if (
            item.outcome == "not_applied"
            and returned[mid]["force"] == "mandatory"
            and not item.note.strip()
        ):
            raise FeedbackError(
                f"measure {mid} is mandatory: say why it was not applied (note)",
                f"措施 {mid} 为强制性措施，未实施须填写说明",
                "note_required",
            )


def _next_feedback_ids(store: Store, n: int) -> list[str]:
    start = int(store.query(f"SELECT count(*) AS n FROM {FEEDBACK_TABLE}")["n"].iloc[0])
    return [f"FB-{start + i + 1:07d}" for i in range(n)]


def record_feedback(
    store: Store,
    check_id: str,
    department: str,
    items: Sequence[FeedbackItem],
    reported_by: str,
    on: dt.date,
    role: str = "cli",
) -> tuple[str, ...]:
    """Record a department's feedback on the measures a check returned; audit it.

    Parameters
    ----------
    store
        The store (rows appended to ``check_feedback``, one ``audit_log`` row).
    check_id
        The check (``credit_checks.check_id``).
    department
        The reporting department; it must be the check's.
    items
        One :class:`FeedbackItem` per measure reported on (each a measure the check
        returned, once).
    reported_by, role
        Who reports, for the rows and the audit log.
    on
        The date of the report.

    Returns
    -------
    tuple of str
        The new feedback IDs, in the order of ``items``.

    Raises
    ------
    FeedbackError
        Unknown check, another department's check, no items, a measure the check
        did not return or given twice, an unknown outcome, a mandatory measure not
        applied without a note.
    """
    check = _check_row(store, check_id)
    _validate(check, department, items)
    with _NUMBERING, store.transaction() as tx:
        ids = _next_feedback_ids(tx, len(items))
        now = dt.datetime.now()
        tx.append(
            FEEDBACK_TABLE,
            pd.DataFrame(
                [
                    {
                        "feedback_id": fid,
                        "check_id": check["check_id"],
                        "department": check["department"],
                        "measure_id": item.measure_id.strip(),
                        "outcome": item.outcome,
                        "note": item.note.strip() or None,
                        "reported_by": reported_by,
                        "reported_on": on,
                        "recorded_at": now,
                    }
                    for fid, item in zip(ids, items, strict=True)
                ]
            ),
        )
    write_audit(
        store,
        reported_by,
        role,
        "check_feedback",
        check["subject_id"],
        {
            "check_id": check["check_id"],
            "department": check["department"],
            "reported_on": on,
            "feedback": {i.measure_id.strip(): i.outcome for i in items},
        },
    )
    return tuple(ids)


def report_caseload(
    store: Store,
    department: str,
    matter: str,
    month: dt.date,
    cases: int,
    reported_by: str,
    role: str = "cli",
) -> dt.date:
    """Record how many cases a department handled for a matter in a month; audit it.

    A second report for the same department, matter and month is a new row and
    replaces the first in :func:`check_statistics` (a correction).

    Parameters
    ----------
    month
        Any day of the month; the first of the month is stored.
    cases
        Cases handled (办件量), ≥ 0.

    Returns
    -------
    datetime.date
        The month stored (its first day).

    Raises
    ------
    FeedbackError
        Empty department or reporter, unknown matter, negative or non-integer cases.
    """
    if not department.strip() or not reported_by.strip():
        raise FeedbackError("department and reporter are required", "须填写部门和填报人")
    if matter not in MATTERS:
        raise FeedbackError(
            f"matter {matter!r} is not one of {', '.join(MATTERS)}",
            f"事项 {matter!r} 不在事项清单中（{'、'.join(z for z, _ in MATTERS.values())}）",
            "unknown_matter",
        )
    if isinstance(cases, bool) or not isinstance(cases, int) or cases < 0:
        raise FeedbackError(
            f"cases must be a whole number ≥ 0, not {cases!r}",
            f"办件量须为不小于 0 的整数，不能是 {cases!r}",
            "bad_cases",
        )
    first = month.replace(day=1)
    store.append(
        CASELOAD_TABLE,
        pd.DataFrame(
            [
                {
                    "department": department.strip(),
                    "matter": matter,
                    "month": first,
                    "cases": cases,
                    "reported_by": reported_by,
                    "recorded_at": dt.datetime.now(),
                }
            ]
        ),
    )
    write_audit(
        store,
        reported_by,
        role,
        "caseload_report",
        None,
        {"department": department.strip(), "matter": matter, "month": first, "cases": cases},
    )
    return first


def _mandatory(result: str) -> set[str]:
    return {m["measure_id"] for m in json.loads(result)["measures"] if m["force"] == "mandatory"}


def check_statistics(
    store: Store, start: dt.date, end: dt.date, department: str | None = None
) -> pd.DataFrame:
    """应查必查 and feedback statistics per department and matter over a period.

    A check counts when its ``as_of`` (the date the department checked for, the
    case's date) is in ``[start, end]``; the cases counted are the latest
    caseload reported for each month whose first day is in
    ``[first of start's month, end]``; feedback is the latest row per check and
    measure, for the checks counted.

    Returns
    -------
    DataFrame
        One row per department × matter with checks or cases in the period, the
        columns of :data:`STATISTICS_COLUMNS`. ``coverage`` = subjects checked /
        cases (NaN when no cases were reported), ``feedback_rate`` = measures with
        feedback / measures returned (NaN when none were returned).
    """
    where, params = "as_of BETWEEN ? AND ?", [start, end]
    if department is not None:
        where += " AND department = ?"
        params.append(department)
    checks = store.query(
        f"SELECT check_id, department, matter, subject_id, measures, result "
        f"FROM credit_checks WHERE {where}",
        params,
    )
    feedback = store.query(
        f"""SELECT check_id, measure_id, outcome FROM (
              SELECT f.*, row_number() OVER (PARTITION BY check_id, measure_id
                                             ORDER BY recorded_at DESC, feedback_id DESC) AS rn
              FROM {FEEDBACK_TABLE} f
              WHERE check_id IN (SELECT check_id FROM credit_checks WHERE {where}))
            WHERE rn = 1""",
        params,
    )
    cwhere, cparams = "month BETWEEN ? AND ?", [start.replace(day=1), end]
    if department is not None:
        cwhere += " AND department = ?"
        cparams.append(department)
    cases = store.query(
        f"""SELECT department, matter, sum(cases) AS cases FROM (
              SELECT c.*, row_number() OVER (PARTITION BY department, matter, month
                                             ORDER BY recorded_at DESC) AS rn
              FROM {CASELOAD_TABLE} c WHERE {cwhere})
            WHERE rn = 1 GROUP BY department, matter""",
        cparams,
    )
    rows: dict[tuple[str, str], dict] = {}

    def row(dept: str, matter: str) -> dict:
        return rows.setdefault(
            (dept, matter),
            {c: 0 for c in STATISTICS_COLUMNS if c not in ("department", "matter")}
            | {"department": dept, "matter": matter, "_subjects": set()},
        )

    fb = {(r.check_id, r.measure_id): r.outcome for r in feedback.itertuples()}
    by_check: dict[str, list[tuple[str, str]]] = {}
    for key in fb:
        by_check.setdefault(key[0], []).append(key)
    for c in checks.itertuples():
        r = row(c.department, c.matter)
        mandatory = _mandatory(c.result)
        r["checks"] += 1
        r["_subjects"].add(c.subject_id)
        r["checks_with_measures"] += int(c.measures > 0)
        r["measures_returned"] += int(c.measures)
        r["mandatory_returned"] += len(mandatory)
        reported = by_check.get(c.check_id, [])
        r["feedback_received"] += len(reported)
        r["mandatory_applied"] += sum(
            1 for key in reported if key[1] in mandatory and fb[key] == "applied"
        )
    for c in cases.itertuples():
        row(c.department, c.matter)["cases"] = int(c.cases)
    out = pd.DataFrame(
        [
            {
                **{k: v for k, v in r.items() if k != "_subjects"},
                "subjects_checked": len(r["_subjects"]),
            }
            for r in rows.values()
        ],
        columns=[c for c in STATISTICS_COLUMNS if c not in ("coverage", "feedback_rate")],
    )
    cases_f = out["cases"].astype("float64")
    out["coverage"] = (out["subjects_checked"] / cases_f).where(cases_f > 0)
    returned = out["measures_returned"].astype("float64")
    out["feedback_rate"] = (out["feedback_received"] / returned).where(returned > 0)
    return out.sort_values(["department", "matter"], ignore_index=True)[list(STATISTICS_COLUMNS)]
