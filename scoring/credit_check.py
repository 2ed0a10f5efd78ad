"""Credit checks (信用核查): which rewards and punishments apply to a subject for a matter.

The use case behind ``xinping check`` (:func:`credit_check`). The subject's state
on the date is built from what the platform already knows, through the shared
reads: the managed lists (:func:`scoring.list_reads.subject_lists`, suspended
listings left out), the records in force by the features' point-in-time rule
(:func:`scoring.evidence.effective_ids`: published, not revoked, no open
objection, inside the window), the ratings in force
(:func:`scoring.history.ratings_on`) and the current subject row
(:func:`features.subjects.current_subject`). The measures come from the
catalogue in force (:func:`scoring.measures.versions.catalogue_in_force`).
Every check is appended to ``credit_checks`` with what it returned, and audited.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from features.records.personal import mask_code
from features.records.windows import WindowPolicy
from features.store.base import Store
from features.subjects import PERSON_TYPES, current_subject
from scoring.audit import write_audit
from scoring.evidence import effective_ids
from scoring.history import ratings_on
from scoring.list_reads import lists_applying, subject_lists
from scoring.lists import ListsConfig
from scoring.measures.matching import SubjectState, measures_for
from scoring.measures.versions import catalogue_in_force
from scoring.measures.vocabulary import (
    GRADE_SCHEMES,
    GREEN_CHANNEL,
    MATTERS,
    RECORD_KINDS,
    TIERS,
    scale_grades,
)

TABLE = "credit_checks"


class CheckError(ValueError):
    """A check that cannot be made (unknown subject, matter, empty department or purpose).

    ``zh`` holds the Chinese message; ``str()`` the English one.
    """

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


@dataclass(frozen=True)
class CheckConfig:
    """How a credit check reads the records (settings ``[checks]``).

    Attributes
    ----------
    tiers
        Record severity (``features/records/schema.py`` SEVERITIES) → breach tier of
        seed 004. Default: ``minor`` → ``general`` (一般失信), ``general`` → ``heavier``
        (较重失信), ``serious`` → ``serious`` (严重失信). A severity not named gives no tier.
    windows
        The publication windows the records in force are read with (settings ``[windows]``).
    """

    tiers: dict[str, str] = field(
        default_factory=lambda: {"minor": "general", "general": "heavier", "serious": "serious"}
    )
    windows: WindowPolicy = field(default_factory=WindowPolicy)

    def __post_init__(self) -> None:
        for severity, tier in self.tiers.items():
            if tier not in TIERS:
                raise ValueError(
                    f"checks.tiers[{severity}]: {tier!r} is not one of {', '.join(TIERS)}"
                )


@dataclass(frozen=True)
class Evidence:
    """What a trigger rests on: a record, a listing or a rating."""

    source: str  # "record", "listing" or "rating"
    id: str
    kind: str
    on: str  # the record's decision/event date, the listing's entry, the rating's as-of
    until: str = ""  # valid until / expires on


@dataclass(frozen=True)
class AppliedResult:
    """One measure returned by a check, with the triggers that matched and their evidence."""

    measure_id: str
    name_zh: str
    name_en: str
    type: str
    force: str
    basis_document: str
    basis_text: str
    implementing: tuple[str, ...]
    duration_months: int | None
    matched: tuple[str, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class CheckResult:
    """What a credit check returned (and what ``credit_checks.result`` keeps).

    ``subject_shown`` is the subject ID as the caller may see it (masked for a
    person unless the role sees full IDs); ``subject_id`` is never rendered by a door.
    """

    check_id: str
    subject_id: str
    subject_shown: str
    name: str
    subject_type: str
    matter: str
    as_of: dt.date
    department: str
    purpose: str
    catalogue_version: str
    lists: dict[str, list[str]]  # applying list key -> its listing ids
    records: dict[str, list[str]]  # record kind in force -> record ids
    tiers: dict[str, list[str]]  # breach tier -> record ids
    grades: dict[str, str]
    green_channel: bool
    measures: tuple[AppliedResult, ...]

    def to_json(self) -> str:
        """The stored form (subject shown masked for a person, never the full ID)."""
        data = asdict(self)
        data.pop("subject_id")
        return json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)[:10]


def _records_in_force(store: Store, subject_id: str, on: dt.date, cfg: CheckConfig) -> pd.DataFrame:
    """The subject's records counting on ``on`` (the features' rule), with dates."""
    ids = sorted(effective_ids(store, [subject_id], on, cfg.windows))
    if not ids:
        return pd.DataFrame(columns=["record_id", "kind", "severity", "polarity", "rdate", "until"])
    return store.query(
        """SELECT record_id, kind, severity, polarity,
                  coalesce(decided_on, event_date) AS rdate, valid_until AS until
           FROM records WHERE record_id IN (SELECT record_id FROM _xp_ids)
           ORDER BY rdate, record_id""",
        frames={"_xp_ids": pd.DataFrame({"record_id": ids}, dtype=object)},
    ).drop_duplicates("record_id")


def subject_state(
    store: Store, subject_id: str, on: dt.date, lists: ListsConfig, cfg: CheckConfig
) -> tuple[SubjectState, dict[str, Evidence | list[Evidence]], dict[str, Any]]:
    """The subject's :class:`SubjectState` on ``on``, the evidence of each trigger, and facts.

    Returns
    -------
    state, evidence, facts
        ``evidence`` maps each trigger expression that holds to what it rests on;
        ``facts`` has ``lists``, ``records``, ``tiers`` (ids behind each) and ``grades``.
    """
    evidence: dict[str, list[Evidence]] = {}
    states = subject_lists(store, subject_id, on, lists)
    applying = lists_applying(states)
    list_ids: dict[str, list[str]] = {}
    for key in sorted(applying):
        found = [x for x in states[key].listings if x.active and x.suspended_by is None]
        list_ids[key] = [x.listing_id for x in found]
        evidence[f"list:{key}"] = [
            Evidence("listing", x.listing_id, key, str(x.entered_on), _text(x.expires_on))
            for x in found
        ] + [
            Evidence("record", r, "listing_evidence", str(x.entered_on))
            for x in found
            for r in x.evidence
        ]
    recs = _records_in_force(store, subject_id, on, cfg)
    kinds: dict[str, list[str]] = {}
    tiers: dict[str, list[str]] = {}
    for r in recs.itertuples():
        ev = Evidence("record", r.record_id, r.kind, _text(r.rdate), _text(r.until))
        if r.kind in RECORD_KINDS:
            kinds.setdefault(r.kind, []).append(r.record_id)
            evidence.setdefault(f"record:{r.kind}", []).append(ev)
        tier = cfg.tiers.get(r.severity) if r.polarity == "negative" else None
        if tier:
            tiers.setdefault(tier, []).append(r.record_id)
            evidence.setdefault(f"tier:{tier}", []).append(ev)
    grades: dict[str, str] = {}
    green = False
    for scheme in GRADE_SCHEMES:
        rated = ratings_on(store, scheme, on, [subject_id])
        if rated.empty:
            continue
        row = rated.iloc[0]
        grade = str(row["final_grade"])
        ev = Evidence("rating", f"{scheme}:{row['model_version']}", scheme, str(row["as_of"]))
        if grade in scale_grades(scheme):
            grades[scheme] = grade
            evidence[f"grade:{scheme}:{grade}"] = [ev]
        if bool(row["green_channel"]) if pd.notna(row["green_channel"]) else False:
            green = True
            evidence.setdefault(GREEN_CHANNEL, []).append(ev)
    state = SubjectState(
        lists=applying,
        records=frozenset(kinds),
        tiers=frozenset(tiers),
        grades=grades,
        green_channel=green,
    )
    facts = {"lists": list_ids, "records": kinds, "tiers": tiers, "grades": grades}
    return state, evidence, facts


def _unique(found: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """Each piece of evidence once: a record named by a listing and in force itself is
    shown with its own dates."""
    out: dict[tuple[str, str], Evidence] = {}
    for e in found:
        key = (e.source, e.id)
        if key not in out or out[key].kind == "listing_evidence":
            out[key] = e
    return tuple(out.values())


def _next_id(store: Store) -> str:
    n = int(store.query(f"SELECT count(*) AS n FROM {TABLE}")["n"].iloc[0])
    return f"CC-{n + 1:07d}"


def credit_check(
    store: Store,
    subject_id: str,
    matter: str,
    on: dt.date,
    lists: ListsConfig,
    cfg: CheckConfig,
    department: str,
    purpose: str,
    checked_by: str,
    role: str = "cli",
    masked: bool = True,
) -> CheckResult:
    """Check a subject for a matter on a date; store the check and audit it.

    Parameters
    ----------
    store
        The store (the check is appended to ``credit_checks``, the look-up to ``audit_log``).
    subject_id
        统一社会信用代码 or 居民身份证号码 (upper-cased).
    matter
        A matter key (``procurement`` …, :data:`scoring.measures.vocabulary.MATTERS`).
    on
        The date the state is read at (lists, records in force, ratings in force).
    lists
        The managed lists' configuration (settings ``[lists]``).
    cfg
        Tier mapping and windows (settings ``[checks]``, ``[windows]``).
    department, purpose
        Who checks and why (both required: 应查必查 statistics count them).
    checked_by, role
        The user and role, for the stored row and the audit log.
    masked
        Show a person's ID masked (every role without full-ID rights).

    Raises
    ------
    CheckError
        Unknown matter or subject, empty department or purpose.
    """
    code = subject_id.strip().upper()
    if matter not in MATTERS:
        raise CheckError(
            f"matter {matter!r} is not one of {', '.join(MATTERS)}",
            f"事项 {matter!r} 不在事项清单中（{'、'.join(z for z, _ in MATTERS.values())}）",
        )
    if not department.strip() or not purpose.strip():
        raise CheckError("department and purpose are required", "须填写核查部门和核查事由")
    row = current_subject(store, code) if code else None
    if row is None:
        shown = mask_code(code) or ""
        raise CheckError(f"no subject {shown} in the store", f"没有该主体 {shown}")
    person = row.get("subject_type") in PERSON_TYPES
    shown = mask_code(code) if (masked and person) else code
    found = catalogue_in_force(store)
    state, evidence, facts = subject_state(store, code, on, lists, cfg)
    applied = tuple(
        AppliedResult(
            a.measure.id,
            a.measure.name_zh,
            a.measure.name_en,
            a.measure.type,
            a.measure.force,
            a.measure.basis.document,
            a.measure.basis.text,
            a.measure.implementing,
            a.measure.duration_months,
            a.matched,
            _unique(e for t in a.matched for e in evidence.get(t, [])),
        )
        for a in measures_for(found.catalogue, state, matter)
    )
    name = row.get("name")
    with store.transaction() as tx:
        check_id = _next_id(tx)
        result = CheckResult(
            check_id,
            code,
            shown or "",
            "" if name is None or (not isinstance(name, str) and pd.isna(name)) else str(name),
            str(row.get("subject_type") or ""),
            matter,
            on,
            department.strip(),
            purpose.strip(),
            found.version_id,
            facts["lists"],
            facts["records"],
            facts["tiers"],
            facts["grades"],
            state.green_channel,
            applied,
        )
        tx.append(
            TABLE,
            pd.DataFrame(
                [
                    {
                        "check_id": check_id,
                        "checked_at": dt.datetime.now(),
                        "checked_by": checked_by,
                        "department": result.department,
                        "purpose": result.purpose,
                        "matter": matter,
                        "subject_id": code,
                        "as_of": on,
                        "catalogue_version": found.version_id,
                        "catalogue_sha256": found.sha256,
                        "measures": len(applied),
                        "result": result.to_json(),
                    }
                ]
            ),
        )
    write_audit(
        store,
        checked_by,
        role,
        "credit_check",
        code,
        {
            "check_id": check_id,
            "matter": matter,
            "as_of": on,
            "department": result.department,
            "purpose": result.purpose,
            "catalogue_version": found.version_id,
            "measures": [a.measure_id for a in applied],
        },
    )
    return result


def stored_check(store: Store, check_id: str) -> dict[str, Any] | None:
    """A stored check as it was returned (``result`` decoded), or ``None``."""
    rows = store.query(f"SELECT * FROM {TABLE} WHERE check_id = ?", [check_id])
    if rows.empty:
        return None
    out = rows.iloc[0].to_dict()
    out["result"] = json.loads(out["result"])
    return out
