"""信易贷: an SME's decision after an authorisation reference (knock-outs, suggested line,
rate tier, reasons, credit report), and decisions for an uploaded list of applicants.

Nothing about an SME shows before the officer enters the SME's authorisation
reference (授权编号); every look-up is written to ``audit_log`` with it.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app.components import formats, tables
from app.components.reasons import reason_lists
from app.data.lending import (
    ApplicantsError,
    applicant_decisions,
    decision_items,
    decisions,
    latest_date,
    read_applicants,
    reasons,
    search_smes,
    sme_rating,
)
from app.data.overview import grade_label
from app.data.supervision import csv_bytes
from app.i18n import lang, t
from app.settings import settings
from app.state import audit_lookup, audit_many, mask_frame, require, store
from scoring.policies.lending import DECISIONS
from scoring.report import credit_report

user = require("lending")
st.title(t("page.lending"))
s = store()
cfg = settings()
latest = latest_date(s)
if latest is None:
    st.info(t("lend.empty"))
    st.stop()
on = st.date_input(t("lend.on"), value=latest, key="on", format="YYYY-MM-DD")
ref = st.text_input(t("lend.auth"), key="auth", help=t("lend.auth_help")).strip()


def decision_label(key: str) -> str:
    """A decision in the session's language."""
    return DECISIONS[key][0 if lang() == "zh" else 1]


def show_sme(subject_id: str, name: str, day: dt.date) -> None:
    """The SME's decision, knock-outs, reasons and credit report (look-up logged)."""
    audit_lookup(user, subject_id, "lending", authorisation=ref, on=str(day))
    st.header(name)
    st.caption(subject_id)
    rating = sme_rating(s, subject_id, day)
    decided = decisions(s, day, [subject_id], cfg.lending.config(), cfg.build_config())
    if rating is None or decided.empty:
        st.info(t("lend.unrated", on=formats.day(day)))
        return
    d = decided.iloc[0]
    top, bottom = st.columns(3), st.columns(3)
    top[0].metric(t("lend.grade"), formats.grade(d["grade"], lang()),
                  help=grade_label("sme", d["grade"], lang()))
    top[1].metric(t("col.score"), f"{rating['score']:.0f}")
    top[2].metric(t("col.pd"), formats.pd_percent(rating["pd"]))
    bottom[0].metric(t("lend.decision"), decision_label(d["decision"]))
    bottom[1].metric(t("lend.line"), f"{d['credit_line']:,.0f}")
    bottom[2].metric(t("lend.tier"), d["rate_tier_zh" if lang() == "zh" else "rate_tier_en"])
    knockouts, declines = decision_items(d, lang())
    st.subheader(t("lend.knockouts"))
    if knockouts:
        for text in knockouts:
            st.error(text)
    else:
        st.caption(t("lend.no_knockouts"))
    extra = [x for x in declines if x not in knockouts]
    if extra:
        st.warning(f"{t('lend.declined')}：" + "；".join(extra))
    st.subheader(t("profile.reasons"))
    reason_lists(reasons(rating), lang())
    report_lang = lang()
    st.download_button(t("lend.report"), key="report", on_click="ignore",
                       data=lambda: credit_report(s, subject_id, lang=report_lang),
                       file_name=f"credit-report-{subject_id}.html", mime="text/html")


tab_one, tab_batch = st.tabs([t("lend.tab_one"), t("lend.tab_batch")])
with tab_one:
    query = st.text_input(t("lend.search"), key="query", placeholder=t("profile.hint"))
    hits = search_smes(s, query)
    if query.strip() and hits.empty:
        st.warning(t("lend.nothing"))
    elif not hits.empty:
        names = dict(zip(hits["subject_id"], hits["name"], strict=True))
        chosen = st.selectbox(t("lend.pick", n=len(hits)), list(hits["subject_id"]),
                              key="subject", format_func=lambda i: f"{names[i]} · {i}")
        if not ref:
            st.warning(t("lend.auth_needed"))
        else:
            show_sme(chosen, names[chosen], on)

with tab_batch:
    upload = st.file_uploader(t("lend.upload"), type=["csv"], key="upload")
    if upload is not None and not ref:
        st.warning(t("lend.auth_needed"))
    elif upload is not None:
        try:
            ids = read_applicants(upload.getvalue())
        except ApplicantsError as exc:
            found = str(exc)
            st.error(t("lend.bad_file", cols=found) if found else t("lend.unreadable"))
        else:
            out = applicant_decisions(s, on, ids, cfg.lending.config(), cfg.build_config())
            seen = f"{upload.file_id}|{ref}|{on}"
            if st.session_state.get("_batch_logged") != seen:
                audit_many(user, "lending_batch", [i for i in ids if i],
                           {"page": "lending", "authorisation": ref, "on": str(on),
                            "file": upload.name})
                st.session_state["_batch_logged"] = seen
            ok = int((out["status"] == "ok").sum())
            st.info(t("lend.batch_done", n=len(out), ok=ok, bad=len(out) - ok))
            zh = lang() == "zh"
            view = mask_frame(user, out).assign(
                status_label=[t(f"lend.status.{x}") for x in out["status"]],
                decision_zh=[decision_label(x) if isinstance(x, str) else None
                             for x in out["decision"]])
            tier, why = ("rate_tier_zh", "reasons_zh") if zh else ("rate_tier_en", "reasons_en")
            cols = ["row_number", "name", "subject_id", "status_label", "grade", "decision_zh",
                    "credit_line", tier, why]
            tables.show(view, cols, key="applicants")
            export = tables.export(view, cols, lang())
            st.download_button(t("lend.download"), csv_bytes(export), key="batch_csv",
                               file_name=f"xinyidai-{formats.day(on)}.csv", mime="text/csv",
                               on_click="ignore")
