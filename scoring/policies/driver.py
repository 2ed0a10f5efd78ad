"""Driver integrity points and grade (道路运输驾驶员诚信考核): a reader of the declared rule.

The rule is declared with the drivers' scheme
(:data:`features.definitions.driver.INTEGRITY`, a
:class:`features.rules.PointsRule`): over a 12-month cycle each event a driver is
responsible for scores integrity points, the first item it matches (violations
from 12 licence points down, responsible accidents, refusals and detours), and the
cycle's total gives the grade AAA 0 / AA 1–9 / A 10–19 / B 20 or more (DOMAIN.md,
proposal defaults). It is compiled with the drivers' indicators
(:mod:`features.compile`, :mod:`features.evaluate`) and binds their final grade
in :mod:`scoring.rules` (never better than the points grade).

What is left here serves the settings (``[driver]`` → :class:`DriverConfig` →
:meth:`DriverConfig.rule`) and the doors that read a driver's points beside a
rating (:func:`driver_grades`), with the earlier names of the pure helpers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from features.build import build_features
from features.compile import BuildConfig
from features.definitions.driver import INTEGRITY
from features.dsl import Match
from features.evaluate import rule_items
from features.records.windows import WindowPolicy
from features.rules import PointsItem, PointsRule
from features.schemes import get_scheme
from features.store.base import Store
from models.rating import load_scale
from scoring.rules import LEGACY_KEYS, bind_rules, rule_override

#: Grade labels: key → (Chinese, English), the driver scale's (models/scales/driver.toml).
GRADE_LABELS: dict[str, tuple[str, str]] = {
    g.key: (g.label_zh, g.label_en) for g in load_scale("driver").grades
}


@dataclass(frozen=True)
class PointRule:
    """One item of the points table as the settings write it (``[[driver.rules]]``):
    records of ``kind`` (with ``value_text`` in ``values``, ``value_num`` ≥
    ``min_value``) score ``points``."""

    key: str
    kind: str
    points: int
    label_zh: str
    label_en: str
    values: tuple[str, ...] = ()
    min_value: float | None = None

    def item(self) -> PointsItem:
        """The declared item (:class:`features.rules.PointsItem`)."""
        match = Match((self.kind,), values=self.values, min_value=self.min_value)
        return PointsItem(self.key, self.label_zh, self.label_en, match, self.points)

    @classmethod
    def of(cls, item: PointsItem) -> PointRule:
        """The settings' form of a declared item of one kind."""
        m = item.match
        (kind,) = m.kinds
        return cls(
            item.key,
            kind,
            int(item.points),
            item.label_zh,
            item.label_en,
            m.values,
            None if m.min_value is None else float(m.min_value),
        )


#: The declared items (features/definitions/driver.py) in the settings' form.
DEFAULT_RULES: tuple[PointRule, ...] = tuple(PointRule.of(i) for i in INTEGRITY.items)


@dataclass(frozen=True)
class DriverConfig:
    """The points rule's parameters a deployment may set (default: the declaration).

    Attributes
    ----------
    rules
        Point items, first match wins.
    grades
        ``(grade, minimum points)``, the best grade first with minimum 0.
    window_months
        Length of the cycle.
    """

    rules: tuple[PointRule, ...] = DEFAULT_RULES
    grades: tuple[tuple[str, int], ...] = field(
        default_factory=lambda: tuple((g, int(m)) for g, m in INTEGRITY.bands)
    )
    window_months: int = INTEGRITY.cycle_months

    def __post_init__(self) -> None:
        mins = [m for _, m in self.grades]
        if not mins or mins[0] != 0 or any(b <= a for a, b in itertools.pairwise(mins)):
            raise ValueError(f"driver grades {list(self.grades)} need minimum points rising from 0")
        if self.window_months <= 0:
            raise ValueError("driver window_months must be > 0")
        keys = [r.key for r in self.rules]
        if len(set(keys)) != len(keys):
            raise ValueError(f"driver point rule keys must be distinct, got {keys}")

    @property
    def kinds(self) -> tuple[str, ...]:
        """Record kinds some rule reads."""
        return tuple(dict.fromkeys(r.kind for r in self.rules))

    def rule(self) -> PointsRule:
        """The declared rule with these parameters."""
        grades = {g for g, _ in self.grades}
        return replace(
            INTEGRITY,
            items=tuple(r.item() for r in self.rules),
            bands=tuple(self.grades),
            cycle_months=self.window_months,
            consequences=tuple(c for c in INTEGRITY.consequences if c[0] in grades),
        )


def record_points(records: pd.DataFrame, cfg: DriverConfig) -> pd.DataFrame:
    """The records that score, with ``rule``, ``points``, ``label_zh`` and ``label_en``.

    Parameters
    ----------
    records
        ``subject_id``, ``kind``, ``value_num``, ``value_text`` (plus anything else).
    cfg
        The points rule; each record scores its first matching item
        (:func:`features.evaluate.rule_items`, as the compiled rule does).
    """
    rule = cfg.rule()
    columns = {
        "kind": records["kind"].to_numpy(dtype=object),
        "value_text": records["value_text"].to_numpy(dtype=object),
        "value_num": pd.to_numeric(records["value_num"]).to_numpy(dtype=np.float64),
    }
    item_of = rule_items(rule, columns)
    out = records.loc[item_of >= 0].copy()
    chosen = [rule.items[i] for i in item_of[item_of >= 0]]
    out["rule"] = [r.key for r in chosen]
    out["points"] = np.array([r.points for r in chosen], dtype="int64")
    out["label_zh"] = [r.label_zh for r in chosen]
    out["label_en"] = [r.label_en for r in chosen]
    return out.reset_index(drop=True)


def grade_for_points(points: pd.Series, cfg: DriverConfig) -> pd.Series:
    """Grade of each cycle total."""
    rule = cfg.rule()
    return pd.Series([rule.grade(float(p)) for p in points], index=points.index, dtype=object)


def driver_points(
    records: pd.DataFrame, subject_ids: Sequence[str], cfg: DriverConfig
) -> pd.DataFrame:
    """Cycle points and grade of each driver from a frame of their cycle's records.

    Returns ``subject_id``, ``points``, ``events``, ``grade``, ``grade_zh``,
    ``grade_en`` and ``detail`` (JSON list of ``{record_id, date, rule, points,
    label_zh, label_en}``), sorted by subject_id; a driver without scoring
    records gets 0 points.
    """
    scored = record_points(records, cfg)
    ids = pd.Index(sorted(set(subject_ids)), name="subject_id")
    totals = scored.groupby("subject_id")["points"].agg(["sum", "count"]).reindex(ids)
    points = totals["sum"].fillna(0).astype("int64")
    details: dict[str, list[dict]] = {}
    if not scored.empty:
        order = [c for c in ("rdate", "record_id") if c in scored]
        s = scored.sort_values(["subject_id", *order])
        for row in s.itertuples(index=False):
            details.setdefault(row.subject_id, []).append(
                {
                    "record_id": getattr(row, "record_id", None),
                    "date": str(getattr(row, "rdate", ""))[:10],
                    "rule": row.rule,
                    "points": int(row.points),
                    "label_zh": row.label_zh,
                    "label_en": row.label_en,
                }
            )
    return _frame(ids, points.to_numpy(), totals["count"].fillna(0).to_numpy(), details, cfg)


def _frame(
    ids: pd.Index, points: np.ndarray, events: np.ndarray, details: Mapping, cfg: DriverConfig
) -> pd.DataFrame:
    grade = grade_for_points(pd.Series(points, index=ids), cfg)
    return pd.DataFrame(
        {
            "subject_id": ids,
            "points": np.asarray(points, dtype="int64"),
            "events": np.asarray(events, dtype="int64"),
            "grade": grade.to_numpy(),
            "grade_zh": [GRADE_LABELS.get(g, (g, g))[0] for g in grade],
            "grade_en": [GRADE_LABELS.get(g, (g, g))[1] for g in grade],
            "detail": [json.dumps(details.get(s, []), ensure_ascii=False) for s in ids],
        }
    )


def driver_grades(
    store: Store,
    as_of: dt.date,
    cfg: DriverConfig | None = None,
    windows: WindowPolicy | None = None,
    subject_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The cycle's points and grade of drivers at ``as_of`` (columns of :func:`driver_points`).

    Read from the compiled rule alone (the drivers' scheme with no indicator and
    no flag): the same records that count, item match and totals a rating uses.
    ``cfg`` and ``windows`` default to the declaration and DOMAIN.md's publication
    windows; ``subject_ids`` to every driver of the population at ``as_of`` (an id
    asked for outside it gets 0 points).
    """
    from features.rules import decode_detail

    cfg = cfg or DriverConfig()
    rule = cfg.rule()
    scheme = replace(get_scheme("driver"), indicators=(), dimensions=(), rules=(rule,), flags=())
    build = BuildConfig(windows=windows or WindowPolicy())
    frame = build_features(
        store, scheme, as_of, cfg=build, subjects=subject_ids, with_rules=True
    ).set_index("subject_id")
    ids = pd.Index(
        sorted(set(frame.index if subject_ids is None else subject_ids)), name="subject_id"
    )
    frame = frame.reindex(ids)
    details = {
        sid: decode_detail(rule, d)
        for sid, d in frame[rule.detail_column].items()
        if isinstance(d, str)
    }
    return _frame(
        ids,
        frame[rule.points_column].fillna(rule.start).to_numpy(),
        frame[rule.events_column].fillna(0).to_numpy(),
        details,
        cfg,
    )


#: The key of the points rule in a rating's reasons JSON and in its overrides.
RULE_KEY = LEGACY_KEYS[INTEGRITY.key]


def points_override(rule: Mapping[str, Any]) -> dict[str, Any]:
    """The override a driver's points grade imposes (:func:`scoring.rules.rule_override`
    of the declared rule), from the ``points_rule`` of a rating's reasons."""
    return rule_override(INTEGRITY, rule)


def cap_by_points(
    final_grades: Sequence[str],
    overrides: Sequence[str],
    rules: Sequence[Mapping[str, Any] | None],
    grades: Sequence[str],
) -> tuple[list[str], list[str]]:
    """Final grades no better than the points grade (:func:`scoring.rules.bind_rules`
    with the declared rule); ``rules``: each rating's ``points_rule`` or ``None``."""
    results = [{INTEGRITY.key: r} if r else {} for r in rules]
    return bind_rules((INTEGRITY,), results, final_grades, overrides, grades)
