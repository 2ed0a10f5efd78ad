"""数据质量: ingestion log, quarantined rows with reasons, record counts by department and kind,
and the departments' data-quality scores (部门数据质量, issue 19: ranking, trend, reasons and
the yearly assessment workbook)."""

from __future__ import annotations

import streamlit as st

from app.cache import ENTRIES, store_key
from app.components import charts, quality_charts, tables
from app.data.quality import (
    REASON_VIEW,
    SCORE_VIEW,
    assessment_sheets,
    ingest_log,
    log_words,
    pushed_months,
    quarantine,
    reason_rows,
    record_counts,
    score_rows,
    trend_rows,
)
from app.i18n import lang, t
from app.settings import settings
from app.state import require, sees_full_ids, store
from features.exports import csv_bytes, excel_bytes
from features.store.base import Store


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _quality(_store: Store, key: tuple[str, str], month: str | None, year: int | None):
    from scoring.data_quality import department_quality

    return department_quality(_store, settings().quality_config(), month=month, year=year)


user = require("quality")
st.title(t("page.quality"))
s = store()
tab_log, tab_q, tab_n, tab_dq = st.tabs(
    [t("quality.log"), t("quality.quarantine"), t("quality.counts"), t("dq.tab")]
)
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
with tab_dq:
    months = pushed_months(s)
    if not months:
        st.info(t("dq.empty"))
    else:
        cfg = settings().quality_config()
        by_year = st.radio(
            t("dq.period_kind"),
            [t("dq.by_month"), t("dq.by_year")],
            horizontal=True,
            key="dq_kind",
        ) == t("dq.by_year")
        if by_year:
            years = sorted({int(m[:4]) for m in months}, reverse=True)
            # the assessment is of a whole year: the latest one with its December pushed
            whole = [y for y in years if f"{y}-12" in months]
            first = years.index(whole[0]) if whole else 0
            year = st.selectbox(t("dq.year"), years, index=first, key="dq_year")
            report = _quality(s, store_key(s), None, int(year))
        else:
            month = st.selectbox(t("dq.month"), months, key="dq_month")
            report = _quality(s, store_key(s), month, None)
        weights = "、" if lang() == "zh" else ", "
        weights = weights.join(f"{t(f'dq.{k}')} {v:g}" for k, v in cfg.weights.items())
        st.caption(t("dq.rule", days=cfg.deadline_workdays, weights=weights, least=cfg.min_count))
        if report.scores.empty:
            st.info(t("dq.empty"))
        else:
            st.markdown(f"**{t('dq.ranking')}**")
            tables.show(score_rows(report.scores, lang()), SCORE_VIEW, key="dq_scores")
            st.markdown(f"**{t('dq.trend')}**")
            st.altair_chart(
                quality_charts.score_trend(trend_rows(report.trend, lang()), lang()),
                width="stretch",
            )
            st.markdown(f"**{t('dq.reasons')}**")
            if report.reasons.empty:
                st.success(t("dq.no_reasons"))
            else:
                tables.show(reason_rows(report.reasons, lang()), REASON_VIEW, key="dq_reasons")
            if by_year:
                st.download_button(
                    t("dq.download"),
                    excel_bytes(assessment_sheets(report, cfg, lang())),
                    key="dq_xlsx",
                    file_name=f"data-quality-{year}.xlsx",
                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    on_click="ignore",
                )
