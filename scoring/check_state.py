"""What a credit check knows about a subject on a date, and whom a firm's listing reaches.

:func:`subject_state` builds the :class:`~scoring.measures.matching.SubjectState`
of a subject through the shared reads: the managed lists
(:func:`scoring.list_reads.subject_lists`, suspended listings left out), the
records in force by the features' point-in-time rule
(:func:`scoring.evidence.effective_ids`: published, not revoked, no open
objection, inside the window) and the ratings in force
(:func:`scoring.history.ratings_on`).

:func:`reaches_of` is the person's side (seed 002 #12: 对严重失信企业及其法定代表人、
主要负责人和负有直接责任的人员): the firms whose active listings name the person, and
the firms the person represents now (a court's 失信被执行人 record reaches the
current legal representative), each with the lists and record kinds that may
carry a measure to that person. Which measures do is the catalogue's ``reaches``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from features.records.lookup import records_by_id
from features.records.windows import WindowPolicy
from features.store.base import Store
from features.subjects import current_subject
from scoring.evidence import effective_ids, represented_firms
from scoring.history import ratings_on
from scoring.list_reads import listings_naming, lists_applying, subject_lists
from scoring.lists import ListsConfig
from scoring.measures.matching import SubjectState
from scoring.measures.vocabulary import (
    GREEN_CHANNEL,
    RECORD_KINDS,
    TIERS,
    grade_schemes,
    scale_grades,
)


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


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)[:10]


def _records_in_force(store: Store, subject_id: str, on: dt.date, cfg: CheckConfig) -> pd.DataFrame:
    """The subject's records counting on ``on`` (the features' rule), with dates."""
    ids = sorted(effective_ids(store, [subject_id], on, cfg.windows))
    if not ids:
        return pd.DataFrame(columns=["record_id", "kind", "severity", "polarity", "rdate", "until"])
    # the subject's records alone are read: stored in subject order, a city store skips all
    # but a few blocks (by record ID alone it reads every record, seconds per check)
    return store.query(
        """SELECT record_id, kind, severity, polarity,
                  coalesce(decided_on, event_date) AS rdate, valid_until AS until
           FROM records WHERE subject_id = ? AND record_id IN (SELECT record_id FROM _xp_ids)
           ORDER BY rdate, record_id""",
        [subject_id],
        frames={"_xp_ids": pd.DataFrame({"record_id": ids}, dtype=object)},
    ).drop_duplicates("record_id")


def _record_dates(store: Store, subject_id: str, ids: list[str]) -> dict[str, tuple[str, str]]:
    """Each record's decision (or event) date and valid-until date, as text (its latest
    version; the subject's own records read first: :func:`records_by_id`)."""
    frame = records_by_id(store, ids, ("event_date", "decided_on", "valid_until"), subject_id)
    return {
        r.record_id: (
            _text(r.event_date if pd.isna(r.decided_on) else r.decided_on),
            _text(r.valid_until),
        )
        for r in frame.itertuples()
    }


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
    dates = _record_dates(
        store, subject_id, [r for k in applying for x in states[k].listings for r in x.evidence]
    )
    for key in sorted(applying):
        found = [x for x in states[key].listings if x.active and x.suspended_by is None]
        list_ids[key] = [x.listing_id for x in found]
        evidence[f"list:{key}"] = [
            Evidence("listing", x.listing_id, key, str(x.entered_on), _text(x.expires_on))
            for x in found
        ] + [
            # a listing's evidence record with its own dates (a decision may rest on a
            # record that no longer counts by itself)
            Evidence("record", r, "listing_evidence", *dates.get(r, (str(x.entered_on), "")))
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
    for scheme in grade_schemes():
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


@dataclass(frozen=True)
class Reach:
    """A firm whose listing or court record reaches a person (seed 002 #12).

    Attributes
    ----------
    firm_id, firm_name
        The firm (统一社会信用代码, not personal data).
    role
        ``legal_representative`` when the person represents the firm now, else
        ``responsible_persons`` (named in the listing by the deciding department).
    state
        The firm's lists naming the person and, for its current legal
        representative, its record kinds in force (失信被执行人 …): only these
        triggers may carry a measure to the person.
    evidence
        What each trigger of ``state`` rests on (the firm's listings and records).
    """

    firm_id: str
    firm_name: str
    role: str
    state: SubjectState
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)


def reaches_of(
    store: Store, person_id: str, on: dt.date, lists: ListsConfig, cfg: CheckConfig
) -> tuple[Reach, ...]:
    """The firms whose state on ``on`` reaches the person ``person_id``, by firm ID."""
    named = listings_naming(store, person_id, on, lists)
    represented = set(represented_firms(store, person_id))
    out = []
    for firm in sorted(set(named) | represented):
        evidence: dict[str, list[Evidence]] = {}
        keys = set()
        for x in named.get(firm, ()):
            keys.add(x.list_key)
            evidence.setdefault(f"list:{x.list_key}", []).append(
                Evidence(
                    "listing", x.listing_id, x.list_key, str(x.entered_on), _text(x.expires_on)
                )
            )
        kinds = set()
        if firm in represented:
            for r in _records_in_force(store, firm, on, cfg).itertuples():
                if r.kind in RECORD_KINDS:
                    kinds.add(r.kind)
                    evidence.setdefault(f"record:{r.kind}", []).append(
                        Evidence("record", r.record_id, r.kind, _text(r.rdate), _text(r.until))
                    )
        if not keys and not kinds:
            continue
        row = current_subject(store, firm) or {}
        name = row.get("name")
        out.append(
            Reach(
                firm,
                name if isinstance(name, str) else "",
                "legal_representative" if firm in represented else "responsible_persons",
                SubjectState(lists=frozenset(keys), records=frozenset(kinds)),
                evidence,
            )
        )
    return tuple(out)
