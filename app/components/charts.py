"""Altair charts of the app: grade distributions, migrations, contributions, timelines.

Each function takes a prepared frame and the page's language and returns an
``alt.Chart``; pages hand it to ``st.altair_chart``. Everything a chart draws as
text is in that language: axis and legend titles, tooltip titles, category
labels (grades through :func:`app.components.formats.grade`, so ``NR`` reads
未评为信用户) and dates, which are formatted here (``%Y-%m``, ``%Y-%m-%d``) because
Vega-Lite's default time format writes English month names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from app.components import formats
from app.i18n import tr

#: risk colours: raises risk red, lowers risk green (Chinese dashboards use the same)
RAISE, LOWER, NEUTRAL = "#d62728", "#2ca02c", "#7f7f7f"
MONTH, DAY = "%Y-%m", "%Y-%m-%d"  # Vega-Lite's default time labels are English month names


def _grades(order: Sequence[str], lang: str) -> list[str]:
    return [formats.grade(g, lang) for g in order]


def _with_grade(
    frame: pd.DataFrame, lang: str, column: str = "final_grade", to: str = "grade_shown"
) -> pd.DataFrame:
    return frame.assign(**{to: frame[column].map(lambda g: formats.grade(g, lang))})


def grade_bars(dist: pd.DataFrame, order: Sequence[str], lang: str) -> alt.Chart:
    """Subjects per grade of one scheme (bars in scale order, best first)."""
    data = _with_grade(dist, lang)
    shown = _grades(order, lang)
    grade_title, n_title = tr("col.final_grade", lang), tr("overview.subjects", lang)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "grade_shown:N",
                sort=shown,
                title=grade_title,
                axis=alt.Axis(labelAngle=0 if len(shown) <= 5 else -45, labelOverlap=False),
            ),
            y=alt.Y("n:Q", title=n_title, axis=alt.Axis(format=",d")),
            color=alt.Color(
                "grade_shown:N",
                sort=shown,
                legend=None,
                scale=alt.Scale(scheme="redyellowgreen", reverse=True),
            ),
            tooltip=[
                alt.Tooltip("grade_shown:N", title=grade_title),
                alt.Tooltip("n:Q", title=n_title, format=",d"),
                alt.Tooltip("share:Q", title=tr("overview.share", lang), format=".1%"),
            ],
        )
        .properties(height=260)
    )


def grade_shares(
    dist: pd.DataFrame,
    by: str,
    order: Sequence[str],
    by_title: str,
    lang: str,
    groups: Sequence[str] | None = None,
) -> alt.Chart:
    """Share of each grade within each group (stacked horizontal bars; groups in the order
    of ``groups``, e.g. GB/T 4754 sections, else alphabetical)."""
    data = _with_grade(dist, lang)
    shown = _grades(order, lang)
    grade_title, share_title = tr("col.final_grade", lang), tr("overview.share", lang)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(
                f"{by}:N",
                title=by_title,
                sort=list(groups) if groups else "ascending",
                axis=alt.Axis(labelLimit=220),
            ),
            x=alt.X(
                "share:Q",
                title=share_title,
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color(
                "grade_shown:N",
                sort=shown,
                title=grade_title,
                scale=alt.Scale(scheme="redyellowgreen", reverse=True),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip(f"{by}:N", title=by_title),
                alt.Tooltip("grade_shown:N", title=grade_title),
                alt.Tooltip("n:Q", title=tr("overview.subjects", lang), format=",d"),
                alt.Tooltip("share:Q", title=share_title, format=".1%"),
            ],
        )
        .properties(height=alt.Step(22))
    )


def migration(
    moves: pd.DataFrame, order: Sequence[str], from_title: str, to_title: str, lang: str
) -> alt.Chart:
    """Migration matrix between two dates as a heat map with counts."""
    data = moves.assign(
        from_shown=moves["from_grade"].map(lambda g: formats.grade(g, lang)),
        to_shown=moves["to_grade"].map(lambda g: formats.grade(g, lang)),
        move_shown=moves["move"].map(lambda m: tr(f"move.{m}", lang)),
    )
    axis = [*_grades(order, lang), formats.MISSING]
    base = alt.Chart(data).encode(
        x=alt.X("to_shown:N", sort=axis, title=to_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("from_shown:N", sort=axis, title=from_title),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("n:Q", scale=alt.Scale(type="log", scheme="blues"), legend=None),
        tooltip=[
            alt.Tooltip("from_shown:N", title=from_title),
            alt.Tooltip("to_shown:N", title=to_title),
            alt.Tooltip("n:Q", title=tr("overview.subjects", lang), format=",d"),
            alt.Tooltip("move_shown:N", title=tr("col.moved", lang)),
        ],
    )
    text = base.mark_text(fontSize=12).encode(text=alt.Text("n:Q", format=",d"))
    return (heat + text).properties(height=260)


def waterfall(reasons: dict[str, Any], lang: str, titles: dict[str, str]) -> alt.Chart:
    """The model's output built up from its base, the listed factors and the rest.

    For LightGBM the unit is log-odds (SHAP values: up = more risk), drawn from 0 (even
    odds); for the scorecard it is points (up = a better score), drawn over the span the
    factors move the score in. Bars are coloured by what they do to risk.
    """
    label = "label_zh" if lang == "zh" else "label_en"
    steps = [(titles["base"], reasons.get("base", 0.0), "base")]
    for item in [*reasons.get("raise", []), *reasons.get("lower", [])]:
        kind = "raise" if (item.get("risk") or 0) > 0 else "lower"
        steps.append((item.get(label) or item["indicator"], item["contribution"], kind))
    steps.append(
        (
            titles["rest"],
            reasons.get("rest", 0.0),
            "raise" if reasons.get("unit") != "points" and reasons.get("rest", 0) > 0 else "rest",
        )
    )
    rows, level = [], 0.0
    for i, (name, value, kind) in enumerate(steps):
        start = 0.0 if kind == "base" else level
        end = value if kind == "base" else level + value
        rows.append(
            {
                "step": f"{i:02d} {name}",
                "name": name,
                "start": start,
                "end": end,
                "value": value,
                "kind": kind,
            }
        )
        level = end
    rows.append(
        {
            "step": f"{len(steps):02d} {titles['output']}",
            "name": titles["output"],
            "start": 0.0,
            "end": reasons.get("output", level),
            "value": reasons.get("output", level),
            "kind": "base",
        }
    )
    frame = pd.DataFrame(rows)
    x_scale = alt.Undefined
    if reasons.get("unit") == "points":
        # a score has no natural zero: drawn from 0, a base of 569 points leaves factors of
        # a few points invisible. The axis spans the levels the factors move between, and
        # the base and the subject's score are bars from its left edge.
        moved = frame.loc[frame["kind"] != "base", ["start", "end"]].to_numpy().ravel()
        levels = [*moved.tolist(), *frame.loc[frame["kind"] == "base", "end"].tolist()]
        lo, hi = min(levels), max(levels)
        pad = max((hi - lo) * 0.15, 1.0)
        frame.loc[frame["kind"] == "base", "start"] = lo - pad
        x_scale = alt.Scale(domain=[lo - pad, hi + pad], zero=False, nice=False)
    colours = alt.Scale(
        domain=["raise", "lower", "base", "rest"], range=[RAISE, LOWER, "#1f77b4", NEUTRAL]
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(
                "step:N",
                sort=None,
                title=None,
                axis=alt.Axis(labelExpr="substring(datum.label, 3)", labelLimit=260),
            ),
            x=alt.X("start:Q", title=titles["unit"], scale=x_scale),
            x2="end:Q",
            color=alt.Color("kind:N", scale=colours, legend=None),
            tooltip=[
                alt.Tooltip("name:N", title=tr("chart.factor", lang)),
                alt.Tooltip("value:Q", title=titles["unit"], format=".3f"),
            ],
        )
        .properties(height=alt.Step(24))
    )


def timeline(records: pd.DataFrame, lang: str) -> alt.Chart:
    """The subject's records by event date and kind, coloured by polarity.

    ``records`` carries the words to show: ``kind_label``, ``severity_label``,
    ``polarity_label``, ``value_shown``, ``dept_label`` (see
    :func:`app.data.subjects.records`).
    """
    colours = alt.Scale(domain=["negative", "positive", "neutral"], range=[RAISE, LOWER, NEUTRAL])
    kind_title, date_title = tr("col.kind_label", lang), tr("col.event_date", lang)
    data = records.assign(event_day=records["event_date"].map(formats.day))
    return (
        alt.Chart(data)
        .mark_circle(size=70, opacity=0.8)
        .encode(
            x=alt.X("event_date:T", title=date_title, axis=alt.Axis(format=MONTH)),
            y=alt.Y("kind_label:N", title=kind_title),
            color=alt.Color("polarity:N", scale=colours, legend=None),
            tooltip=[
                alt.Tooltip("record_id:N", title=tr("col.record_id", lang)),
                alt.Tooltip("kind_label:N", title=kind_title),
                alt.Tooltip("polarity_label:N", title=tr("col.polarity", lang)),
                alt.Tooltip("severity_label:N", title=tr("col.severity", lang)),
                alt.Tooltip("event_day:N", title=date_title),
                alt.Tooltip("value_shown:N", title=tr("col.value_shown", lang)),
                alt.Tooltip("dept_label:N", title=tr("col.dept_label", lang)),
            ],
        )
        .properties(height=alt.Step(22))
    )


def grade_history(history: pd.DataFrame, order: Sequence[str], lang: str) -> alt.Chart:
    """Final grade at each rating date (best grade at the top), one line per scheme.

    Dates are categories (``2026-09-30``): ratings are month ends, and a time axis
    would invent ticks (and English month names) between them.
    """
    shown = _grades(order, lang)
    data = _with_grade(history, lang).assign(
        day=history["as_of"].map(formats.day),
        pd_shown=history["pd"].map(formats.pd_percent),
        scheme_shown=history["scheme_label"],
    )
    date_title, grade_title = tr("col.as_of", lang), tr("col.final_grade", lang)
    scheme_title = tr("col.scheme", lang)
    return (
        alt.Chart(data)
        .mark_line(point=True, interpolate="step-after")
        .encode(
            x=alt.X("day:O", title=date_title, sort="ascending", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("grade_shown:N", sort=shown, title=grade_title, scale=alt.Scale(domain=shown)),
            color=alt.Color(
                "scheme_shown:N", title=scheme_title, legend=alt.Legend(labelLimit=320)
            ),
            tooltip=[
                alt.Tooltip("scheme_shown:N", title=scheme_title),
                alt.Tooltip("day:N", title=date_title),
                alt.Tooltip("grade_shown:N", title=grade_title),
                alt.Tooltip("pd_shown:N", title=tr("col.pd", lang)),
            ],
        )
        .properties(height=200)
    )


def counts(
    frame: pd.DataFrame, category: str, title: str, lang: str, colour: str | None = None
) -> alt.Chart:
    """Horizontal bars of ``n`` per ``category`` (largest first)."""
    n_title = tr("col.n", lang)
    enc: dict[str, Any] = {
        "y": alt.Y(f"{category}:N", sort="-x", title=title, axis=alt.Axis(labelLimit=220)),
        "x": alt.X("sum(n):Q", title=n_title, axis=alt.Axis(format=",d")),
        "tooltip": [
            alt.Tooltip(f"{category}:N", title=title),
            alt.Tooltip("sum(n):Q", title=n_title, format=",d"),
        ],
    }
    if colour:
        enc["color"] = alt.Color(f"{colour}:N", legend=None)
    return alt.Chart(frame).mark_bar().encode(**enc).properties(height=alt.Step(20))


#: credit-risk classes A (low risk) to D (high risk)
CLASS_COLOURS = alt.Scale(
    domain=["A", "B", "C", "D"], range=["#2ca02c", "#98c46b", "#ff9f40", "#d62728"]
)


def class_bars(counts: pd.DataFrame, lang: str) -> alt.Chart:
    """Enterprises per credit-risk class (A to D), with counts and shares on hover."""
    class_title, n_title = tr("col.credit_class", lang), tr("overview.subjects", lang)
    return (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X(
                "credit_class:N",
                sort=["A", "B", "C", "D"],
                title=class_title,
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("n:Q", title=n_title, axis=alt.Axis(format=",d")),
            color=alt.Color("credit_class:N", scale=CLASS_COLOURS, legend=None),
            tooltip=[
                alt.Tooltip("credit_class:N", title=class_title),
                alt.Tooltip("class_label:N", title=tr("col.class_label", lang)),
                alt.Tooltip("n:Q", title=n_title, format=",d"),
                alt.Tooltip("share:Q", title=tr("overview.share", lang), format=".1%"),
            ],
        )
        .properties(height=260)
    )
