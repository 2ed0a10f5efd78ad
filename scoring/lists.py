"""The platform's managed lists (红名单, 黑名单, 重点关注名单): configuration and state.

A list is kept as an append-only trail of ``list_events`` rows
(:data:`features.records.schema.LIST_EVENTS`): an ``enter`` row opens a
*listing* (its ``event_id`` is the ``listing_id``), later rows publish,
suspend, resume, end or revoke it. Expiry is implied by ``expires_on``.

:func:`listing_states` turns the rows, with the objections and repairs of the
listings' evidence records, into each listing's status on a date — the one
definition every door reads (:func:`scoring.list_reads.subject_lists` for one subject). The
evidence's own trail counts even before ``xinping lists apply-rules`` has
written the matching events, so a listing is suspended the day an objection on
its evidence is opened (seed 002 #19: measures are not applied during
verification), revoked as wrongful when the objection is upheld (the listing
never counted) and ended early by an approved repair of its evidence, never
before the list's minimum (DOMAIN.md: black list 1 year). The rules that write
rows are in :mod:`scoring.list_rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from features.compile import add_months
from features.records.schema import LIST_KEYS
from scoring.measures.vocabulary import LIST_KEYS as VOCABULARY_LISTS

#: one spelling with the measures catalogue (scoring.measures.vocabulary)
LIST_LABELS: dict[str, tuple[str, str]] = dict(VOCABULARY_LISTS)
EVENT_LABELS: dict[str, tuple[str, str]] = {
    "enter": ("列入", "entered"),
    "publish": ("公示", "published"),
    "exit_repair": ("信用修复提前移出", "early exit on repair"),
    "exit_rule": ("按规则移出", "left by rule"),
    "suspend": ("异议核查中暂停", "suspended (objection)"),
    "resume": ("异议不成立恢复", "resumed (objection rejected)"),
    "revoke_wrongful": ("错误列入撤销", "revoked as wrongful"),
}
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "in_force": ("有效", "in force"),
    "suspended": ("暂停（异议核查中，不实施措施）", "suspended (objection, no measures)"),
    "expired": ("已届满", "expired"),
    "exited": ("已移出", "exited"),
    "revoked": ("已撤销（错误列入，不计）", "revoked (wrongful, never counted)"),
    "pending": ("尚未生效", "not yet effective"),
}
BASIS_LABELS: dict[str, tuple[str, str]] = {
    "rule": ("规则认定", "by rule"),
    "decision": ("部门决定", "by decision"),
}
#: statuses in which a listing makes its subject a member
ACTIVE = frozenset({"in_force", "suspended"})


class ListError(ValueError):
    """A list change the trail does not allow; ``zh`` says it in Chinese."""

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh or message


@dataclass(frozen=True)
class ListRule:
    """One entry rule (settings ``[[lists.rules]]``).

    Attributes
    ----------
    rule_id, list_key, label_zh
        Identifier, target list and a Chinese description.
    kinds, severities, values
        Records in force that trigger it: any of ``kinds`` (empty: any kind)
        with a severity in ``severities`` and ``value_text`` in ``values``
        (empty: any). Only negative records trigger the black and watch lists,
        only positive ones the red list.
    grade
        ``scheme:grade`` (e.g. ``enterprise:D``): the rating in force triggers it
        instead of a record.
    while_record
        The listing ends when its record stops counting (经营异常名录: cured).
    unless
        Lists that keep the rule from entering a subject already on them: a firm on
        the black list is not put on the watch list as well for the same breach.
    """

    rule_id: str
    list_key: str
    label_zh: str = ""
    kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    grade: str | None = None
    while_record: bool = False
    unless: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.list_key not in LIST_KEYS:
            raise ValueError(f"rule {self.rule_id}: unknown list {self.list_key!r}")
        if self.grade is not None and ":" not in self.grade:
            raise ValueError(f"rule {self.rule_id}: grade {self.grade!r} is not scheme:grade")


@dataclass(frozen=True)
class ListsConfig:
    """Validity, repair minimum, red-list drop and the entry rules (DOMAIN.md "Lists")."""

    months: dict[str, int] = field(default_factory=lambda: {"black": 36, "red": 12, "watch": 12})
    repair_min_months: dict[str, int] = field(
        default_factory=lambda: {"black": 12, "red": 0, "watch": 0}
    )
    red_drop_severities: tuple[str, ...] = ("general", "serious")
    #: lists whose enterprise listings name the legal representative (seed 002 #12)
    reach_lists: tuple[str, ...] = ("black",)
    rules: tuple[ListRule, ...] = ()

    def rule(self, rule_id: str) -> ListRule | None:
        """The rule called ``rule_id``."""
        return next((r for r in self.rules if r.rule_id == rule_id), None)


@dataclass(frozen=True)
class Listing:
    """One listing and its status on ``as_of``."""

    listing_id: str
    list_key: str
    subject_id: str
    basis: str
    rule_id: str | None
    dept: str | None
    document_no: str | None
    evidence: tuple[str, ...]
    persons: tuple[str, ...]
    entered_on: dt.date
    expires_on: dt.date | None
    published_on: dt.date | None
    status: str
    #: when it ended (exit, expiry or revocation) and why
    ended_on: dt.date | None
    end_reason: str | None
    #: what suspends it (an objection or a suspend event) when suspended
    suspended_by: str | None
    reason: str | None

    @property
    def active(self) -> bool:
        """The subject is a member through this listing."""
        return self.status in ACTIVE


@dataclass(frozen=True)
class ListState:
    """A subject's membership of one list on a date.

    ``member`` with ``suspended``: listed, but every listing is under an
    objection's verification, so no measure applies (seed 002 #19).
    """

    list_key: str
    member: bool
    suspended: bool
    since: dt.date | None
    until: dt.date | None
    listings: tuple[Listing, ...]

    @property
    def applies(self) -> bool:
        """Measures triggered by this list apply."""
        return self.member and not self.suspended


def day_of(value: Any) -> dt.date | None:
    """A date column value as :class:`datetime.date` (null → ``None``)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def by_day(days: pd.Series, as_of: dt.date) -> pd.Series:
    """A boolean mask of ``days`` on or before ``as_of`` (null: never); an empty
    column gives an empty mask (a plain list would select no columns)."""
    return pd.Series(
        [(day_of(d) or dt.date.max) <= as_of for d in days], index=days.index, dtype=bool
    )


def split_ids(text: Any) -> tuple[str, ...]:
    """A comma-separated id column as a tuple (empty for null)."""
    if not isinstance(text, str):
        return ()
    return tuple(t.strip() for t in text.split(",") if t.strip())


def objection_facts(
    objections: pd.DataFrame, as_of: dt.date
) -> dict[str, tuple[str, str, dt.date]]:
    """Per record: ``("open"|"upheld", objection_id, day)`` for objections open (day opened)
    or upheld (day resolved) on ``as_of``; a rejected one, or one opened later, is left out."""
    out: dict[str, tuple[str, str, dt.date]] = {}
    if objections.empty:
        return out
    for oid, rows in objections.groupby("objection_id", sort=True):
        opened = [d for d in map(day_of, rows["opened_on"]) if d is not None]
        if not opened or min(opened) > as_of:
            continue
        done = rows[rows["status"].isin(["upheld", "rejected"])]
        done = done[by_day(done["resolved_on"], as_of)]
        rid = rows["record_id"].iloc[0]
        if done.empty:
            out.setdefault(rid, ("open", str(oid), min(opened)))
        elif (done["status"] == "upheld").any():
            up = done[done["status"] == "upheld"]
            out[rid] = ("upheld", str(oid), min(day_of(d) for d in up["resolved_on"]))
    return out


def repair_facts(repairs: pd.DataFrame, as_of: dt.date) -> dict[str, tuple[dt.date, str]]:
    """Per record: the first repair approved by ``as_of`` (date, repair_id)."""
    out: dict[str, tuple[dt.date, str]] = {}
    if repairs.empty:
        return out
    ok = repairs[repairs["status"] == "approved"]
    for rid, day, rep in zip(ok["record_id"], ok["approved_on"], ok["repair_id"], strict=True):
        d = day_of(day)
        if d is not None and d <= as_of and (rid not in out or d < out[rid][0]):
            out[rid] = (d, str(rep))
    return out


def earliest_exit(entered_on: dt.date, list_key: str, config: ListsConfig) -> dt.date:
    """The first day a repair may end a listing (DOMAIN.md: black list after 1 year)."""
    return add_months(entered_on, config.repair_min_months.get(list_key, 0))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _status_of(
    enter: dict[str, Any],
    later: list[dict[str, Any]],
    objections: dict[str, tuple[str, str, dt.date]],
    repairs: dict[str, tuple[dt.date, str]],
    as_of: dt.date,
    config: ListsConfig,
) -> Listing:
    entered = enter["effective_on"]
    expires = day_of(enter["expires_on"])
    evidence = split_ids(enter["evidence"])
    seen = [r for r in later if r["effective_on"] is not None and r["effective_on"] <= as_of]
    published = [r["effective_on"] for r in seen if r["event"] == "publish"]
    ends: list[tuple[dt.date, str, str]] = []  # (day, status, why)
    for r in seen:
        if r["event"] == "revoke_wrongful":
            ends.append((r["effective_on"], "revoked", _text(r["reason"]) or ""))
        elif r["event"] in ("exit_repair", "exit_rule"):
            ends.append((r["effective_on"], "exited", _text(r["reason"]) or r["event"]))
    for rid in evidence:
        fact = objections.get(rid)
        if fact is not None and fact[0] == "upheld":
            ends.append((fact[2], "revoked", f"异议成立 objection {fact[1]} upheld"))
        if rid in repairs and enter["basis"] == "rule":
            day = max(repairs[rid][0], earliest_exit(entered, enter["list_key"], config))
            if day <= as_of:
                ends.append((day, "exited", f"信用修复 repair {repairs[rid][1]}"))
    # a revocation outranks any other end: the listing never counted
    revoked = [e for e in ends if e[1] == "revoked"]
    end = min(revoked or ends, default=None)
    suspended_by = None
    if end is None or end[1] != "revoked":
        marks = [r for r in seen if r["event"] in ("suspend", "resume")]
        if marks and marks[-1]["event"] == "suspend":
            suspended_by = _text(marks[-1]["cause_id"]) or marks[-1]["event_id"]
        for rid in evidence:
            if objections.get(rid, ("",))[0] == "open":
                suspended_by = objections[rid][1]
    if entered is None or entered > as_of:
        status, end = "pending", None
    elif end is not None and end[1] == "revoked":
        status = "revoked"
    elif end is not None and (expires is None or end[0] < expires):
        status = "exited"
    elif expires is not None and expires <= as_of:
        status, end = "expired", (expires, "expired", "期满 expired")
    elif end is not None:
        status = "exited"
    else:
        status = "suspended" if suspended_by else "in_force"
    return Listing(
        listing_id=enter["event_id"],
        list_key=enter["list_key"],
        subject_id=enter["subject_id"],
        basis=enter["basis"],
        rule_id=_text(enter["rule_id"]),
        dept=_text(enter["dept"]),
        document_no=_text(enter["document_no"]),
        evidence=evidence,
        persons=split_ids(enter["persons"]),
        entered_on=entered,
        expires_on=expires,
        published_on=min(published, default=None),
        status=status,
        ended_on=end[0] if end and status != "in_force" else None,
        end_reason=end[2] if end and status != "in_force" else None,
        suspended_by=suspended_by if status == "suspended" else None,
        reason=_text(enter["reason"]),
    )


def listing_states(
    events: pd.DataFrame,
    objections: pd.DataFrame,
    repairs: pd.DataFrame,
    as_of: dt.date,
    config: ListsConfig,
) -> list[Listing]:
    """Every listing in ``events`` with its status on ``as_of`` (pure).

    Parameters
    ----------
    events
        ``list_events`` rows (any subjects).
    objections, repairs
        The ``objections`` and ``repairs`` rows of the listings' evidence records.
    as_of
        The date.
    config
        The lists' settings.

    Returns
    -------
    list of Listing
        In order of entry (listings entered after ``as_of`` are ``pending``).
    """
    if events.empty:
        return []
    # one type per column (rows just built hold dates, stored ones timestamps)
    events = events.assign(
        effective_on=pd.Series([day_of(d) for d in events["effective_on"]], index=events.index),
        recorded_at=pd.to_datetime(events["recorded_at"]),
    ).sort_values(["effective_on", "recorded_at", "event_id"], kind="stable")
    obj = objection_facts(objections, as_of)
    rep = repair_facts(repairs, as_of)
    enters: dict[str, dict[str, Any]] = {}
    later: dict[str, list[dict[str, Any]]] = {}
    for r in events.to_dict("records"):
        if r["event"] == "enter":
            enters.setdefault(r["listing_id"], r)
        else:
            later.setdefault(r["listing_id"], []).append(r)
    out = [_status_of(e, later.get(lid, []), obj, rep, as_of, config) for lid, e in enters.items()]
    return sorted(out, key=lambda x: (x.entered_on, x.listing_id))


def list_states(listings: Iterable[Listing]) -> dict[str, ListState]:
    """One subject's listings folded into its state on every list (each key present)."""
    mine = list(listings)
    out = {}
    for key in LIST_KEYS:
        of = tuple(x for x in mine if x.list_key == key)
        active = [x for x in of if x.active]
        out[key] = ListState(
            key,
            bool(active),
            bool(active) and all(x.status == "suspended" for x in active),
            min((x.entered_on for x in active), default=None),
            max((x.expires_on for x in active if x.expires_on), default=None),
            of,
        )
    return out
