"""The repair guidance (信用修复指引) on a page: the plan's tables and its projection chart.

The words are :mod:`scoring.repair_plan_view`'s (the same rows as ``xinping repair plan`` and
the credit report); this module only draws them. Record ids are masked for masked roles by
the caller's ``mask`` (a department's record id may quote a personal ID).
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from app.components import formats
from scoring.repair_plan import RepairPlan
from scoring.repair_plan_view import (
    curve_frame,
    option_rows,
    plan_titles,
    projection_rows,
    record_rows,
    related_rows,
)


def curve_chart(plan: RepairPlan, lang: str) -> alt.Chart | None:
    """The projected grade per month-end as a step line, without and with the best repair,
    one panel per scheme (grades best at the top)."""
    frame = curve_frame(plan, lang)
    if frame.empty:
        return None
    zh = lang == "zh"
    panels = []
    for name, part in frame.groupby("scheme", sort=False):
        order = part.sort_values("rank").drop_duplicates("grade")["grade"].tolist()
        panels.append(
            alt.Chart(part, title=str(name))
            .mark_line(interpolate="step-after", point=True)
            .encode(
                x=alt.X(
                    "day:T", title="日期" if zh else "Month-end", axis=alt.Axis(format="%Y-%m")
                ),
                y=alt.Y(
                    "grade:N", sort=order, title="等级（预测）" if zh else "Grade (projection)"
                ),
                color=alt.Color(
                    "series:N",
                    title="情形" if zh else "Case",
                    legend=alt.Legend(orient="top", labelLimit=400),
                ),
                strokeDash=alt.StrokeDash("series:N", legend=None),
                tooltip=[
                    alt.Tooltip("day:T", title="日期" if zh else "Day", format="%Y-%m-%d"),
                    alt.Tooltip("series:N", title="情形" if zh else "Case"),
                    alt.Tooltip("grade:N", title="等级" if zh else "Grade"),
                    alt.Tooltip("pd:Q", title="违约概率" if zh else "PD", format=".2%"),
                ],
            )
            .properties(height=160)
        )
    return alt.vconcat(*panels)


def _table(frame: pd.DataFrame, mask: Callable[[pd.DataFrame], pd.DataFrame], key: str) -> None:
    if frame.empty:
        st.caption(formats.MISSING)
        return
    st.dataframe(mask(frame), hide_index=True, width="stretch", key=key)


def show_plan(
    plan: RepairPlan, lang: str, mask: Callable[[pd.DataFrame], pd.DataFrame], key: str
) -> None:
    """Draw a plan: summary, chart, ranked repairs, records and the month-by-month table."""
    titles = plan_titles(plan, lang)
    st.caption(titles["head"])
    st.info(formats.plain(mask(pd.DataFrame({"s": [titles["summary"]]}))["s"].iloc[0]))
    chart = curve_chart(plan, lang)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    st.markdown(f"**{titles['options']}**")
    _table(option_rows(plan, lang), mask, f"{key}_options")
    st.markdown(f"**{titles['records']}**")
    _table(record_rows(plan, lang), mask, f"{key}_records")
    st.markdown(f"**{titles['projection']}**")
    _table(projection_rows(plan, lang), mask, f"{key}_projection")
    related = related_rows(plan, lang)
    if not related.empty:
        st.markdown(f"**{titles['related']}**")
        _table(related, mask, f"{key}_related")
    st.caption(titles["note"])
