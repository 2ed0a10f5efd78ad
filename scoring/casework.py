"""Casework: an objection opened or resolved, a repair approved, a village committee
assessment entered, a listing entered by decision, ended early or revoked — each
followed at once by the re-rating it causes.

One function per use case. Every door calls these with the settings in force
(``xinping objection …`` / ``xinping repair approve`` on the command line, the
异议与修复 and 农村信用 pages), so the same settings give the same re-rating on
every door: the indicator build (:class:`~features.compile.BuildConfig`,
whose publication windows also bound a repair) and the policies computed with
every rating (:class:`~scoring.batch.RatingPolicies`: the green channel and
the driver points rule) are required arguments, never defaults.

The sequence is :func:`scoring.rerating.rerate_change`: rate every subject the
record touches as of the day, write the append-only row (and its audit row, as
the given user and role), re-rate them with the champion models; before →
after is what the change did.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from features.compile import BuildConfig
from features.records.kinds import kind as record_kind
from features.schemes import rated
from features.store.base import Store, Written
from features.subjects import current_subject
from scoring.batch import RatingPolicies
from scoring.list_decisions import enter_by_decision, exit_on_repair, revoke_listing
from scoring.list_rules import persons_reached
from scoring.lists import ListsConfig
from scoring.loader import LoadedModel, NoModelError, champions, load_model
from scoring.objections import (
    approve_repair,
    find_record,
    open_objection,
    require_reason,
    resolve_objection,
)
from scoring.rerating import Before, Change, affected_subjects, rerate_change, take_before

#: the record kind of a village committee assessment (村两委评议)
ASSESSMENT_KIND = "village_assessment"


@dataclass(frozen=True)
class Outcome:
    """What a change did.

    Attributes
    ----------
    ident
        The objection, repair or new record ID.
    changes
        Every re-rated subject, before → after (before = the same day without the change).
    seconds
        Time of the re-rating (indicators, models, writes).
    status
        An objection's status after the change (``open``, ``upheld``, ``rejected``).
    effective_on
        A repair: the day its record stops counting (not before the tier minimum).
    skipped
        Why a rated scheme was not re-rated (no champion), one message each.
    versions
        The store's data version (:meth:`~features.store.base.Store.data_version`) just
        before the change and just after its ratings were written, read while the change
        held the store for writing: a page holding a result computed at the first may
        bring it up to date for the second with the change alone (nothing else was
        written between them).
    published
        The publication days of the records the change appended (none for an objection
        or a repair; an assessment's day), for a page carrying the store's data date
        across the change; ``None`` when the store does not say what was written.
    """

    ident: str
    changes: tuple[Change, ...]
    seconds: float
    status: str | None = None
    effective_on: dt.date | None = None
    skipped: tuple[str, ...] = ()
    versions: tuple[str, str] | None = None
    published: tuple[dt.date, ...] | None = None


def _rerate(
    store: Store,
    subjects: list[str],
    on: dt.date,
    models: Mapping[str, LoadedModel],
    build: BuildConfig,
    policies: RatingPolicies,
    change: Callable[[], tuple[Any, Mapping[str, Any]]],
    ahead: Before | None = None,
) -> tuple[Any, tuple[Change, ...], float, dict[str, Any]]:
    """The change's result, the changes, the re-rating's seconds, and the
    :class:`Outcome` fields that say what was written (``versions``, ``published``)."""
    # held for writing around the change: nobody else writes between the two versions
    with store.writing():
        before = store.data_version()
        with store.recording() as written:
            result, changes, seconds = rerate_change(
                store, subjects, on, models, change, build, policies, ahead
            )
        after = store.data_version()
    return result, tuple(changes), seconds, {"versions": (before, after), **_published(written)}


def _published(written: Written) -> dict[str, tuple[dt.date, ...] | None]:
    """``published``: the days of the ``records`` rows in ``written`` (None: not known)."""
    if not written.complete:
        return {"published": None}
    days: set[dt.date] = set()
    for table, rows in written.rows:
        if table == "records":
            column = rows["published_on"]
            values = column.to_pylist() if hasattr(column, "to_pylist") else list(column)
            days |= {pd.Timestamp(v).date() for v in values if v is not None and not pd.isna(v)}
    return {"published": tuple(sorted(days))}


def object_to(
    store: Store,
    record_id: str,
    reason: str,
    by: str,
    role: str,
    on: dt.date,
    home: Path,
    build: BuildConfig,
    policies: RatingPolicies,
    subject_id: str | None = None,
) -> Outcome:
    """Open an objection on a record (it is suspended at once) and re-rate its subjects.

    The record is read once (:func:`~scoring.objections.find_record`), among
    ``subject_id``'s records when given (the pages: no read of every record), and
    gives both the subjects to re-rate and the objection's row.

    Raises
    ------
    scoring.objections.ObjectionError
        Unknown record (or not ``subject_id``'s), an objection already open on it,
        or no reason.
    """
    models, skipped = champions(home, rated())
    require_reason(reason)
    rec = find_record(store, record_id, subject_id)

    def change():
        oid = open_objection(store, record_id, reason, by, on, role=role, record=rec)
        return oid, {"kind": "objection_open", "id": oid, "record_id": record_id, "on": str(on)}

    subjects = affected_subjects(store, str(rec["subject_id"]))
    oid, changes, seconds, wrote = _rerate(store, subjects, on, models, build, policies, change)
    return Outcome(oid, changes, seconds, status="open", skipped=skipped, **wrote)


def resolve(
    store: Store,
    objection_id: str,
    upheld: bool,
    by: str,
    role: str,
    on: dt.date,
    home: Path,
    build: BuildConfig,
    policies: RatingPolicies,
) -> Outcome:
    """Resolve an objection as upheld (the record stays out) or rejected (it counts
    again) and re-rate.

    Raises
    ------
    scoring.objections.ObjectionError
        Unknown objection, already resolved, or resolved before it was opened.
    """
    models, skipped = champions(home, rated())
    # the objection names its record's subject: no search of the records for it
    opened = store.query(
        "SELECT subject_id FROM objections WHERE objection_id = ? LIMIT 1", [objection_id]
    )
    subjects = [] if opened.empty else affected_subjects(store, str(opened["subject_id"].iloc[0]))

    def change():
        row = resolve_objection(store, objection_id, upheld, by, on, role=role)
        return row, {
            "kind": f"objection_{row['status']}",
            "id": objection_id,
            "record_id": row["record_id"],
            "on": str(on),
        }

    row, changes, seconds, wrote = _rerate(store, subjects, on, models, build, policies, change)
    status = str(row["status"])
    return Outcome(objection_id, changes, seconds, status=status, skipped=skipped, **wrote)


def repair(
    store: Store,
    record_id: str,
    by: str,
    role: str,
    on: dt.date,
    home: Path,
    build: BuildConfig,
    policies: RatingPolicies,
    subject_id: str | None = None,
) -> Outcome:
    """Approve a credit repair and re-rate; the record stops counting from the approval,
    never before its tier's minimum publication (``build.windows``).

    The record is read once, among ``subject_id``'s records when given, as in
    :func:`object_to`.

    Raises
    ------
    scoring.objections.ObjectionError
        Unknown record (or not ``subject_id``'s), not a negative record, or already
        repaired.
    """
    models, skipped = champions(home, rated())
    rec = find_record(store, record_id, subject_id)

    def change():
        res = approve_repair(store, record_id, by, on, build.windows, role=role, record=rec)
        return res, {
            "kind": "repair",
            "id": res.repair_id,
            "record_id": res.record_id,
            "on": str(on),
            "effective_on": str(res.effective_on),
        }

    subjects = affected_subjects(store, str(rec["subject_id"]))
    res, changes, seconds, wrote = _rerate(store, subjects, on, models, build, policies, change)
    return Outcome(
        res.repair_id,
        changes,
        seconds,
        status="approved",
        effective_on=res.effective_on,
        skipped=skipped,
        **wrote,
    )


def _new_record_id(on: dt.date) -> str:
    """A fresh record ID for an assessment entered by hand.

    Only another ID made here can share the ``VC-<day>-`` form, and the 122 random bits
    of a version-4 UUID make two of them alike less likely than a disk error, so the
    store is not searched for it (that was a read of every record per assessment: 1-5 s
    on a city).
    """
    return f"VC-{on:%Y%m%d}-{uuid.uuid4().hex.upper()}"


def record_assessment(
    store: Store, household: str, score: float, on: dt.date, by: str, note: str = ""
) -> str:
    """Append the village committee's assessment of ``household`` as a new record.

    The assessment happens, is published and counts from ``on``; it is valid
    for 12 months like the yearly 评议. Nothing is updated: a correction is a
    newer record. Returns the new record ID.

    Raises
    ------
    ValueError
        When the score is outside 0–100 or the household is unknown.
    """
    if not 0 <= score <= 100:
        raise ValueError(f"score {score} is outside 0–100")
    current = current_subject(store, household)
    if current is None or current["subject_type"] != "household":
        raise ValueError(f"unknown household {household}")
    rid = _new_record_id(on)
    spec = record_kind(ASSESSMENT_KIND)
    valid = (pd.Timestamp(on) + pd.DateOffset(months=12)).date()
    store.append(
        "records",
        pd.DataFrame(
            [
                {
                    "record_id": rid,
                    "subject_id": household,
                    "kind": ASSESSMENT_KIND,
                    "domain": spec.domain,
                    "severity": None,
                    "polarity": spec.polarity,
                    "value_num": float(score),
                    "value_text": None,
                    "amount": None,
                    "event_date": on,
                    "decided_on": on,
                    "published_on": on,
                    "valid_until": valid,
                    "revoked_on": None,
                    "source_dept": spec.dept,
                    "detail": json.dumps({"entered_by": by, "note": note}, ensure_ascii=False),
                    "ingest_id": None,
                    "recorded_at": dt.datetime.now(),
                }
            ]
        ),
    )
    return rid


def assess_household(
    store: Store,
    household: str,
    score: float,
    on: dt.date,
    by: str,
    home: Path,
    build: BuildConfig,
    policies: RatingPolicies,
    note: str = "",
    ahead: Before | None = None,
) -> Outcome:
    """Store the village committee's assessment and re-rate at once the household and
    every subject that reads its records (:func:`~scoring.rerating.affected_subjects`:
    the co-operatives of its village count the households with an assessment on record).

    ``ahead``: :func:`prepare_assessment` of the household on ``on``, taken while the
    assessment was being filled in; used when nothing was written since (the re-rating
    then reads nothing before the change).

    Raises
    ------
    ValueError
        As :func:`record_assessment` (nothing is stored).
    scoring.loader.NoModelError
        When the household scheme has no champion (the record is stored first).
    """
    try:
        load_model("household", home)
    except NoModelError:
        record_assessment(store, household, score, on, by, note)
        raise
    models, _ = champions(home, rated())

    def change():
        rid = record_assessment(store, household, score, on, by, note)
        return rid, {"kind": ASSESSMENT_KIND, "id": rid, "record_id": rid, "on": str(on)}

    # rated just before the record is stored: before → after is the assessment alone
    if ahead is not None and ahead.version == store.data_version():
        subjects = list(ahead.subjects)  # the subjects do not change without a write
    else:
        subjects = affected_subjects(store, household)
    rid, changes, seconds, wrote = _rerate(
        store, subjects, on, models, build, policies, change, ahead
    )
    return Outcome(rid, changes, seconds, **wrote)


def prepare_assessment(
    store: Store,
    household: str,
    on: dt.date,
    home: Path,
    build: BuildConfig,
    policies: RatingPolicies,
) -> Before:
    """What storing an assessment of ``household`` on ``on`` reads before its record is
    written — the subjects it re-rates, their slice of the store and their ratings —
    read now, to pass to :func:`assess_household` (a page does it while the assessment
    is filled in: at the city ~0.35 s of each save).

    Raises
    ------
    scoring.loader.NoModelError
        When the household scheme has no champion.
    """
    load_model("household", home)
    models, _ = champions(home, rated())
    version = store.data_version()
    subjects = affected_subjects(store, household)
    ahead = take_before(store, subjects, on, models, build, policies)
    # the subjects were read at the version the rest was: otherwise the reading is stale
    return ahead if ahead.version == version else replace(ahead, version="")


def _listing_subjects(store: Store, subject_id: str, persons: Iterable[str]) -> list[str]:
    """A listed subject and the persons its listing reaches: a listing changes no record,
    so it reaches only the persons it names (the ``responsible_for`` link reads the listed
    subject's records for them, :class:`features.links.ListPersons`); the subject is
    re-rated so the steward sees its grade beside theirs."""
    named = [p.strip().upper() for p in persons if p and p.strip()]
    known = set(
        store.query(
            "SELECT DISTINCT subject_id FROM subjects WHERE subject_id IN (SELECT id FROM _xp_p)",
            frames={"_xp_p": pd.DataFrame({"id": named}, dtype=object)},
        )["subject_id"]
    )
    # a person named but not in the store has no rating to change
    persons_known = [p for p in named if p in known]
    return list(dict.fromkeys([subject_id, *persons_known]))


def list_by_decision(
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
    role: str,
    home: Path,
    build: BuildConfig,
    policies: RatingPolicies,
    persons: Sequence[str] = (),
    expires_on: dt.date | None = None,
) -> Outcome:
    """List a subject by a department's decision
    (:func:`scoring.list_decisions.enter_by_decision`, published the same day) and re-rate
    it and the persons the listing reaches (its legal representative on a reach list, the
    responsible persons named): their indicators over the listed subject's records change
    at once, not at the next batch.

    Raises
    ------
    scoring.lists.ListError
        As :func:`~scoring.list_decisions.enter_by_decision` (bad evidence, persons, dates).
    """
    models, skipped = champions(home, rated())
    subject = current_subject(store, subject_id)
    reached = (
        persons_reached(subject.get("legal_rep_id"), list_key, persons, config)
        if subject is not None
        else ""
    )

    def change():
        lid = enter_by_decision(
            store,
            subject_id,
            list_key,
            dept,
            document_no,
            evidence,
            reason,
            on,
            config,
            by,
            role,
            persons=persons,
            expires_on=expires_on,
            policy=build.windows,
        )
        return lid, {"kind": "list_enter", "id": lid, "list": list_key, "on": str(on)}

    subjects = _listing_subjects(store, subject_id, (reached or "").split(","))
    lid, changes, seconds, wrote = _rerate(store, subjects, on, models, build, policies, change)
    return Outcome(lid, changes, seconds, status="entered", skipped=skipped, **wrote)


def end_listing(
    store: Store,
    listing_id: str,
    on: dt.date,
    reason: str,
    config: ListsConfig,
    by: str,
    role: str,
    home: Path,
    build: BuildConfig,
    policies: RatingPolicies,
    *,
    revoke: bool,
) -> Outcome:
    """End a listing — an early exit after an approved repair
    (:func:`~scoring.list_decisions.exit_on_repair`) or, with ``revoke``, a wrongful
    listing revoked (:func:`~scoring.list_decisions.revoke_listing`) — and re-rate the
    subject and the persons the listing reached.

    Raises
    ------
    scoring.lists.ListError
        Unknown listing, before the list's minimum, already ended, no reason.
    """
    models, skipped = champions(home, rated())
    events = store.query(
        "SELECT subject_id, persons FROM list_events WHERE listing_id = "
        "(SELECT listing_id FROM list_events WHERE event_id = ? LIMIT 1) AND event = 'enter'",
        [listing_id],
    )
    use_case = revoke_listing if revoke else exit_on_repair

    def change():
        lid = use_case(store, listing_id, on, reason, config, by, role)
        kind = "list_revoke" if revoke else "list_exit_repair"
        return lid, {"kind": kind, "id": lid, "on": str(on)}

    subjects: list[str] = []
    for _, e in events.iterrows():
        persons = e["persons"] if isinstance(e["persons"], str) else ""
        subjects += _listing_subjects(store, e["subject_id"], persons.split(","))
    lid, changes, seconds, wrote = _rerate(
        store, list(dict.fromkeys(subjects)), on, models, build, policies, change
    )
    status = "revoked" if revoke else "exited"
    return Outcome(lid, changes, seconds, status=status, skipped=skipped, **wrote)
