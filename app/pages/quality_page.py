"""数据质量: ingestion log, quarantined rows with reasons, record counts by department and kind."""

from __future__ import annotations

import streamlit as st

from app.components import charts, tables
from app.data.quality import ingest_log, log_words, quarantine, record_counts
from app.i18n import lang, t
from app.state import require, sees_full_ids, store
from features.exports import csv_bytes

user = require("quality")
st.title(t("page.quality"))
s = store()
tab_log, tab_q, tab_n = st.tabs([t("quality.log"), t("quality.quarantine"), t("quality.counts")])
with tab_log:
    log = ingest_log(s)
    c = st.columns(3)
    c[0].metric(t("quality.files"), f"{len(log):,}")
    c[1].metric(t("col.rows_stored"), f"{int(log['rows_stored'].sum()):,}")
    c[2].metric(t("col.rows_quarantined"), f"{int(log['rows_quarantined'].sum()):,}")
    tables.show(
        log_words(log, lang(), masked=not sees_full_ids(user)),
        [
            "file_name",
            "table_shown",
            "dept_label",
            "rows_read",
            "rows_stored",
            "rows_unchanged",
            "rows_quarantined",
            "message",
            "format_shown",
            "finished_at",
            "ingest_id",
        ],
        key="log",
    )
with tab_q:
    rows = quarantine(s, lang=lang(), masked=not sees_full_ids(user))
    if rows.empty:
        st.success(t("quality.clean"))
    else:
        # raw rows may hold personal IDs: only roles that see full IDs see them
        cols = ["file_name", "row_number", "table_shown", "reason_text", "ingest_id"]
        if sees_full_ids(user):
            cols += ["key", "raw"]
        tables.show(rows, cols, key="quarantine")
        # the grid's own CSV export is off (``xinping app``): it would write the departments'
        # text as it came, formulas included; this download goes through features.exports
        st.download_button(
            t("quality.download"),
            csv_bytes(tables.export(rows, cols, lang())),
            key="quarantine_csv",
            file_name="quarantine.csv",
            mime="text/csv",
            on_click="ignore",
        )
with tab_n:
    n = record_counts(s, lang())
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('quality.by_dept')}**")
        st.altair_chart(
            charts.counts(n, "department", t("col.source_dept"), lang()), width="stretch"
        )
    with right:
        st.markdown(f"**{t('quality.by_kind')}**")
        st.altair_chart(
            charts.counts(n, "kind_label", t("col.kind"), lang(), colour="department"),
            width="stretch",
        )
    tables.show(n, ["department", "kind_label", "n"], key="counts")
