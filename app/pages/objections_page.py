"""异议与修复: open, review and resolve objections, approve repairs, see deadlines, and
watch the grades change (every change re-rates the affected subjects at once)."""

from __future__ import annotations

import streamlit as st

from app.components import formats, tables
from app.components.changes import show_outcome
from app.components.repair_plan import show_plan
from app.data.casework import record_choices
from app.data.public import LATE_DETAIL_VIEW, LATE_VIEW, late_detail_rows, late_rows
from app.data.subjects import record_words
from app.data.subjects import records as records_of
from app.i18n import lang, t
from app.settings import settings
from app.state import (
    after_limit,
    audit_lookup,
    casework_settings,
    date_limit,
    mask_frame,
    note_change,
    require,
    store,
)
from features.date_limit import FutureDateError
from scoring.casework import object_to, repair, resolve
from scoring.disclosure_deadline import late_disclosures
from scoring.objections import ObjectionError, deadlines, negative_records
from scoring.repair_plan import RepairPlanError, guidance

user = require("objections")
st.title(t("page.objections"))
s = store()
cfg = settings()
# changes are dated at most on the data date or today, whichever is earlier ([dates] latest)
latest = date_limit().day
on = st.date_input(t("obj.on"), value=latest, max_value=latest, key="on", format="YYYY-MM-DD")


def refused(exc: ObjectionError) -> None:
    """The trail's refusal in the user's language."""
    # the refusal may quote what was typed (a record ID): shown, never read as markup
    st.error(formats.plain(exc.zh if lang() == "zh" else str(exc)))


def subject_typed(key: str, label: str, view: str) -> str:
    """The subject the officer works from (统一社会信用代码 or 身份证号), as stored; its
    look-up is audited once per subject and ``view`` (each tab its own: two subjects
    typed are not logged again on every rerun). The records are then read by subject: a
    city store skips all but a few blocks of its tens of millions of records (by record
    ID alone it reads them all, seconds per change)."""
    code = st.text_input(label, key=key).strip().upper()
    if code:
        audit_lookup(user, code, view)
    return code


def pick_record(choices: dict[str, str], key: str) -> str | None:
    """One of the subject's records, chosen by what it is, when and from whom."""
    return st.selectbox(
        t("obj.record"),
        list(choices),
        index=None,
        format_func=lambda rid: choices.get(rid, rid),
        placeholder=t("obj.record_pick"),
        key=key,
    )


# the tabs rerun the page when switched (``.open``): the 双公示超期 tab reads every
# department's records (0.3-0.6 s on the demo, 2 cores) and is drawn only when open,
# not again after every objection resolved on the list
tab_open, tab_list, tab_repair, tab_late = st.tabs(
    [t("obj.tab_open"), t("obj.tab_list"), t("obj.tab_repair"), t("pub.late_tab")],
    key="obj_tab",
    on_change="rerun",
)
with tab_open:
    subject = subject_typed("obj_subject", t("obj.subject"), "objections")
    every = st.checkbox(t("obj.all_records"), key="obj_all")
    shown = None
    if subject:  # its negative records (the ones objected to), or all of them
        shown = records_of(s, subject, lang()) if every else negative_records(s, subject)
        shown = shown if every else record_words(shown, lang())
    if shown is not None and shown.empty:
        st.caption(t("obj.no_records" if every else "obj.no_negative"))
    elif shown is not None:
        tables.show(
            shown,
            [
                "record_id",
                "kind_label",
                "severity_label",
                "value_shown",
                "event_date",
                "published_on",
                "valid_until",
                "dept_label",
            ],
            key="neg",
        )
    with st.form("open_objection"):
        record_id = pick_record(record_choices(shown, lang()) if subject else {}, "obj_record")
        reason = st.text_area(t("col.reason"), key="obj_reason")
        submitted = st.form_submit_button(t("obj.open_button"), key="open_submit")
    if submitted and record_id is None:
        st.error(t("obj.record_first"))
    elif submitted and not after_limit(on, t("obj.on")):
        try:
            with st.spinner(t("obj.rerating")):
                out = object_to(
                    s,
                    record_id,
                    reason,
                    user.username,
                    user.role,
                    on,
                    *casework_settings(),
                    subject_id=subject,
                )
            note_change(out)
            show_outcome(t("obj.opened", id=out.ident), out, user)
        except ObjectionError as exc:
            refused(exc)


def resolve_chosen() -> None:
    """办结 (the button's callback): it runs before the page is drawn again, so the list
    of open objections below no longer shows the one just resolved."""
    choice = st.session_state.get("obj_choice")
    if not choice:
        return
    day = st.session_state.get("on", latest)
    try:
        date_limit().check(day, t("obj.on"))
        out = resolve(
            s,
            choice,
            st.session_state.get("verdict") == "upheld",
            user.username,
            user.role,
            day,
            *casework_settings(),
        )
    except FutureDateError as exc:
        st.session_state["obj_resolution"] = ("error", exc.zh if lang() == "zh" else exc.en)
    except ObjectionError as exc:
        st.session_state["obj_resolution"] = (
            "error",
            formats.plain(exc.zh if lang() == "zh" else str(exc)),
        )
    else:
        note_change(out)
        done = t("obj.resolved", id=out.ident, status=t(f"obj.{out.status}"))
        st.session_state["obj_resolution"] = ("done", done, out)


@st.fragment
def open_list() -> None:
    """未办结异议与时限 with 办结: a fragment, so that resolving one reruns this list and
    the outcome, not the router and every tab (they are drawn again when a tab is
    switched or the day changed, which reruns the page)."""
    due = deadlines(s, on, cfg.objections.rules())
    if due.empty:
        st.info(t("obj.none_open"))
    else:
        overdue = int(due["overdue"].sum())
        st.metric(
            t("obj.open_count"),
            len(due),
            delta=t("obj.overdue", n=overdue),
            delta_color="inverse" if overdue else "off",
        )
        tables.show(
            mask_frame(user, due),
            [
                "objection_id",
                "record_id",
                "subject_id",
                "opened_on",
                "reason",
                "accept_by",
                "check_by",
                "department_by",
                "cap_by",
                "days_left",
                "overdue",
            ],
            key="due",
        )
        st.selectbox(t("col.objection_id"), list(due["objection_id"]), key="obj_choice")
        st.radio(
            t("obj.verdict"),
            ["upheld", "rejected"],
            horizontal=True,
            format_func=lambda v: t(f"obj.{v}"),
            key="verdict",
        )
        st.button(t("obj.resolve_button"), key="resolve", on_click=resolve_chosen)
    resolution = st.session_state.pop("obj_resolution", None)
    if resolution is not None and resolution[0] == "error":
        st.error(resolution[1])
    elif resolution is not None:
        show_outcome(resolution[1], resolution[2], user)


with tab_list:
    open_list()

with tab_repair:
    # the subject at hand: its 信用修复指引 (which repair lifts its grade most, and when)
    # and its negative records, one of which a repair is approved on
    plan_for = subject_typed("plan_subject", t("obj.repair_subject"), "objections_repair")
    if st.button(t("plan.button"), key="plan_make") and plan_for:
        cfg_plan = cfg.repair_plan
        try:
            with st.spinner(t("plan.title")):
                plan = guidance(
                    s,
                    plan_for,
                    on,
                    *casework_settings(),
                    cfg_plan.load(),
                    cfg_plan.months,
                    cfg_plan.pair_of_best,
                )
        except RepairPlanError as exc:
            st.warning(t("plan.failed", why=formats.plain(exc.zh if lang() == "zh" else str(exc))))
        else:
            show_plan(plan, lang(), lambda f: mask_frame(user, f), "plan")
    repairable = record_choices(negative_records(s, plan_for), lang()) if plan_for else {}
    if plan_for and not repairable:
        st.caption(t("obj.no_negative"))
    with st.form("repair"):
        rec = pick_record(repairable, "repair_record")
        approve = st.form_submit_button(t("obj.repair_button"), key="repair_submit")
    if approve and rec is None:
        st.error(t("obj.record_first"))
    elif approve and not after_limit(on, t("obj.on")):
        try:
            with st.spinner(t("obj.rerating")):
                out = repair(
                    s, rec, user.username, user.role, on, *casework_settings(), subject_id=plan_for
                )
            note_change(out)
            show_outcome(
                t("obj.repaired", id=out.ident, effective=formats.day(out.effective_on)), out, user
            )
        except ObjectionError as exc:
            refused(exc)

if tab_late.open:
    with tab_late:  # 双公示 published after the deadline (xinping disclosure late)
        disclosure = cfg.disclosure_config()
        st.markdown(f"**{t('pub.late_title', n=disclosure.deadline_workdays)}**")
        left, right = st.columns(2)
        since = left.date_input(
            t("pub.late_from"),
            value=on.replace(day=1),
            max_value=on,
            key="late_from",
            format="YYYY-MM-DD",
        )
        until = right.date_input(
            t("pub.late_to"), value=on, max_value=on, key="late_to", format="YYYY-MM-DD"
        )
        try:
            late_detail, late_summary = late_disclosures(s, since, until, disclosure)
        except ValueError as exc:
            st.error(formats.plain(str(exc)))
        else:
            if late_summary.empty or late_detail.empty:
                st.success(t("pub.late_none"))
            if not late_summary.empty:
                tables.show(late_rows(late_summary, lang()), list(LATE_VIEW), key="late")
            if not late_detail.empty:
                shown = mask_frame(user, late_detail)
                tables.show(
                    late_detail_rows(shown, lang()), list(LATE_DETAIL_VIEW), key="late_records"
                )
