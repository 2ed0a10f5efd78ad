"""Publication windows of negative records (失信行为分级, 信用修复).

The numbers are DOMAIN.md's defaults; ``app/settings.toml`` may override every
one of them and the app passes the result down as a :class:`WindowPolicy`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class TierWindow:
    """Minimum and maximum publication window of a tier, in months."""

    min_months: int
    max_months: int


@dataclass(frozen=True)
class WindowPolicy:
    """How long a negative record may be published and when it may be repaired.

    Attributes
    ----------
    tiers
        Window per severity tier under the current rules.
    legacy_tiers
        Window per tier for records decided before ``legacy_before``.
    legacy_before
        Cut-over date of the current rules (2026-04-01).
    sector_min_months
        Sectors whose penalties have a longer minimum (food, drugs, special
        equipment, work safety, fire: 12 months).
    list_months
        Validity of list memberships by kind (serious list 36, red list 12).
    list_repair_min_months
        Earliest repair of a list membership by kind (serious list 12).
    """

    tiers: dict[str, TierWindow] = field(
        default_factory=lambda: {
            "minor": TierWindow(0, 3),
            "general": TierWindow(3, 12),
            "serious": TierWindow(12, 36),
        }
    )
    legacy_tiers: dict[str, TierWindow] = field(
        default_factory=lambda: {
            "minor": TierWindow(0, 3),
            "general": TierWindow(3, 12),
            "serious": TierWindow(6, 36),
        }
    )
    legacy_before: dt.date = dt.date(2026, 4, 1)
    sector_min_months: dict[str, int] = field(
        default_factory=lambda: {
            "food": 12,
            "drug": 12,
            "special_equipment": 12,
            "work_safety": 12,
            "fire": 12,
        }
    )
    list_months: dict[str, int] = field(
        default_factory=lambda: {"serious_violation_list": 36, "red_list": 12}
    )
    list_repair_min_months: dict[str, int] = field(
        default_factory=lambda: {"serious_violation_list": 12}
    )

    def window(self, severity: str, decided_on: dt.date) -> TierWindow:
        """The tier window in force for a record decided on ``decided_on``."""
        table = self.legacy_tiers if decided_on < self.legacy_before else self.tiers
        return table[severity]

    def min_months(self, kind: str, severity: str, decided_on: dt.date, sector: str = "") -> int:
        """Months a record must stay published before a repair can end it."""
        if kind in self.list_repair_min_months:
            return self.list_repair_min_months[kind]
        base = self.window(severity, decided_on).min_months
        return max(base, self.sector_min_months.get(sector, 0))

    def max_months(self, kind: str, severity: str, decided_on: dt.date) -> int:
        """Months after which publication stops on its own."""
        if kind in self.list_months:
            return self.list_months[kind]
        return self.window(severity, decided_on).max_months


def add_months(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Add calendar months to ``datetime64[D]`` dates, clamping to month end.

    >>> add_months(np.array(["2024-01-31"], dtype="datetime64[D]"), 1)
    array(['2024-02-29'], dtype='datetime64[D]')
    """
    d = np.asarray(days, dtype="datetime64[D]")
    month_start = d.astype("datetime64[M]")
    day_of_month = (d - month_start.astype("datetime64[D]")).astype(int)
    target = month_start + np.asarray(months).astype("timedelta64[M]")
    next_start = (target + np.timedelta64(1, "M")).astype("datetime64[D]")
    last_day = (next_start - target.astype("datetime64[D]")).astype(int) - 1
    return target.astype("datetime64[D]") + np.minimum(day_of_month, last_day).astype(
        "timedelta64[D]"
    )
