"""信用预警: the watch list (by rule and mine), open alerts with their cause and records, an
acknowledgement with a note, and the monthly county × industry risk report with charts and
its Excel download. Every look-up and change goes through :mod:`scoring.watch_store`,
which writes the audit log; the page reads widgets and renders."""

from __future__ import annotations

import json

import streamlit as st

from app.cache import batch_dates
from app.components import charts, formats, tables
from app.data.watch import (
    alert_counts,
    alert_rows,
    class_shares,
    labelled,
    migration_moves,
    share_table,
    watch_rows,
)
from app.i18n import lang, t
from app.settings import settings
from app.state import mask_frame, require, store
from features.exports import excel_bytes
from scoring.history import grade_order
from scoring.risk_report import CLASSES, report_sheets, risk_report
from scoring.watch_list import add_watch, remove_watch, watch_list
from scoring.watch_store import Viewer, WatchError, ack_alert, alerts

user = require("watch")
st.title(t("page.watch"))
st.caption(t("watch.intro"))
s = store()
cfg = settings()
watch_cfg = cfg.watch.config()
viewer = Viewer(user.username, user.role)
dates = batch_dates(s)
if not dates:
    st.info(t("watch.empty"))
    st.stop()


def _read(name: str, marker: object, read):
    """A use case's answer, read (and so audited) once per page state, not on every rerun."""
    key = f"_watch_{name}"
    mark = json.dumps(marker, default=str, sort_keys=True)
    held = st.session_state.get(key)
    if held is None or held[0] != mark:
        held = (mark, read())
        st.session_state[key] = held
    return held[1]


def _changed() -> None:
    """After a change, read the alerts and the list again (a new version of the page state)."""
    st.session_state["_watch_version"] = st.session_state.get("_watch_version", 0) + 1


version = st.session_state.get("_watch_version", 0)
tab_alerts, tab_list, tab_report = st.tabs(
    [t("watch.tab_alerts"), t("watch.tab_list"), t("watch.tab_report")]
)

with tab_alerts:
    found = _read("alerts", version, lambda: alerts(s, viewer, open_only=True, page="watch"))
    st.subheader(t("watch.alerts", n=f"{len(found):,}"))
    if found.empty:
        st.info(t("watch.no_alerts"))
    else:
        shown = alert_rows(found, lang())
        types = sorted(set(shown["type_shown"]))
        pick = st.multiselect(t("watch.types"), types, key="w_types", placeholder=t("watch.all"))
        if pick:
            shown = shown[shown["type_shown"].isin(pick)]
        st.altair_chart(
            charts.counts(alert_counts(shown, lang()), "type_shown", t("watch.by_type"), lang()),
            width="stretch",
        )
        tables.show(
            mask_frame(user, shown),
            [
                "alert_on",
                "type_shown",
                "name",
                "subject_id",
                "cause_shown",
                "records_shown",
                "scheme_shown",
                "alert_id",
            ],
            key="w_alerts",
            height=380,
            widths={"name": 200, "cause_shown": 380, "records_shown": 360},
        )
        st.subheader(t("watch.ack"))
        with st.form("ack"):
            # the alert ID names it; an ID number in an option would read as a county code
            labels = {
                r.alert_id: f"{r.alert_id} {r.type_shown} {formats.plain(r.name or '')}"
                for r in shown.itertuples()
            }
            chosen = st.selectbox(
                t("watch.ack_pick"), list(labels), format_func=labels.get, key="w_ack_pick"
            )
            note = st.text_input(t("watch.ack_note"), key="w_ack_note")
            if st.form_submit_button(t("watch.ack_button"), key="w_ack", type="primary"):
                try:
                    ack_alert(s, chosen, note, viewer)
                except WatchError as exc:
                    st.warning(t("watch.refused", why=exc.zh if lang() == "zh" else str(exc)))
                else:
                    st.session_state["_watch_note"] = t("watch.acked", id=chosen)
                    _changed()
                    st.rerun()
    if st.session_state.get("_watch_note"):
        st.success(st.session_state.pop("_watch_note"))

with tab_list:
    as_of = st.selectbox(t("watch.as_of"), dates, key="w_as_of", format_func=formats.day)
    watched = _read(
        "list",
        [version, as_of],
        lambda: watch_list(s, as_of, watch_cfg, cfg.lists.config(), viewer),
    )
    # by rule, and by hand only the viewer's own entries
    watched = watched[(watched["rule"] != "by_hand") | (watched["user_name"] == user.username)]
    st.subheader(t("watch.list_title", n=f"{watched['subject_id'].nunique():,}"))
    if watched.empty:
        st.info(t("watch.no_list"))
    else:
        tables.show(
            mask_frame(user, watch_rows(watched, lang())),
            ["name", "subject_id", "rule_shown", "watch_cause", "scheme_shown", "watcher"],
            key="w_list",
            height=360,
        )
    left, right = st.columns(2)
    with left, st.form("w_add_form"):
        st.markdown(f"**{t('watch.add')}**")
        code = st.text_input(t("watch.subject"), key="w_add_id")
        why = st.text_input(t("watch.reason"), key="w_add_reason")
        if st.form_submit_button(t("watch.add_button"), key="w_add"):
            try:
                add_watch(s, code, why, viewer)
            except WatchError as exc:
                st.warning(t("watch.refused", why=exc.zh if lang() == "zh" else str(exc)))
            else:
                st.success(t("watch.added"))
                _changed()
    mine = watched[watched["rule"] == "by_hand"]
    with right:
        st.markdown(f"**{t('watch.remove')}**")
        if mine.empty:
            st.caption(t("watch.mine_empty"))
        else:
            with st.form("w_remove_form"):
                names = {r.subject_id: formats.plain(r.name or "") for r in mine.itertuples()}
                gone = st.selectbox(
                    t("watch.remove_pick"), list(names), format_func=names.get, key="w_rm_pick"
                )
                why_not = st.text_input(t("watch.reason"), key="w_rm_reason")
                if st.form_submit_button(t("watch.remove_button"), key="w_rm"):
                    try:
                        remove_watch(s, gone, why_not, viewer)
                    except WatchError as exc:
                        st.warning(t("watch.refused", why=exc.zh if lang() == "zh" else str(exc)))
                    else:
                        st.success(t("watch.removed"))
                        _changed()

with tab_report:
    months = sorted({d.strftime("%Y-%m") for d in batch_dates(s, "enterprise")}, reverse=True)
    if not months:
        st.info(t("watch.no_month"))
    else:
        month = st.selectbox(t("watch.month"), months, key="w_month")
        report = _read("report", month, lambda: risk_report(s, month, watch_cfg.top_movers))
        order = grade_order("enterprise", CLASSES)
        c1, c2 = st.columns(2)
        with c1:
            st.markdown(f"**{t('watch.shares')}**")
            st.altair_chart(
                charts.grade_shares(
                    class_shares(report, "region_code", lang()),
                    "group",
                    order,
                    t("col.region"),
                    lang(),
                ),
                width="stretch",
            )
        with c2:
            span = {"prev": formats.day(report.previous), "now": formats.day(report.as_of)}
            st.markdown(f"**{t('watch.migration', **span)}**")
            moves = migration_moves(report)
            if not moves.empty:
                st.altair_chart(
                    charts.migration(
                        moves,
                        order,
                        t("watch.migration_from"),
                        t("watch.migration_to"),
                        lang(),
                    ),
                    width="stretch",
                )
        st.markdown(f"**{t('watch.shares_industry')}**")
        st.altair_chart(
            charts.grade_shares(
                class_shares(report, "industry", lang()), "group", order, t("col.industry"), lang()
            ),
            width="stretch",
        )
        st.markdown(f"**{t('watch.serious')}**")
        if report.serious.empty:
            st.caption(t("watch.no_serious"))
        else:
            tables.show(
                labelled(report.serious, lang()),
                ["region", "industry", "serious_records", "subjects"],
                key="w_serious",
            )
        st.markdown(f"**{t('watch.movers')}**")
        if report.movers.empty:
            st.caption(t("watch.no_movers"))
        else:
            tables.show(
                mask_frame(user, labelled(report.movers, lang())),
                [
                    "name",
                    "subject_id",
                    "class_from",
                    "class_to",
                    "steps",
                    "pd_from",
                    "pd_to",
                    "pd_rise",
                    "region",
                    "industry",
                ],
                key="w_movers",
                height=320,
            )
        st.markdown(f"**{t('watch.table')}**")
        tables.show(
            share_table(report, lang()),
            ["region", "industry", "n", "share_a", "share_b", "share_c", "share_d"],
            key="w_shares",
            height=320,
        )
        st.download_button(
            t("watch.xlsx"),
            excel_bytes(report_sheets(report, lang())),
            file_name=f"risk-report-{month}.xlsx",
            key="w_xlsx",
            on_click="ignore",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
