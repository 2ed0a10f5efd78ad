"""Driver integrity points and grade (道路运输驾驶员诚信考核), beside the model PD.

Over a 12-month cycle each event a driver is responsible for scores integrity
points; the cycle's total gives the grade (DOMAIN.md, proposal defaults):

=============================================  ======
event                                          points
=============================================  ======
traffic violation worth 12 licence points        20
traffic violation worth 6 (to 11)                10
traffic violation worth 3 (to 5)                  5
traffic violation worth 1–2                       1
accident with equal or greater responsibility    20
refusing passengers or overcharging               5
detour                                           10
=============================================  ======

Grades: AAA (优秀) 0 points, AA (合格) 1–9, A (基本合格) 10–19, B (不合格) 20 or
more. The points grade is the published rule: the final grade of a driver's
rating is never better than it (:func:`cap_by_points`); where it caps the
model's grade, the rating's overrides name the rule and the records that scored
the points (:func:`points_override`).

The rules are data (:class:`PointRule`): a record scores the first rule it
matches (so violation bands go from the highest threshold down). Licence points
come from the violation's ``value_num``; accident responsibility and the
complaint kind from ``value_text`` (features/records/kinds.py).

The cycle is (T − 12 months, T] by the record's date (decision date, else event
date), and only records that count at T are read: the effective-records SQL of
:mod:`features.compile` drops revoked records, records under an open objection
and records past their publication window.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.compile import (
    DIALECTS,
    RECORD_DATE,
    add_months,
    effective_records_sql,
    lit,
    population_sql,
)
from features.effective import slice_effective
from features.records.windows import WindowPolicy
from features.schemes import get_scheme
from features.store.base import Store
from features.store.sliced import SlicedStore

#: Grade labels: key → (Chinese, English).
GRADE_LABELS: dict[str, tuple[str, str]] = {
    "AAA": ("优秀", "Excellent"),
    "AA": ("合格", "Satisfactory"),
    "A": ("基本合格", "Basically satisfactory"),
    "B": ("不合格", "Unsatisfactory"),
}


@dataclass(frozen=True)
class PointRule:
    """Records of ``kind`` (with ``value_text`` in ``values``, ``value_num`` ≥ ``min_value``)
    score ``points``."""

    key: str
    kind: str
    points: int
    label_zh: str
    label_en: str
    values: tuple[str, ...] = ()
    min_value: float | None = None

    def matches(self, records: pd.DataFrame) -> np.ndarray:
        """Which records the rule matches."""
        hit = (records["kind"] == self.kind).to_numpy(dtype=bool, copy=True)
        if self.values:
            hit = hit & records["value_text"].isin(self.values).to_numpy(dtype=bool)
        if self.min_value is not None:
            num = pd.to_numeric(records["value_num"], errors="coerce")
            hit = hit & (num >= self.min_value).fillna(False).to_numpy(dtype=bool)
        return hit


DEFAULT_RULES: tuple[PointRule, ...] = (
    PointRule(
        "violation_12",
        "traffic_violation",
        20,
        "一次记12分的交通违法",
        "violation worth 12 licence points",
        min_value=12,
    ),
    PointRule(
        "violation_6",
        "traffic_violation",
        10,
        "记6分及以上的交通违法",
        "violation worth 6 or more licence points",
        min_value=6,
    ),
    PointRule(
        "violation_3",
        "traffic_violation",
        5,
        "记3分及以上的交通违法",
        "violation worth 3 or more licence points",
        min_value=3,
    ),
    PointRule(
        "violation_1",
        "traffic_violation",
        1,
        "记1至2分的交通违法",
        "violation worth 1–2 licence points",
        min_value=1,
    ),
    PointRule(
        "responsible_accident",
        "traffic_accident",
        20,
        "负同等及以上责任的交通事故",
        "accident with equal or greater responsibility",
        ("full", "major", "equal"),
    ),
    PointRule(
        "refusal_overcharging",
        "passenger_complaint",
        5,
        "拒载或多收费",
        "refusing passengers or overcharging",
        ("refusal", "overcharging"),
    ),
    PointRule("detour", "passenger_complaint", 10, "绕道行驶", "detour", ("detour",)),
)


@dataclass(frozen=True)
class DriverConfig:
    """The points rule (DOMAIN.md proposal defaults).

    Attributes
    ----------
    rules
        Point rules, first match wins.
    grades
        ``(grade, minimum points)``, the best grade first with minimum 0.
    window_months
        Length of the cycle.
    """

    rules: tuple[PointRule, ...] = DEFAULT_RULES
    grades: tuple[tuple[str, int], ...] = (("AAA", 0), ("AA", 1), ("A", 10), ("B", 20))
    window_months: int = 12

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


def record_points(records: pd.DataFrame, cfg: DriverConfig) -> pd.DataFrame:
    """The records that score, with ``rule``, ``points``, ``label_zh`` and ``label_en``.

    Parameters
    ----------
    records
        ``subject_id``, ``kind``, ``value_num``, ``value_text`` (plus anything else).
    cfg
        The point rules; each record scores its first matching rule.
    """
    rule_of = np.full(len(records), -1)
    for i, rule in enumerate(cfg.rules):
        rule_of = np.where((rule_of < 0) & rule.matches(records), i, rule_of)
    out = records.loc[rule_of >= 0].copy()
    chosen = [cfg.rules[i] for i in rule_of[rule_of >= 0]]
    out["rule"] = [r.key for r in chosen]
    out["points"] = np.array([r.points for r in chosen], dtype="int64")
    out["label_zh"] = [r.label_zh for r in chosen]
    out["label_en"] = [r.label_en for r in chosen]
    return out.reset_index(drop=True)


def grade_for_points(points: pd.Series, cfg: DriverConfig) -> pd.Series:
    """Grade of each cycle total."""
    keys = np.array([g for g, _ in cfg.grades], dtype=object)
    mins = np.array([m for _, m in cfg.grades])
    idx = np.searchsorted(mins, points.to_numpy(), side="right") - 1
    return pd.Series(keys[np.clip(idx, 0, None)], index=points.index)


def driver_points(
    records: pd.DataFrame, subject_ids: Sequence[str], cfg: DriverConfig
) -> pd.DataFrame:
    """Cycle points and grade of each driver.

    Parameters
    ----------
    records
        The drivers' records in the cycle (see :func:`cycle_records`).
    subject_ids
        Drivers to grade (one without scoring records gets 0 points, AAA).
    cfg
        The points rule.

    Returns
    -------
    pandas.DataFrame
        ``subject_id``, ``points``, ``events``, ``grade``, ``grade_zh``,
        ``grade_en`` and ``detail`` (JSON list of ``{record_id, date, rule,
        points, label_zh, label_en}``), sorted by subject_id.
    """
    scored = record_points(records, cfg)
    ids = pd.Index(sorted(set(subject_ids)), name="subject_id")
    totals = scored.groupby("subject_id")["points"].agg(["sum", "count"]).reindex(ids)
    points = totals["sum"].fillna(0).astype("int64")
    details: dict[str, list[dict]] = {}
    if not scored.empty:
        order = [c for c in ("rdate", "record_id") if c in scored]
        s = scored.sort_values(["subject_id", *order])
        none = [None] * len(s)
        dates = [str(d)[:10] for d in s["rdate"]] if "rdate" in s else [""] * len(s)
        # one pass over plain columns: per-group frames cost seconds for a city's drivers
        for sid, rid, day, rule, pts, zh, en in zip(
            s["subject_id"],
            s.get("record_id", none),
            dates,
            s["rule"],
            s["points"],
            s["label_zh"],
            s["label_en"],
            strict=True,
        ):
            details.setdefault(sid, []).append(
                {
                    "record_id": rid,
                    "date": day,
                    "rule": rule,
                    "points": int(pts),
                    "label_zh": zh,
                    "label_en": en,
                }
            )
    grade = grade_for_points(points, cfg)
    return pd.DataFrame(
        {
            "subject_id": ids,
            "points": points.to_numpy(),
            "events": totals["count"].fillna(0).astype("int64").to_numpy(),
            "grade": grade.to_numpy(),
            "grade_zh": [GRADE_LABELS.get(g, (g, g))[0] for g in grade],
            "grade_en": [GRADE_LABELS.get(g, (g, g))[1] for g in grade],
            "detail": [json.dumps(details.get(s, []), ensure_ascii=False) for s in ids],
        }
    )


def _quote(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def cycle_records(
    store: Store,
    as_of: dt.date,
    cfg: DriverConfig,
    windows: WindowPolicy,
    subject_ids: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Records of the point kinds that count at ``as_of`` and fall in the cycle.

    Parameters
    ----------
    store
        The record store.
    as_of
        End of the cycle (T).
    cfg
        The points rule (its kinds and cycle length).
    windows
        Publication windows (point in time, DESIGN.md §5).
    subject_ids
        Drivers to read; ``None``: every driver of the population at T.

    Returns
    -------
    tuple
        The records (``record_id``, ``subject_id``, ``kind``, ``value_num``,
        ``value_text``, ``rdate``) and the drivers asked for.
    """
    if subject_ids is not None and isinstance(store, SlicedStore) and store.covers(subject_ids):
        return _from_slice(store, as_of, cfg, windows, sorted(set(subject_ids)))
    dialect = DIALECTS[store.dialect]
    lo, t = lit(add_months(as_of, -cfg.window_months)), lit(as_of)
    scope = f"r.kind IN ({_quote(cfg.kinds)}) AND {RECORD_DATE} > {lo} AND {RECORD_DATE} <= {t}"
    eff = effective_records_sql(dialect, as_of, windows, scope)
    select = """SELECT e.record_id, e.subject_id, e.kind, e.value_num, e.value_text, e.rdate
        FROM eff e JOIN wanted w ON w.subject_id = e.subject_id"""
    if subject_ids is None:
        pop = population_sql(dialect, get_scheme("driver"), as_of, ())
        ids = list(
            store.query(f"WITH {pop} SELECT subject_id FROM pop ORDER BY subject_id")["subject_id"]
        )
    else:
        ids = sorted(set(subject_ids))
    wanted = pd.DataFrame({"subject_id": pd.Series(ids, dtype="object")})
    records = store.query(
        f"WITH {eff} {select} ORDER BY e.subject_id, e.rdate, e.record_id",
        frames={"wanted": wanted},
    )
    return records, ids


def _from_slice(
    view: SlicedStore, as_of: dt.date, cfg: DriverConfig, windows: WindowPolicy, ids: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """:func:`cycle_records` of a few drivers from their slice, in process: the same
    effective records (features/evaluate.py), no query."""
    rows = slice_effective(view, as_of, windows).frame(ids)
    lo = pd.Timestamp(add_months(as_of, -cfg.window_months))
    keep = (
        rows["kind"].isin(cfg.kinds) & (rows["rdate"] > lo) & (rows["rdate"] <= pd.Timestamp(as_of))
    )
    records = rows.loc[
        keep, ["record_id", "subject_id", "kind", "value_num", "value_text", "rdate"]
    ]
    return records.sort_values(["subject_id", "rdate", "record_id"]).reset_index(drop=True), ids


def driver_grades(
    store: Store,
    as_of: dt.date,
    cfg: DriverConfig | None = None,
    windows: WindowPolicy | None = None,
    subject_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The cycle's points and grade of drivers at ``as_of`` (see :func:`driver_points`).

    ``cfg`` and ``windows`` default to DOMAIN.md's rule and publication windows;
    ``subject_ids`` to every driver of the population at ``as_of``.
    """
    cfg = cfg or DriverConfig()
    records, ids = cycle_records(store, as_of, cfg, windows or WindowPolicy(), subject_ids)
    return driver_points(records, ids, cfg)


#: The key of the points rule in a rating's reasons JSON and in its overrides.
RULE_KEY = "points_rule"
#: Records named in an override's sentence (all of them are in its ``records``).
_NAMED = 5


def points_override(rule: Mapping[str, Any]) -> dict[str, Any]:
    """The override a driver's points grade imposes, in the shape of the scale overrides.

    Parameters
    ----------
    rule
        The ``points_rule`` of a rating's reasons (:func:`driver_points` row:
        ``points``, ``grade``, ``grade_zh``, ``grade_en``, ``detail``).

    Returns
    -------
    dict
        ``grade`` (the best grade allowed), ``indicator`` (:data:`RULE_KEY`),
        ``label_zh`` / ``label_en``, ``reason_zh`` / ``reason_en`` naming the
        points and the records that scored them, ``points`` and ``records``
        (``record_id``, ``date``, ``rule``, ``points``, ``label_zh``, ``label_en``).
    """
    records = [dict(r) for r in rule.get("detail") or []]
    grade, points = str(rule["grade"]), int(rule.get("points", 0))
    zh_grade = f"{grade}（{rule.get('grade_zh') or grade}）"
    en_grade = f"{grade} ({rule.get('grade_en') or grade})"
    zh = [
        f"{r.get('date', '')} {r.get('label_zh', '')}记{r.get('points', 0)}分"
        f"（记录编号 {r.get('record_id', '')}）"
        for r in records[:_NAMED]
    ]
    en = [
        f"{r.get('date', '')} {r.get('label_en', '')}: {r.get('points', 0)} points "
        f"(record {r.get('record_id', '')})"
        for r in records[:_NAMED]
    ]
    if len(records) > _NAMED:
        zh.append(f"等共{len(records)}条记录")
        en.append(f"{len(records) - _NAMED} more records")
    return {
        "grade": grade,
        "indicator": RULE_KEY,
        "label_zh": "诚信考核记分",
        "label_en": "Integrity points",
        "reason_zh": (
            f"诚信考核周期内记{points}分，按记分规则最终等级不高于{zh_grade}：" + "；".join(zh)
        ),
        "reason_en": (
            f"{points} integrity points in the cycle: by the points rule the final "
            f"grade is no better than {en_grade}: " + "; ".join(en)
        ),
        "points": points,
        "records": records,
    }


def cap_by_points(
    final_grades: Sequence[str],
    overrides: Sequence[str],
    rules: Sequence[Mapping[str, Any] | None],
    grades: Sequence[str],
) -> tuple[list[str], list[str]]:
    """Final grades no better than the points grade, the override named where it caps.

    Parameters
    ----------
    final_grades
        Grades after the model and the scale's overrides, one per rating.
    overrides
        Their overrides (JSON lists).
    rules
        The ``points_rule`` of each rating (``None``: no points rule, unchanged).
    grades
        The scale's grade keys, best first.

    Returns
    -------
    tuple
        The final grades and the overrides JSON; a rating whose points grade is
        worse than its grade gets the points grade and :func:`points_override`
        appended to its overrides; the others are unchanged.

    Raises
    ------
    ValueError
        When a points grade is not a grade of the scale (settings ``[driver.grades]``
        and ``models/scales/driver.toml`` must name the same grades).
    """
    rank = {g: i for i, g in enumerate(grades)}
    out_grades, out_overrides = list(final_grades), list(overrides)
    for i, rule in enumerate(rules):
        if not rule:
            continue
        cap = rule["grade"]
        if cap not in rank:
            raise ValueError(
                f"driver points grade {cap!r} is not a grade of the scale "
                f"({', '.join(grades)}): [driver.grades] in the settings must "
                "use the scale's grades"
            )
        if rank[cap] > rank[out_grades[i]]:
            out_grades[i] = cap
            applied = json.loads(out_overrides[i]) if out_overrides[i] else []
            applied.append(points_override(rule))
            out_overrides[i] = json.dumps(applied, ensure_ascii=False)
    return out_grades, out_overrides
