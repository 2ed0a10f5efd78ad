"""模型管理 · 持续监测: the monitoring of a scheme's rating batches, as ``xinping monitor``
left it in the store (tables ``monitoring`` and ``monitor_alerts``).

:func:`render_monitoring` draws, for the scheme: a traffic-light table per batch (score
and largest indicator PSI, outcome months observed, back-test, alerts), the PSI per
batch against the thresholds, predicted vs realised default rate per grade of a
matured batch, and the alerts of each batch's latest monitoring. The page computes
nothing: monitoring is a batch (`xinping monitor`); what it wrote is read once per data
version of the store (:func:`app.cache.store_key`) and shared by every session.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from app.cache import ENTRIES, store_key
from app.components import formats
from app.i18n import lang, t
from app.state import store
from features.store.base import Store

#: colours of the lights and of the two series (green / amber / red as on a dashboard)
LIGHT_COLOURS = {"green": "#2ca02c", "amber": "#ff9f1c", "red": "#d62728"}


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _monitoring(
    _store: Store, key: tuple[str, str], scheme: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    from training.monitor_store import latest_alerts, latest_monitoring

    return latest_monitoring(_store, scheme), latest_alerts(_store, scheme)


def monitoring(st_: Store, scheme: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each batch's latest monitoring row and its alerts, shared until the store changes."""
    return _monitoring(st_, store_key(st_), scheme)


def _day(value) -> str:
    return formats.day(value)


def _three(value) -> str:
    """A PSI, AUC or p-value with three decimals (``—`` when missing)."""
    return formats.MISSING if formats.missing(value) else f"{float(value):.3f}"


def _light(code: str | None) -> str:
    return t(f"monitor.{code}") if code in LIGHT_COLOURS else formats.MISSING


def _maturity(report: dict) -> str:
    m = report["maturity"]
    if m["matured"]:
        return t("monitor.matured", horizon=m["horizon"])
    return t("monitor.not_matured", months=m["months_observed"], horizon=m["horizon"])


def _backtest(report: dict) -> str:
    back = report.get("backtest")
    if not back:
        return formats.MISSING
    tested = sum(g["result"] != "empty" for g in back["grades"])
    if back["failed"]:
        return t("monitor.some_failed", failed=len(back["failed"]), n=tested)
    return t("monitor.all_passed", n=tested)


def _feature_label(report: dict, here: str) -> str:
    top = report["features"][0] if report["features"] else None
    if not top:
        return formats.MISSING
    return top["label_zh"] if here == "zh" else top["label_en"]


def light_table(rows: pd.DataFrame, reports: list[dict], here: str) -> pd.DataFrame:
    """One row per batch, every column in words (the grid shows it as it is)."""
    return pd.DataFrame(
        {
            t("monitor.batch"): [
                f"{_day(d)} · v{v}"
                for d, v in zip(rows["batch_as_of"], rows["model_version"], strict=True)
            ],
            t("monitor.rows"): [formats.count(n) for n in rows["rows"]],
            t("monitor.score_psi"): [_three(v) for v in rows["score_psi"]],
            t("monitor.score_light"): [_light(c) for c in rows["score_light"]],
            t("monitor.feature_psi"): [_three(v) for v in rows["max_feature_psi"]],
            t("monitor.feature"): [_feature_label(r, here) for r in reports],
            t("monitor.feature_light"): [_light(c) for c in rows["feature_light"]],
            t("monitor.maturity"): [_maturity(r) for r in reports],
            t("monitor.auc"): [_three((r.get("backtest") or {}).get("auc")) for r in reports],
            t("monitor.backtest_result"): [_backtest(r) for r in reports],
            t("monitor.alert_count"): [formats.count(n) for n in rows["alerts"]],
        }
    )


def psi_chart(rows: pd.DataFrame, amber: float, red: float) -> alt.Chart:
    """Score PSI and the largest indicator PSI per batch, with the two thresholds."""
    batch, series, psi = t("monitor.batch"), t("monitor.series"), "PSI"
    data = pd.concat(
        [
            pd.DataFrame(
                {
                    batch: [_day(d) for d in rows["batch_as_of"]],
                    series: t(name),
                    psi: rows[col].astype(float).round(3),
                }
            )
            for name, col in (
                ("monitor.series_score", "score_psi"),
                ("monitor.series_feature", "max_feature_psi"),
            )
        ],
        ignore_index=True,
    )
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{batch}:N", title=batch, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{psi}:Q", title=psi),
            color=alt.Color(f"{series}:N", title=series),
            tooltip=[
                alt.Tooltip(f"{batch}:N", title=batch),
                alt.Tooltip(f"{series}:N", title=series),
                alt.Tooltip(f"{psi}:Q", title=psi, format=".3f"),
            ],
        )
    )
    level = t("monitor.threshold")
    names = [t("monitor.amber_line"), t("monitor.red_line")]
    rules = (
        alt.Chart(pd.DataFrame({level: [amber, red], "c": names}))
        .mark_rule(strokeDash=[4, 4])
        .encode(
            y=alt.Y(f"{level}:Q", title=psi),
            color=alt.Color(
                "c:N",
                title=level,
                # the domain fixes which name gets which colour (not the names' sort order)
                scale=alt.Scale(domain=names, range=[LIGHT_COLOURS["amber"], LIGHT_COLOURS["red"]]),
            ),
            tooltip=[alt.Tooltip(f"{level}:Q", title=level, format=".2f")],
        )
    )
    return alt.layer(lines, rules).resolve_scale(color="independent").properties(height=260)


def backtest_frames(report: dict, here: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The grade table (words) and the chart's data (predicted and realised per grade)."""
    rows = [g for g in report["backtest"]["grades"] if g["result"] != "empty"]
    grade = t("monitor.grade")
    shown = [formats.grade(g["grade"], here) for g in rows]
    table = pd.DataFrame(
        {
            grade: shown,
            t("monitor.count"): [formats.count(g["count"]) for g in rows],
            t("monitor.defaults"): [formats.count(g["defaults"]) for g in rows],
            t("monitor.realised"): [formats.pd_percent(g["realised_rate"]) for g in rows],
            t("monitor.predicted"): [formats.pd_percent(g["predicted_pd"]) for g in rows],
            t("monitor.lower"): [formats.pd_percent(g["lower"]) for g in rows],
            t("monitor.upper"): [formats.pd_percent(g["upper"]) for g in rows],
            t("monitor.p_value"): [_three(g["p_value"]) for g in rows],
            t("monitor.result"): [t(f"monitor.{g['result']}") for g in rows],
        }
    )
    measure, rate = t("monitor.kind_rate"), t("monitor.rate")
    chart = pd.DataFrame(
        [
            {grade: s, measure: t(key), rate: g[field]}
            for s, g in zip(shown, rows, strict=True)
            for key, field in (
                ("monitor.predicted", "predicted_pd"),
                ("monitor.realised", "realised_rate"),
            )
        ]
    )
    return table, chart


def backtest_chart(data: pd.DataFrame, order: list[str]) -> alt.Chart:
    """Predicted PD and realised default rate side by side per grade."""
    grade, measure, rate = t("monitor.grade"), t("monitor.kind_rate"), t("monitor.rate")
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(f"{grade}:N", sort=order, title=grade, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset(f"{measure}:N"),
            y=alt.Y(f"{rate}:Q", title=rate, axis=alt.Axis(format="%")),
            color=alt.Color(f"{measure}:N", title=measure),
            tooltip=[
                alt.Tooltip(f"{grade}:N", title=grade),
                alt.Tooltip(f"{measure}:N", title=measure),
                alt.Tooltip(f"{rate}:Q", title=rate, format=".2%"),
            ],
        )
        .properties(height=260)
    )


def alert_table(alerts: pd.DataFrame, reports: dict, here: str) -> pd.DataFrame:
    """The alerts in the page's language, built from their fields (no stored sentence)."""
    texts = []
    for a in alerts.itertuples(index=False):
        report = reports.get((str(a.batch_as_of)[:10], str(a.model_version)), {})
        item = a.item
        if a.kind == "feature_psi":
            names = {f["name"]: f for f in report.get("features", [])}
            found = names.get(a.item)
            item = (found["label_zh"] if here == "zh" else found["label_en"]) if found else a.item
            value, threshold = f"{a.value:.3f}", f"{a.threshold:g}"
        elif a.kind == "backtest":
            item = formats.grade(a.item, here)
            value, threshold = formats.pd_percent(a.value), formats.pd_percent(a.threshold)
        elif a.kind == "auc":
            value, threshold = f"{a.value:.3f}", f"{a.threshold:g}"
        else:
            value, threshold = f"{a.value:.3f}", f"{a.threshold:g}"
        texts.append(
            {
                t("monitor.batch"): _day(a.batch_as_of),
                t("monitor.version"): f"v{a.model_version}",
                t("monitor.kind"): t(f"monitor.kind_{a.kind}"),
                t("monitor.message"): t(
                    f"monitor.msg_{a.kind}", item=item, value=value, threshold=threshold
                ),
            }
        )
    return pd.DataFrame(texts)


def render_monitoring(scheme: str) -> None:
    """The 持续监测 section of the 模型管理 page for ``scheme``."""
    here = lang()
    st.subheader(t("monitor.title"))
    rows, alerts = monitoring(store(), scheme)
    if rows.empty:
        st.info(t("monitor.none", command=f"xinping monitor --subject {scheme}"))
        return
    reports = [json.loads(r) for r in rows["report"]]
    first = reports[0]
    st.caption(
        t(
            "monitor.thresholds",
            amber=f"{first['thresholds']['psi_amber']:g}",
            red=f"{first['thresholds']['psi_red']:g}",
            horizon=first["maturity"]["horizon"],
        )
    )
    st.markdown(f"**{t('monitor.lights')}**")
    st.caption(t("monitor.as_of_note", day=_day(rows["monitored_as_of"].max())))
    st.dataframe(
        light_table(rows, reports, here), hide_index=True, width="stretch", key="monitor_lights"
    )
    st.markdown(f"**{t('monitor.psi_chart')}**")
    st.altair_chart(
        psi_chart(rows, first["thresholds"]["psi_amber"], first["thresholds"]["psi_red"]),
        width="stretch",
    )
    st.markdown(f"**{t('monitor.backtest')}**")
    matured = [r for r in reports if r.get("backtest")]
    if not matured:
        earliest = min(reports, key=lambda r: r["batch_as_of"])["maturity"]
        st.caption(
            t("monitor.no_backtest", day=earliest["matures_on"], horizon=earliest["horizon"])
        )
    else:
        labels = {f"{r['batch_as_of']} v{r['model_version']}": r for r in matured}
        chosen = st.selectbox(
            t("monitor.backtest_batch"),
            list(labels),
            index=len(labels) - 1,
            key="monitor_batch",
        )
        table, data = backtest_frames(labels[chosen], here)
        st.altair_chart(backtest_chart(data, list(table[t("monitor.grade")])), width="stretch")
        st.dataframe(table, hide_index=True, width="stretch", key="monitor_backtest")
    st.markdown(f"**{t('monitor.alerts')}**")
    if alerts.empty:
        st.caption(t("monitor.no_alerts"))
    else:
        keyed = {(r["batch_as_of"], r["model_version"]): r for r in reports}
        st.dataframe(
            alert_table(alerts, keyed, here), hide_index=True, width="stretch", key="monitor_alerts"
        )
