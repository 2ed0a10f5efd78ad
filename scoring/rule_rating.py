"""Rating by a published points rule alone: a scheme with no target and no model.

A sector evaluation (建筑市场信用评价, 旅行社信用评价) is a published rule: the
records of a cycle give points, the points give the grade. Its scheme declares
the rule (``binding="exact"``) and no target (:meth:`features.registry.Registry.rule_only`),
so there is no champion to load. :func:`scoring.loader.rule_model` stands in for one: a
:class:`~scoring.loader.LoadedModel` whose pipeline (:class:`RulePipeline`) rates
a feature frame with the rule columns by the rule itself, so that batch scoring,
Spark scoring, re-rating after an objection or a repair, and the credit report
take the same path as for a modelled scheme:

* ``final_grade``: the band (:func:`scoring.rules.bind_rules`, after the scale's
  hard overrides, which an exact band never betters); ``model_grade`` and ``pd``
  are empty (no model);
* ``score``: the cycle's points;
* reasons: each item that scored, with its records' dates and points, as the
  factors that raise risk (deductions) or lower it (additions), plus
  ``reasons["rules"]`` as for any rule.

The "model" name is ``rule:<scheme>`` and its version a digest of the rule's
declaration, so a changed rule is a new version in the ratings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features import registry
from features.rules import PointsRule
from features.schemes import get_scheme
from models.overrides import apply_overrides, overrides_json
from models.rating import GradeScale, load_scale

#: ``ratings.model_name`` prefix of a rule-only rating, and its alias.
RULE_MODEL_PREFIX = "rule:"
RULE_ALIAS = "rule"
#: Items listed at most among the factors (all of them are in ``reasons["rules"]``).
N_ITEMS = 8


def scale_of(key: str) -> GradeScale:
    """The grade scale of scheme ``key``: shipped, or its folder's ``scale.toml``."""
    entry = registry.active().entry(key)
    return load_scale(key) if entry.folder is None else load_scale(key, path=entry.scale_path)


def _version(rules: Sequence[PointsRule]) -> str:
    """A digest of the rules' declarations (a changed number is a new version)."""
    return hashlib.sha1(repr(tuple(rules)).encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class RulePipeline:
    """The rating path of a rule-only scheme (the stand-in of a model's pipeline).

    Attributes
    ----------
    scheme
        The scheme key.
    scale
        Its grade scale (the rule's bands must be its grades).
    rules
        Its points rules; the first ``exact`` one gives the grade and the score.
    """

    scheme: str
    scale: GradeScale
    rules: tuple[PointsRule, ...]

    @property
    def rule(self) -> PointsRule:
        """The rule whose band is the grade."""
        return next(r for r in self.rules if r.binding == "exact")

    def prepare(self) -> None:
        """Nothing to prepare: a rule has no explanation to build (the model pipeline's
        :meth:`~models.pipeline.RatingPipeline.prepare` has one)."""

    def rate(
        self,
        frame: pd.DataFrame,
        contributions: bool = True,
        floats: Mapping[str, np.ndarray] | None = None,
    ) -> pd.DataFrame:
        """Rate every row of a feature frame (with the rule columns) by the rule
        (``contributions`` and ``floats`` as a model's pipeline takes them: a rule has
        no contributions and reads its one column itself).

        Returns ``pd`` and ``model_grade`` empty, ``score`` the exact rule's points,
        ``final_grade`` its band after the scale's hard overrides (a worse hard
        override wins, as for a modelled scheme; :func:`scoring.rules.bind_rules`
        then sets the band) and ``overrides`` the hard overrides that held.
        """
        rule = self.rule
        points = frame[rule.points_column].to_numpy(dtype=np.float64)
        bands = np.array([rule.grade(float(p)) for p in points], dtype=object)
        final, applied = apply_overrides(bands, frame, self.scale.overrides, self.scale.keys)
        return pd.DataFrame(
            {
                "pd": np.full(len(frame), np.nan),
                "score": points,
                "model_grade": np.full(len(frame), None, dtype=object),
                "final_grade": final,
                "overrides": overrides_json(applied),
            },
            index=frame.index,
        )


def is_rule_pipeline(pipeline: object) -> bool:
    """Whether a loaded model's pipeline is a rule-only one."""
    return isinstance(pipeline, RulePipeline)


def rule_pipeline(key: str) -> RulePipeline:
    """The rating path of rule-only scheme ``key`` (its rules and scale).

    Raises
    ------
    ValueError
        When ``key`` is not rated by a rule alone.
    """
    if key not in registry.active().rule_only():
        raise ValueError(f"scheme {key!r} is not rated by a published rule alone")
    return RulePipeline(key, scale_of(key), tuple(get_scheme(key).rules))


def rule_version(pipeline: RulePipeline) -> str:
    """The version of a rule-only rating: a digest of its rules' declarations."""
    return _version(pipeline.rules)


def _factor(item: Mapping[str, Any], records: list[dict], better: str) -> dict[str, Any]:
    """One scored item as a reasons factor: its records (ids, first dates) and points."""
    pts = float(sum(float(r["points"]) for r in records))
    dates = "、".join(r["date"] for r in records[:3]) + ("等" if len(records) > 3 else "")
    dates_en = ", ".join(r["date"] for r in records[:3]) + (" …" if len(records) > 3 else "")
    sign = f"{pts:+g}"
    return {
        "indicator": item["key"],
        "value": len(records),
        "reference": None,
        "label_zh": item["label_zh"],
        "label_en": item["label_en"],
        "text_zh": f"{item['label_zh']}{len(records)}条（{dates}），{sign}分",
        "text_en": f"{item['label_en']}: {len(records)} record(s) ({dates_en}), {sign} points",
        "contribution": pts,
        # a deduction of a score (or a demerit of a count) raises the risk
        "risk": -pts if better == "higher" else pts,
        "records": [r["record_id"] for r in records],
    }


def rule_reasons(rule: PointsRule, result: Mapping[str, Any]) -> dict[str, Any]:
    """The reasons of one rule-only rating: the items that scored as factors.

    ``raise``: the items that cost points (worst first); ``lower``: those that
    added points. ``unit`` is ``rule_points``, ``base`` the rule's start and
    ``output`` the total, so that ``base`` + the contributions = ``output``
    (an item's cap is shown in its contribution).
    """
    by_item: dict[str, list[dict]] = {}
    for rec in result.get("detail") or []:
        by_item.setdefault(rec["rule"], []).append(rec)
    factors = []
    for item in rule.items:
        recs = by_item.get(item.key)
        if not recs:
            continue
        f = _factor(
            {"key": item.key, "label_zh": item.label_zh, "label_en": item.label_en},
            recs,
            rule.better,
        )
        if item.cap is not None:  # the item moves the total by its cap at most
            moved = float(np.copysign(min(abs(f["contribution"]), item.cap), f["contribution"]))
            f["contribution"] = moved
            f["risk"] = -moved if rule.better == "higher" else moved
        factors.append(f)
    ups = sorted((f for f in factors if f["risk"] > 0), key=lambda f: -f["risk"])
    downs = sorted((f for f in factors if f["risk"] < 0), key=lambda f: f["risk"])
    return {
        "unit": "rule_points",
        "base": float(rule.start),
        "base_kind": "rule_start",
        "output": float(result.get("points", rule.start)),
        "rest": 0.0,
        "raise": ups[:N_ITEMS],
        "lower": downs[:N_ITEMS],
    }


def rule_reasons_json(
    pipeline: RulePipeline,
    results: Sequence[Mapping[str, Mapping[str, Any]]],
    cause: Mapping[str, Any] | None = None,
    extras: list[Mapping[str, Any] | None] | None = None,
) -> list[str]:
    """The ``ratings.reasons`` JSON of rule-only ratings (one per result), with the
    cause of a re-rating and the extras (``reasons["rules"]``) as for a model."""
    rule = pipeline.rule
    out = []
    for i, result in enumerate(results):
        why = rule_reasons(rule, result.get(rule.key) or {})
        if cause is not None:
            why["cause"] = dict(cause)
        if extras is not None and extras[i]:
            why.update(extras[i])
        out.append(json.dumps(why, ensure_ascii=False, default=str))
    return out
