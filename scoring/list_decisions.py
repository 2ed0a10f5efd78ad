"""Department decisions on the managed lists: entry with evidence, early exit, revocation.

A decision listing (部门决定列入) names the deciding department, its document
number and the evidence records it rests on; it is published the same day. An
early exit after a repair is refused before the list's minimum (DOMAIN.md:
black list 1 year); a wrongful listing is revoked with its reason and never
counted (seed 002 #19). Rows are written by :func:`scoring.list_rules.write_events`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from features.compile import add_months
from features.records.ids import id_number_problem
from features.records.windows import WindowPolicy
from features.store.base import Store
from features.subjects import current_subject
from scoring.evidence import effective_ids
from scoring.list_reads import evidence_trail
from scoring.list_rules import event_id as _event_id
from scoring.list_rules import persons_reached as _persons
from scoring.list_rules import row as _row
from scoring.list_rules import write_events as _write
from scoring.lists import (
    LIST_LABELS,
    ListError,
    Listing,
    ListsConfig,
    earliest_exit,
    listing_states,
    repair_facts,
)


def enter_by_decision(
    store: Store,
    subject_id: str,
    list_key: str,
    dept: str,
    document_no: str,
    evidence: Sequence[str],
    reason: str,
    on: dt.date,
    config: ListsConfig,
    by: str,
    role: str = "cli",
    persons: Sequence[str] = (),
    expires_on: dt.date | None = None,
    *,
    policy: WindowPolicy,
) -> str:
    """List a subject by a department's decision with its evidence records; returns the
    listing id. The listing is published the same day.

    Every evidence record must be the subject's and count on ``on`` under the
    publication windows ``policy`` (settings ``[windows]``): published, not revoked,
    not under an open objection, inside its window — a listing does not rest on a
    record that no longer counts."""
    if list_key not in LIST_LABELS:
        raise ListError(
            f"unknown list {list_key!r}; use red, black or watch",
            f"没有名单 {list_key}，可选 red、black、watch",
        )
    for what, value, zh in (
        ("--dept", dept, "认定部门"),
        ("--decision", document_no, "决定文书编号"),
        ("--reason", reason, "列入理由"),
    ):
        if not value.strip():
            raise ListError(
                f"{what} is empty: a decision listing needs it", f"请填写{zh}（{what}）"
            )
    if not evidence:
        raise ListError(
            "a decision listing needs at least one --evidence record",
            "部门决定列入须至少附一条证据记录（--evidence）",
        )
    subject = current_subject(store, subject_id)
    if subject is None:
        raise ListError(f"subject {subject_id!r} is not in the store", f"没有主体 {subject_id}")
    ids = [e.strip() for e in evidence]
    found = store.query(
        "SELECT DISTINCT record_id, subject_id FROM records "
        "WHERE record_id IN (SELECT record_id FROM _xp_ids)",
        frames={"_xp_ids": pd.DataFrame({"record_id": ids}, dtype=object)},
    )
    owner = dict(zip(found["record_id"], found["subject_id"], strict=True))
    for rid in ids:
        if rid not in owner:
            raise ListError(
                f"--evidence {rid}: no such record in the store", f"证据记录 {rid} 不存在"
            )
        if owner[rid] != subject_id:
            raise ListError(
                f"--evidence {rid} is a record of another subject", f"证据记录 {rid} 不属于该主体"
            )
    counting = effective_ids(store, [subject_id], on, policy)
    for rid in ids:
        if rid not in counting:
            raise ListError(
                f"--evidence {rid} does not count on {on} (revoked, under objection, not yet "
                "published or past its publication window)",
                f"证据记录 {rid} 在 {on} 不是有效记录（已撤销、异议核查中、尚未公示或已过公示期）",
            )
    for p in persons:
        problem = id_number_problem(p.strip().upper())
        if problem:
            raise ListError(
                f"--person: not a valid 居民身份证号码 ({problem})",
                "责任人员须为有效的居民身份证号码",
            )
    until = expires_on or add_months(on, config.months.get(list_key, 12))
    if until <= on:
        raise ListError(
            f"--until {until} is not after {on}", f"届满日期 {until} 须晚于列入日期 {on}"
        )
    lid = _event_id("decision", list_key, subject_id, document_no.strip(), on)
    if len(store.query("SELECT event_id FROM list_events WHERE event_id = ?", [lid])):
        raise ListError(
            f"decision {document_no} already listed this subject ({lid})",
            f"文书 {document_no} 已列入该主体（{lid}）",
        )
    base = {"listing_id": lid, "list_key": list_key, "subject_id": subject_id}
    rows = [
        _row(
            base,
            "enter",
            on,
            event_id=lid,
            basis="decision",
            dept=dept.strip(),
            document_no=document_no.strip(),
            evidence=",".join(ids),
            persons=_persons(subject.get("legal_rep_id"), list_key, persons, config),
            expires_on=until,
            reason=reason.strip(),
        ),
        _row(base, "publish", on, reason="决定列入即公示 / published on entry"),
    ]
    _write(store, rows, by, role, "list_enter")
    return lid


def _listing(store: Store, event_id: str, as_of: dt.date, config: ListsConfig) -> Listing:
    row = store.query("SELECT listing_id FROM list_events WHERE event_id = ?", [event_id])
    if row.empty:
        raise ListError(f"no list event {event_id!r}", f"没有名单事件 {event_id}")
    lid = row["listing_id"].iloc[0]
    events = store.query(
        "SELECT * FROM list_events WHERE listing_id = ? ORDER BY effective_on, recorded_at", [lid]
    )
    objections, repairs = evidence_trail(store, events)
    return listing_states(events, objections, repairs, as_of, config)[0]


def _end(
    store: Store, x: Listing, event: str, on: dt.date, reason: str, by: str, role: str, action: str
) -> str:
    """Append a steward's closing event (exit or revocation) of ``x``, audited."""
    row = _row(x, event, on, cause_id=f"manual@{on}", reason=reason.strip())
    _write(store, [row], by, role, action)
    return x.listing_id


def exit_on_repair(
    store: Store,
    event_id: str,
    on: dt.date,
    reason: str,
    config: ListsConfig,
    by: str,
    role: str = "cli",
) -> str:
    """End a listing early after an approved repair; refused before the list's minimum."""
    x = _listing(store, event_id, on, config)
    if not x.active:
        raise ListError(
            f"listing {x.listing_id} is {x.status} on {on}",
            f"列入 {x.listing_id} 在 {on} 不在名单上",
        )
    first = earliest_exit(x.entered_on, x.list_key, config)
    if on < first:
        raise ListError(
            f"listing {x.listing_id} may leave by repair from {first} (entered {x.entered_on})",
            f"列入 {x.listing_id} 于 {x.entered_on} 列入，最早 {first} 方可信用修复移出",
        )
    if not reason.strip():
        raise ListError("--reason is empty", "请填写移出理由（--reason）")
    _, repairs = evidence_trail(store, pd.DataFrame({"evidence": [",".join(x.evidence)]}))
    if x.evidence and not repair_facts(repairs, on):
        raise ListError(
            f"no repair of the listing's evidence ({', '.join(x.evidence)}) is approved by {on}: "
            "approve it first (xinping repair approve RECORD_ID)",
            f"列入所依据的记录（{', '.join(x.evidence)}）在 {on} 前未获信用修复，"
            "请先审核通过修复申请",
        )
    return _end(store, x, "exit_repair", on, reason, by, role, "list_exit_repair")


def revoke_listing(
    store: Store,
    event_id: str,
    on: dt.date,
    reason: str,
    config: ListsConfig,
    by: str,
    role: str = "cli",
) -> str:
    """Revoke a wrongful listing: it never counted, and the trail says why."""
    if not reason.strip():
        raise ListError(
            "--reason is empty: say why the listing was wrong", "请填写撤销理由（--reason）"
        )
    x = _listing(store, event_id, on, config)
    if x.status == "revoked":
        raise ListError(f"listing {x.listing_id} is already revoked", f"列入 {x.listing_id} 已撤销")
    return _end(store, x, "revoke_wrongful", on, reason, by, role, "list_revoke")
