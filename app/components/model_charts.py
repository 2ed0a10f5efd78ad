"""Altair charts of 模型管理: ROC curves, calibration per grade, SHAP summary and beeswarm.

Each function takes a frame prepared by :mod:`app.data.model_report` and the page's
language and returns an ``alt.Chart``; every text the chart draws (axis and legend
titles, tooltips, grade labels) is in that language.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from app.components import formats
from app.i18n import tr

#: the two models of a comparison, and the parts of a report, in fixed colours
PALETTE = ["#4c78a8", "#e45756", "#54a24b", "#f58518"]


def roc(frame: pd.DataFrame, lang: str, height: int = 340) -> alt.Chart:
    """ROC curves (``curve``, ``fpr``, ``tpr``) on one chart with the chance diagonal."""
    fpr_t, tpr_t = tr("models.fpr", lang), tr("models.tpr", lang)
    curve_t = tr("models.curve", lang)
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("fpr:Q", title=fpr_t, scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("tpr:Q", title=tpr_t, scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "curve:N",
                title=curve_t,
                scale=alt.Scale(range=PALETTE),
                legend=alt.Legend(orient="bottom-right", labelLimit=400),
            ),
            tooltip=[
                alt.Tooltip("curve:N", title=curve_t),
                alt.Tooltip("fpr:Q", title=fpr_t, format=".3f"),
                alt.Tooltip("tpr:Q", title=tpr_t, format=".3f"),
            ],
        )
    )
    chance = (
        alt.Chart(pd.DataFrame({"fpr": [0.0, 1.0], "tpr": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="#999")
        .encode(x=alt.X("fpr:Q", title=fpr_t), y=alt.Y("tpr:Q", title=tpr_t))
    )
    return (chance + lines).properties(height=height)


def calibration(frame: pd.DataFrame, order: Sequence[str], lang: str) -> alt.Chart:
    """Predicted PD and observed default rate per grade, side by side
    (:func:`app.data.model_report.calibration_frame`)."""
    words = {"predicted": tr("col.predicted_pd", lang), "observed": tr("col.observed_rate", lang)}
    data = frame.assign(
        grade_shown=frame["grade"].map(lambda g: formats.grade(g, lang)),
        what_shown=frame["what"].map(words),
    )
    shown = [formats.grade(g, lang) for g in order]
    grade_t, rate_t, what_t = (
        tr("col.grade", lang),
        tr("models.rate", lang),
        tr("models.what", lang),
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("grade_shown:N", sort=shown, title=grade_t, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("what_shown:N", sort=list(words.values())),
            y=alt.Y("rate:Q", title=rate_t, axis=alt.Axis(format=".1%")),
            color=alt.Color(
                "what_shown:N",
                title=what_t,
                sort=list(words.values()),
                scale=alt.Scale(range=["#9ecae9", "#e45756"]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("grade_shown:N", title=grade_t),
                alt.Tooltip("what_shown:N", title=what_t),
                alt.Tooltip("rate:Q", title=rate_t, format=".2%"),
            ],
        )
        .properties(height=260)
    )


def shap_bars(frame: pd.DataFrame, unit: str, lang: str) -> alt.Chart:
    """Mean |contribution| per indicator (``indicator_label``, ``mean_abs``), largest on top."""
    ind_t = tr("col.indicator_label", lang)
    val_t = tr("models.mean_abs", lang, unit=tr(f"models.unit_{unit}", lang))
    return (
        alt.Chart(frame)
        .mark_bar(color="#4c78a8")
        .encode(
            y=alt.Y(
                "indicator_label:N",
                sort=list(frame["indicator_label"]),
                title=None,
                axis=alt.Axis(labelLimit=320, labelOverlap=False),
            ),
            x=alt.X("mean_abs:Q", title=val_t),
            tooltip=[
                alt.Tooltip("indicator_label:N", title=ind_t),
                alt.Tooltip("mean_abs:Q", title=val_t, format=".3f"),
            ],
        )
        .properties(height=max(28 * len(frame), 120))
    )


def swarm(frame: pd.DataFrame, order: Sequence[str], unit: str, lang: str) -> alt.Chart:
    """A beeswarm-like strip per indicator: each dot a subject's contribution, coloured by
    the indicator's value rank (blue low, red high, grey missing); rows jittered with a
    fixed seed so the picture does not move between views."""
    jitter = np.random.default_rng(0).uniform(-0.4, 0.4, len(frame))
    data = frame.assign(jitter=jitter, rank_shown=frame["rank"].fillna(-1))
    ind_t, rank_t = tr("col.indicator_label", lang), tr("models.value_rank", lang)
    val_t = tr("models.contribution", lang, unit=tr(f"models.unit_{unit}", lang))
    return (
        alt.Chart(data)
        .mark_circle(size=14, opacity=0.7)
        .encode(
            y=alt.Y(
                "indicator_label:N",
                sort=list(order),
                title=None,
                axis=alt.Axis(labelLimit=320, labelOverlap=False),
            ),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-0.5, 0.5])),
            x=alt.X("contribution:Q", title=val_t),
            color=alt.condition(
                "datum.rank_shown < 0",
                alt.value("#bbbbbb"),
                alt.Color(
                    "rank:Q",
                    title=rank_t,
                    scale=alt.Scale(scheme="redblue", reverse=True, domain=[0, 1]),
                    legend=alt.Legend(format=".0%", orient="top"),
                ),
            ),
            tooltip=[
                alt.Tooltip("indicator_label:N", title=ind_t),
                alt.Tooltip("contribution:Q", title=val_t, format=".3f"),
                alt.Tooltip("rank:Q", title=rank_t, format=".0%"),
            ],
        )
        .properties(height=max(36 * len(order), 140))
    )
