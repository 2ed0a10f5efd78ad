"""应查必查 statistics as a chart: coverage and feedback rate per matter (and department).

Built from :func:`scoring.check_feedback.check_statistics` rows with a ``matter_label``
column; every axis, legend and tooltip is titled in the page's language.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from app.i18n import tr


def rates_chart(stats: pd.DataFrame, lang: str) -> alt.Chart | None:
    """Bars of coverage and feedback rate per matter — per department and matter when
    the rows hold more than one department (the steward's view); ``None`` when no
    rate can be computed (no caseload reported, no measure returned)."""
    several = stats["department"].nunique() > 1
    rows = stats.assign(
        row_label=[
            f"{d} · {m}" if several else m
            for d, m in zip(stats["department"], stats["matter_label"], strict=True)
        ]
    )
    long = pd.concat(
        [
            rows.assign(measure=tr("col.coverage", lang), value=rows["coverage"]),
            rows.assign(measure=tr("col.feedback_rate", lang), value=rows["feedback_rate"]),
        ]
    ).dropna(subset=["value"])
    if long.empty:
        return None
    share, what = tr("chk.share", lang), tr("col.matter_label", lang)
    return (
        alt.Chart(long[["row_label", "department", "matter_label", "measure", "value"]])
        .mark_bar()
        .encode(
            y=alt.Y("row_label:N", title=what, axis=alt.Axis(labelLimit=260)),
            yOffset="measure:N",
            x=alt.X("value:Q", title=share, axis=alt.Axis(format="%")),
            color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("department:N", title=tr("col.department", lang)),
                alt.Tooltip("matter_label:N", title=what),
                alt.Tooltip("measure:N", title=tr("chk.rate", lang)),
                alt.Tooltip("value:Q", format=".0%", title=share),
            ],
        )
    )
