"""Reasons: the factors that raise a subject's risk most and those that lower it most.

A rating's reasons come from the model's exact contributions, measured against
the model version's **reference subject** — the typical subject of its training
population, each indicator at its median (its most frequent category; missing where
most subjects have no value) (:func:`models.explain.reference_profile`). For LightGBM
they are the exact Shapley values of the game "this subject's values against the reference's"
(:mod:`models.reference_shap`); for the scorecard, each indicator's points minus
the reference's points. Both add up exactly:

    base + Σ contributions of the listed factors + rest = output

where ``base`` is the reference subject's output and ``output`` the subject's
(the scorecard's score, or LightGBM's log-odds before calibration); ``rest`` is
the sum of the factors not listed. A value equal to the reference's contributes
exactly 0, and with the models' monotone constraints a factor's contribution has
the sign of its value's difference from the reference in the indicator's risk
direction. The listing is what a credit officer can act on; it follows
adverse-action practice (reasons are the largest shortfalls against a reference):

* a factor is listed as raising the risk only when it raises it and the
  subject's value is worse than the reference's in the indicator's declared
  direction (for ordered categories: a riskier category), and as lowering it
  only when it lowers it and the value is better;
* indicators without a risk direction are context (a household's size, the
  tax paid the year before, loans outstanding): they move the output but are
  never a reason. Categories without an order (industry, scale, licence class)
  are listed as the fact they are;
* a missing value is a reason only where the indicator declares what it states
  (``近24个月无行政处罚``), and only on its side (a missing record of harm can only
  lower the risk);
* one fact is listed once (:mod:`features.same_fact`): no record stated by two
  indicators (近24个月未纳税, 近12个月纳税0元), or the same records counted by two (one loan
  past due: 近24个月贷款逾期1次, 近24个月有失信记录1条) — of the two, the one that moves the
  risk most;
* values are worded as people read them (:mod:`features.display`).

The JSON kept on the rating holds ``base`` (with ``"base_kind": "reference"``),
``output``, ``rest`` and the listed factors, each with its ``value`` and the
reference's (``reference``).
"""

from __future__ import annotations

import json
import math
import string
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from features.display import SAME_IN_BOTH, format_value, is_missing, render
from models.pipeline import CONTRIB_PREFIX, IndicatorText, RatingPipeline, float_columns

BASE = CONTRIB_PREFIX + "base"
#: JSON string literal of a str (the C encoder json.dumps uses, without its overhead);
#: the Chinese stays as it is, readable in the stored JSON
_quote = json.encoder.encode_basestring
N_RAISE, N_LOWER = 5, 3
#: Most JSON fragments a batch keeps from part to part: about 800 bytes each with its key
#: (city sme), so ~40 MB. City, 3 runs each alternated: sme's rating 7.07 -> 6.36 s (median),
#: 200,000 households 13.9 -> 13.4 s
KEPT_FRAGMENTS = 50_000
#: Up to this many listed values of one indicator are written one by one; more are grouped
#: by value first (pandas factorize: ~40 µs a call, more than a look-up's one value costs)
FEW_VALUES = 8


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


def _shown(value: Any) -> str:
    return (
        "null"
        if value is None
        else (repr(value) if isinstance(value, float) else _quote(str(value)))
    )


def _negated(shown: str) -> str:
    """``repr(-x)`` from ``repr(x)`` (a NaN's repr has no sign)."""
    if shown == "nan":
        return shown
    return shown[1:] if shown[0] == "-" else "-" + shown


def sentence(t: IndicatorText, value: Any, lang: str, pair: tuple[Any, Any] | None = None) -> str:
    """The reason sentence of an indicator's value in ``lang``."""
    zh = lang == "zh"
    return render(
        t.reason_zh if zh else t.reason_en,
        t.label_zh if zh else t.label_en,
        value,
        t.window,
        lang,
        kind=t.display,
        labels={code: (lz, le) for code, lz, le in t.labels},
        missing=t.missing_zh if zh else t.missing_en,
        pair=pair,
        pair_unit=t.pair_unit,
    )


#: stands for the value while a sentence template is split around it
_MARK = "\x00"


def _escaped(text: str) -> str:
    """``text`` as it reads inside a JSON string literal (escaping is per character:
    the literal of a joined text is the join of the parts' literals)."""
    return _quote(text)[1:-1]


def _around_value(template: str, window: int | None, label: str) -> tuple[str, str] | None:
    """A sentence template's JSON text before and after its value, the window and label
    filled in; None unless it takes ``{value}`` exactly once, as it stands."""
    fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(template) if f]
    if [f for f, _, _ in fields].count("value") != 1 or ("value", "", None) not in fields:
        return None
    filled = template.format(value=_MARK, window=window or "", label=label)
    if filled.count(_MARK) != 1:
        return None
    before, after = filled.split(_MARK)
    return _escaped(before), _escaped(after)


class _Fragments:
    """The fixed part of a factor's JSON (indicator, value, reference, labels,
    sentences) in UTF-8, built once per (indicator, value[, compared values]): a batch
    repeats the same few values many times. What does not depend on the value (the
    quoted name, labels and reference, the category names, the sentences' words around
    the value) is prepared once per indicator. UTF-8 bytes, not ``str``: the rows are
    joined from them and stored as they are, the Chinese encoded once per fragment
    instead of once per row (city firms: 17 -> 7 ms a 5,000-row part into Arrow)."""

    def __init__(
        self,
        texts: Mapping[str, IndicatorText],
        reference: Mapping[str, Any],
        cache: dict[tuple[Any, ...], bytes] | None = None,
    ) -> None:
        self.texts = texts
        self.reference = reference
        self.cache: dict[tuple[Any, ...], bytes] = {} if cache is None else cache
        self.heads: dict[str, tuple[str, str]] = {}
        self.around: dict[str, tuple[str, str, str] | None] = {}
        self.numbers: dict[str, Callable[[float], bytes] | None] = {}
        self.labels = {
            name: {code: (lz, le) for code, lz, le in t.labels}
            for name, t in texts.items()
            if t.labels
        }

    def _head(self, name: str, t: IndicatorText | None) -> tuple[str, str]:
        """The JSON around the value: before it and after it up to the sentences."""
        head = self.heads.get(name)
        if head is None:
            q = _quote
            zh, en = (name, name) if t is None else (t.label_zh, t.label_en)
            head = (
                f'"indicator": {q(name)}, "value": ',
                f', "reference": {_shown(self.reference.get(name))}, '
                f'"label_zh": {q(zh)}, "label_en": {q(en)}, ',
            )
            self.heads[name] = head
        return head

    def _around(self, name: str, t: IndicatorText) -> tuple[str, str, str] | None:
        """The sentences' JSON around their values (``"text_zh": "…`` up to the Chinese
        value, from it to the English one, from that to the end), or None where a
        template does not take its value once as it stands."""
        if name not in self.around:
            zh = _around_value(t.reason_zh, t.window, t.label_zh)
            en = _around_value(t.reason_en, t.window, t.label_en)
            self.around[name] = (
                None
                if zh is None or en is None
                else (f'"text_zh": "{zh[0]}', f'{zh[1]}", "text_en": "{en[0]}', f'{en[1]}"')
            )
        return self.around[name]

    def _said(self, name: str, t: IndicatorText, value: Any, pair: tuple[Any, Any] | None) -> str:
        """``"text_zh": …, "text_en": …``: :func:`sentence` in both languages as JSON,
        the value put between the template's words (prepared once per indicator)."""
        around = None if is_missing(value) else self._around(name, t)
        if around is None:
            zh, en = sentence(t, value, "zh", pair), sentence(t, value, "en", pair)
            return f'"text_zh": {_quote(zh)}, "text_en": {_quote(en)}'
        labels, unit = self.labels.get(name), t.pair_unit
        zh = _escaped(format_value(value, t.display, "zh", labels=labels, unit=unit, pair=pair))
        en = (
            zh  # a value that reads the same in both languages is shown once
            if t.display in SAME_IN_BOTH
            else _escaped(format_value(value, t.display, "en", labels=labels, unit=unit, pair=pair))
        )
        return f"{around[0]}{zh}{around[1]}{en}{around[2]}"

    def _number(self, name: str) -> Callable[[float], bytes] | None:
        """The fragment of a finite float of an indicator shown the same in both
        languages, with no compared values: the template's words and the head prepared,
        the value formatted by its display's own function (None for other indicators).
        What :meth:`__call__` builds, at a third of its cost: most of a batch's fragments
        are such values (amounts, shares), each seen once."""
        if name in self.numbers:
            return self.numbers[name]
        t = self.texts.get(name)
        show = None if t is None else SAME_IN_BOTH.get(t.display)
        around = None if show is None else self._around(name, t)
        made = None
        if show is not None and around is not None:
            before, after = (h.encode() for h in self._head(name, t))
            a0, a1, a2 = (a.encode() for a in around)

            def made(value: float) -> bytes:
                s = _escaped(show(value)).encode()
                return b"".join((before, repr(value).encode(), after, a0, s, a1, s, a2))

        self.numbers[name] = made
        return made

    def __call__(
        self, name: str, value: Any, pair: tuple[Any, Any] | None, absent: str = ""
    ) -> bytes:
        """The factor's JSON fragment; ``absent``: the covering indicator whose stated
        absence the value is (:func:`_one_fact_once`), read over this one's window."""
        key = (name, value, pair, absent)
        hit = self.cache.get(key)
        if hit is None:
            number = (
                self._number(name)
                if pair is None and not absent and type(value) is float and math.isfinite(value)
                else None
            )
            if number is not None:
                self.cache[key] = hit = number(value)
                return hit
            t = self.texts.get(name)
            if t is None:  # an input the pipeline has no declaration for
                zh, en = f"{name}：{value}", f"{name}: {value}"
                said = f'"text_zh": {_quote(zh)}, "text_en": {_quote(en)}'
            elif absent:
                a = self.texts[absent]
                zh = a.missing_zh.format(window=t.window or "", label=t.label_zh)
                en = a.missing_en.format(window=t.window or "", label=t.label_en)
                said = f'"text_zh": {_quote(zh)}, "text_en": {_quote(en)}'
            else:
                said = self._said(name, t, value, pair)
            before, after = self._head(name, t)
            # a change keeps the two values it compares: "由0千瓦时增至9,952千瓦时" reads
            # right where the relative change from 0 does not
            compared = "" if pair is None else f', "pair": [{_shown(pair[0])}, {_shown(pair[1])}]'
            hit = f"{before}{_shown(value)}{compared}{after}{said}".encode()
            self.cache[key] = hit
        return hit

    def many(self, name: str, values: list[Any]) -> list[bytes]:
        """:meth:`__call__` of each of one indicator's values (no compared values, no
        absence), the fragments of numbers not seen before made in one pass."""
        cache = self.cache
        keys = [(name, v, None, "") for v in values]
        out = list(map(cache.get, keys))
        number = self._number(name)
        for i, (hit, v) in enumerate(zip(out, values, strict=True)):
            if hit is None:
                if number is not None and type(v) is float and math.isfinite(v):
                    cache[keys[i]] = out[i] = number(v)
                else:
                    out[i] = self(name, v, None)
        return out


class _PerObject:
    """Values worked out once per object of a model (its reference frame, its texts) for
    the life of the process — a look-up rates one row, where working them out again would
    cost more than the rest of its step. Keyed by the object's identity and the caller's
    key; the object is held, so an identity is reused only once its object is gone. At most
    64 are kept."""

    def __init__(self) -> None:
        self._hits: dict[tuple[int, Any], tuple[Any, Any]] = {}

    def get(self, obj: Any, key: Any, make: Callable[[], Any]) -> Any:
        hit = self._hits.get((id(obj), key))
        if hit is None or hit[0] is not obj:
            if len(self._hits) >= 64:
                self._hits.clear()
            hit = (obj, make())
            self._hits[(id(obj), key)] = hit
        return hit[1]


#: the reference subject's values as JSON reads them, per reference frame
_REFERENCES = _PerObject()


def _reference_values(ref_row: pd.DataFrame | None) -> dict[str, Any]:
    """The reference row's values by indicator (:func:`_plain`), read once per frame."""
    if ref_row is None:
        return {}
    return _REFERENCES.get(
        ref_row, None, lambda: {c: _plain(ref_row[c].iloc[0]) for c in ref_row.columns}
    )


def _sides(
    t: IndicatorText | None,
    values: pd.Series | np.ndarray | None,
    reference: Any,
    has_reference: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: may the factor be listed as raising the risk, as lowering it.

    A value is on the raising side when it is worse than the reference in the
    indicator's direction, on the lowering side when better; see the module notes.
    """
    n = 0 if values is None else len(values)
    none = np.zeros(n, dtype=bool)
    if t is None or values is None:
        return none, none
    ref_missing = reference is None or (isinstance(reference, float) and reference != reference)
    if t.categorical:
        raw = (
            np.asarray(values, dtype=object)
            if isinstance(values, np.ndarray)
            else values.to_numpy(dtype=object)
        )
        missing = pd.isna(raw)
        if t.order:
            rank = {c: float(i) for i, c in enumerate(t.order)}
            v = np.fromiter((rank.get(x, np.nan) for x in raw), dtype=np.float64, count=n)
            r = np.nan if ref_missing else rank.get(str(reference), np.nan)
            worse, better = v > r, v < r  # NaN compares False
            if not has_reference:
                worse = better = ~missing
        else:  # a fact about the subject, no risk order to contradict
            worse = better = ~missing & (raw != reference) if not ref_missing else ~missing
    elif t.direction:
        if values.dtype == np.float64:  # the common case, without to_numeric's checks
            v = values if isinstance(values, np.ndarray) else values.to_numpy()
        else:
            v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(v)
        if has_reference and not ref_missing:
            d = t.direction * (v - float(reference))
            worse, better = d > 0, d < 0
        else:
            worse = better = ~missing
            if has_reference and t.missing_rank:  # the reference has no record
                worse, better = _against_none(t.missing_rank, ~missing)
    else:  # context without a risk direction: never a reason
        return none, none
    if t.missing_zh:
        worse = worse | (missing & (t.missing_rank != "best"))
        better = better | (missing & (t.missing_rank != "worst"))
    return np.asarray(worse, dtype=bool), np.asarray(better, dtype=bool)


def _against_none(rank: str, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Worse and better of known values against a reference subject with no record,
    where no record stands at ``rank``: a firm with a penalty 30 days ago is worse than
    the typical firm with none (``best``), never better, whatever the model learnt of
    the few with a penalty long ago; one that pays a housing fund is better than the
    typical one that pays none (``worst``)."""
    none = np.zeros_like(known)
    return (known, none) if rank == "best" else (none, known)


def _directed_sides(
    texts: Mapping[str, IndicatorText],
    names: list[str],
    floats: Mapping[str, np.ndarray],
    reference: Mapping[str, Any],
    has_reference: bool,
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """:func:`_sides` of every numeric indicator with a risk direction whose values are
    ``float64`` (most of a scheme's), all at once: their positions in ``names`` and
    ``(rows, those)`` matrices of worse and better. One comparison over the block
    instead of ~60 calls, which cost a one-subject rating more than the comparisons."""
    at: list[int] = []
    refs: list[float] = []
    for j, name in enumerate(names):
        t = texts.get(name)
        r = reference.get(name)
        if t is None or t.categorical or not t.direction or name not in floats:
            continue
        if r is not None and not isinstance(r, int | float):
            continue  # (a value _sides would convert or refuse: left to it)
        at.append(j)
        refs.append(math.nan if r is None else float(r))
    if not at:
        return at, np.zeros((0, 0), dtype=bool), np.zeros((0, 0), dtype=bool)
    chosen = [texts[names[j]] for j in at]
    v = np.column_stack([floats[names[j]] for j in at])
    missing = np.isnan(v)
    ref = np.asarray(refs, dtype=np.float64)
    known = ~missing
    if has_reference:
        d = np.asarray([t.direction for t in chosen], dtype=np.float64) * (v - ref)
        ref_missing = np.isnan(ref)
        # against a reference with no record: a record of a harm is worse, of a good or
        # required thing better (:func:`_against_none`); else either side
        rank = np.asarray([t.missing_rank for t in chosen])
        worse = np.where(ref_missing, known & (rank != "worst"), d > 0)  # NaN compares False
        better = np.where(ref_missing, known & (rank != "best"), d < 0)
    else:
        worse, better = known, known.copy()
    says = np.asarray([bool(t.missing_zh) for t in chosen])
    worse |= missing & (says & np.asarray([t.missing_rank != "best" for t in chosen]))
    better |= missing & (says & np.asarray([t.missing_rank != "worst" for t in chosen]))
    return at, worse, better


def _missing(values: np.ndarray) -> np.ndarray:
    return np.isnan(values) if values.dtype.kind == "f" else pd.isna(values)


class _Plan(NamedTuple):
    """Where a model's factors can state one fact twice (:mod:`features.same_fact`), by
    position among its contribution columns."""

    #: (covered factor, it reads 0 without records, the factors covering it)
    covering: list[tuple[int, bool, list[int]]]
    #: (count, a count counting every record it counts)
    nested: list[tuple[int, int]]


#: per model's texts and contribution columns
_PLANS = _PerObject()


def _plan(texts: Mapping[str, IndicatorText], names: list[str]) -> _Plan:
    def make() -> _Plan:
        at = {name: j for j, name in enumerate(names)}
        covering, nested = [], []
        for j, name in enumerate(names):
            t = texts.get(name)
            if t is None:
                continue
            over = [at[a] for a in t.covered_by if a in at]
            if over:
                covering.append((j, t.zero_without_records, over))
            nested += [(j, at[a]) for a in getattr(t, "counted_in", ()) if a in at]
        return _Plan(covering, nested)

    return _PLANS.get(texts, tuple(names), make)


def _one_record_once(
    texts: Mapping[str, IndicatorText],
    names: list[str],
    column: Any,
    risk: np.ndarray,
    ups: np.ndarray,
    downs: np.ndarray,
) -> None:
    """Two counts of the same records (:func:`features.same_fact.counted_within`): where a
    row's count equals a count that counts every record it counts (and is not 0), both
    count the same records — one loan past due is 近24个月贷款逾期1次 and 近24个月有失信记录1条.
    Of the two on one side only the one that moves the risk most is listed (the narrower on
    a tie: it names the kind); the other's contribution falls into ``rest``. Changes
    ``ups`` and ``downs`` in place."""
    for j, i in _plan(texts, names).nested:
        narrow = np.asarray(column(names[j]), dtype=np.float64)
        broad = np.asarray(column(names[i]), dtype=np.float64)
        same = (narrow == broad) & (narrow > 0)
        if not same.any():
            continue
        for side in (ups, downs):
            both = same & side[:, i] & side[:, j]
            if both.any():
                broad_stronger = np.abs(risk[:, i]) > np.abs(risk[:, j])
                side[both & broad_stronger, j] = False
                side[both & ~broad_stronger, i] = False


def _one_fact_once(
    texts: Mapping[str, IndicatorText],
    names: list[str],
    column: Any,
    risk: np.ndarray,
    ups: np.ndarray,
    downs: np.ndarray,
) -> np.ndarray | None:
    """Factors that state a covering indicator's absence (:mod:`features.same_fact`):
    no tax paid for 24 months makes the tax paid over 12 months 0, and that 0 is the
    same fact, not a second one. Where a row's value is such an absence:

    * it stands where the absence stands (``missing_rank``): no record of tax paid is
      never listed as lowering the risk, whatever the 0 yuan's contribution;
    * of the factors stating it on one side, only the one that moves the risk most is
      listed (of two, the covering one or the first declared on a tie); the others'
      contributions fall into ``rest``. Each pair is judged on the sides as they were
      before any was dropped, and every pair of a group is compared (the covering one
      with each it covers, and two it covers): only the strongest stays.

    Changes ``ups`` and ``downs`` in place. Returns per row and factor the index of the
    covering indicator whose absence the value states (-1: none), or ``None`` when the
    model has no covered indicator: the listed value reads as that absence over its own
    window ("近12个月无交通违法", not "近12个月中有0个月有交通违法").
    """
    plan = _plan(texts, names).covering
    if not plan:
        return None
    pairs = []
    for j, zero, covering in plan:
        vb = column(names[j])
        b = _missing(vb)
        if zero:
            b = b | (np.asarray(vb, dtype=np.float64) == 0)
        if not b.any():
            continue
        for i in covering:
            same = b & _missing(column(names[i]))
            if same.any():
                pairs.append((i, j, same))
    if not pairs:
        return None
    said = np.full(risk.shape, -1, dtype=np.int32)
    for i, j, same in pairs:
        rank = texts[names[i]].missing_rank
        if rank == "worst":
            downs[same, j] = False
        elif rank == "best":
            ups[same, j] = False
        said[same & (said[:, j] < 0), j] = i
    # every two factors stating one absence: the covering one and each it covers, and
    # two it covers (points and violations over 12 months, both 0 without violations)
    group: dict[int, list[tuple[int, np.ndarray]]] = {}
    for i, j, same in pairs:
        group.setdefault(i, []).append((j, same))
    compared = [(i, j, same) for i, j, same in pairs]
    for members in group.values():
        for k, (j1, same1) in enumerate(members):
            compared += [(j1, j2, same1 & same2) for j2, same2 in members[k + 1 :]]
    was_up, was_down = ups.copy(), downs.copy()
    for i, j, same in compared:
        for side, was in ((ups, was_up), (downs, was_down)):
            both = same & was[:, i] & was[:, j]
            if both.any():
                a_stronger = np.abs(risk[:, i]) >= np.abs(risk[:, j])
                side[both & a_stronger, j] = False
                side[both & ~a_stronger, i] = False
    return said


def reasons_json(*args: Any, **kwargs: Any) -> list[str]:
    """The ``ratings.reasons`` JSON of every row as ``str`` (:func:`reasons_utf8`'s
    parameters and rows)."""
    return [row.decode() for row in reasons_utf8(*args, **kwargs)]


def utf8_strings(rows: list[bytes]) -> pd.api.extensions.ExtensionArray:
    """UTF-8 rows (:func:`reasons_utf8`) as a pandas string array, as a column of ``str``
    would hold them, without decoding them: the bytes are Arrow's string data as they are
    (each row joined from encoded ``str``: valid UTF-8)."""
    binary = pa.array(rows, pa.large_binary())
    return pd.array(binary.view(pa.large_string()), dtype="str")


def reasons_utf8(
    pipeline: RatingPipeline,
    features: pd.DataFrame,
    rated: pd.DataFrame,
    cause: Mapping[str, Any] | None = None,
    extras: list[Mapping[str, Any] | None] | None = None,
    n_raise: int = N_RAISE,
    n_lower: int = N_LOWER,
    floats: Mapping[str, np.ndarray] | None = None,
    fragments: dict[tuple[Any, ...], bytes] | None = None,
) -> list[bytes]:
    """The ``ratings.reasons`` JSON of every row, in UTF-8.

    Parameters
    ----------
    pipeline
        The rating pipeline that produced ``rated`` (its unit, indicator texts and
        reference subject).
    features
        The indicator frame that was rated (same row order).
    rated
        Output of :meth:`RatingPipeline.rate` with contributions.
    cause
        Why the rows were re-rated (objection, repair…), added to every row.
    extras
        Keys to add per row (e.g. the driver points rule), or ``None``.
    n_raise, n_lower
        How many factors that raise (lower) risk to list at most.
    floats
        :func:`models.pipeline.float_columns` of ``features``, when the caller has read
        them (for the rating itself): a one-row frame's read costs more than its reasons.
    fragments
        A dict the caller keeps across the calls of one batch (same pipeline): each
        factor's JSON fragment, built once per indicator and value, is then built once per
        batch, not once per part (a batch's parts repeat the same counts and categories);
        at most :data:`KEPT_FRAGMENTS` are kept. ``None``: one cache per call.

    Returns
    -------
    list of bytes
        Per row a JSON object with ``unit``, ``base``, ``base_kind``, ``output``,
        ``rest``, ``raise`` and ``lower``, each factor with ``indicator``, ``value``,
        ``reference``, ``label_zh``/``label_en``, ``text_zh``/``text_en``,
        ``contribution`` and ``risk`` (positive raises risk); plus ``cause`` and
        the extras.
    """
    if BASE not in rated:
        raise ValueError("rated frame has no contributions: rate(..., contributions=True)")
    # the labels as a list: indexing a pandas 3 string Index label by label costs more
    # than one subject's factors (city firm: 0.15 ms of its 1.3 ms of reasons)
    labels = rated.columns.tolist()
    at = [i for i, c in enumerate(labels) if c.startswith(CONTRIB_PREFIX) and c != BASE]
    names = [labels[i][len(CONTRIB_PREFIX) :] for i in at]
    # side by side (as RatingPipeline.rate puts them): a slice, not a take of ~60 columns
    side_by_side = bool(at) and at[-1] - at[0] + 1 == len(at)
    picked = rated.iloc[:, at[0] : at[-1] + 1] if side_by_side else rated.iloc[:, at]
    contrib = picked.to_numpy(dtype=np.float64)
    base = rated[BASE].to_numpy(dtype=np.float64)
    output = base + contrib.sum(axis=1)
    unit = pipeline.contribution_unit
    # points: more is safer; log-odds: more is riskier
    risk = -contrib if unit == "points" else contrib
    ref_row = getattr(pipeline, "reference", None)
    has_reference = ref_row is not None
    reference = _reference_values(ref_row)
    ups = np.zeros_like(risk, dtype=bool)
    downs = np.zeros_like(risk, dtype=bool)
    floats = float_columns(features) if floats is None else floats

    def column(name: str) -> np.ndarray:
        return floats[name] if name in floats else features[name].to_numpy()

    at, worse, better = _directed_sides(pipeline.texts, names, floats, reference, has_reference)
    if at:
        ups[:, at] = worse & (risk[:, at] > 0)
        downs[:, at] = better & (risk[:, at] < 0)
    done = set(at)
    for j, name in enumerate(names):
        if j in done:
            continue
        worse, better = _sides(
            pipeline.texts.get(name),
            floats[name] if name in floats else features.get(name),
            reference.get(name),
            has_reference,
        )
        if len(worse):
            ups[:, j] = worse & (risk[:, j] > 0)
            downs[:, j] = better & (risk[:, j] < 0)
    said = _one_fact_once(pipeline.texts, names, column, risk, ups, downs)
    _one_record_once(pipeline.texts, names, column, risk, ups, downs)
    k_up = min(n_raise, risk.shape[1])
    k_down = min(n_lower, risk.shape[1])
    up_order = np.argsort(-np.where(ups, risk, -np.inf), axis=1, kind="stable")[:, :k_up]
    down_order = np.argsort(np.where(downs, risk, np.inf), axis=1, kind="stable")[:, :k_down]
    picks = np.concatenate([up_order, down_order], axis=1)
    listed = np.concatenate(
        [np.take_along_axis(ups, up_order, axis=1), np.take_along_axis(downs, down_order, axis=1)],
        axis=1,
    )
    n_up = k_up
    # The listed factors, row by row (raising first), as flat arrays. Each indicator's
    # listed values are grouped first (pandas factorize keeps the first of equal values,
    # as a cache would): a JSON fragment is written once per distinct value, not per row.
    rows, k = np.nonzero(listed)
    js = picks[rows, k]
    cs = contrib[rows, js]
    if fragments is not None and len(fragments) > KEPT_FRAGMENTS:
        fragments.clear()  # bounded: the values that recur come back at once
    fragment = _Fragments(pipeline.texts, reference, fragments)
    frags = np.empty(len(js), dtype=object)
    for j in np.unique(js).tolist():
        name = names[j]
        at = np.flatnonzero(js == j)
        if name not in features:
            frags[at] = fragment(name, None, None)
            continue
        values = column(name)[rows[at]]
        t = pipeline.texts.get(name)
        if t is not None and t.pair and all(p in features for p in t.pair):
            now = column(t.pair[0])[rows[at]].tolist()
            before = column(t.pair[1])[rows[at]].tolist()
            frags[at] = [
                fragment(name, _plain(v), (_plain(a), _plain(b)))
                for v, a, b in zip(values.tolist(), now, before, strict=True)
            ]
            continue
        if len(at) <= FEW_VALUES:  # a look-up's row or a few: no grouping to pay for
            frags[at] = [fragment(name, _plain(v), None) for v in values.tolist()]
            continue
        codes, distinct = pd.factorize(values, use_na_sentinel=False)
        texts = np.array(
            fragment.many(name, [_plain(v) for v in np.asarray(distinct).tolist()]), dtype=object
        )
        frags[at] = texts[codes]
    if said is not None:  # values that state a covering indicator's absence
        for k in np.flatnonzero(said[rows, js] >= 0).tolist():
            name, row = names[js[k]], rows[k]
            absent = names[said[row, js[k]]]
            frags[k] = fragment(name, _plain(column(name)[row]), None, absent)
    shown = list(map(repr, cs.tolist()))  # a float's repr is most of a factor's cost
    # log-odds: the risk is the contribution; points: its negation, whose repr is the
    # same digits with the other sign (exact for every non-NaN float)
    risks = shown if unit != "points" else [_negated(c) for c in shown]
    factors = [
        b'{%s, "contribution": %s, "risk": %s}' % (f, c.encode(), r.encode())
        for f, c, r in zip(frags.tolist(), shown, risks, strict=True)
    ]
    # where each row's raising and lowering factors end in ``factors``
    counts = listed.sum(axis=1)
    ends = np.cumsum(counts)
    starts_down = ends - listed[:, n_up:].sum(axis=1)
    # the listed contributions added up in listing order, as a reader adds them (one
    # column of the row's factors at a time: the same sums as a loop over each row)
    lined = np.zeros(listed.shape)
    lined[rows, np.arange(len(js)) - (ends - counts)[rows]] = cs
    total = np.zeros(len(base))
    for col in range(lined.shape[1]):
        total = total + lined[:, col]
    rest = output - base - total
    tail = b"" if cause is None else b', "cause": ' + _utf8_json(cause)
    kind = b', "base_kind": "reference"' if has_reference else b', "base_kind": "expected"'
    head = f'{{"unit": "{unit}", "base": '.encode()
    comma = b", "

    out = []
    first = 0
    for row, (up, end, b, o, r) in enumerate(
        zip(
            starts_down.tolist(),
            ends.tolist(),
            map(repr, base.tolist()),
            map(repr, output.tolist()),
            map(repr, rest.tolist()),
            strict=True,
        )
    ):
        text = b'%s%s%s, "output": %s, "rest": %s, "raise": [%s], "lower": [%s]%s' % (
            head,
            b.encode(),
            kind,
            o.encode(),
            r.encode(),
            comma.join(factors[first:up]),
            comma.join(factors[up:end]),
            tail,
        )
        first = end
        extra = None if extras is None else extras[row]
        if extra:
            text += b", " + _utf8_json(extra)[1:-1]
        out.append(text + b"}")
    return out


def _utf8_json(keys: Mapping[str, Any]) -> bytes:
    """A JSON object of ``keys`` in UTF-8, the Chinese as it is."""
    return json.dumps(dict(keys), ensure_ascii=False).encode()


def reason_lists(
    pipeline: RatingPipeline,
    features: pd.DataFrame,
    rated: pd.DataFrame,
    n_raise: int = N_RAISE,
    n_lower: int = N_LOWER,
) -> list[dict[str, Any]]:
    """The reasons of every row as dicts (see :func:`reasons_json`)."""
    return [
        json.loads(t)
        for t in reasons_json(pipeline, features, rated, n_raise=n_raise, n_lower=n_lower)
    ]
