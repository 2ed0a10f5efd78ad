"""What the doors show of a subject's lists and of the measures that apply to it.

One read for the 信易贷 page and decision, the supervision page, the profile page
and the credit report (issue 17: "the supervisor sees the measures in force beside
each class; the bank sees list memberships in 信易贷"; every list change "visible in
the subject's profile and credit report"). Nothing here has SQL of its own: the
state is the credit check's (:func:`scoring.check_state.subject_state`, with the
lists of :func:`scoring.list_reads.subject_lists`), the person's side is
:func:`scoring.check_state.reaches_of`, the measures are the catalogue in force
(:func:`scoring.measures.versions.catalogue_in_force`) matched by
:func:`scoring.measures.matching.measures_for`, the trail is
:func:`scoring.list_reads.subject_list_history`. Display rows are plain strings in
``zh`` or ``en``; personal IDs are masked unless ``masked`` is False.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from features.records.personal import mask_text
from features.store.base import Store
from scoring.check_state import CheckConfig, Evidence, reaches_of, subject_state
from scoring.list_reads import listing_rows, subject_list_history, subject_lists
from scoring.lists import (
    BASIS_LABELS,
    EVENT_LABELS,
    LIST_LABELS,
    ListsConfig,
    ListState,
    split_ids,
)
from scoring.measures.catalogue import Catalogue, Measure
from scoring.measures.matching import AppliedMeasure, SubjectState, measures_for
from scoring.measures.versions import catalogue_in_force
from scoring.measures.vocabulary import (
    FORCES,
    MATTERS,
    MEASURE_TYPES,
    REACHES,
    RECORD_KINDS,
    trigger_short,
)

DASH = "—"
#: the status of a record kind in force (失信被执行人, 经营异常名录) on a membership row
RECORD_STATUS = ("有效", "in force")


@dataclass(frozen=True)
class Standing:
    """A subject's lists, records in force and the measures of one matter on a date.

    Attributes
    ----------
    lists
        Its state on every list (:func:`scoring.list_reads.subject_lists`).
    state, evidence
        The credit check's :class:`SubjectState` and what each trigger rests on.
    measures
        The measures of ``matter`` that apply (punishments first, mandatory first).
    catalogue_version
        The catalogue version the measures come from.
    """

    subject_id: str
    on: dt.date
    matter: str | None
    lists: dict[str, ListState]
    state: SubjectState
    evidence: dict[str, Any]
    measures: tuple[AppliedMeasure, ...]
    catalogue_version: str

    @property
    def mandatory_punishments(self) -> tuple[AppliedMeasure, ...]:
        """The mandatory punishments that apply: the published rules a decision must follow."""
        return tuple(
            a
            for a in self.measures
            if a.measure.type == "punishment" and a.measure.force == "mandatory"
        )


def standing(
    store: Store,
    subject_id: str,
    on: dt.date,
    matter: str | None,
    lists: ListsConfig,
    cfg: CheckConfig,
    catalogue: Catalogue | None = None,
    version: str = "",
) -> Standing:
    """The subject's :class:`Standing` for ``matter`` on ``on`` (the credit check's state
    and matching, without storing a check: the door that calls it audits the look-up).

    ``matter`` ``None``: memberships only, no measures (the credit report). ``catalogue``
    (with its ``version``) saves reading the catalogue in force again when many subjects
    are read; by default the catalogue in force is read.
    """
    if catalogue is None and matter is not None:
        found = catalogue_in_force(store)
        catalogue, version = found.catalogue, found.version_id
    state, evidence, _ = subject_state(store, subject_id, on, lists, cfg)
    return Standing(
        subject_id,
        on,
        matter,
        subject_lists(store, subject_id, on, lists),
        state,
        evidence,
        measures_for(catalogue, state, matter) if catalogue and matter else (),
        version,
    )


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def membership_rows(s: Standing, lang: str = "zh", masked: bool = True) -> list[dict[str, str]]:
    """The subject's memberships now: each active listing (in force, or suspended while an
    objection is verified) and each 失信被执行人 / 经营异常名录 record in force, with entry
    date, basis, expiry and the evidence (keys ``list, status, basis, entered_on,
    expires_on, evidence, persons, listing_id``)."""
    active = {
        k: replace(v, listings=tuple(x for x in v.listings if x.active)) for k, v in s.lists.items()
    }
    rows = [
        {k: r[k] for k in ("listing_id", "list", "status", "basis", "entered_on", "expires_on",
                           "evidence", "persons")}
        for r in listing_rows(active, lang, masked)
    ]  # fmt: skip
    for kind, (zh, en) in RECORD_KINDS.items():
        for e in s.evidence.get(f"record:{kind}", []):
            record = mask_text(e.id) if masked else e.id
            rows.append(
                {
                    "listing_id": "",
                    "list": zh if lang == "zh" else en,
                    "status": _pick(RECORD_STATUS, lang),
                    "basis": ("信用记录：" if lang == "zh" else "record ") + (record or ""),
                    "entered_on": e.on or DASH,
                    "expires_on": e.until or DASH,
                    "evidence": record or DASH,
                    "persons": DASH,
                }
            )
    return rows


def duration_text(m: Measure, lang: str = "zh") -> str:
    """惩戒期限 in words: ``名单存续期间`` or ``36个月``."""
    if m.duration_months is None:
        return "触发条件存续期间" if lang == "zh" else "while the trigger holds"
    return f"{m.duration_months}个月" if lang == "zh" else f"{m.duration_months} months"


def measure_row(m: Measure, lang: str = "zh", matched: tuple[str, ...] = ()) -> dict[str, str]:
    """One measure as a display row (name, type, force, basis, what triggers it, duration)."""
    sep = "、" if lang == "zh" else ", "
    return {
        "measure": m.name(lang),
        "type": _pick(MEASURE_TYPES[m.type], lang),
        "force": _pick(FORCES[m.force], lang),
        "basis": m.basis.document or m.basis.text,
        "basis_text": m.basis.text,
        "triggers": sep.join(trigger_short(t, lang) for t in (matched or m.triggers)),
        "duration": duration_text(m, lang),
    }


def measure_rows(applied: tuple[AppliedMeasure, ...], lang: str = "zh") -> list[dict[str, str]]:
    """The measures that apply, as display rows; ``triggers`` names what matched."""
    return [measure_row(a.measure, lang, a.matched) for a in applied]


def reason_text(text: object, lang: str = "zh") -> str:
    """A list event's reason in ``lang``: the rules write ``中文 / English``
    (:mod:`scoring.list_rules`), a department's own words are shown as written."""
    if not isinstance(text, str) or not text:
        return DASH
    zh, sep, en = text.rpartition(" / ")
    if not sep:
        return text
    return zh if lang == "zh" else en


def trail_rows(
    store: Store, subject_id: str, lang: str = "zh", masked: bool = True
) -> list[dict[str, str]]:
    """The subject's whole list trail, oldest first: entries, publications, suspensions on
    objection, resumptions, exits on repair or by rule, wrongful revocations, with their
    reasons (:func:`scoring.list_reads.subject_list_history`, persons masked)."""
    events = subject_list_history(store, subject_id, masked)
    out = []
    for r in events.to_dict("records"):
        basis = ""
        if r["event"] == "enter" and isinstance(r.get("basis"), str):
            if r["basis"] == "rule":
                named = r["reason"] if lang == "zh" else r.get("rule_id")
            else:
                named = " ".join(
                    x for x in (r.get("dept"), r.get("document_no")) if isinstance(x, str)
                )
            sep = "：" if lang == "zh" else " "
            basis = _pick(BASIS_LABELS[r["basis"]], lang) + sep + (named or "")
        out.append(
            {
                "effective_on": str(r["effective_on"]),
                "list": _pick(LIST_LABELS[r["list_key"]], lang),
                "event": _pick(EVENT_LABELS[r["event"]], lang),
                "listing_id": str(r["listing_id"]),
                "basis": basis.strip() or DASH,
                "expires_on": str(r["expires_on"]) if r["expires_on"] else DASH,
                "reason": reason_text(r["reason"], lang),
                "persons": ", ".join(split_ids(r["persons"])) or DASH,
            }
        )
    return out


def person_reach_rows(
    store: Store,
    person_id: str,
    on: dt.date,
    lists: ListsConfig,
    cfg: CheckConfig,
    lang: str = "zh",
    catalogue: Catalogue | None = None,
) -> list[dict[str, str]]:
    """The firms whose serious listing names the person (legal representative or
    responsible person), or whose court record reaches the person as the current legal
    representative, each with the measures that reach that role over every matter
    (:func:`scoring.check_state.reaches_of`, the catalogue's ``reaches``)."""
    if catalogue is None:
        catalogue = catalogue_in_force(store).catalogue
    sep = "、" if lang == "zh" else "; "
    out = []
    for r in reaches_of(store, person_id, on, lists, cfg):
        seen: dict[str, tuple[Measure, list[str]]] = {}
        for matter, (zh, en) in MATTERS.items():
            for a in measures_for(catalogue, r.state, matter):
                if r.role in a.measure.reaches:
                    seen.setdefault(a.measure.id, (a.measure, []))[1].append(
                        zh if lang == "zh" else en
                    )
        found: list[Evidence] = [e for es in r.evidence.values() for e in es]
        listings = [e for e in found if e.source == "listing"]
        records = [e for e in found if e.source == "record"]
        by = [
            f"{_pick(LIST_LABELS[e.kind], lang)} {e.id}（{e.on}）" if lang == "zh"
            else f"{_pick(LIST_LABELS[e.kind], lang)} {e.id} ({e.on})"
            for e in listings
        ] + [
            f"{_pick(RECORD_KINDS[e.kind], lang)} {mask_text(e.id)}" for e in records
        ]  # fmt: skip
        out.append(
            {
                "firm": r.firm_name,
                "firm_id": r.firm_id,
                "role": _pick(REACHES[r.role], lang),
                "through": sep.join(by) or DASH,
                "measures": sep.join(
                    f"{m.name(lang)}（{'、'.join(ms)}）"
                    if lang == "zh"
                    else f"{m.name(lang)} ({', '.join(ms)})"
                    for m, ms in seen.values()
                )
                or DASH,
                "mandatory": sep.join(
                    m.name(lang) for m, _ in seen.values() if m.force == "mandatory"
                )
                or DASH,
            }
        )
    return out


def class_measures(
    catalogue: Catalogue, classes: tuple[str, ...], lang: str = "zh"
) -> pd.DataFrame:
    """Beside each enterprise class (A–D, the enterprise grade), the ``supervision`` measures
    a grade trigger of that class fires (a row ``无`` for a class with none), then the
    supervision measures that lists, breach tiers or records fire whatever the class
    (``class`` = ``*``): columns ``class, measure, type, force, basis, triggers``."""
    supervision = [m for m in catalogue.measures if "supervision" in m.matters]
    rows = []
    for c in classes:
        trigger = f"grade:enterprise:{c}"
        mine = [m for m in supervision if trigger in m.triggers]
        for m in mine:
            rows.append({"class": c, **measure_row(m, lang, (trigger,))})
        if not mine:
            rows.append({"class": c, "measure": "无" if lang == "zh" else "none"})
    for m in supervision:
        other = tuple(t for t in m.triggers if not t.startswith("grade:"))
        if other:
            rows.append({"class": "*", **measure_row(m, lang, other)})
    cols = ["class", "measure", "type", "force", "basis", "triggers"]
    return pd.DataFrame(rows).reindex(columns=cols).fillna(DASH)
