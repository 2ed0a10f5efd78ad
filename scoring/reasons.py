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
#: JSON string literal of a str (the C encoder json.dumps uses, without its overhead);
#: the Chinese stays as it is, readable in the stored JSON
_quote = json.encoder.encode_basestring
N_RAISE, N_LOWER = 5, 3


def _plain(value: Any) -> Any:
    """A JSON-ready value: numbers as float, missing as None."""
    if type(value) is float:  # the common case first: most indicators are numbers
        return value if math.isfinite(value) else None
    if value is None:
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


class _Fragments:
    """The fixed part of a factor's JSON (indicator, value, labels, sentences), built
    once per (indicator, value): a batch repeats the same few values many times."""

    def __init__(self, texts: Mapping[str, IndicatorText]) -> None:
        self.texts = texts
        self.cache: dict[tuple[str, Any], str] = {}

    def __call__(self, name: str, value: Any) -> str:
        key = (name, value)
        hit = self.cache.get(key)
        if hit is None:
            t = self.texts.get(name)
            if t is None:  # an input the pipeline has no declaration for
                labels = (name, name, f"{name}：{value}", f"{name}: {value}")
            else:
                labels = (t.label_zh, t.label_en,
                          render_reason(t.reason_zh, t.label_zh, value, t.window, "zh"),
                          render_reason(t.reason_en, t.label_en, value, t.window, "en"))
            q = _quote
            shown = "null" if value is None else (repr(value) if isinstance(value, float)
                                                  else q(str(value)))
            hit = (f'"indicator": {q(name)}, "value": {shown}, "label_zh": {q(labels[0])}, '
                   f'"label_en": {q(labels[1])}, "text_zh": {q(labels[2])}, '
                   f'"text_en": {q(labels[3])}')
            self.cache[key] = hit
        return hit


def reasons_json(
    pipeline: RatingPipeline,
    features: pd.DataFrame,
    rated: pd.DataFrame,
    cause: Mapping[str, Any] | None = None,
    extras: list[Mapping[str, Any] | None] | None = None,
    n_raise: int = N_RAISE,
    n_lower: int = N_LOWER,
) -> list[str]:
    """The ``ratings.reasons`` JSON of every row.

    Parameters
    ----------
    pipeline
        The rating pipeline that produced ``rated`` (its unit and indicator texts).
    features
        The indicator frame that was rated (same row order).
    rated
        Output of :meth:`RatingPipeline.rate` with contributions.
    cause
        Why the rows were re-rated (objection, repair…), added to every row.
    extras
        Keys to add per row (e.g. the driver points rule), or ``None``.
    n_raise, n_lower
        How many factors that raise (lower) risk to list.

    Returns
    -------
    list of str
        Per row a JSON object with ``unit``, ``base``, ``output``, ``rest``,
        ``raise`` and ``lower``, each factor with ``indicator``, ``value``,
        ``label_zh``/``label_en``, ``text_zh``/``text_en``, ``contribution`` and
        ``risk`` (positive raises risk); plus ``cause`` and the extras.
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
    picks = np.concatenate([order[:, :n_raise], order[:, ::-1][:, :n_lower]], axis=1)
    n_up = min(n_raise, picks.shape[1])
    pick_r = np.take_along_axis(risk, picks, axis=1)
    listed = np.concatenate([pick_r[:, :n_up] > 0, pick_r[:, n_up:] < 0], axis=1)
    # The listed factors, row by row (raising first), as flat arrays: only their
    # values become Python objects, and the loops below only format.
    rows, k = np.nonzero(listed)
    js = picks[rows, k]
    cs = contrib[rows, js].tolist()
    rs = risk[rows, js].tolist()
    values = np.full(len(js), None, dtype=object)
    for j in np.unique(js).tolist():
        if names[j] in features:
            at = js == j
            values[at] = features[names[j]].to_numpy()[rows[at]]
    fragment = _Fragments(pipeline.texts)
    factors = [f'{{{fragment(names[j], _plain(v))}, "contribution": {c!r}, "risk": {r!r}}}'
               for j, v, c, r in zip(js.tolist(), values.tolist(), cs, rs, strict=True)]
    # where each row's raising and lowering factors end in ``factors``
    ends = np.cumsum(listed.sum(axis=1))
    ups = ends - listed[:, n_up:].sum(axis=1)
    tail = "" if cause is None else ', "cause": ' + json.dumps(dict(cause), ensure_ascii=False)
    head = f'{{"unit": "{unit}", '

    out = []
    first = 0
    for row, (up, end, b, o) in enumerate(zip(ups.tolist(), ends.tolist(), base.tolist(),
                                              output.tolist(), strict=True)):
        total = 0.0
        for c in cs[first:end]:  # in listing order, as a reader adds them up
            total += c
        text = (f'{head}"base": {b!r}, "output": {o!r}, "rest": {o - b - total!r}, '
                f'"raise": [{", ".join(factors[first:up])}], '
                f'"lower": [{", ".join(factors[up:end])}]{tail}')
        first = end
        extra = None if extras is None else extras[row]
        if extra:
            text += ", " + json.dumps(dict(extra), ensure_ascii=False)[1:-1]
        out.append(text + "}")
    return out


def reason_lists(
    pipeline: RatingPipeline,
    features: pd.DataFrame,
    rated: pd.DataFrame,
    n_raise: int = N_RAISE,
    n_lower: int = N_LOWER,
) -> list[dict[str, Any]]:
    """The reasons of every row as dicts (see :func:`reasons_json`)."""
    return [json.loads(t) for t in reasons_json(pipeline, features, rated, n_raise=n_raise,
                                                n_lower=n_lower)]
