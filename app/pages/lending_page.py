"""信易贷: an SME's decision after an authorisation reference (knock-outs, suggested line,
rate tier, reasons, credit report), and decisions for an uploaded list of applicants.

For a role of settings ``[app] authorisation_roles`` (the bank) nothing about an
SME shows — not even the search's list — before the officer enters the SME's
authorisation reference (授权编号); every look-up and report download is
written to ``audit_log`` with it (:mod:`app.authorisation`). Decisions are the
use cases of :mod:`scoring.lending_decision`, as ``xinping lending`` gives them.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app.authorisation import ask_reference, log_search
from app.cache import latest_as_of
from app.components import formats, tables
from app.components.reasons import reason_lists
from app.data import lists as list_frames
from app.data.applicants import ApplicantsError, applicant_ids, read_applicants, with_problems
from app.data.lending import decision_items, reasons, search_smes
from app.data.overview import grade_label
from app.i18n import lang, t
from app.settings import settings
from app.state import (
    after_limit,
    audit_lookup,
    audit_many,
    audited_report,
    date_limit,
    mask_frame,
    report_file_name,
    require,
    store,
)
from features.exports import csv_bytes
from scoring.history import ratings_on
from scoring.lending_decision import applicant_decisions, lending_decisions
from scoring.list_view import standing
from scoring.measures.vocabulary import MATTERS
from scoring.policies.lending import DECISIONS

user = require("lending")
st.title(t("page.lending"))
s = store()
cfg = settings()
lists_cfg, checks_cfg = cfg.lists.config(), cfg.checks.config(cfg.windows.policy())
latest = latest_as_of(s, "sme")
if latest is None:
    st.info(t("lend.empty"))
    st.stop()
limit = date_limit().day  # no decisions on ratings after the data ([dates] latest)
on = st.date_input(
    t("lend.on"), value=min(latest, limit), max_value=limit, key="on", format="YYYY-MM-DD"
)
if after_limit(on, t("lend.on")):
    st.stop()
ref = ask_reference(user, t("lend.auth"), t("lend.auth_help"))
missing_ref = ref == ""  # this role looks up an SME only under its authorisation
authorised = {} if ref is None else {"authorisation": ref}


def decision_label(key: str) -> str:
    """A decision in the session's language."""
    return DECISIONS[key][0 if lang() == "zh" else 1]


def show_lists(subject_id: str, day: dt.date) -> None:
    """名单与联合奖惩: the SME's lists and records in force, and the 金融信贷 measures that
    apply (the catalogue in force), where the officer reads the decision."""
    found = standing(s, subject_id, day, "lending", lists_cfg, checks_cfg)
    st.subheader(t("lists.title"))
    st.markdown(f"**{t('lists.members')}**")
    members = list_frames.memberships(found, lang())
    if members.empty:
        st.caption(t("lists.no_members"))
    else:
        tables.show(mask_frame(user, members), [*members.columns], key="lend_lists")
    matter = MATTERS["lending"][0 if lang() == "zh" else 1]
    st.markdown(f"**{t('lists.measures', matter=matter)}**")
    applied = list_frames.measures(found, lang())
    if applied.empty:
        st.caption(t("lists.no_measures"))
    else:
        tables.show(applied, [*applied.columns], key="lend_measures")
        forced = found.mandatory_punishments
        if forced:
            names = "、".join(a.measure.name(lang()) for a in forced)
            st.error(t("lists.mandatory", names=names))
        elif any(a.measure.force == "recommended" for a in found.measures):
            st.caption(t("lists.recommended"))
    st.caption(
        t("lists.catalogue", version=list_frames.catalogue_text(found.catalogue_version, lang()))
    )


def show_sme(subject_id: str, name: str, day: dt.date) -> None:
    """The SME's decision, knock-outs, reasons and credit report (look-up logged)."""
    audit_lookup(user, subject_id, "lending", **authorised, on=str(day))
    st.header(formats.plain(name))  # a department wrote the name: shown, never read as markup
    st.caption(formats.plain(subject_id))
    rated = ratings_on(s, "sme", day, [subject_id])  # the rating in force
    decided = lending_decisions(
        s, day, cfg.lending.config(), cfg.build_config(), [subject_id], lists_cfg, checks_cfg
    )
    if rated.empty or decided.empty:
        st.info(t("lend.unrated", on=formats.day(day)))
        return
    rating, d = rated.iloc[0], decided.iloc[0]
    top, bottom = st.columns(3), st.columns(3)
    top[0].metric(
        t("lend.grade"),
        formats.grade(d["grade"], lang()),
        help=grade_label("sme", d["grade"], lang()),
    )
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
    show_lists(subject_id, day)
    st.subheader(t("profile.reasons"))
    reason_lists(reasons(rating), lang())
    st.download_button(
        t("lend.report"),
        key="report",
        on_click="ignore",
        data=audited_report(user, subject_id, lang(), page="lending", **authorised),
        file_name=report_file_name(user, subject_id),
        mime="text/html",
    )


tab_one, tab_batch = st.tabs([t("lend.tab_one"), t("lend.tab_batch")])
with tab_one:
    query = st.text_input(t("lend.search"), key="query", placeholder=t("profile.hint"))
    if query.strip() and missing_ref:  # no list of names before the authorisation
        st.warning(t("lend.auth_needed"))
    elif query.strip():
        log_search(user, "lending", query.strip(), ref)
        hits = search_smes(s, query)
        if hits.empty:
            st.warning(t("lend.nothing"))
        else:
            names = dict(zip(hits["subject_id"], hits["name"], strict=True))
            chosen = st.selectbox(
                t("lend.pick", n=len(hits)),
                list(hits["subject_id"]),
                key="subject",
                format_func=lambda i: f"{names[i]} · {i}",
            )
            show_sme(chosen, names[chosen], on)

with tab_batch:
    upload = st.file_uploader(t("lend.upload"), type=["csv"], key="upload")
    if upload is not None and missing_ref:
        st.warning(t("lend.auth_needed"))
    elif upload is not None:
        try:
            rows = read_applicants(upload.getvalue())
        except ApplicantsError as exc:
            found = str(exc)
            st.error(
                t("lend.bad_file", cols=formats.plain(found)) if found else t("lend.unreadable")
            )
        else:
            ids = applicant_ids(rows)  # a line with a problem is said, not decided
            decided = applicant_decisions(
                s, on, ids, cfg.lending.config(), cfg.build_config(), lists_cfg, checks_cfg
            )
            out = with_problems(decided, rows, t)
            seen = f"{upload.file_id}|{ref}|{on}"
            if st.session_state.get("_batch_logged") != seen:
                audit_many(
                    user,
                    "lending_batch",
                    [i for i in ids if i],
                    {"page": "lending", **authorised, "on": str(on), "file": upload.name},
                )
                st.session_state["_batch_logged"] = seen
            ok = int((out["status"] == "ok").sum())
            st.info(t("lend.batch_done", n=len(out), ok=ok, bad=len(out) - ok))
            zh = lang() == "zh"
            view = mask_frame(user, out).assign(
                status_label=[t(f"lend.status.{x}") for x in out["status"]],
                decision_zh=[
                    decision_label(x) if isinstance(x, str) else None for x in out["decision"]
                ],
            )
            tier, why = ("rate_tier_zh", "reasons_zh") if zh else ("rate_tier_en", "reasons_en")
            cols = [
                "row_number",
                "name",
                "subject_id",
                "status_label",
                "grade",
                "decision_zh",
                "credit_line",
                tier,
                why,
                "line_problem",
            ]
            tables.show(view, cols, key="applicants")
            export = tables.export(view, cols, lang())
            st.download_button(
                t("lend.download"),
                csv_bytes(export),
                key="batch_csv",
                file_name=f"xinyidai-{formats.day(on)}.csv",
                mime="text/csv",
                on_click="ignore",
            )
