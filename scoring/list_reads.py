"""Reads of the managed lists for the doors: a subject's state on every list, its trail.

:func:`subject_lists` is the one read every door uses (``xinping lists show``,
and next the profile page, the credit report and credit checks);
:func:`listing_rows` renders its listings for a page or a report (persons
masked); :func:`subject_list_history` is the append-only trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from features.records.personal import mask_code, mask_text
from features.store.base import Store
from scoring.lists import (
    BASIS_LABELS,
    EVENT_LABELS,
    LIST_LABELS,
    STATUS_LABELS,
    Listing,
    ListsConfig,
    ListState,
    day_of,
    list_states,
    listing_states,
    split_ids,
)


def lists_applying(states: dict[str, ListState]) -> frozenset[str]:
    """The lists whose measures apply (``SubjectState.lists`` of a credit check,
    :mod:`scoring.measures.matching`): member and not suspended — a listing under an
    objection's verification is left out (seed 002 #19)."""
    return frozenset(k for k, s in states.items() if s.applies)


def list_events(store: Store, subject_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """``list_events`` rows (of ``subject_ids`` only, when given), oldest first."""
    sql = "SELECT * FROM list_events"
    params: list[Any] = []
    if subject_ids is not None:
        ids = sorted(set(subject_ids))
        if not ids:
            return store.query("SELECT * FROM list_events WHERE FALSE")
        sql += " WHERE subject_id IN (" + ", ".join("?" for _ in ids) + ")"
        params = ids
    return store.query(sql + " ORDER BY effective_on, recorded_at, event_id", params)


def evidence_trail(store: Store, events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``objections`` and ``repairs`` rows of the evidence records named in ``events``."""
    ids = sorted({r for text in events.get("evidence", []) for r in split_ids(text)})
    frame = pd.DataFrame({"record_id": ids}, dtype=object)
    return (
        store.query(
            "SELECT * FROM objections WHERE record_id IN (SELECT record_id FROM _xp_ids)",
            frames={"_xp_ids": frame},
        ),
        store.query(
            "SELECT * FROM repairs WHERE record_id IN (SELECT record_id FROM _xp_ids)",
            frames={"_xp_ids": frame},
        ),
    )


def subject_lists(
    store: Store, subject_id: str, as_of: dt.date, config: ListsConfig
) -> dict[str, ListState]:
    """The subject's state on every list on ``as_of``: the shared read for every door
    (CLI ``lists show``, the profile and the credit report, credit checks)."""
    events = list_events(store, [subject_id])
    objections, repairs = evidence_trail(store, events)
    return list_states(listing_states(events, objections, repairs, as_of, config))


def subjects_lists(
    store: Store, subject_ids: Iterable[str], as_of: dt.date, config: ListsConfig
) -> dict[str, dict[str, ListState]]:
    """:func:`subject_lists` of many subjects at once (a supervisor's class table, a draw's
    list): the same rule read from one query of the trail; only subjects with a listing."""
    events = list_events(store, subject_ids)
    if events.empty:
        return {}
    objections, repairs = evidence_trail(store, events)
    by_subject: dict[str, list[Listing]] = {}
    for x in listing_states(events, objections, repairs, as_of, config):
        by_subject.setdefault(x.subject_id, []).append(x)
    return {sid: list_states(found) for sid, found in by_subject.items()}


def listings_naming(
    store: Store, person_id: str, as_of: dt.date, config: ListsConfig
) -> dict[str, list[Listing]]:
    """Other subjects' listings that name ``person_id`` among their persons (seed 002 #12)
    and apply on ``as_of`` (active, not suspended), by listed subject."""
    code = person_id.strip().upper()
    if not code:
        return {}
    # a LIKE pre-filter on the comma-joined IDs, then the exact test on the split IDs
    firms = store.query(
        "SELECT DISTINCT subject_id FROM list_events WHERE persons LIKE ? AND subject_id <> ?",
        [f"%{code}%", code],
    )["subject_id"]
    out: dict[str, list[Listing]] = {}
    for firm in sorted(firms):
        for state in subject_lists(store, firm, as_of, config).values():
            found = [
                x
                for x in state.listings
                if x.active and x.suspended_by is None and code in x.persons
            ]
            if found:
                out.setdefault(firm, []).extend(found)
    return out


def listing_rows(
    states: dict[str, ListState], lang: str = "zh", masked: bool = True
) -> list[dict[str, str]]:
    """The listings of :func:`subject_lists` as display rows (profile, report, CLI):
    labels in ``lang`` (``zh`` or ``en``), dates as text, persons masked unless
    ``masked`` is False. No code, ``None`` or English word on a Chinese row except
    the listing identifier: a rule is named by its Chinese wording there."""
    i = 0 if lang == "zh" else 1
    dash = "—"

    def show(text: str | None) -> str:
        return (mask_text(text) if masked else text) or ""

    out = []
    for key, state in states.items():
        for x in state.listings:
            # a rule is named by its Chinese wording (kept as the listing's reason) on a
            # Chinese row; its identifier is an English slug, shown on English rows only
            if x.basis == "rule":
                named = (show(x.reason) or x.rule_id or "") if i == 0 else (x.rule_id or "")
            else:
                named = f"{x.dept or ''} {x.document_no or ''}"
            origin = BASIS_LABELS[x.basis][i] + ("：" if i == 0 else " ") + named
            persons = [mask_code(p) or "" if masked else p for p in x.persons]
            out.append(
                {
                    "listing_id": x.listing_id,
                    "list": LIST_LABELS[key][i],
                    "status": STATUS_LABELS[x.status][i],
                    "basis": origin.strip(),
                    "entered_on": str(x.entered_on),
                    "expires_on": str(x.expires_on) if x.expires_on else dash,
                    "evidence": ", ".join(x.evidence) or dash,
                    "persons": ", ".join(persons) or dash,
                    "ended": f"{x.ended_on} {show(x.end_reason)}".strip() if x.ended_on else dash,
                    "reason": show(x.reason) or dash,
                }
            )
    return out


def subject_list_history(store: Store, subject_id: str, masked: bool = True) -> pd.DataFrame:
    """The subject's list trail, oldest first, with Chinese labels; persons masked unless
    ``masked`` is False (a full-ID role)."""
    events = list_events(store, [subject_id])
    if events.empty:
        return events
    out = events.copy()
    for col in ("effective_on", "expires_on"):
        out[col] = pd.Series([day_of(d) for d in out[col]], index=out.index, dtype=object)
    out["list_zh"] = [LIST_LABELS[k][0] for k in out["list_key"]]
    out["event_zh"] = [EVENT_LABELS[e][0] for e in out["event"]]
    if masked:
        out["subject_id"] = [mask_code(s) for s in out["subject_id"]]
        # a decision's reason is free text: an ID quoted in it is masked too
        out["reason"] = [mask_text(r) for r in out["reason"]]
        out["persons"] = [
            ",".join(mask_code(p) or "" for p in split_ids(t)) or None for t in out["persons"]
        ]
    return out.reset_index(drop=True)
