"""The grade-history chart of a credit report, as an inline SVG data URI.

The chart's words are in the report's language (Chinese with the English beside
it, or English). Its text stays text in the SVG (``svg.fonttype = none``), so the
reader's browser draws the Chinese with its own fonts, whether or not the server
that wrote the report has a CJK font; when it has one (Noto Sans CJK), matplotlib
also measures the labels with it. Dates are the rating dates themselves, as
``2026-09-30``: no month names in any language.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import warnings
from collections.abc import Sequence

import matplotlib
from matplotlib.figure import Figure

#: words of the chart: (Chinese with English, English)
_WORDS = {
    "title": ("最终等级与违约概率 Final grade and PD", "Final grade and PD"),
    "grade": ("等级 Grade", "Grade"),
    "pd": ("违约概率 PD (%)", "PD (%)"),
}
#: fonts that hold Chinese glyphs, tried in order, before the default
_CJK_FONTS = [
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "DejaVu Sans",
]
_MAX_TICKS = 8


def grade_history_svg(
    dates: Sequence[dt.date],
    grades: Sequence[str],
    pds: Sequence[float | None],
    scale: Sequence[str],
    lang: str = "zh",
) -> str:
    """A step chart of grades (best at the top) with the PD on a second axis.

    Parameters
    ----------
    dates
        As-of dates, ascending: one point each, evenly spaced, labelled by the date.
    grades
        The final grade at each date.
    pds
        The probability of default at each date (``None`` when unknown).
    scale
        Grade keys best first (the y axis).
    lang
        ``zh`` (Chinese with the English beside it) or ``en``.

    Returns
    -------
    str
        ``data:image/svg+xml;base64,…`` for an ``<img src>``.
    """
    words = {k: v[0] if lang == "zh" else v[1] for k, v in _WORDS.items()}
    order = list(scale) + sorted({g for g in grades if g not in scale})
    rank = {g: i for i, g in enumerate(order)}
    style = {
        "svg.hashsalt": "xinping",
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.sans-serif": _CJK_FONTS,
    }
    with matplotlib.rc_context(style), warnings.catch_warnings():
        # measuring Chinese labels without a CJK font warns per glyph; the browser draws them
        warnings.simplefilter("ignore", UserWarning)
        fig = Figure(figsize=(7.0, 2.6), dpi=100)
        ax = fig.add_subplot()
        xs = list(range(len(dates)))
        ys = [rank[g] for g in grades]
        ax.step(xs, ys, where="post", color="#1f4e79", linewidth=2)
        ax.plot(xs, ys, "o", color="#1f4e79")
        ax.set_yticks(range(len(order)), order)
        ax.set_ylim(len(order) - 0.5, -0.5)  # best grade at the top
        ax.set_ylabel(words["grade"])
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        every = max(1, -(-len(xs) // _MAX_TICKS))
        shown = xs[::every]
        ax.set_xticks(shown, [dates[i].isoformat() for i in shown], fontsize=8)
        ax.set_xlim(-0.5, max(len(xs) - 0.5, 0.5))
        known = [(x, p) for x, p in zip(xs, pds, strict=True) if p is not None and p == p]
        if known:
            ax2 = ax.twinx()
            ax2.plot(
                [x for x, _ in known],
                [100 * p for _, p in known],
                "--",
                color="#c0504d",
                linewidth=1.2,
                marker=".",
            )
            ax2.set_ylabel(words["pd"], color="#c0504d")
            ax2.set_ylim(bottom=0)
            ax2.tick_params(axis="y", colors="#c0504d")
        ax.set_title(words["title"], fontsize=10)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
