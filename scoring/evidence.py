"""The records behind a rating: which stored records an indicator reads and when they count.

A reason names an indicator; the indicator's declaration (features/definitions)
says which record kinds it reads, with which filter and over which window. This
module turns that back into rows of ``records`` so that a report can show the
records behind each reason and a migration list the records that moved a
subject. Whether a record counts at a date is decided by the same SQL the
feature build uses (:func:`features.compile.effective_records_sql`): published,
not revoked, no open or upheld objection, inside its publication window and not
ended by an approved repair.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from features.compile import Dialect, add_months, effective_records_sql, min_end_sql
from features.dsl import Derived, Match, Records, Related, Scheme
from features.link_lookup import links
from features.records.ids import is_personal_id
from features.records.windows import WindowPolicy
from features.store.base import Store
from features.subjects import current_subjects_sql

#: Columns of :func:`subject_records`.
RECORD_COLUMNS: tuple[str, ...] = (
    "record_id",
    "subject_id",
    "kind",
    "severity",
    "polarity",
    "value_num",
    "value_text",
    "amount",
    "event_date",
    "decided_on",
    "published_on",
    "valid_until",
    "revoked_on",
    "source_dept",
    "detail",
)


@dataclass(frozen=True)
class RecordSource:
    """One :class:`~features.dsl.Records` source read by an indicator.

    Attributes
    ----------
    indicator
        The indicator a reason names (a derived indicator lists the sources of
        the indicators it is computed from under its own name).
    records
        Which records, aggregated how, over which window.
    relation
        ``self`` for the subject's own records, else the :class:`~features.dsl.Related`
        relation (``legal_rep``, ``employer``, ``rep_firms``).
    """

    indicator: str
    records: Records
    relation: str = "self"


def record_sources(scheme: Scheme, name: str) -> list[RecordSource]:
    """The record sources behind indicator ``name`` of ``scheme`` (empty for attributes).

    Unknown indicator names give an empty list: a reason written by an older
    model version may name an indicator the scheme no longer declares.
    """
    try:
        ind = scheme.indicator(name)
    except KeyError:
        return []
    src = ind.source
    if isinstance(src, Records):
        return [RecordSource(name, src)]
    if isinstance(src, Related):
        return [RecordSource(name, src.inner, src.relation)]
    if isinstance(src, Derived):
        inner = record_sources(scheme, src.left) + record_sources(scheme, src.right)
        return [RecordSource(name, s.records, s.relation) for s in inner]
    return []


def indicator_kinds(
    scheme: Scheme, names: Iterable[str], relation: str | None = "self"
) -> set[str]:
    """Record kinds read by the indicators ``names`` (only ``relation`` sources; None: all)."""
    kinds: set[str] = set()
    for name in names:
        for s in record_sources(scheme, name):
            if relation is None or s.relation == relation:
                kinds.update(s.records.match.kinds)
    return kinds


def date_or_none(value: Any) -> dt.date | None:
    """A date from a store value (date, Timestamp, NaT, None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def record_date(rec: Mapping[str, Any]) -> dt.date | None:
    """The date a record is dated by in windows: ``decided_on``, else ``event_date``."""
    return date_or_none(rec.get("decided_on")) or date_or_none(rec.get("event_date"))


def matches(m: Match, rec: Mapping[str, Any]) -> bool:
    """Whether a record (a mapping of its columns) matches ``m``, as ``match_sql`` does."""
    if rec.get("kind") not in m.kinds:
        return False
    if m.severities and rec.get("severity") not in m.severities:
        return False
    if m.values and rec.get("value_text") not in m.values:
        return False
    value, amount = _num(rec.get("value_num")), _num(rec.get("amount"))
    for x, lo, hi in ((value, m.min_value, m.max_value), (amount, m.min_amount, m.max_amount)):
        if (lo is not None or hi is not None) and x is None:
            return False
        if lo is not None and x < lo:  # type: ignore[operator]
            return False
        if hi is not None and x > hi:  # type: ignore[operator]
            return False
    return not (m.polarity and rec.get("polarity") != m.polarity)


def window_bounds(src: Records, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    """``(lo, hi)``: a record dated in ``(lo, hi]`` is inside the window at ``as_of``.

    ``None`` for an in-force source (no window: the record counts while valid).
    """
    if src.window is None:
        return None
    return add_months(as_of, -(src.offset + src.window)), add_months(as_of, -src.offset)


def in_window(src: Records, rec: Mapping[str, Any], as_of: dt.date) -> bool:
    """Whether an effective record that matches ``src`` is inside its window at ``as_of``."""
    bounds = window_bounds(src, as_of)
    if bounds is None:
        until = date_or_none(rec.get("valid_until"))
        return until is None or until > as_of
    day = record_date(rec)
    return day is not None and bounds[0] < day <= bounds[1]


def is_open_report(limit: float, rec: Mapping[str, Any], as_of: dt.date) -> bool:
    """Whether a status report is still open at ``as_of`` (:attr:`Records.open_below`)."""
    value, day = _num(rec.get("value_num")), record_date(rec)
    if value is None:
        return False
    return value >= limit or (day is not None and value + (as_of - day).days < limit)


def open_until(limit: float, rec: Mapping[str, Any]) -> dt.date | None:
    """The first day a report below ``limit`` is no longer open (``None``: stays open)."""
    value, day = _num(rec.get("value_num")), record_date(rec)
    if value is None or day is None or value >= limit:
        return None
    return day + dt.timedelta(days=math.ceil(limit - value))


def anchor_start(
    since: Match, records: Iterable[Mapping[str, Any]], as_of: dt.date
) -> dt.date | None:
    """The start of the oldest record matching ``since`` in force at ``as_of`` among one
    subject's effective records (:attr:`Records.since`); ``None`` when there is none."""
    days = [
        d
        for r in records
        if matches(since, r)
        and ((u := date_or_none(r.get("valid_until"))) is None or u > as_of)
        and (d := record_date(r)) is not None
    ]
    return min(days, default=None)


def counts_in(
    src: Records, rec: Mapping[str, Any], as_of: dt.date, anchor: dt.date | None = None
) -> bool:
    """Whether an effective record at ``as_of`` is read by ``src`` (filter, window, still
    open, and for a ``since`` source dated on or after ``anchor``: :func:`anchor_start`)."""
    if not (matches(src.match, rec) and in_window(src, rec, as_of)):
        return False
    if src.open_below is not None and not is_open_report(src.open_below, rec, as_of):
        return False
    if src.since is not None:
        day = record_date(rec)
        return anchor is not None and day is not None and day >= anchor
    return True


def source_kinds(src: Records) -> set[str]:
    """Record kinds a source reads, its anchor's included."""
    return set(src.match.kinds) | (set(src.since.kinds) if src.since is not None else set())


def subject_records(
    store: Store,
    subject_ids: Iterable[str],
    kinds: Iterable[str] | None = None,
    policy: WindowPolicy | None = None,
) -> pd.DataFrame:
    """Every stored record of the subjects (optionally only ``kinds``), with repair facts.

    Besides :data:`RECORD_COLUMNS` the frame has ``repaired_on`` (the first
    approved repair, if any) and ``publication_end``: the date the record stops
    being published (``valid_until`` of a negative record, or the approved
    repair, never before the tier's minimum), null when open-ended.
    """
    policy = policy or WindowPolicy()
    ids = pd.DataFrame({"subject_id": sorted(set(subject_ids))}, dtype=object)
    kind_list = sorted(set(kinds)) if kinds is not None else None
    if ids.empty or kind_list == []:
        return pd.DataFrame(columns=[*RECORD_COLUMNS, "repaired_on", "publication_end"])
    where = ""
    if kind_list is not None:
        where = "WHERE r.kind IN (" + ", ".join("?" for _ in kind_list) + ")"
    cols = ", ".join(f"r.{c}" for c in RECORD_COLUMNS)
    sql = f"""
WITH rep AS (
  SELECT record_id, min(approved_on) AS repaired_on FROM repairs
  WHERE status = 'approved' AND approved_on IS NOT NULL GROUP BY record_id
)
SELECT {cols}, p.repaired_on, {min_end_sql(Dialect(store.dialect), policy)} AS repair_min_end
FROM records r JOIN _xp_ids i ON i.subject_id = r.subject_id
LEFT JOIN rep p ON p.record_id = r.record_id
{where}
ORDER BY r.subject_id, coalesce(r.decided_on, r.event_date), r.record_id"""
    frame = store.query(sql, kind_list, frames={"_xp_ids": ids})
    for col in (
        "event_date",
        "decided_on",
        "published_on",
        "valid_until",
        "revoked_on",
        "repaired_on",
        "repair_min_end",
    ):
        frame[col] = pd.Series(
            [date_or_none(v) for v in frame[col]], index=frame.index, dtype=object
        )
    ends = []
    for until, polarity, repaired, min_end in zip(
        frame["valid_until"],
        frame["polarity"],
        frame["repaired_on"],
        frame["repair_min_end"],
        strict=True,
    ):
        end = until if polarity == "negative" else None
        if repaired is not None:
            repair_end = max(repaired, min_end or repaired)
            end = repair_end if end is None else min(end, repair_end)
        ends.append(end)
    frame = frame.drop(columns=["repair_min_end"])
    frame["publication_end"] = pd.Series(ends, index=frame.index, dtype=object)
    return frame


def effective_ids(
    store: Store, subject_ids: Iterable[str], as_of: dt.date, policy: WindowPolicy | None = None
) -> set[str]:
    """Record ids of the subjects' records that count at ``as_of`` (DESIGN.md §5)."""
    ids = pd.DataFrame({"subject_id": sorted(set(subject_ids))}, dtype=object)
    if ids.empty:
        return set()
    eff = effective_records_sql(
        Dialect(store.dialect),
        as_of,
        policy or WindowPolicy(),
        "r.subject_id IN (SELECT subject_id FROM _xp_ids)",
    )
    frame = store.query(f"WITH {eff} SELECT record_id FROM eff", frames={"_xp_ids": ids})
    return set(frame["record_id"])


def related_parties_of(
    store: Store, subject_ids: Iterable[str], as_of: dt.date | None = None
) -> dict[str, dict[str, list[str]]]:
    """Ids of each subject's related parties by declared link (latest subject versions).

    Every link of :mod:`features.definitions.relations` is a key (``legal_rep``:
    the legal representative; ``employer``: a driver's employer; ``rep_firms``:
    other enterprises with the same legal representative; ``represented_firms``:
    the firms a person represents; ``responsible_for``: listed subjects naming the
    person…), its parties sorted. ``as_of`` dates the point-in-time links
    (``subject_links`` rows, listings in force); default: today. A subject need
    not be registered: a person is found as the legal representative of firms.
    """
    day = as_of or dt.date.today()
    ids = pd.DataFrame({"subject_id": sorted(set(subject_ids))}, dtype=object)
    declared = links()
    out: dict[str, dict[str, list[str]]] = {
        i: {key: [] for key in declared} for i in ids["subject_id"]
    }
    if ids.empty:
        return out
    pairs = " UNION ALL ".join(
        f"SELECT '{key}' AS relation, q.subject_id, q.party_id FROM "
        f"({x.pairs_sql(store.dialect, day)}) q"
        for key, x in declared.items()
    )
    cols = "".join(
        f", l.{c}" for c in dict.fromkeys(c for x in declared.values() for c in x.pop_columns())
    )
    frame = store.query(
        f"""WITH latest AS ({current_subjects_sql()}),
           pop AS (SELECT w.subject_id{cols} FROM _xp_ids w
                   LEFT JOIN latest l ON l.subject_id = w.subject_id)
           SELECT relation, subject_id, party_id FROM ({pairs}) x
           ORDER BY relation, subject_id, party_id""",
        frames={"_xp_ids": ids},
    )
    for relation, sid, party in frame.itertuples(index=False):
        if isinstance(party, str) and party:
            out[sid][relation].append(party)
    return out


def represented_firms(store: Store, person_id: str) -> list[str]:
    """The subjects whose current legal representative is ``person_id`` (latest versions;
    only organisations have one): the declared link ``represented_firms``."""
    code = person_id.strip().upper()
    return related_parties_of(store, [code])[code]["represented_firms"]


def _organisation_names(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """The registered names of the organisations among ``ids`` (a firm behind a person's
    reason is named; a person's name is personal data and is left out)."""
    wanted = sorted(i for i in set(ids) if not is_personal_id(i))
    if not wanted:
        return {}
    frame = store.query(
        f"WITH latest AS ({current_subjects_sql(columns=('subject_id', 'name'))}) "
        "SELECT subject_id, name FROM latest WHERE subject_id IN (SELECT subject_id FROM _xp_ids)",
        frames={"_xp_ids": pd.DataFrame({"subject_id": wanted}, dtype=object)},
    )
    return {
        sid: name for sid, name in frame.itertuples(index=False) if isinstance(name, str) and name
    }


def related_parties(
    store: Store, subject_id: str, as_of: dt.date | None = None
) -> dict[str, list[str]]:
    """Ids of one subject's related parties by relation (see :func:`related_parties_of`)."""
    return related_parties_of(store, [subject_id], as_of)[subject_id]


def records_behind(
    store: Store,
    scheme: Scheme,
    subject_id: str,
    indicators: Iterable[str],
    as_of: dt.date,
    policy: WindowPolicy | None = None,
) -> pd.DataFrame:
    """The records that count at ``as_of`` in each of the named indicators.

    Parameters
    ----------
    store
        The record store.
    scheme
        The rating scheme whose declarations name the indicators.
    subject_id
        The rated subject.
    indicators
        Indicator names, e.g. those of a rating's reasons and overrides.
    as_of
        The rating's as-of date.
    policy
        Publication windows (default: DOMAIN.md's).

    Returns
    -------
    pandas.DataFrame
        One row per (indicator, record): ``indicator``, ``relation``,
        ``owner_id`` (whose record: the subject or a related party), ``owner_name``
        (a related organisation's registered name, else None), the record's
        columns, ``record_date``, ``window_from`` / ``window_to`` (the record
        counts while dated in ``(window_from, window_to]``; null for in-force
        indicators), ``counts_until`` (the first day it no longer counts in
        this indicator if nothing else happens) and ``publication_end``.
    """
    policy = policy or WindowPolicy()
    sources = [s for name in dict.fromkeys(indicators) for s in record_sources(scheme, name)]
    parties = (
        related_parties(store, subject_id, as_of)
        if any(s.relation != "self" for s in sources)
        else {}
    )
    owners: dict[str, list[str]] = {"self": [subject_id], **parties}
    all_ids = {i for s in sources for i in owners.get(s.relation, [])}
    kinds = {k for s in sources for k in source_kinds(s.records)}
    records = subject_records(store, all_ids, kinds, policy)
    live = effective_ids(store, all_ids, as_of, policy)
    counted = [r for r in records.to_dict("records") if r["record_id"] in live]
    names = _organisation_names(store, all_ids - {subject_id})
    rows: list[dict[str, Any]] = []
    for s in sources:
        who = set(owners.get(s.relation, []))
        bounds = window_bounds(s.records, as_of)
        since = s.records.since
        anchor = (
            None
            if since is None
            else anchor_start(since, [r for r in counted if r["subject_id"] in who], as_of)
        )
        for rec in counted:
            if rec["subject_id"] not in who:
                continue
            if not counts_in(s.records, rec, as_of, anchor):
                continue
            day = record_date(rec)
            ends = [rec["publication_end"]]
            if bounds is None:
                ends.append(date_or_none(rec["valid_until"]))
            elif day is not None:
                ends.append(add_months(day, s.records.offset + s.records.window))  # type: ignore[operator]
            if s.records.open_below is not None:
                ends.append(open_until(s.records.open_below, rec))
            known = [e for e in ends if e is not None]
            rows.append(
                {
                    "indicator": s.indicator,
                    "relation": s.relation,
                    "owner_id": rec["subject_id"],
                    "owner_name": names.get(rec["subject_id"]),
                    **rec,
                    "record_date": day,
                    "window_from": bounds[0] if bounds else None,
                    "window_to": bounds[1] if bounds else None,
                    "counts_until": min(known) if known else None,
                }
            )
    columns = [
        "indicator",
        "relation",
        "owner_id",
        "owner_name",
        *RECORD_COLUMNS,
        "repaired_on",
        "publication_end",
        "record_date",
        "window_from",
        "window_to",
        "counts_until",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.drop_duplicates(["indicator", "record_id"]).reset_index(drop=True)
