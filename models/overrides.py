"""Policy overrides applied after the model, each with its reason (DOMAIN.md).

They are data in the scale files: a condition on one indicator and the best
grade a subject meeting it may keep (严重违法失信名单 → D; 经营异常名录 or
失信被执行人 → not better than C). When several apply, the worst of them wins;
every rule whose condition holds is reported with its reason, whether or not the
model's grade was already that bad.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

_OPS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class Override:
    """``when indicator op value``: the grade is not better than ``grade``."""

    indicator: str
    op: str
    value: float | str
    grade: str
    reason_zh: str
    reason_en: str

    def applies(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows of ``frame`` the override applies to (missing values never match)."""
        if self.indicator not in frame:
            raise KeyError(f"override needs indicator {self.indicator!r}, not in the data")
        col = frame[self.indicator]
        if col.dtype == np.float64 and type(self.value) in (int, float):
            # a number against a float column: numpy's comparison is pandas' (NaN matches
            # only ``!=``, masked below) without the Series arithmetic's overhead
            values = col.to_numpy()
            return _OPS[self.op](values, self.value) & ~np.isnan(values)
        hit = _OPS[self.op](col, self.value)
        hit = np.asarray(hit.fillna(False) if hasattr(hit, "fillna") else hit, dtype=bool)
        # NaN != value is True: mask missing values explicitly so they never match
        return hit & col.notna().to_numpy(dtype=bool)


def parse_overrides(
    items: Sequence[dict], grades: Sequence[str], where: str
) -> tuple[Override, ...]:
    """Validate override tables read from a scale file."""
    out = []
    for i, item in enumerate(items):
        keys = {"when", "grade", "reason_zh", "reason_en"}
        if set(item) != keys:
            raise ValueError(
                f"{where}: override {i} needs exactly {sorted(keys)}, got {sorted(item)}"
            )
        when = item["when"]
        if set(when) != {"indicator", "op", "value"} or when["op"] not in _OPS:
            raise ValueError(
                f"{where}: override {i}: when = {{indicator, op ({', '.join(_OPS)}), value}}"
            )
        if item["grade"] not in grades:
            raise ValueError(f"{where}: override {i}: unknown grade {item['grade']!r}")
        out.append(
            Override(
                when["indicator"],
                when["op"],
                when["value"],
                item["grade"],
                item["reason_zh"],
                item["reason_en"],
            )
        )
    return tuple(out)


def apply_overrides(
    model_grades: np.ndarray,
    frame: pd.DataFrame,
    overrides: Sequence[Override],
    grades: Sequence[str],
) -> tuple[np.ndarray, list[list[Override]]]:
    """Final grades after overrides, and the overrides whose condition held per row.

    Parameters
    ----------
    model_grades
        Grades from the model, one per row of ``frame``.
    frame
        Indicator values.
    overrides
        Rules in order.
    grades
        Grade keys, best first.
    """
    rank = {g: i for i, g in enumerate(grades)}
    final = np.array([rank[g] for g in model_grades], dtype=int)
    applied: list[list[Override]] = [[] for _ in range(len(final))]
    for rule in overrides:
        hit = rule.applies(frame)
        final = np.where(hit, np.maximum(final, rank[rule.grade]), final)
        for i in np.flatnonzero(hit):
            applied[i].append(rule)
    keys = np.asarray(grades, dtype=object)
    return keys[final], applied


def overrides_json(applied: list[list[Override]]) -> list[str]:
    """The ratings' ``overrides`` column: per row, the JSON list of the rules that held
    (``applied`` of :func:`apply_overrides`), each with its grade, indicator and reasons.

    Written once per distinct set of rules: most rows have none, and a 5,000-row part's
    ``json.dumps`` per row cost ~25 ms (city firm, a tenth of its rating).
    """
    written: dict[tuple[int, ...], str] = {}  # by the rules' identity: they outlive the call
    out = []
    for rules in applied:
        key = tuple(map(id, rules))
        text = written.get(key)
        if text is None:
            text = json.dumps(
                [
                    {
                        "grade": o.grade,
                        "indicator": o.indicator,
                        "reason_zh": o.reason_zh,
                        "reason_en": o.reason_en,
                    }
                    for o in rules
                ],
                ensure_ascii=False,
            )
            written[key] = text
        out.append(text)
    return out
