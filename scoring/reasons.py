"""Reasons: the factors that raise a subject's risk most and those that lower it most.

A rating's reasons come from the model's exact contributions (points of the
scorecard, TreeSHAP log-odds of LightGBM), so they are what the model did, not
a story told afterwards. Each reason names the indicator, the subject's value,
its contribution and a sentence in Chinese and English from the indicator's
template. The JSON kept on the rating also holds the base and the sum of the
factors not listed (``rest``), so that

    base + Σ contributions of the listed factors + rest = output

where output is the scorecard's score or LightGBM's log-odds before calibration.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from features.dsl import render_reason
from models.pipeline import CONTRIB_PREFIX, IndicatorText, RatingPipeline

BASE = CONTRIB_PREFIX + "base"
N_RAISE, N_LOWER = 5, 3


def _plain(value: Any) -> Any:
    """A JSON-ready value: numbers as float, missing as None."""
    if value is None:
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        value = float(value)
        return None if math.isnan(value) else value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


class _Texts:
    """Renders reason sentences, once per (indicator, value)."""

    def __init__(self, texts: Mapping[str, IndicatorText]) -> None:
        self.texts = texts
        self.cache: dict[tuple[str, Any], tuple[str, str, str, str]] = {}

    def __call__(self, name: str, value: Any) -> tuple[str, str, str, str]:
        key = (name, value)
        hit = self.cache.get(key)
        if hit is None:
            t = self.texts.get(name)
            if t is None:  # an input the pipeline has no declaration for
                hit = (name, name, f"{name}：{value}", f"{name}: {value}")
            else:
                hit = (t.label_zh, t.label_en,
                       render_reason(t.reason_zh, t.label_zh, value, t.window, "zh"),
                       render_reason(t.reason_en, t.label_en, value, t.window, "en"))
            self.cache[key] = hit
        return hit


def reason_lists(
    pipeline: RatingPipeline,
    features: pd.DataFrame,
    rated: pd.DataFrame,
    n_raise: int = N_RAISE,
    n_lower: int = N_LOWER,
) -> list[dict[str, Any]]:
    """Reasons of every row, as dicts ready for JSON.

    Parameters
    ----------
    pipeline
        The rating pipeline that produced ``rated`` (its unit and indicator texts).
    features
        The indicator frame that was rated (same row order).
    rated
        Output of :meth:`RatingPipeline.rate` with contributions.
    n_raise, n_lower
        How many factors that raise (lower) risk to list.

    Returns
    -------
    list of dict
        Per row: ``unit``, ``base``, ``output``, ``rest``, ``raise`` and ``lower``,
        each factor with ``indicator``, ``value``, ``contribution``, ``risk``
        (positive raises risk), ``label_zh``/``label_en`` and ``text_zh``/``text_en``.
    """
    if BASE not in rated:
        raise ValueError("rated frame has no contributions: rate(..., contributions=True)")
    cols = [c for c in rated.columns if c.startswith(CONTRIB_PREFIX) and c != BASE]
    names = [c[len(CONTRIB_PREFIX):] for c in cols]
    contrib = rated[cols].to_numpy(dtype=np.float64)
    base = rated[BASE].to_numpy(dtype=np.float64)
    output = base + contrib.sum(axis=1)
    unit = pipeline.contribution_unit
    # points: more is safer; log-odds: more is riskier
    risk = -contrib if unit == "points" else contrib
    order = np.argsort(-risk, axis=1, kind="stable")
    up = order[:, :n_raise]
    down = order[:, ::-1][:, :n_lower]
    values = {n: features[n].to_numpy(dtype=object) for n in names if n in features}
    texts = _Texts(pipeline.texts)

    def item(row: int, j: int) -> dict[str, Any]:
        name = names[j]
        value = _plain(values[name][row]) if name in values else None
        label_zh, label_en, text_zh, text_en = texts(name, value)
        c = float(contrib[row, j])
        return {"indicator": name, "value": value, "contribution": c,
                "risk": float(risk[row, j]), "label_zh": label_zh, "label_en": label_en,
                "text_zh": text_zh, "text_en": text_en}

    out = []
    for row in range(len(rated)):
        raise_ = [item(row, j) for j in up[row] if risk[row, j] > 0]
        lower = [item(row, j) for j in down[row] if risk[row, j] < 0]
        listed = sum(i["contribution"] for i in raise_) + sum(i["contribution"] for i in lower)
        out.append({"unit": unit, "base": float(base[row]), "output": float(output[row]),
                    "rest": float(output[row] - base[row] - listed),
                    "raise": raise_, "lower": lower})
    return out


def reasons_json(
    items: list[dict[str, Any]],
    cause: Mapping[str, Any] | None = None,
    extras: list[Mapping[str, Any] | None] | None = None,
) -> list[str]:
    """JSON strings for the ``ratings.reasons`` column.

    ``cause`` (why a subject was re-rated) goes on every row; ``extras`` adds
    per-row keys, e.g. the driver points rule's result beside the model.
    """
    if cause is not None:
        items = [{**i, "cause": dict(cause)} for i in items]
    if extras is not None:
        items = [i if e is None else {**i, **e} for i, e in zip(items, extras, strict=True)]
    return [json.dumps(i, ensure_ascii=False) for i in items]
