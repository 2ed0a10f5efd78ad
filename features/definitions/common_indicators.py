"""Indicator families that several schemes declare alike: the breadth and recency of a
subject's negative record, and its administrative penalties.

Enterprises, households, practitioners, social organisations and agricultural
businesses each read "negative records in 12/24 months", "days since the last negative
record" and the like, over the record kinds that are negative *for them* (their own
``NEGATIVE`` match) and under their own dimension. One declaration of each member here
gives them one name, one label and one reason wherever they are read; a scheme calls
:func:`negative_history` with its match, dimension and the members it reads, in the
order it lists them.

Plain data builders: this module declares no scheme, type or kind of its own (the
registry finds nothing to gather in it).
"""

from __future__ import annotations

from collections.abc import Callable

from features.dsl import DOWN, UP, Indicator, Match, Records

#: A missing value of a count of harms states a fact: none on file in the window.
_NONE_ON_FILE = {
    "missing_zh": "近{window}个月无失信记录",
    "missing_en": "no negative record in {window} months",
    "missing_rank": "best",
}


def _negative_records(months: int) -> Callable[[str, Match], Indicator]:
    def build(dimension: str, match: Match) -> Indicator:
        return Indicator(
            f"negative_records_{months}m",
            f"近{months}个月失信记录数",
            f"Negative records, {months} months",
            dimension,
            Records(match, "count", months),
            UP,
            "条",
            "近{window}个月有失信记录{value}条",
            "{value} negative records in {window} months",
        )

    return build


def _days_since_negative(dimension: str, match: Match) -> Indicator:
    return Indicator(
        "days_since_negative",
        "距最近一条失信记录天数",
        "Days since the last negative record",
        dimension,
        Records(match, "days_since", 24),
        DOWN,
        "天",
        "距最近一条失信记录{value}天",
        "{value} days since the last negative record",
        **_NONE_ON_FILE,
    )


def _negative_months_12m(dimension: str, match: Match) -> Indicator:
    return Indicator(
        "negative_months_12m",
        "近12个月出现失信记录的月份数",
        "Months with a negative record, 12 months",
        dimension,
        Records(match, "distinct_months", 12),
        UP,
        "个月",
        "近{window}个月中有{value}个月出现失信记录",
        "negative records in {value} of the last {window} months",
    )


_NEGATIVE_HISTORY: dict[str, Callable[[str, Match], Indicator]] = {
    "negative_records_12m": _negative_records(12),
    "negative_records_24m": _negative_records(24),
    "days_since_negative": _days_since_negative,
    "negative_months_12m": _negative_months_12m,
}


def negative_history(dimension: str, match: Match, *names: str) -> tuple[Indicator, ...]:
    """Members of the negative-record family over ``match``, under ``dimension``.

    Parameters
    ----------
    dimension
        The scheme's dimension for them (监管信息, 公共记录…).
    match
        The records that are negative for the scheme's subjects.
    names
        Which members, in the scheme's order: ``negative_records_12m``,
        ``negative_records_24m``, ``days_since_negative``, ``negative_months_12m``.
    """
    unknown = [n for n in names if n not in _NEGATIVE_HISTORY]
    if unknown:
        raise KeyError(
            f"no negative-history indicators {unknown}; known: {list(_NEGATIVE_HISTORY)}"
        )
    return tuple(_NEGATIVE_HISTORY[n](dimension, match) for n in names)


def penalty_count(dimension: str) -> Indicator:
    """Administrative penalties in 24 months, as a person or a farm business reads them
    (the enterprise scheme's own ``penalties_24m`` words its English otherwise)."""
    return Indicator(
        "penalties_24m",
        "近24个月行政处罚次数",
        "Penalties, 24 months",
        dimension,
        Records(Match(("administrative_penalty",)), "count", 24),
        UP,
        "次",
        "近{window}个月行政处罚{value}次",
        "{value} penalties in {window} months",
    )
