"""Credit checks (信用核查): which rewards and punishments apply to a subject for a matter.

The use case behind ``xinping check`` (:func:`credit_check`). The subject's state
on the date is built from what the platform already knows
(:func:`scoring.check_state.subject_state`: lists, records in force, ratings in
force) and the current subject row (:func:`features.subjects.current_subject`).
For a person, the measures that reach it through a firm are added
(:func:`scoring.check_state.reaches_of`, seed 002 #12): a firm's serious listing
naming it, or the court record of a firm it represents, with the catalogue's
``reaches`` deciding which measures do. The measures come from the catalogue in
force (:func:`scoring.measures.versions.catalogue_in_force`). Every check is
appended to ``credit_checks`` with what it returned, and audited.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from features.records.ids import is_id_number
from features.records.personal import mask_code
from features.store.base import Store
from features.subjects import current_subject, person_types
from scoring.audit import write_audit
from scoring.check_state import CheckConfig, Evidence, Reach, reaches_of, subject_state
from scoring.lists import ListsConfig
from scoring.measures.catalogue import Catalogue
from scoring.measures.matching import AppliedMeasure, measures_for
from scoring.measures.versions import catalogue_in_force
from scoring.measures.vocabulary import MATTERS

# the state read lives in scoring.check_state; its names stay importable from here
__all__ = ["CheckConfig", "CheckError", "CheckResult", "Evidence", "credit_check"]

TABLE = "credit_checks"
#: Check IDs are numbered from the rows already stored: two threads of one process (the
#: API's request threads, the app's sessions) must not number theirs at once. Between
#: processes the store's write access already runs one writer at a time.
_NUMBERING = threading.Lock()
#: ``subject_type`` of a check on a person who is not a rated subject
NATURAL_PERSON = "person"


class CheckError(ValueError):
    """A check that cannot be made (unknown subject, matter, empty department or purpose).

    ``zh`` holds the Chinese message; ``str()`` the English one.
    """

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


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
    #: for a person: the firm (统一社会信用代码) through which the measure reaches it, and
    #: as whom (``legal_representative``, ``responsible_persons``); empty for its own state
    through: str = ""
    reached_as: str = ""


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
    #: for a person: the firms whose state reaches it (firm, name, role, lists, records)
    reached_through: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        """The stored form (subject shown masked for a person, never the full ID)."""
        data = asdict(self)
        data.pop("subject_id")
        return json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)


def _unique(found: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """Each piece of evidence once: a record named by a listing and in force itself is
    shown with its own dates."""
    out: dict[tuple[str, str], Evidence] = {}
    for e in found:
        key = (e.source, e.id)
        if key not in out or out[key].kind == "listing_evidence":
            out[key] = e
    return tuple(out.values())


def _applied(a: AppliedMeasure, evidence: dict, through: Reach | None = None) -> AppliedResult:
    m = a.measure
    return AppliedResult(
        m.id,
        m.name_zh,
        m.name_en,
        m.type,
        m.force,
        m.basis.document,
        m.basis.text,
        m.implementing,
        m.duration_months,
        a.matched,
        _unique(e for t in a.matched for e in evidence.get(t, [])),
        through.firm_id if through else "",
        through.role if through else "",
    )


def _reached(
    catalogue: Catalogue, reaches: tuple[Reach, ...], matter: str
) -> tuple[AppliedResult, ...]:
    """The measures that reach a person through each firm: the firm's triggers, kept
    only where the measure's ``reaches`` names the person's role."""
    return tuple(
        _applied(a, r.evidence, r)
        for r in reaches
        for a in measures_for(catalogue, r.state, matter)
        if r.role in a.measure.reaches
    )


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
    if row is None and is_id_number(code):
        # a natural person the platform rates under no scheme (a firm's legal
        # representative, a responsible person): checked all the same — what reaches
        # it through firms is exactly what the department asks about (seed 002 #12)
        row = {"subject_type": NATURAL_PERSON, "name": ""}
    if row is None:
        shown = mask_code(code) or ""
        raise CheckError(f"no subject {shown} in the store", f"没有该主体 {shown}")
    person = row.get("subject_type") in (*person_types(), NATURAL_PERSON)
    shown = mask_code(code) if (masked and person) else code
    found = catalogue_in_force(store)
    state, evidence, facts = subject_state(store, code, on, lists, cfg)
    applied = tuple(_applied(a, evidence) for a in measures_for(found.catalogue, state, matter))
    reaches = reaches_of(store, code, on, lists, cfg) if person else ()
    applied += _reached(found.catalogue, reaches, matter)
    name = row.get("name")
    with _NUMBERING, store.transaction() as tx:
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
            [
                {
                    "firm_id": r.firm_id,
                    "firm_name": r.firm_name,
                    "role": r.role,
                    "lists": sorted(r.state.lists),
                    "records": sorted(r.state.records),
                }
                for r in reaches
            ],
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
