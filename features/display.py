"""Indicator values as a credit officer reads them, in Chinese and in English.

A reason sentence says the subject's value in the words of the trade: money in 元
with thousands separators, shares in %, a firm's age in years and months, a
category by its name (小型, 批发和零售业, A级), a change as the two values compared
(下降35%（12,000元→7,800元）), never a code or a transform. A missing value is
said only as the fact an indicator declares it to state (近36个月无行政处罚).

Numbers are read to 12 significant digits before they are rounded, so the text
is the same on every engine (DuckDB, Spark) for values that agree to
floating-point noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

#: How a value reads: ``number`` (counts, scores, days: up to two decimals),
#: ``money`` (元, no decimals), ``share`` (a part of a whole, within [0, 1], shown in %),
#: ``percent`` (any other fraction shown in %, e.g. a coefficient of variation),
#: ``ratio`` (倍, two decimals), ``years`` (years and months), ``category`` (the
#: category's name),
#: ``change`` (the current value against the earlier one), ``delta`` (a difference,
#: said as up or down).
DISPLAYS = frozenset(
    {"number", "money", "share", "percent", "ratio", "years", "category", "change", "delta"}
)
#: units as written in a sentence
UNITS_EN = {"元": " yuan", "人": "", "千瓦时": " kWh", "分": " points", "天": " days"}


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    try:
        return bool(value != value)  # pd.NA / NaT compare unequal to themselves
    except (TypeError, ValueError):
        return False


def _read(value: float) -> float:
    return float(f"{float(value):.12g}")


def _number(value: float) -> str:
    v = _read(value)
    if abs(v) >= 100:
        return f"{v:,.0f}"
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _share(value: float) -> str:
    pct = _read(value) * 100
    if pct == 0 or abs(pct) >= 10:
        return f"{pct:.0f}%"
    return f"{pct:.1f}%"


def _money(value: float) -> str:
    return f"{_read(value):,.0f}"


#: A finite number as the displays that read the same in both languages show it:
#: :func:`format_value` of a float, called directly where one value after another is
#: shown (a batch's reasons: the dispatch cost more than the formatting)
SAME_IN_BOTH: dict[str, Callable[[float], str]] = {
    "number": _number,
    "money": _money,
    "share": _share,
    "percent": _share,
}


def _years(value: float, lang: str) -> str:
    months = max(0, round(_read(value) * 12))
    y, m = divmod(months, 12)
    if lang == "zh":
        return (f"{y}年" if y else "") + (f"{m}个月" if m or not y else "")
    parts = ([f"{y} year{'s' if y != 1 else ''}"] if y else []) + (
        [f"{m} month{'s' if m != 1 else ''}"] if m or not y else []
    )
    return " ".join(parts)


def _with_unit(value: float, unit: str, lang: str) -> str:
    text = f"{_read(value):,.0f}" if unit == "元" else _number(value)
    return text + (unit if lang == "zh" else UNITS_EN.get(unit, f" {unit}" if unit else ""))


def _change(pair: tuple[Any, Any], unit: str, lang: str) -> str:
    """``pair`` = (current, earlier): up or down by how much, and the two values."""
    now, before = pair
    zh = lang == "zh"
    a, b = _with_unit(now, unit, lang), _with_unit(before, unit, lang)
    if _read(before) > 0:
        pct = (_read(now) - _read(before)) / _read(before)
        if abs(pct) < 0.005:
            return f"持平（{b}→{a}）" if zh else f"unchanged ({b} → {a})"
        word = ("增长" if pct > 0 else "下降") if zh else ("up" if pct > 0 else "down")
        shown = _share(abs(pct))
        return f"{word}{shown}（{b}→{a}）" if zh else f"{word} {shown} ({b} → {a})"
    if _read(now) > 0:
        return f"由{b}增至{a}" if zh else f"up from {b} to {a}"
    return f"均为{a}" if zh else f"{a} in both years"


def _delta(value: float, unit: str, lang: str) -> str:
    v = _read(value)
    if abs(v) < 0.005:
        return "持平" if lang == "zh" else "unchanged"
    amount = _with_unit(abs(v), unit, lang)
    if lang == "zh":
        return ("提高" if v > 0 else "下降") + amount
    return ("up " if v > 0 else "down ") + amount


def format_value(
    value: Any,
    kind: str = "number",
    lang: str = "zh",
    *,
    labels: Mapping[str, tuple[str, str]] | None = None,
    unit: str = "",
    pair: tuple[Any, Any] | None = None,
) -> str:
    """``value`` as a person reads it (without the sentence around it).

    Parameters
    ----------
    value
        The indicator's value (a number or a category code); must not be missing.
    kind
        One of :data:`DISPLAYS`.
    labels
        Category → (Chinese, English), for ``category``.
    unit
        For ``change`` and ``delta``: the unit of the values compared (元, 人, 分…).
    pair
        For ``change``: the current and the earlier value.
    """
    if kind == "category":
        pair_ = (labels or {}).get(str(value))
        return str(value) if pair_ is None else (pair_[0] if lang == "zh" else pair_[1])
    if isinstance(value, str):
        return value
    if kind == "change" and pair is not None and not any(is_missing(v) for v in pair):
        return _change(pair, unit, lang)
    v = float(value)
    if not math.isfinite(v):
        return "—"
    same = SAME_IN_BOTH.get(kind)
    if same is not None:
        return same(v)
    if kind == "years":
        return _years(v, lang)
    if kind == "delta":
        return _delta(v, unit, lang)
    if kind == "change":  # no pair to compare: the relative change itself
        pct = math.expm1(min(_read(v), 50.0))
        if abs(pct) < 0.005:
            return "持平" if lang == "zh" else "unchanged"
        word = ("增长" if pct > 0 else "下降") if lang == "zh" else ("up " if pct > 0 else "down ")
        return word + _share(abs(pct))
    return _number(v)


def render(
    template: str,
    label: str,
    value: Any,
    window: int | None,
    lang: str = "zh",
    *,
    kind: str = "number",
    labels: Mapping[str, tuple[str, str]] | None = None,
    missing: str = "",
    pair: tuple[Any, Any] | None = None,
    pair_unit: str = "",
) -> str:
    """A reason sentence: ``template`` with ``{value}`` as a person reads it.

    A missing value gives the declared fact ``missing`` (``{window}`` filled in);
    without one, ``label：无数据`` — which the reasons never list (a missing value is
    not a cause by itself), but the catalogue and tests can render.
    """
    if is_missing(value):
        if missing:
            return missing.format(window=window or "", label=label)
        return f"{label}：无数据" if lang == "zh" else f"{label}: no data"
    shown = format_value(value, kind, lang, labels=labels, unit=pair_unit, pair=pair)
    return template.format(value=shown, window=window or "", label=label)
