"""The grade-history chart of a credit report, as an inline SVG data URI.

No CJK font is installed on the servers, so the chart's text is English, digits
and grade keys only; the surrounding HTML carries the Chinese.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Sequence

import matplotlib
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure


def grade_history_svg(
    dates: Sequence[dt.date],
    grades: Sequence[str],
    pds: Sequence[float | None],
    scale: Sequence[str],
    title: str = "Grade history",
) -> str:
    """A step chart of grades (best at the top) with the PD on a second axis.

    Parameters
    ----------
    dates
        As-of dates, ascending.
    grades
        The final grade at each date.
    pds
        The probability of default at each date (``None`` when unknown).
    scale
        Grade keys best first (the y axis).
    title
        Chart title (ASCII: no CJK font is available).

    Returns
    -------
    str
        ``data:image/svg+xml;base64,…`` for an ``<img src>``.
    """
    order = list(scale) + sorted({g for g in grades if g not in scale})
    rank = {g: i for i, g in enumerate(order)}
    fig = Figure(figsize=(7.0, 2.6), dpi=100)
    ax = fig.add_subplot()
    ys = [rank[g] for g in grades]
    ax.step(dates, ys, where="post", color="#1f4e79", linewidth=2)
    ax.plot(dates, ys, "o", color="#1f4e79")
    ax.set_yticks(range(len(order)), order)
    ax.set_ylim(len(order) - 0.5, -0.5)  # best grade at the top
    ax.set_ylabel("Grade")
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    locator = AutoDateLocator(minticks=2, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    known = [(d, p) for d, p in zip(dates, pds, strict=True) if p is not None and p == p]
    if known:
        ax2 = ax.twinx()
        ax2.plot(
            [d for d, _ in known],
            [100 * p for _, p in known],
            "--",
            color="#c0504d",
            linewidth=1.2,
            marker=".",
        )
        ax2.set_ylabel("PD (%)", color="#c0504d")
        ax2.set_ylim(bottom=0)
        ax2.tick_params(axis="y", colors="#c0504d")
    if len(dates) == 1:
        day = dates[0]
        ax.set_xlim(day - dt.timedelta(days=45), day + dt.timedelta(days=45))
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "xinping", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
