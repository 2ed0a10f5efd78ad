"""信用核查: a department checks a subject for a matter, records its feedback (实施反馈),
checks an applicant file, reads its own checks and the 应查必查 statistics.

The page only parses and renders: the check is :func:`scoring.credit_check.credit_check`
(stored and audited there), the file :func:`scoring.credit_check_batch.check_file`, the
feedback :func:`scoring.check_feedback.record_feedback`, the statistics
:func:`scoring.check_feedback.check_statistics`. A department officer's checks carry
the department of its account (``users.department``), never one typed here; the
steward (admin) reads every department's checks and statistics but checks nothing.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app.auth import find_user
from app.components import formats, tables
from app.components.check_charts import rates_chart
from app.data.checks import (
    check_rows,
    department_checks,
    duration_text,
    evidence_frame,
    matter_label,
    measure_heading,
    triggers_text,
)
from app.data.subjects import search
from app.i18n import lang, subject_type_label, t
from app.settings import settings
from app.state import (
    audit_lookup,
    date_limit,
    mask_frame,
    require,
    sees_full_ids,
    show_id,
    store,
)
from scoring.check_feedback import (
    OUTCOMES,
    FeedbackError,
    FeedbackItem,
    check_statistics,
    record_feedback,
    report_caseload,
)
from scoring.credit_check import CheckError, credit_check, stored_check
from scoring.credit_check_batch import BatchFileError, check_file
from scoring.lists import LIST_LABELS
from scoring.measures.vocabulary import MATTERS, TIERS, label, trigger_label

user = require("checks")
st.title(t("page.checks"))
s = store()
cfg = settings()
dept = user.department  # None for the steward: reads everything, checks nothing
latest = date_limit().day
zh = lang() == "zh"
if dept:
    st.caption(t("chk.dept", dept=formats.plain(dept)))


def refused(exc: CheckError | BatchFileError | FeedbackError) -> None:
    """A use case's refusal, one line in the user's language (never read as markup)."""
    st.error(formats.plain(exc.zh if zh else str(exc)))


def inputs() -> tuple:
    """What every check reads: the lists' settings and the tiers and windows."""
    return cfg.lists.config(), cfg.checks.config(cfg.windows.policy())


def matter_box(key: str) -> str:
    """The matter, in words of the page's language (fixed now: a widget may format its
    options again outside this run)."""
    words = {m: matter_label(m, lang()) for m in MATTERS}
    return st.selectbox(
        t("chk.matter"), list(MATTERS), format_func=lambda m: words.get(m, m), key=key
    )


def show_check(check_id: str, key: str) -> None:
    """A stored check as it was returned, and (for its department) the feedback form."""
    row = stored_check(s, check_id)
    if row is None:
        st.warning(t("chk.no_check"))
        return
    r = row["result"]
    shown = r.get("subject_shown") or ""
    st.subheader(f"{formats.plain(r.get('name') or '')} · {formats.plain(shown)}")
    st.caption(
        t(
            "chk.head",
            id=r["check_id"],
            matter=matter_label(r["matter"], lang()),
            on=r["as_of"],
            dept=formats.plain(r["department"]),
            purpose=formats.plain(r["purpose"]),
            version=r["catalogue_version"],
        )
    )
    i = 0 if zh else 1
    sep = "、" if zh else ", "
    grades = sep.join(trigger_label(f"grade:{k}:{g}", lang()) for k, g in r["grades"].items())
    lists = sep.join(
        f"{LIST_LABELS[k][i]}（{', '.join(v)}）" if zh else f"{LIST_LABELS[k][i]} ({', '.join(v)})"
        for k, v in r["lists"].items()
    )
    tiers = sep.join(label(TIERS, k, lang()) for k in r["tiers"])
    c = st.columns(3)
    c[0].markdown(f"**{t('chk.grades')}**  \n{grades or t('chk.none')}")
    c[1].markdown(f"**{t('chk.lists')}**  \n{lists or t('chk.none')}")
    c[2].markdown(f"**{t('chk.tiers')}**  \n{tiers or t('chk.none')}")
    measures = r["measures"]
    if not measures:
        st.success(t("chk.no_measure"))
        return
    st.markdown(f"**{t('chk.measures', n=len(measures))}**")
    for m in measures:
        box = st.error if m["type"] == "punishment" and m["force"] == "mandatory" else st.info
        box(measure_heading(m, lang()), icon=":material/gavel:")
        lines = [
            f"- {t('chk.basis')}：{formats.plain(m['basis_document'] or t('chk.none'))}"
            + (f"（{formats.plain(m['basis_text'])}）" if m.get("basis_text") and zh else ""),
            f"- {t('chk.implementing')}：{formats.plain(sep.join(m['implementing']))}",
            f"- {t('chk.duration')}：{duration_text(m['duration_months'], lang())}",
            f"- {t('chk.trigger')}：{triggers_text(m, lang())}",
        ]
        if m.get("through"):
            lines.append(f"- {t('chk.through', firm=formats.plain(m['through']))}")
        st.markdown("\n".join(lines))
        ev = evidence_frame(m, lang())
        if not ev.empty:
            tables.show(mask_frame(user, ev), list(ev.columns), key=f"{key}_ev_{m['measure_id']}")
    if dept and dept == r["department"]:
        feedback_form(check_id, measures, key)


def feedback_form(check_id: str, measures: list[dict], key: str) -> None:
    """实施反馈: per measure 已实施 / 未实施 / 不适用 and a note (a mandatory measure not
    applied needs one: the use case refuses it otherwise)."""
    st.markdown(f"**{t('chk.feedback')}**")
    with st.form(f"{key}_feedback"):
        picked = []
        for m in measures:
            cols = st.columns([2, 3])
            outcome = cols[0].radio(
                measure_heading(m, lang()),
                list(OUTCOMES),
                format_func=lambda o: OUTCOMES[o][0 if zh else 1],
                horizontal=True,
                key=f"{key}_fb_{m['measure_id']}",
            )
            note = cols[1].text_input(t("chk.note"), key=f"{key}_note_{m['measure_id']}")
            picked.append(FeedbackItem(m["measure_id"], outcome, note))
        sent = st.form_submit_button(t("chk.feedback_button"), key=f"{key}_fb_submit")
    if sent:
        try:
            ids = record_feedback(
                s, check_id, dept or "", picked, user.username, dt.date.today(), user.role
            )
            st.success(t("chk.feedback_saved", n=len(ids)))
        except FeedbackError as exc:
            refused(exc)


def who_is(username: str) -> str:
    """Who checked, by the account's name (the user name when the account is gone)."""
    found = find_user(s, username)
    return found.display_name if found is not None else username


if dept:
    tab_check, tab_batch, tab_history, tab_stats = st.tabs(
        [t("chk.tab_check"), t("chk.tab_batch"), t("chk.tab_history"), t("chk.tab_stats")]
    )
else:  # the steward reads every department's checks and statistics, checks nothing
    st.info(t("chk.steward_reads"))
    tab_history, tab_stats = st.tabs([t("chk.tab_history"), t("chk.tab_stats")])
    tab_check = tab_batch = None
if tab_check is not None:
    with tab_check:
        matter = matter_box("chk_matter")
        query = st.text_input(t("profile.search"), key="query", placeholder=t("profile.hint"))
        hits = search(s, query) if query.strip() else pd.DataFrame()
        if query.strip() and hits.empty:
            st.warning(t("profile.nothing"))
        subject_id = None
        if not hits.empty:
            names = dict(zip(hits["subject_id"], hits["name"], strict=True))
            types = dict(zip(hits["subject_id"], hits["subject_type"], strict=True))
            shown = {  # fixed now: a widget may format its options again outside this run
                x: f"{names[x]} · {show_id(user, x)} · {subject_type_label(types[x])}"
                for x in names
            }
            subject_id = st.selectbox(
                t("profile.pick", n=len(hits)),
                list(hits["subject_id"]),
                key="subject",
                format_func=lambda x: shown.get(x, x),
            )
        purpose = st.text_input(t("chk.purpose"), key="chk_purpose", help=t("chk.purpose_help"))
        on = st.date_input(
            t("chk.on"), value=latest, max_value=latest, key="chk_on", format="YYYY-MM-DD"
        )
        if st.button(t("chk.button"), key="chk_run", type="primary"):
            if subject_id is None:
                st.error(t("chk.pick_first"))
            else:
                try:
                    done = credit_check(
                        s,
                        subject_id,
                        matter,
                        on,
                        *inputs(),
                        dept,
                        purpose,
                        user.username,
                        user.role,
                        masked=not sees_full_ids(user),
                    )
                    st.session_state["chk_last"] = done.check_id
                except CheckError as exc:
                    refused(exc)
        if st.session_state.get("chk_last"):
            show_check(st.session_state["chk_last"], "last")

if tab_batch is not None:
    with tab_batch:
        st.caption(t("chk.batch_help"))
        b_matter = matter_box("batch_matter")
        b_purpose = st.text_input(t("chk.purpose"), key="batch_purpose")
        b_on = st.date_input(
            t("chk.on"), value=latest, max_value=latest, key="batch_on", format="YYYY-MM-DD"
        )
        upload = st.file_uploader(t("chk.file"), type=["csv", "xlsx"], key="batch_file")
        if upload is not None and st.button(t("chk.batch_button"), key="batch_run"):
            suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
            with tempfile.TemporaryDirectory() as tmp:
                source, target = Path(tmp) / f"in{suffix}", Path(tmp) / f"out{suffix}"
                source.write_bytes(upload.getvalue())
                try:
                    report = check_file(
                        s,
                        source,
                        b_matter,
                        b_on,
                        *inputs(),
                        dept,
                        b_purpose,
                        user.username,
                        target,
                        user.role,
                        masked=not sees_full_ids(user),
                    )
                    st.session_state["batch_result"] = (
                        report.frame,
                        target.read_bytes(),
                        f"credit-checks{suffix}",
                    )
                except (BatchFileError, CheckError) as exc:
                    refused(exc)
        if st.session_state.get("batch_result"):
            frame, data, name = st.session_state["batch_result"]
            ok, bad = int((frame["status"] == "ok").sum()), int((frame["status"] == "error").sum())
            st.success(t("chk.batch_done", ok=ok, bad=bad))
            shown = frame.assign(
                status_label=[t(f"chk.status_{x}") for x in frame["status"]],
                measures_shown=frame["measures_zh" if zh else "measures"].fillna(""),
            )
            tables.show(
                mask_frame(user, shown),
                [
                    "row_number",
                    "subject_id",
                    "name",
                    "status_label",
                    "check_id",
                    "measures_shown",
                    "error",
                ],
                key="batch_table",
            )
            st.download_button(t("chk.download"), data, file_name=name, key="batch_download")

with tab_history:
    mine = department_checks(s, dept)
    if mine.empty:
        st.info(t("chk.no_history"))
    else:
        tables.show(
            mask_frame(user, check_rows(mine, lang(), who_is)),
            [
                "check_id",
                "checked_at",
                "department",
                "matter_label",
                "name",
                "subject_id",
                "as_of",
                "purpose",
                "measures",
                "checked_by",
            ],
            key="history_table",
        )
        pick = st.selectbox(t("chk.open"), list(mine["check_id"]), key="history_pick")
        if pick:
            audit_lookup(
                user,
                str(mine.loc[mine["check_id"] == pick, "subject_id"].iloc[0]),
                "checks",
                check_id=pick,
            )
            show_check(pick, "hist")

with tab_stats:
    if dept:  # 办件量: the denominator of 应查必查 coverage, reported per matter and month
        with st.expander(t("chk.caseload")), st.form("caseload"):
            cm = matter_box("case_matter")
            month = st.date_input(
                t("chk.month"),
                value=latest.replace(day=1),
                max_value=latest,
                key="case_month",
                format="YYYY-MM-DD",
            )
            cases = st.number_input(t("chk.cases"), min_value=0, step=1, key="case_n")
            if st.form_submit_button(t("chk.caseload_button"), key="case_submit"):
                try:
                    first = report_caseload(
                        s, dept, cm, month, int(cases), user.username, user.role
                    )
                    st.success(t("chk.caseload_saved", month=first.strftime("%Y-%m")))
                except FeedbackError as exc:
                    refused(exc)
    c = st.columns(2)
    start = c[0].date_input(
        t("chk.start"),
        value=latest.replace(day=1),
        max_value=latest,
        key="st_start",
        format="YYYY-MM-DD",
    )
    end = c[1].date_input(
        t("chk.end"), value=latest, max_value=latest, key="st_end", format="YYYY-MM-DD"
    )
    stats = check_statistics(s, start, end, dept) if start <= end else pd.DataFrame()
    if stats.empty:
        st.info(t("chk.no_stats"))
    else:
        stats = stats.assign(matter_label=[matter_label(m, lang()) for m in stats["matter"]])
        chart = rates_chart(stats, lang())
        if chart is not None:
            st.altair_chart(chart, width="stretch")
        else:
            st.caption(t("chk.no_rates"))
        tables.show(
            stats.assign(
                coverage=stats["coverage"].map(formats.share),
                feedback_rate=stats["feedback_rate"].map(formats.share),
            ),
            [
                "department",
                "matter_label",
                "checks",
                "subjects_checked",
                "checks_with_measures",
                "mandatory_returned",
                "feedback_received",
                "mandatory_applied",
                "cases",
                "coverage",
                "feedback_rate",
            ],
            key="stats_table",
        )
