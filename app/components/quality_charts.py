"""The trend chart of the departments' data-quality scores (数据质量, issue 19)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from app.i18n import tr


def score_trend(trend: pd.DataFrame, lang: str) -> alt.Chart:
    """One line per department: its monthly score (``dq_period``, ``dq_dept``, ``dq_score``)."""
    month, dept, score = (tr(f"col.{c}", lang) for c in ("dq_period", "dq_dept", "dq_score"))
    return (
        alt.Chart(trend)
        .mark_line(point=True)
        .encode(
            x=alt.X("dq_period:O", title=month),
            y=alt.Y("dq_score:Q", title=score, scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("dq_dept:N", title=dept, legend=alt.Legend(labelLimit=220)),
            tooltip=[
                alt.Tooltip("dq_period:O", title=month),
                alt.Tooltip("dq_dept:N", title=dept),
                alt.Tooltip("dq_score:Q", title=score, format=".1f"),
            ],
        )
        .properties(height=320)
    )
