"""Records that started or stopped counting between two as-of dates, and why.

Used to explain grade migrations: a record moved a subject when it is one of
the subject's own records (or a related party's, for indicators such as the
legal representative's dishonesty) of a kind read by an indicator the subject's
reasons cite, and between the two dates it was published, revoked, expired,
repaired, suspended by an objection (or counts again after one was rejected),
or entered or left that indicator's window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from features.dsl import Scheme
from features.records.windows import WindowPolicy
from features.store.base import Store
from scoring.evidence import (
    RecordSource,
    anchor_start,
    counts_in,
    date_or_none,
    effective_ids,
    record_date,
    record_sources,
    related_parties_of,
    source_kinds,
    subject_records,
)

#: Values of ``change``, in the order they are looked for.
CHANGES: tuple[str, ...] = (
    "published",
    "objection_rejected",
    "revoked",
    "objection_upheld",
    "objection_open",
    "repaired",
    "expired",
    "window",
)


def _objections(store: Store, record_ids: Sequence[str]) -> dict[str, list[dict]]:
    ids = pd.DataFrame({"record_id": sorted(set(record_ids))}, dtype=object)
    if ids.empty:
        return {}
    frame = store.query(
        """SELECT record_id, status, opened_on, resolved_on FROM objections
           WHERE record_id IN (SELECT record_id FROM _xp_ids)""",
        frames={"_xp_ids": ids},
    )
    out: dict[str, list[dict]] = {}
    for row in frame.to_dict("records"):
        out.setdefault(row["record_id"], []).append(row)
    return out


def change_cause(
    rec: Mapping[str, Any], started: bool, d0: dt.date, d1: dt.date, objections: Sequence[dict]
) -> str:
    """Why a record started (``started``) or stopped counting in ``(d0, d1]``.

    Parameters
    ----------
    rec
        The record's columns, with ``publication_end`` and ``repaired_on`` as
        given by :func:`scoring.evidence.subject_records`.
    started
        True when it began counting, False when it stopped.
    d0, d1
        The two as-of dates.
    objections
        The objection rows (``status``, ``opened_on``, ``resolved_on``) on the record.

    Returns
    -------
    str
        One of :data:`CHANGES`.
    """

    def between(value: Any) -> bool:
        day = date_or_none(value)
        return day is not None and d0 < day <= d1

    if started:
        if between(rec["published_on"]):
            return "published"
        if any(o["status"] == "rejected" and between(o["resolved_on"]) for o in objections):
            return "objection_rejected"
        return "window"
    if between(rec["revoked_on"]):
        return "revoked"
    if any(o["status"] == "upheld" and between(o["resolved_on"]) for o in objections):
        return "objection_upheld"
    if any(between(o["opened_on"]) for o in objections):
        return "objection_open"
    if between(rec["publication_end"]) and between(rec.get("repaired_on")):
        return "repaired"
    if between(rec["publication_end"]) or between(rec["valid_until"]):
        return "expired"
    return "window"


def record_changes(
    store: Store,
    scheme: Scheme,
    cited: Mapping[str, Sequence[str]],
    d0: dt.date,
    d1: dt.date,
    policy: WindowPolicy | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Per subject, the records behind its cited indicators that changed in ``(d0, d1]``.

    Parameters
    ----------
    store
        The record store.
    scheme
        The scheme whose declarations the indicator names refer to.
    cited
        Subject id → indicator names its reasons or overrides cite.
    d0, d1
        The two as-of dates.
    policy
        Publication windows (default: DOMAIN.md's).

    Returns
    -------
    dict
        Subject id → list of dicts: ``record_id``, ``kind``, ``severity``,
        ``record_date``, ``published_on``, ``source_dept``, ``relation``
        (``self`` or the related party), ``owner_id`` (whose record; unmasked),
        ``change`` (:data:`CHANGES`), ``started`` and ``indicators`` (the cited
        indicators it moved, or that read it).
    """
    sources: dict[str, list[RecordSource]] = {
        sid: [s for name in dict.fromkeys(names) for s in record_sources(scheme, name)]
        for sid, names in cited.items()
    }
    out: dict[str, list[dict[str, Any]]] = {sid: [] for sid in cited}
    if not any(sources.values()):
        return out
    needs_parties = [
        sid for sid, srcs in sources.items() if any(s.relation != "self" for s in srcs)
    ]
    parties = related_parties_of(store, needs_parties, d1) if needs_parties else {}
    owners = {sid: {"self": [sid], **parties.get(sid, {})} for sid in cited}
    all_ids = {i for sid, srcs in sources.items() for s in srcs for i in owners[sid][s.relation]}
    kinds = {k for srcs in sources.values() for s in srcs for k in source_kinds(s.records)}
    recs = subject_records(store, all_ids, kinds, policy).to_dict("records")
    by_owner: dict[str, list[dict]] = {}
    for rec in recs:
        by_owner.setdefault(rec["subject_id"], []).append(rec)
    live0 = effective_ids(store, all_ids, d0, policy)
    live1 = effective_ids(store, all_ids, d1, policy)
    objections = _objections(store, [r["record_id"] for r in recs])
    for sid, srcs in sources.items():
        reads: dict[str, tuple[dict, list[tuple[str, bool, bool]]]] = {}
        for s in srcs:
            for owner in owners[sid][s.relation]:
                mine = by_owner.get(owner, [])
                a0 = a1 = None
                if s.records.since is not None:  # the loans outstanding at each date
                    a0 = anchor_start(
                        s.records.since, [r for r in mine if r["record_id"] in live0], d0
                    )
                    a1 = anchor_start(
                        s.records.since, [r for r in mine if r["record_id"] in live1], d1
                    )
                for rec in mine:
                    if rec["kind"] not in s.records.match.kinds:
                        continue
                    rid = rec["record_id"]
                    c0 = rid in live0 and counts_in(s.records, rec, d0, a0)
                    c1 = rid in live1 and counts_in(s.records, rec, d1, a1)
                    reads.setdefault(rid, (rec, []))[1].append((s.indicator, c0, c1))
        for rid, (rec, inds) in reads.items():
            item = _changed(rec, inds, live0, live1, d0, d1, objections.get(rid, []))
            if item is not None:
                item["relation"] = next(
                    s.relation for s in srcs if rec["subject_id"] in owners[sid][s.relation]
                )
                out[sid].append(item)
    return out


def _changed(
    rec: dict,
    inds: list[tuple[str, bool, bool]],
    live0: set[str],
    live1: set[str],
    d0: dt.date,
    d1: dt.date,
    objections: list[dict],
) -> dict[str, Any] | None:
    """The change of one record, or None when it counts the same at both dates."""
    in0, in1 = rec["record_id"] in live0, rec["record_id"] in live1
    moved = list(dict.fromkeys(name for name, c0, c1 in inds if c0 != c1))
    if in0 == in1 and not moved:
        return None
    # counted throughout but entered or left an indicator's window: started if it now counts
    started = in1 if in0 != in1 else any(c1 for name, c0, c1 in inds if c0 != c1)
    return {
        "record_id": rec["record_id"],
        "kind": rec["kind"],
        "severity": rec["severity"],
        "record_date": record_date(rec),
        "published_on": rec["published_on"],
        "source_dept": rec["source_dept"],
        "owner_id": rec["subject_id"],
        "change": change_cause(rec, started, d0, d1, objections),
        "started": bool(started),
        "indicators": moved or list(dict.fromkeys(name for name, _, _ in inds)),
    }
