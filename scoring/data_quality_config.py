"""The rules of department data quality (settings ``[quality]``, issue 19): the metrics,
their weights and the defect rate at which each scores 0, the 双公示 deadline, volume bounds
and what each kind requires (:mod:`scoring.data_quality`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

METRICS: tuple[str, ...] = (
    "timeliness",
    "completeness",
    "validity",
    "duplicates",
    "accuracy",
    "volume",
)


#: What makes two stored rows the same decision. The record ID is left out on purpose: a
#: department's system that pushes a decision again issues a new one (an ID seen before is
#: caught by the ingest as unchanged or conflicting). ``published_on`` is left out because a
#: re-push is published later, ``detail`` because it may be reworded; the rest — who, what
#: kind, the decision's date, its amount, its text and numeric value and its tier — is the
#: decision itself: two real decisions rarely agree on all of them.
#: each metric's share of the score (settings ``[quality] weights``; proposals)
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "timeliness": 0.25,
        "completeness": 0.20,
        "validity": 0.20,
        "duplicates": 0.10,
        "accuracy": 0.15,
        "volume": 0.10,
    }
)
#: the defect rate at which each metric scores 0 (settings ``[quality] zero_at``; proposals)
DEFAULT_ZERO_AT: Mapping[str, float] = MappingProxyType(
    {
        "timeliness": 0.5,
        "completeness": 0.2,
        "validity": 0.05,
        "duplicates": 0.05,
        "accuracy": 0.5,
        "volume": 1.0,
    }
)


@dataclass(frozen=True)
class QualityConfig:
    """The data-quality rules (settings ``[quality]``; the deadline from ``[disclosure]``).

    Attributes
    ----------
    deadline_workdays
        双公示: published within this many working days of the decision (7).
    holidays
        Public holidays that are not working days (``[objections] holidays``).
    deadline_kinds
        The kinds the deadline applies to: the 双公示 kinds (``[disclosure]``'s licences and
        penalties); other kinds' publication has no deadline to be late against.
    required
        Record kind → fields it requires beyond what its declaration implies
        (:func:`required_fields`); ``"*"`` applies to every kind.
    weights
        Metric → weight of its goodness in the score.
    zero_at
        Metric → the defect rate at which its goodness reaches 0.
    volume_months
        How many previous months make a department's usual level (their median).
    volume_low, volume_high
        A month below ``low`` or above ``high`` times the usual level is flagged.
    volume_basis, volume_years
        ``same_month``: the usual level of a month is the median of the same calendar month
        of the previous ``volume_years`` years (a seasonal department is compared with its
        own season), the previous months' median before a year of history;
        ``previous_months``: always the median of the previous ``volume_months`` months.
    volume_min_usual
        Below this usual level (rows a month) a month is not judged: a department that
        pushes a handful of rows a month doubles or halves by chance.
    min_count
        A metric is judged on at least this many rows (decisions, objections…) in the
        period; on fewer it is left out of the score (two late decisions of three say
        little).
    """

    deadline_workdays: int = 7
    holidays: tuple[dt.date, ...] = ()
    deadline_kinds: tuple[str, ...] = ("administrative_licence", "administrative_penalty")
    required: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    zero_at: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_ZERO_AT))
    volume_months: int = 12
    volume_low: float = 0.5
    volume_high: float = 2.0
    volume_min_usual: int = 30
    min_count: int = 20
    volume_basis: str = "same_month"
    volume_years: int = 3

    def __post_init__(self) -> None:
        for name, table in (("weights", self.weights), ("zero_at", self.zero_at)):
            if set(table) != set(METRICS):
                raise ValueError(f"quality {name}: expected exactly {', '.join(METRICS)}")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ValueError("quality weights: none negative, at least one above 0")
        if any(not 0 < z <= 1 for z in self.zero_at.values()):
            raise ValueError("quality zero_at: each in (0, 1]")
        if not 0 <= self.volume_low < 1 < self.volume_high:
            raise ValueError("quality volume bounds: 0 <= volume_low < 1 < volume_high")
        if self.volume_basis not in ("same_month", "previous_months") or self.volume_years < 1:
            raise ValueError("quality volume_basis: same_month or previous_months; years >= 1")
        if self.volume_months < 1 or self.deadline_workdays < 0:
            raise ValueError("quality: volume_months >= 1 and deadline_workdays >= 0")
