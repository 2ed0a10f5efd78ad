"""The final grade respects the published rules: every declared points rule binds it.

A scheme's points rules (:class:`features.rules.PointsRule`) are compiled with
its indicators: the feature frame of a rating carries, per rule, the cycle's
points, the number of records that scored and which they were
(``rule__<key>__points`` / ``__events`` / ``__detail``). Here they become a
grade and bind the model's:

* ``cap`` (the drivers' 诚信考核): the final grade is never better than the
  rule's band; where the band is worse, it becomes the final grade and the
  override names the points and the records that scored them;
* ``exact`` (a sector evaluation): the band is the final grade, the model ranks
  inside it (``model_grade``, score and PD stay the model's); the scale's hard
  overrides (a serious-list entry → the worst grade) still apply after it, so
  an exact band never makes a grade better than a hard override.

Each rating's reasons carry the rule's result under ``reasons["rules"][key]``
(and, for the drivers' rule, under the older ``reasons["points_rule"]`` the
profile page reads).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from features.rules import PointsRule, decode_detail

#: Older reasons keys of some rules (readers of the old key: app/data/subjects.py).
LEGACY_KEYS: dict[str, str] = {"driver_integrity": "points_rule"}
#: Records named in an override's sentence (all of them are in its ``records``).
NAMED = 5


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _indicator(rule: PointsRule) -> str:
    """The ``indicator`` an override of ``rule`` names (the legacy key where there is one)."""
    return LEGACY_KEYS.get(rule.key, rule.key)


def rule_results(
    rules: Sequence[PointsRule], frame: pd.DataFrame, labels: Mapping[str, tuple[str, str]]
) -> list[dict[str, dict[str, Any]]]:
    """Each row's result of each rule, from the rule columns of a feature frame.

    Parameters
    ----------
    rules
        The scheme's points rules (as compiled into ``frame``).
    frame
        Feature rows with ``rule__<key>__points``, ``__events`` and ``__detail``.
    labels
        Grade → (Chinese, English) label (the scale's).

    Returns
    -------
    list of dict
        Per row, ``{rule key: {points, events, grade, grade_zh, grade_en, detail}}``
        (``detail``: :func:`features.rules.decode_detail`); empty without rules.
    """
    out: list[dict[str, dict[str, Any]]] = [{} for _ in range(len(frame))]
    for rule in rules:
        points = frame[rule.points_column].to_numpy(dtype=np.float64)
        events = frame[rule.events_column].to_numpy(dtype=np.float64)
        details = frame[rule.detail_column].to_numpy(dtype=object)
        for i, (p, n, d) in enumerate(zip(points, events, details, strict=True)):
            grade = rule.grade(float(p))
            zh, en = labels.get(grade, (grade, grade))
            out[i][rule.key] = {
                "points": _number(p),
                "events": int(n),
                "grade": grade,
                "grade_zh": zh,
                "grade_en": en,
                "detail": decode_detail(rule, d),
            }
    return out


def rule_override(rule: PointsRule, result: Mapping[str, Any]) -> dict[str, Any]:
    """The override a rule's band imposes, in the shape of the scale's overrides.

    Parameters
    ----------
    rule
        The points rule.
    result
        Its result for the rating (:func:`rule_results`).

    Returns
    -------
    dict
        ``grade`` (the band), ``indicator`` (the rule's key), ``label_zh`` /
        ``label_en``, ``reason_zh`` / ``reason_en`` naming the points and the
        records that scored them (at most :data:`NAMED`, then how many more),
        ``points`` and ``records``.
    """
    records = [dict(r) for r in result.get("detail") or []]
    grade, points = str(result["grade"]), result.get("points", 0)
    # a demerit count reads "记N分"; a score reads its signed change
    if rule.better == "lower":
        zh_pts = [f"记{r.get('points', 0)}分" for r in records]
    else:
        zh_pts = [f"{float(r.get('points', 0)):+g}分" for r in records]
    zh = [
        f"{r.get('date', '')} {r.get('label_zh', '')}{p}（记录编号 {r.get('record_id', '')}）"
        for r, p in zip(records[:NAMED], zh_pts, strict=False)
    ]
    en = [
        f"{r.get('date', '')} {r.get('label_en', '')}: {r.get('points', 0)} points "
        f"(record {r.get('record_id', '')})"
        for r in records[:NAMED]
    ]
    if len(records) > NAMED:
        zh.append(f"等共{len(records)}条记录")
        en.append(f"{len(records) - NAMED} more records")
    exact = rule.binding == "exact"
    fill = {
        "label": rule.label_zh,
        "points": points,
        "grade": f"{grade}（{result.get('grade_zh') or grade}）",
        "records": "；".join(zh),
        "bound": "为" if exact else "不高于",
    }
    fill_en = {
        "label": rule.label_en,
        "points": points,
        "grade": f"{grade} ({result.get('grade_en') or grade})",
        "records": "; ".join(en),
        "bound": "is" if exact else "is no better than",
    }
    return {
        "grade": grade,
        "indicator": _indicator(rule),
        "label_zh": rule.label_zh,
        "label_en": rule.label_en,
        "reason_zh": rule.reason_zh.format(**fill),
        "reason_en": rule.reason_en.format(**fill_en),
        "points": points,
        "records": records,
    }


def _hard_grades(overrides_json: str | None) -> list[str]:
    """The grades the scale's overrides imposed on a rating (before any rule)."""
    return [o["grade"] for o in (json.loads(overrides_json) if overrides_json else [])]


def bind_rules(
    rules: Sequence[PointsRule],
    results: Sequence[Mapping[str, Mapping[str, Any]]],
    final_grades: Sequence[str],
    overrides: Sequence[str],
    grades: Sequence[str],
) -> tuple[list[str], list[str]]:
    """Final grades bound by every rule, the override named where a rule moves one.

    Parameters
    ----------
    rules
        The scheme's points rules, applied in order.
    results
        Each rating's rule results (:func:`rule_results`); a rating without a
        rule's result is left alone by it.
    final_grades
        Grades after the model and the scale's overrides, one per rating.
    overrides
        Their overrides (JSON lists).
    grades
        The scale's grade keys, best first.

    Returns
    -------
    tuple
        The final grades and the overrides JSON. ``cap``: a band worse than the
        grade replaces it, and the rule's override (:func:`rule_override`) is
        appended; ``exact``: the band is the grade (its override appended) unless
        a hard override of the scale is worse still, which then stays.

    Raises
    ------
    ValueError
        When a band is not a grade of the scale (the rule's bands, or a
        deployment's settings, must use the scale's grades).
    """
    rank = {g: i for i, g in enumerate(grades)}
    out_grades, out_overrides = list(final_grades), list(overrides)
    for rule in rules:
        for i, result in enumerate(results):
            got = result.get(rule.key)
            if not got:
                continue
            band = got["grade"]
            if band not in rank:
                raise ValueError(
                    f"points grade {band!r} of rule {rule.key} is not a grade of the scale "
                    f"({', '.join(grades)}): the rule's bands ([driver.grades] in the settings "
                    "for the drivers' rule) must use the scale's grades"
                )
            if rule.binding == "cap":
                named = rank[band] > rank[out_grades[i]]  # the band is worse: it caps
                new = band if named else out_grades[i]
            else:
                # the band is the grade, unless a hard override of the scale is worse
                hard = [rank[g] for g in _hard_grades(overrides[i]) if g in rank]
                new = grades[max([rank[band], *hard])]
                named = new == band  # the rule set the grade: say so, moved or not
            out_grades[i] = new
            if named:
                applied = json.loads(out_overrides[i]) if out_overrides[i] else []
                applied.append(rule_override(rule, got))
                out_overrides[i] = json.dumps(applied, ensure_ascii=False)
    return out_grades, out_overrides


def rules_reasons(
    rules: Sequence[PointsRule], results: Sequence[Mapping[str, Mapping[str, Any]]]
) -> list[dict[str, Any]]:
    """The reasons keys each rating gets from its rules: ``rules`` by key (with the
    binding) and the legacy key of a rule that has one."""
    out: list[dict[str, Any]] = []
    for result in results:
        keys: dict[str, Any] = {}
        if rules:
            keys["rules"] = {
                r.key: {**result[r.key], "binding": r.binding} for r in rules if r.key in result
            }
        for r in rules:
            if r.key in LEGACY_KEYS and r.key in result:
                keys[LEGACY_KEYS[r.key]] = dict(result[r.key])
        out.append(keys)
    return out
