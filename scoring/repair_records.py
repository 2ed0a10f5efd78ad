"""What each negative record of a subject allows on a day (信用修复指引, issue 19): when it
stops counting by itself, the earliest day a repair can end it, whether a repair is already
approved or pending, and what repair requires (:mod:`scoring.repair_requirements`).

The dates are those the rating uses: the record's ``valid_until`` (the window maximum or the
list's validity) and :func:`scoring.objections.repair_effective_on` (tier, sector and list
minimums, the legacy profile), so the guide and ``xinping repair approve`` agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from features.compile import BuildConfig, add_months
from features.effective import effective_records
from features.records.kinds import all_kinds
from features.records.values import KIND_VALUES, kind_value_label
from features.schemes import get_scheme
from features.store.sliced import SlicedStore
from scoring.evidence import date_or_none, record_date, record_sources, records_behind
from scoring.objections import repair_effective_on
from scoring.repair_requirements import RepairRequirements, RepairRule


@dataclass(frozen=True)
class RecordGuide:
    """One negative record that counts on the plan's day.

    Attributes
    ----------
    record_id, kind, severity, decided_on
        The record (``decided_on``: the date its windows run from).
    kind_zh, kind_en
        The kind's label.
    stops_on
        The first day it no longer counts by itself (its ``valid_until``: the window
        maximum or the list's validity); ``None``: open-ended (a list left only by repair).
    window_max_on
        The end of the tier's (or list's) maximum under settings ``[windows]``.
    earliest_end
        The earliest day a repair can end it (tier, sector or list minimum, DOMAIN.md), as
        :func:`scoring.objections.repair_effective_on` computes it.
    earliest_approval
        That day, not before the plan's day: when a repair approved as soon as possible
        takes effect; ``None`` when not repairable here.
    repair_status
        ``approved`` (taking effect later), ``applied`` (pending) or ``None``.
    repair_effective_on
        An approved repair's effect day.
    rule
        The requirements entry (how, steps, source); ``None``: no entry matches.
    gains
        False when a repair cannot end it before it stops by itself.
    counts_in_rating_until
        The first day no indicator of the subject's schemes counts it any longer (the latest
        of :func:`scoring.evidence.records_behind`'s ``counts_until``), if nothing else
        happens: a broken commitment stays published but its indicators count 24 months.
        ``None``: no indicator reads it, or one counts it as long as it is published. A
        points rule counts a record by its own cycle, which this date does not bound.
    read_by_rule
        A points rule of the subject's schemes reads its kind.
    """

    record_id: str
    kind: str
    kind_zh: str
    kind_en: str
    severity: str | None
    decided_on: dt.date | None
    stops_on: dt.date | None
    window_max_on: dt.date | None
    earliest_end: dt.date | None
    earliest_approval: dt.date | None
    repair_status: str | None
    repair_effective_on: dt.date | None
    rule: RepairRule | None
    gains: bool
    counts_in_rating_until: dt.date | None = None
    read_by_rule: bool = False

    @property
    def repairable(self) -> bool:
        """A repair can be applied for and would end the record early."""
        return (
            self.earliest_approval is not None
            and self.repair_status != "approved"
            and (self.rule is None or self.rule.repairable)
            and self.gains
        )


def _latest_records(view: SlicedStore, subject_id: str) -> pd.DataFrame:
    """The subject's records (latest version of each) from the slice."""
    rec = view.tables["records"].to_pandas()
    rec = rec[rec["subject_id"] == subject_id]
    if "recorded_at" in rec:
        rec = rec.sort_values("recorded_at").drop_duplicates("record_id", keep="last")
    return rec.set_index("record_id", drop=False)


def _repair_trail(view: SlicedStore) -> dict[str, tuple[str, dt.date | None]]:
    """Record → its latest repair status and approval (approved beats applied)."""
    rep = view.tables["repairs"].to_pandas()
    out: dict[str, tuple[str, dt.date | None]] = {}
    for _, r in rep.sort_values("recorded_at").iterrows():
        if r["status"] == "approved":
            out[r["record_id"]] = ("approved", date_or_none(r["approved_on"]))
        elif r["status"] == "applied" and out.get(r["record_id"], ("",))[0] != "approved":
            out[r["record_id"]] = ("applied", None)
    return out


def _kind_text(kind: str, label: str, rec: pd.Series, lang: str) -> str:
    """The kind with the value that makes it negative (信用承诺（违背承诺）): the kind's
    label alone would name a good thing (a commitment) as the risk."""
    value = rec.get("value_text")
    if not isinstance(value, str) or value not in KIND_VALUES.get(kind, {}):
        return label  # free text (a decision's wording) is not a label
    shown = kind_value_label(kind, value, lang)
    return f"{label}（{shown}）" if lang == "zh" else f"{label} ({shown})"


def record_guides(
    view: SlicedStore,
    subject_id: str,
    on: dt.date,
    build: BuildConfig,
    requirements: RepairRequirements,
) -> list[RecordGuide]:
    """The subject's negative records that count on ``on``, with their dates and what a
    repair of each requires; soonest to stop first."""
    policy = build.windows
    counting = set(effective_records(view.tables, on, policy).frame([subject_id])["record_id"])
    recs = _latest_records(view, subject_id)
    trail = _repair_trail(view)
    kinds = all_kinds()
    out: list[RecordGuide] = []
    for rid, rec in recs.iterrows():
        if rid not in counting or rec["polarity"] != "negative":
            continue
        kind = str(rec["kind"])
        severity = rec["severity"] if isinstance(rec["severity"], str) else None
        decided = record_date(rec.to_dict())
        stops = date_or_none(rec["valid_until"])
        label = kinds.get(kind)
        window_max = None
        if decided is not None and (severity in policy.tiers or kind in policy.list_months):
            months = policy.max_months(kind, severity or "serious", decided)
            window_max = add_months(decided, months)
        status, approved_on = trail.get(rid, (None, None))
        earliest_end = earliest = effect = None
        if decided is not None:
            earliest_end = repair_effective_on(rec, decided, policy)
            earliest = repair_effective_on(rec, on, policy)
        if status == "approved" and approved_on is not None:
            effect = repair_effective_on(rec, approved_on, policy)
        out.append(
            RecordGuide(
                record_id=str(rid),
                kind=kind,
                kind_zh=_kind_text(kind, label.label_zh if label else kind, rec, "zh"),
                kind_en=_kind_text(kind, label.label_en if label else kind, rec, "en"),
                severity=severity,
                decided_on=decided,
                stops_on=stops,
                window_max_on=window_max,
                earliest_end=earliest_end,
                earliest_approval=earliest,
                repair_status=status,
                repair_effective_on=effect,
                rule=requirements.rule(kind, severity),
                gains=earliest is not None and (stops is None or earliest < stops),
            )
        )
    far = dt.date.max
    out.sort(key=lambda g: (g.stops_on or far, g.record_id))
    return out


@dataclass(frozen=True)
class RelatedRecord:
    """A related party's record behind a rule that sets the subject's grade on the plan's day
    (a represented firm on the serious list…): the subject cannot repair it, its party can."""

    scheme: str
    rule_zh: str
    rule_en: str
    relation: str
    owner_id: str
    owner_name: str | None
    record_id: str
    kind: str
    counts_until: dt.date | None


def related_records(
    view: SlicedStore,
    plan_day: dt.date,
    subject_id: str,
    scheme_key: str,
    rules: Sequence[tuple[str, str, str]],
    build: BuildConfig,
) -> list[RelatedRecord]:
    """The related parties' records behind the rules in force on the plan's day, ``rules``
    being ``(indicator, rule_zh, rule_en)`` of the rating that day (read from the subject's
    slice, which holds its parties' rows)."""
    scheme = get_scheme(scheme_key)
    # only the rules over a related party's records (a query each: skipped for own records)
    names = [
        n
        for n, _, _ in rules
        if n and any(src.relation != "self" for src in record_sources(scheme, n))
    ]
    if not names:
        return []
    frame = records_behind(
        view,
        scheme,
        subject_id,
        names,
        plan_day,
        build.windows,
    )
    frame = frame[frame["relation"] != "self"]
    texts = {n: (zh, en) for n, zh, en in rules}
    out = []
    for _, r in frame.iterrows():
        zh, en = texts.get(r["indicator"], ("", ""))
        out.append(
            RelatedRecord(
                scheme_key,
                zh,
                en,
                str(r["relation"]),
                str(r["owner_id"]),
                r["owner_name"] if isinstance(r["owner_name"], str) else None,
                str(r["record_id"]),
                str(r["kind"]),
                date_or_none(r["counts_until"]),
            )
        )
    return out
