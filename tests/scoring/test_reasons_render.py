"""The reasons JSON is written as the plain renderer writes it, byte for byte.

:func:`scoring.reasons.reasons_json` writes each indicator's fragment once per distinct
value and formats the numbers in bulk (issue 20: scoring with reasons at LightGBM's speed).
The oracle below is the renderer before that change (at e18162a): every listed factor
rendered on its own with :func:`scoring.reasons.sentence` and ``json``-style formatting,
row by row — with, since, a change's two values (``pair``) and one fact listed once
(:mod:`features.same_fact`), both written here row by row too. On the tiny city's
champions (LightGBM in log-odds, the scorecard in points), with a cause and per-row
extras, both must give the same strings.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.store.duckdb_store import DuckDBStore
from scoring.batch import RatingPolicies, _inputs
from scoring.reasons import BASE, CONTRIB_PREFIX, _plain, _shown, _sides, reasons_json, sentence

AS_OF = dt.date(2026, 10, 31)
_q = json.encoder.encode_basestring


def _oracle(pipeline, features, rated, cause=None, extras=None, n_raise=5, n_lower=3) -> list:
    """The reasons JSON rendered factor by factor (the renderer at e18162a, uncached)."""
    cols = [c for c in rated.columns if c.startswith(CONTRIB_PREFIX) and c != BASE]
    names = [c[len(CONTRIB_PREFIX) :] for c in cols]
    contrib = rated[cols].to_numpy(dtype=np.float64)
    base = rated[BASE].to_numpy(dtype=np.float64)
    output = base + contrib.sum(axis=1)
    unit = pipeline.contribution_unit
    risk = -contrib if unit == "points" else contrib
    ref_row = pipeline.reference
    has_ref = ref_row is not None
    reference = {} if ref_row is None else {c: _plain(ref_row[c].iloc[0]) for c in ref_row.columns}
    ups = np.zeros_like(risk, dtype=bool)
    downs = np.zeros_like(risk, dtype=bool)
    for j, name in enumerate(names):
        worse, better = _sides(
            pipeline.texts.get(name), features.get(name), reference.get(name), has_ref
        )
        if len(worse):
            ups[:, j] = worse & (risk[:, j] > 0)
            downs[:, j] = better & (risk[:, j] < 0)
    said = _one_fact_once(pipeline, features, names, risk, ups, downs)
    _one_record_once(pipeline, features, names, risk, ups, downs)
    first_seen: dict[tuple[Any, ...], Any] = {}  # equal values read as the first one seen
    out = []
    for i in range(len(features)):
        up = [j for j in np.argsort(-np.where(ups[i], risk[i], -np.inf), kind="stable")[:n_raise]]
        down = [j for j in np.argsort(np.where(downs[i], risk[i], np.inf), kind="stable")[:n_lower]]
        lists = ([j for j in up if ups[i, j]], [j for j in down if downs[i, j]])
        total = 0.0
        texts: list[list[str]] = [[], []]
        for side, chosen in enumerate(lists):
            for j in chosen:
                name, t = names[j], pipeline.texts.get(names[j])
                value = _plain(features[name].iloc[i]) if name in features else None
                pair = None
                if t is not None and t.pair and all(p in features for p in t.pair):
                    pair = tuple(_plain(features[p].iloc[i]) for p in t.pair)
                value = first_seen.setdefault((name, value, pair), value)
                zh = sentence(t, value, "zh", pair) if t else f"{name}：{value}"
                en = sentence(t, value, "en", pair) if t else f"{name}: {value}"
                if (i, j) in said:  # the covering indicator's absence, over this window
                    a = pipeline.texts[names[said[i, j]]]
                    zh = a.missing_zh.format(window=t.window or "", label=t.label_zh)
                    en = a.missing_en.format(window=t.window or "", label=t.label_en)
                compared = (
                    "" if pair is None else f', "pair": [{_shown(pair[0])}, {_shown(pair[1])}]'
                )
                lz, le = (t.label_zh, t.label_en) if t else (name, name)
                c, r = float(contrib[i, j]), float(risk[i, j])
                total += c
                texts[side].append(
                    f'{{"indicator": {_q(name)}, "value": {_shown(value)}{compared}, '
                    f'"reference": {_shown(reference.get(name))}, "label_zh": {_q(lz)}, '
                    f'"label_en": {_q(le)}, "text_zh": {_q(zh)}, "text_en": {_q(en)}, '
                    f'"contribution": {c!r}, "risk": {r!r}}}'
                )
        b, o = float(base[i]), float(output[i])
        kind = "reference" if has_ref else "expected"
        text = (
            f'{{"unit": "{unit}", "base": {b!r}, "base_kind": "{kind}", "output": {o!r}, '
            f'"rest": {o - b - total!r}, "raise": [{", ".join(texts[0])}], '
            f'"lower": [{", ".join(texts[1])}]'
        )
        if cause is not None:
            text += ', "cause": ' + json.dumps(dict(cause), ensure_ascii=False)
        if extras is not None and extras[i]:
            text += ", " + json.dumps(dict(extras[i]), ensure_ascii=False)[1:-1]
        out.append(text + "}")
    return out


def _one_fact_once(pipeline, features, names, risk, ups, downs) -> dict[tuple[int, int], int]:
    """Row by row: factors stating a covering indicator's absence take its side, and of
    those stating one absence on a side only the strongest stays (the covering one, or the
    first declared, on a tie); returns (row, factor) -> the covering factor it reads as."""
    at = {name: j for j, name in enumerate(names)}
    said: dict[tuple[int, int], int] = {}
    for i in range(len(features)):
        pairs = []
        for j, name in enumerate(names):
            t = pipeline.texts.get(name)
            if t is None or not t.covered_by or name not in features:
                continue
            vb = _plain(features[name].iloc[i])
            if not (vb is None or (t.zero_without_records and vb == 0)):
                continue
            for a in t.covered_by:
                if a in at and _plain(features[a].iloc[i]) is None:
                    pairs.append((at[a], j))
        for a, j in pairs:
            rank = pipeline.texts[names[a]].missing_rank
            if rank == "worst":
                downs[i, j] = False
            elif rank == "best":
                ups[i, j] = False
            said.setdefault((i, j), a)
        groups: dict[int, list[int]] = {}
        for a, j in pairs:
            groups.setdefault(a, []).append(j)
        compared = list(pairs)
        for members in groups.values():
            compared += [(x, y) for k, x in enumerate(members) for y in members[k + 1 :]]
        was_up, was_down = ups[i].copy(), downs[i].copy()
        for x, y in compared:
            for side, was in ((ups, was_up), (downs, was_down)):
                if was[x] and was[y]:
                    if abs(risk[i, x]) >= abs(risk[i, y]):
                        side[i, y] = False
                    else:
                        side[i, x] = False
    return said


def _one_record_once(pipeline, features, names, risk, ups, downs) -> None:
    """Row by row: of two counts of the same records (equal, not 0) on one side, only the
    stronger stays (the narrower on a tie)."""
    at = {name: j for j, name in enumerate(names)}
    for i in range(len(features)):
        for j, name in enumerate(names):
            t = pipeline.texts.get(name)
            for a in getattr(t, "counted_in", ()) if t is not None else ():
                if a not in at or name not in features or a not in features:
                    continue
                narrow, broad = features[name].iloc[i], features[a].iloc[i]
                if not (narrow == broad and narrow > 0):
                    continue
                k = at[a]
                for side in (ups, downs):
                    if side[i, k] and side[i, j]:
                        if abs(risk[i, k]) > abs(risk[i, j]):
                            side[i, j] = False
                        else:
                            side[i, k] = False


@pytest.mark.parametrize("scheme", ["enterprise", "driver"])
def test_reasons_are_the_plain_renderers_byte_for_byte(
    scheme: str, champions: dict, scoring_city_file: Path
) -> None:
    model = champions[scheme]
    with DuckDBStore(scoring_city_file, read_only=True) as store:
        features, _ = _inputs(store, model, AS_OF, None, None, RatingPolicies(), None)
    features = features.iloc[:1500]
    rated = model.pipeline.rate(features)
    cause = {"kind": "objection", "id": "O-1", "record_id": "R-1"}
    extras = [{"note": f"第{i}行"} if i % 3 == 0 else None for i in range(len(features))]
    for args in ((), (cause, extras)):
        ours = reasons_json(model.pipeline, features, rated, *args)
        assert ours == _oracle(model.pipeline, features, rated, *args)
    # one row at a time, as a look-up rates it
    for i in range(0, len(features), 97):
        one = reasons_json(model.pipeline, features.iloc[i : i + 1], rated.iloc[i : i + 1])
        assert one == _oracle(model.pipeline, features.iloc[i : i + 1], rated.iloc[i : i + 1])
    assert pd.Series(ours).str.len().min() > 100  # reasons were written, not empty shells
