"""Indicators that state one fact when a subject has no records.

A firm that paid no tax for 24 months has its tax volatility over 24 months missing
("近24个月未纳税") *and* its tax paid over 12 months at 0 ("近12个月纳税0元"); a household
with no village assessment for 36 months has no latest assessment over 18 months either.
Listed side by side, the two read as two facts to a credit officer. Which indicators can
say the same thing is a property of their declarations, worked out here once per scheme
and kept with the model version (:class:`models.pipeline.IndicatorText`); the reasons
(:mod:`scoring.reasons`) list, row by row, only the stronger of two that do.

Indicator A *covers* indicator B when A declares what its missing value states
(``missing_zh``), both read the subject's own records over a window that ends at the as-of
date, A reads every record of its kinds (no other filter), B's kinds are among A's and B's
window lies within A's. A row states one fact through both when A is missing there and B is
missing too, or 0 for an aggregation that reads 0 without records (a count, a sum).

Two counts can also state one fact when the subject *has* records. A co-operative's one loan
past due over 24 months is counted by 近24个月贷款逾期1次 and, being a negative record, by
近24个月有失信记录1条: listed side by side they read as two problems. Count A *holds* count B
(:func:`counted_within`) when every record B counts is one A counts: both over a window ending
at the as-of date, B's within A's, B's kinds among A's, and A filtering on nothing but its kinds
and a polarity that B asks for or that B's kinds are registered with. Where a row's A equals its
B (and is not 0), the two count the same records: one fact. (A record pushed with another
polarity than its kind's could make two different records' counts equal: then one of two true
facts is left unlisted, its contribution in ``rest`` — never a wrong one listed.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from features.dsl import ZERO_WHEN_NONE, Indicator, Match, Records
from features.records.kinds import all_kinds


def _windowed(ind: Indicator) -> Records | None:
    """The indicator's own-records source when it reads a window ending at the date."""
    src = ind.source
    if not isinstance(src, Records) or src.window is None or src.offset:
        return None
    if src.since is not None or src.open_below is not None:
        return None
    return src


def _every_record(match: Match) -> bool:
    """True when the match keeps every record of its kinds."""
    return match == Match(match.kinds)


def covered_by(indicators: Iterable[Indicator]) -> dict[str, tuple[str, ...]]:
    """Per indicator B, the indicators A that cover it (see the module notes).

    Parameters
    ----------
    indicators
        One scheme's indicators.

    Returns
    -------
    dict
        ``{B: (A, …)}`` for every B covered by at least one other indicator, the A in
        declaration order.
    """

    def covers(a: Indicator, sa: Records, sb: Records) -> bool:
        return (
            bool(a.missing_zh)
            and _every_record(sa.match)
            and set(sb.match.kinds) <= set(sa.match.kinds)
            and sb.window <= sa.window
        )

    return _pairs(indicators, covers)


def _pairs(
    indicators: Iterable[Indicator], related: Callable[[Indicator, Records, Records], bool]
) -> dict[str, tuple[str, ...]]:
    """Per windowed indicator B, the other windowed indicators A (in declaration order) for
    which ``related(A, A's source, B's source)`` holds; only the B with at least one."""
    inds = [(i, _windowed(i)) for i in indicators]
    out: dict[str, tuple[str, ...]] = {}
    for b, sb in inds:
        if sb is None:
            continue
        found = tuple(
            a.name for a, sa in inds if a is not b and sa is not None and related(a, sa, sb)
        )
        if found:
            out[b.name] = found
    return out


def reads_zero_without_records(ind: Indicator) -> bool:
    """True when the indicator is 0 (not missing) for a subject with no matching record."""
    src = ind.source
    return isinstance(src, Records) and src.agg in ZERO_WHEN_NONE


def counted_within(indicators: Iterable[Indicator]) -> dict[str, tuple[str, ...]]:
    """Per count indicator B, the count indicators A that count every record B counts
    (see the module notes): where a row's A equals its B (not 0), they count the same
    records. ``{B: (A, …)}`` of one scheme's indicators, as :func:`covered_by` gives it."""

    def holds(a: Indicator, sa: Records, sb: Records) -> bool:
        return (
            sa.agg == "count"
            and sb.agg == "count"
            and sb.window <= sa.window
            and _holds(sa.match, sb.match)
        )

    return _pairs(indicators, holds)


def _holds(a: Match, b: Match) -> bool:
    """True when every record ``b`` matches is one ``a`` matches."""
    if not set(b.kinds) <= set(a.kinds) or replace(a, polarity=None) != Match(a.kinds):
        return False
    if a.polarity is None:
        return True
    if b.polarity is not None:
        return b.polarity == a.polarity
    kinds = all_kinds()
    return all(
        k in kinds and kinds[k].polarity == a.polarity and not kinds[k].polarity_by_value
        for k in b.kinds
    )
