"""How values read on a page: dates, times, percentages, money, grades, yes/no, missing.

Pure functions (no Streamlit): tables, charts, metrics and captions all format
through them, so a PD reads ``3.05%`` and a date ``2026-09-30`` wherever it is
shown, in both languages.

- Dates are ``YYYY-MM-DD``; timestamps ``YYYY-MM-DD HH:MM`` (a midnight timestamp
  is a date and reads as one; seconds are noise to a credit officer).
- Probabilities (PD) are percentages with two decimals (``3.05%``); shares of a
  population with one (``91.7%``).
- Money is in 元 with thousands separators and no decimals (the header or label
  says 元); counts have separators too.
- A missing value is ``—`` in both languages, never ``None``/``NaN``/``NaT``.
- Grades keep their keys (``AAA``, ``A``, ``D``: the names the scales publish),
  except the household scale's ``NR`` ("below A": rated, not a credit household),
  which reads as its scale label, ``未评为信用户`` / ``Not a credit household`` (never
  "not rated": the household has a PD and reasons); the grade's label (``信用风险低``,
  ``优秀信用户``) goes beside it or in its help text.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pandas as pd

from models.rating import code_grades

MISSING = "—"

#: yes / no
YES_NO: dict[bool, tuple[str, str]] = {True: ("是", "Yes"), False: ("否", "No")}


def missing(value: Any) -> bool:
    """True for ``None``, ``NaN``, ``NaT`` and ``pd.NA``."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, dicts: present
        return False


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def day(value: Any) -> str:
    """A date as ``YYYY-MM-DD`` (``—`` when missing)."""
    if missing(value):
        return MISSING
    if isinstance(value, str):
        value = pd.Timestamp(value)
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def stamp(value: Any) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM``; a midnight one as its date."""
    if missing(value):
        return MISSING
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(None)
    if (ts.hour, ts.minute, ts.second, ts.microsecond) == (0, 0, 0, 0):
        return ts.strftime("%Y-%m-%d")
    return ts.strftime("%Y-%m-%d %H:%M")


def _number(value: Any) -> float | None:
    if missing(value):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def pd_percent(value: Any) -> str:
    """A probability of default as a percentage with two decimals: ``3.05%``."""
    x = _number(value)
    return MISSING if x is None else f"{x:.2%}"


def share(value: Any) -> str:
    """A share of a population as a percentage with one decimal: ``91.7%``."""
    x = _number(value)
    return MISSING if x is None else f"{x:.1%}"


def money(value: Any) -> str:
    """An amount in 元 with thousands separators, no decimals: ``1,234,567``."""
    x = _number(value)
    return MISSING if x is None else f"{x:,.0f}"


def count(value: Any) -> str:
    """A count with thousands separators: ``20,000``."""
    x = _number(value)
    return MISSING if x is None else f"{x:,.0f}"


def number(value: Any, unit: str = "") -> str:
    """A measured number with its unit: ``12人``, ``3.5%``, ``1,234千瓦时`` (no trailing zeros)."""
    x = _number(value)
    if x is None:
        return MISSING
    text = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")
    tight = unit in ("", "%") or unit[0] >= "\u2e80"  # 12人, 3.5%; but 1,234 kWh
    return f"{text}{unit}" if tight else f"{text} {unit}"


def yes_no(value: Any, lang: str) -> str:
    """``是``/``否`` (``Yes``/``No``); ``—`` when missing."""
    if missing(value):
        return MISSING
    return _pick(YES_NO[bool(value)], lang)


def grade(value: Any, lang: str) -> str:
    """A grade as a person reads it: its key, but a code as its scale names it (``NR``:
    ``未评为信用户`` / ``Not a credit household``, :func:`models.rating.code_grades`)."""
    if missing(value) or value == "":
        return MISSING
    pair = code_grades().get(str(value))
    return _pick(pair, lang) if pair else str(value)


def label(table: dict[str, tuple[str, str]] | Any, code: Any, lang: str) -> str:
    """``code`` through a ``code → (中文, English)`` table; unknown codes as they are."""
    if missing(code) or code == "":
        return MISSING
    pair = table.get(str(code))
    return _pick(pair, lang) if pair else str(code)


#: characters that open inline Markdown, HTML, math or Streamlit directives anywhere in a line
_INLINE = frozenset("\\`*_[]<>$~:|&")
#: a line that starts like this is a heading, list, quote or numbered list
_BLOCK_START = re.compile(r"^(?:[#+>=-]|\d+[.)])")


def plain(text: Any) -> str:
    """``text`` as it reads, for a Streamlit element that renders Markdown.

    Names, reasons and values that users or departments wrote are shown with
    ``st.header``, ``st.caption``, ``st.error``… which read Markdown (``**``,
    ``[link](url)``, ``$math$``, ``:red[...]`` directives) and HTML-like tags.
    The characters that open inline markup get a backslash, which CommonMark
    (and Streamlit's directive and math extensions) read as the character
    itself; so does a leading ``#``, ``-``, ``+``, ``>`` or ``1.`` that would make
    a heading or list. Line breaks and tabs become spaces so a value cannot open
    a block of its own. Other punctuation (``(``, ``.``, ``%``) is left as it is,
    so the text stays readable. Apply it to the *value*, never to a message's
    own wording.

    Examples
    --------
    >>> print(plain("**粗体** <b>x</b> [链接](http://x)"))
    \\*\\*粗体\\*\\* \\<b\\>x\\</b\\> \\[链接\\](http\\://x)
    """
    if missing(text):
        return MISSING
    flat = " ".join(str(text).split()) if any(c in str(text) for c in "\r\n\t") else str(text)
    out = "".join("\\" + c if c in _INLINE else c for c in flat)
    start = _BLOCK_START.match(out)
    if start:  # escape the character that makes the block (the "." of "1.")
        end = start.end() - 1
        out = out[:end] + "\\" + out[end:]
    return out
