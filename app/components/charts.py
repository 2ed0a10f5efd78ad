"""Altair charts of the app: grade distributions, migrations, contributions, timelines.

Each function takes a prepared frame and already translated axis titles and
returns an ``alt.Chart``; pages hand it to ``st.altair_chart``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

#: risk colours: raises risk red, lowers risk green (Chinese dashboards use the same)
RAISE, LOWER, NEUTRAL = "#d62728", "#2ca02c", "#7f7f7f"


def grade_bars(dist: pd.DataFrame, order: Sequence[str], x_title: str, y_title: str
               ) -> alt.Chart:
    """Subjects per grade of one scheme (bars in scale order, best first)."""
    return alt.Chart(dist).mark_bar().encode(
        x=alt.X("final_grade:N", sort=list(order), title=x_title),
        y=alt.Y("n:Q", title=y_title),
        color=alt.Color("final_grade:N", sort=list(order), legend=None,
                        scale=alt.Scale(scheme="redyellowgreen", reverse=True)),
        tooltip=["final_grade", "n", alt.Tooltip("share:Q", format=".1%")],
    ).properties(height=260)


def grade_shares(dist: pd.DataFrame, by: str, order: Sequence[str], by_title: str,
                 share_title: str, grade_title: str) -> alt.Chart:
    """Share of each grade within each group (stacked horizontal bars)."""
    return alt.Chart(dist).mark_bar().encode(
        y=alt.Y(f"{by}:N", title=by_title, sort="ascending"),
        x=alt.X("share:Q", title=share_title, axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("final_grade:N", sort=list(order), title=grade_title,
                        scale=alt.Scale(scheme="redyellowgreen", reverse=True)),
        order=alt.Order("order:Q"),
        tooltip=[by, "final_grade", "n", alt.Tooltip("share:Q", format=".1%")],
    ).properties(height=alt.Step(22))


def migration(moves: pd.DataFrame, order: Sequence[str], from_title: str, to_title: str
              ) -> alt.Chart:
    """Migration matrix between two dates as a heat map with counts."""
    axis = [*order, "—"]
    base = alt.Chart(moves).encode(
        x=alt.X("to_grade:N", sort=axis, title=to_title),
        y=alt.Y("from_grade:N", sort=axis, title=from_title),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("n:Q", scale=alt.Scale(type="log", scheme="blues"), legend=None),
        tooltip=["from_grade", "to_grade", "n", "move"])
    text = base.mark_text(fontSize=12).encode(text="n:Q")
    return (heat + text).properties(height=260)


def waterfall(reasons: dict[str, Any], lang: str, titles: dict[str, str]) -> alt.Chart:
    """The model's output built up from its base, the listed factors and the rest.

    For LightGBM the unit is log-odds (SHAP values: up = more risk); for the
    scorecard it is points (up = a better score). Bars are coloured by what
    they do to risk.
    """
    label = "label_zh" if lang == "zh" else "label_en"
    steps = [(titles["base"], reasons.get("base", 0.0), "base")]
    for item in [*reasons.get("raise", []), *reasons.get("lower", [])]:
        kind = "raise" if (item.get("risk") or 0) > 0 else "lower"
        steps.append((item.get(label) or item["indicator"], item["contribution"], kind))
    steps.append((titles["rest"], reasons.get("rest", 0.0),
                  "raise" if reasons.get("unit") != "points" and reasons.get("rest", 0) > 0
                  else "rest"))
    rows, level = [], 0.0
    for i, (name, value, kind) in enumerate(steps):
        start = 0.0 if kind == "base" else level
        end = value if kind == "base" else level + value
        rows.append({"step": f"{i:02d} {name}", "name": name, "start": start, "end": end,
                     "value": value, "kind": kind})
        level = end
    rows.append({"step": f"{len(steps):02d} {titles['output']}", "name": titles["output"],
                 "start": 0.0, "end": reasons.get("output", level), "value":
                 reasons.get("output", level), "kind": "base"})
    frame = pd.DataFrame(rows)
    colours = alt.Scale(domain=["raise", "lower", "base", "rest"],
                        range=[RAISE, LOWER, "#1f77b4", NEUTRAL])
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("step:N", sort=None, title=None,
                axis=alt.Axis(labelExpr="substring(datum.label, 3)", labelLimit=260)),
        x=alt.X("start:Q", title=titles["unit"]),
        x2="end:Q",
        color=alt.Color("kind:N", scale=colours, legend=None),
        tooltip=["name", alt.Tooltip("value:Q", format=".3f")],
    ).properties(height=alt.Step(24))


def timeline(records: pd.DataFrame, kind_title: str, date_title: str) -> alt.Chart:
    """The subject's records by event date and kind, coloured by polarity."""
    colours = alt.Scale(domain=["negative", "positive", "neutral"],
                        range=[RAISE, LOWER, NEUTRAL])
    return alt.Chart(records).mark_circle(size=70, opacity=0.8).encode(
        x=alt.X("event_date:T", title=date_title),
        y=alt.Y("kind_label:N", title=kind_title),
        color=alt.Color("polarity:N", scale=colours, legend=None),
        tooltip=["record_id", "kind_label", "severity", "event_date:T", "amount",
                 "value_num", "value_text", "dept_label"],
    ).properties(height=alt.Step(22))


def grade_history(history: pd.DataFrame, order: Sequence[str], date_title: str,
                  grade_title: str) -> alt.Chart:
    """Final grade over time (best grade at the top), one line per scheme."""
    return alt.Chart(history).mark_line(point=True, interpolate="step-after").encode(
        x=alt.X("as_of:T", title=date_title),
        y=alt.Y("final_grade:N", sort=list(order), title=grade_title),
        color=alt.Color("scheme:N"),
        tooltip=["scheme", "as_of:T", "final_grade", alt.Tooltip("pd:Q", format=".4f")],
    ).properties(height=200)


def counts(frame: pd.DataFrame, category: str, title: str, n_title: str,
           colour: str | None = None) -> alt.Chart:
    """Horizontal bars of ``n`` per ``category`` (largest first)."""
    enc: dict[str, Any] = {
        "y": alt.Y(f"{category}:N", sort="-x", title=title),
        "x": alt.X("sum(n):Q", title=n_title),
        "tooltip": [category, alt.Tooltip("sum(n):Q", title=n_title)],
    }
    if colour:
        enc["color"] = alt.Color(f"{colour}:N", legend=None)
    return alt.Chart(frame).mark_bar().encode(**enc).properties(height=alt.Step(20))


#: credit-risk classes A (low risk) to D (high risk)
CLASS_COLOURS = alt.Scale(domain=["A", "B", "C", "D"],
                          range=["#2ca02c", "#98c46b", "#ff9f40", "#d62728"])


def class_bars(counts: pd.DataFrame, x_title: str, y_title: str) -> alt.Chart:
    """Enterprises per credit-risk class (A to D), with counts and shares on hover."""
    return alt.Chart(counts).mark_bar().encode(
        x=alt.X("credit_class:N", sort=["A", "B", "C", "D"], title=x_title,
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("n:Q", title=y_title),
        color=alt.Color("credit_class:N", scale=CLASS_COLOURS, legend=None),
        tooltip=["credit_class", "class_label", "n", alt.Tooltip("share:Q", format=".1%")],
    ).properties(height=260)
