"""Observed history: which indicators' windows the store's records cover at a date.

A window that reaches back before the records of its kinds begin reads a shorter
history than it declares (a 36-month count that has seen 12 months, a "latest
tax level" before the first level was published): such a snapshot describes the
subjects differently from the later ones the model will rate. Training keeps a
snapshot only when every indicator not declared tolerant of a short history
(:attr:`features.dsl.Indicator.short_history`) is covered.

* :func:`history_start` — the one query: the first record date per kind.
* :func:`uncovered` — pure: per as-of date, the indicators whose window is not covered.

Coverage of a record window ``(T − offset − window, T − offset]`` (months, as
:mod:`features.compile` reads it): every day of it on or after the history start
of each kind it reads. A kind's history starts on the first day of the calendar
quarter of its earliest record: departments push periodic reports dated at the
end of the quarter (or year) they cover, and a rare kind's first record is late
by chance, not because the platform began later. A tolerant indicator needs only
that its window reaches into the history (its kinds have begun by the window's
end). ``window=None`` (in force at the date) and attributes are always covered;
a derived indicator is covered when both its sources are (or it is tolerant).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from features.compile import RECORD_DATE, add_months
from features.dsl import Derived, Records, Related, Scheme
from features.store.base import Store


def _kinds(scheme: Scheme) -> set[str]:
    out: set[str] = set()
    for ind in scheme.indicators:
        src = ind.source.inner if isinstance(ind.source, Related) else ind.source
        if isinstance(src, Records):
            out.update(src.match.kinds)
    return out


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def history_start(store: Store, kinds: Iterable[str]) -> dict[str, dt.date]:
    """The first day of the quarter of each kind's earliest record (one query).

    Kinds without any record are left out (an indicator reading only them is
    uncovered at every date).
    """
    kinds = sorted(set(kinds))
    if not kinds:
        return {}
    marks = ", ".join("?" for _ in kinds)
    frame = store.query(
        f"SELECT r.kind AS kind, min({RECORD_DATE}) AS first FROM records r "
        f"WHERE r.kind IN ({marks}) GROUP BY r.kind",
        kinds,
    )
    out = {}
    for kind, first in zip(frame["kind"], frame["first"], strict=True):
        if first is None or first != first:  # NULL / NaT
            continue
        day = first.date() if hasattr(first, "date") else first
        out[str(kind)] = _quarter_start(day)
    return out


def scheme_history_start(store: Store, scheme: Scheme) -> dict[str, dt.date]:
    """:func:`history_start` of every kind the scheme's indicators read."""
    return history_start(store, _kinds(scheme))


def _record_covered(
    rec: Records, as_of: dt.date, starts: Mapping[str, dt.date], tolerant: bool
) -> bool:
    if rec.window is None:
        return True
    lo = add_months(as_of, -(rec.offset + rec.window))  # the window is (lo, hi]
    hi = add_months(as_of, -rec.offset)
    for kind in rec.match.kinds:
        start = starts.get(kind)
        if start is None:
            return False
        if tolerant:
            if hi < start:
                return False
        elif lo + dt.timedelta(days=1) < start:
            return False
    return True


def uncovered(
    scheme: Scheme, starts: Mapping[str, dt.date], dates: Iterable[dt.date]
) -> dict[dt.date, tuple[str, ...]]:
    """Per as-of date, the indicators whose window the history does not cover.

    Parameters
    ----------
    scheme
        The scheme whose indicators are checked.
    starts
        History start per record kind (:func:`history_start`).
    dates
        As-of dates.

    Returns
    -------
    dict
        Each date → the names of its uncovered indicators, in declaration order
        (empty: the snapshot is fully observed).
    """
    out: dict[dt.date, tuple[str, ...]] = {}
    for day in dates:
        covered: dict[str, bool] = {}
        for ind in scheme.indicators:
            src = ind.source.inner if isinstance(ind.source, Related) else ind.source
            if isinstance(src, Records):
                ok = _record_covered(src, day, starts, ind.short_history)
            elif isinstance(src, Derived):
                ok = ind.short_history or (
                    covered.get(src.left, True) and covered.get(src.right, True)
                )
            else:
                ok = True
            covered[ind.name] = ok
        out[day] = tuple(n for n, ok in covered.items() if not ok)
    return out
