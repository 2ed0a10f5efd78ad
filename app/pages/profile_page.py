"""主体信用画像: find a subject; grade, PD, score, history, reasons, records, objections.

Every subject opened here and every report downloaded is written to
``audit_log``; personal IDs are shown as the user's role may see them. A role
of settings ``[app] authorisation_roles`` (the bank) first gives the subject's
authorisation reference (授权编号): nothing is searched or shown before it, and
the search, the look-up and the report download are logged with it
(:mod:`app.authorisation`).
"""

from __future__ import annotations

import streamlit as st

from app.authorisation import ask_reference, log_search
from app.components import charts, formats, tables
from app.components.reasons import override_notes, reason_lists, rule_records
from app.components.repair_plan import show_plan
from app.data import lists as list_frames
from app.data.overview import grade_label, grade_order
from app.data.subjects import (
    attributes,
    flag_states,
    latest,
    open_objections,
    overrides,
    rating_history,
    reasons,
    records,
    rule_results,
    search,
    subject,
)
from app.i18n import (
    CAUSES,
    code_label,
    lang,
    region_label,
    scheme_label,
    subject_type_label,
    t,
)
from app.settings import settings
from app.state import (
    audit_lookup,
    audited_report,
    casework_settings,
    date_limit,
    mask_frame,
    report_file_name,
    require,
    sees_full_ids,
    show_id,
    store,
)
from features.subjects import person_types
from scoring.list_view import standing
from scoring.repair_plan import RepairPlanError, guidance

user = require("profile")
st.title(t("page.profile"))
s = store()
ref = ask_reference(user, t("auth.label"), t("auth.help"))
if ref == "":  # this role looks up a subject only under its authorisation
    st.warning(t("auth.needed"))
    st.stop()
authorised = {} if ref is None else {"authorisation": ref}
query = st.text_input(t("profile.search"), key="query", placeholder=t("profile.hint"))
if not query.strip():
    st.info(t("profile.start"))
    st.stop()
log_search(user, "profile", query.strip(), ref)
hits = search(s, query)
if hits.empty:
    st.warning(t("profile.nothing"))
    st.stop()
names = dict(zip(hits["subject_id"], hits["name"], strict=True))
types = dict(zip(hits["subject_id"], hits["subject_type"], strict=True))
subject_id = st.selectbox(
    t("profile.pick", n=len(hits)),
    list(hits["subject_id"]),
    key="subject",
    format_func=lambda i: f"{names[i]} · {show_id(user, i)} · {subject_type_label(types[i])}",
)
audit_lookup(user, subject_id, "profile", **authorised)

row = subject(s, subject_id)
st.header(formats.plain(row["name"]))  # a department wrote the name: never markup
st.caption(
    " · ".join(
        [
            formats.plain(show_id(user, subject_id) or ""),
            subject_type_label(row["subject_type"]),
            formats.plain(region_label(row["region_code"])),
        ]
    )
)
# the attributes its type declares (profession, licence number…), with their declared labels
declared = attributes(s, subject_id, row["subject_type"], lang())
if declared:
    st.caption(" · ".join(f"{label}：{formats.plain(value)}" for label, value in declared))
history = rating_history(s, subject_id)
now = latest(s, subject_id, history)
if now.empty:
    st.info(t("profile.unrated"))
else:
    scheme = (
        st.radio(
            t("overview.scheme"),
            list(now["scheme"]),
            format_func=scheme_label,
            horizontal=True,
            key="scheme",
        )
        if len(now) > 1
        else now["scheme"].iloc[0]
    )
    r = now[now["scheme"] == scheme].iloc[0]
    why = reasons(r)
    # the published points rules of the scheme (drivers' 诚信考核, a sector evaluation):
    # each rule's band beside the model's grade, by its declared label
    rules = rule_results(why, scheme)
    c = st.columns(4 + len(rules))
    c[0].metric(
        t("col.final_grade"),
        formats.grade(r["final_grade"], lang()),
        help=grade_label(scheme, r["final_grade"], lang()),
    )
    c[1].metric(t("col.pd"), formats.pd_percent(r["pd"]))
    c[2].metric(t("col.score"), f"{r['score']:.0f}")
    c[3].metric(t("col.as_of"), formats.day(r["as_of"]))
    for box, rule in zip(c[4:], rules, strict=True):
        box.metric(
            rule["label_zh" if lang() == "zh" else "label_en"],
            str(rule.get("grade_zh" if lang() == "zh" else "grade_en") or rule["grade"]),
            help=t(
                "profile.points_detail",
                points=rule.get("points", 0),
                events=rule.get("events", 0),
                grade=rule.get("grade", ""),
            ),
        )
    by_rule = why.get("unit") == "rule_points"  # a scheme graded by its rule alone
    st.caption(
        t("profile.by_rule", grade=grade_label(scheme, r["final_grade"], lang()))
        if by_rule
        else t(
            "profile.model",
            grade=grade_label(scheme, r["final_grade"], lang()),
            model=r["model_name"],
            version=r["model_version"],
        )
    )
    for flag, on in flag_states(r, scheme):  # declared flags (the green channel…)
        label = flag.label_zh if lang() == "zh" else flag.label_en
        if on:
            st.success(t("profile.flag_on", label=label, years=flag.years))
        else:
            st.caption(t("profile.flag_off", label=label))
    override_notes(overrides(r), lang(), not sees_full_ids(user))
    st.download_button(
        t("profile.report"),
        key="report",
        on_click="ignore",
        data=audited_report(user, subject_id, lang(), page="profile", **authorised),
        file_name=report_file_name(user, subject_id),
        mime="text/html",
    )
    st.subheader(t("profile.reasons"))
    reason_lists(why, lang())
    for rule in rules:  # the records each published rule counted, with their points
        rule_records(rule, lang(), not sees_full_ids(user))
    unit = why.get("unit", "")
    st.altair_chart(
        charts.waterfall(
            why,
            lang(),
            {
                "base": t("profile.base"),
                "rest": t("profile.rest"),
                "output": t("profile.output"),
                "unit": t(
                    {"points": "unit.points", "rule_points": "unit.rule_points"}.get(
                        unit, "unit.logodds"
                    )
                ),
            },
        ),
        width="stretch",
    )
    st.caption(
        t(
            {"points": "profile.points_note", "rule_points": "profile.rule_note"}.get(
                unit, "profile.logodds_note"
            )
        )
    )

    st.subheader(t("profile.history"))
    mine = history[history["scheme"] == scheme]
    mine = mine.assign(
        scheme_label=mine["scheme"].map(scheme_label),
        cause_shown=mine["cause"].map(lambda c: code_label(CAUSES, c)),
    )
    st.altair_chart(charts.grade_history(mine, grade_order(scheme), lang()), width="stretch")
    tables.show(
        mine,
        [
            "as_of",
            "final_grade",
            "pd",
            "score",
            "cause_shown",
            "current",
            "model_version",
            "scored_at",
        ],
        key="history",
    )

# 信用修复指引: computed on demand (about a second: a projection for every month-end)
if not now.empty:
    st.subheader(t("plan.title"))
    st.caption(t("plan.help"))
    if st.toggle(t("plan.show"), key="plan_show"):
        cfg_plan = settings().repair_plan
        try:
            with st.spinner(t("plan.title")):
                plan = guidance(
                    s,
                    subject_id,
                    date_limit().day,
                    *casework_settings(),
                    cfg_plan.load(),
                    cfg_plan.months,
                    cfg_plan.pair_of_best,
                )
        except RepairPlanError as exc:
            st.warning(t("plan.failed", why=formats.plain(exc.zh if lang() == "zh" else str(exc))))
        else:
            show_plan(plan, lang(), lambda f: mask_frame(user, f), "plan")
            st.download_button(
                t("plan.report"),
                key="plan_report",
                on_click="ignore",
                data=audited_report(
                    user, subject_id, lang(), repair_plan=plan, page="profile", **authorised
                ),
                file_name=report_file_name(user, subject_id),
                mime="text/html",
            )

# 名单: the lists now (on the data's latest day), the whole trail and, for a person, the
# firms' serious listings that name it with the measures reaching it
st.subheader(t("lists.title"))
on = date_limit().day
cfg = settings()
lists_cfg, checks_cfg = cfg.lists.config(), cfg.checks.config(cfg.windows.policy())
masked = not sees_full_ids(user)
st.caption(t("lists.on", on=formats.day(on)))
st.markdown(f"**{t('lists.members')}**")
members = list_frames.memberships(
    standing(s, subject_id, on, None, lists_cfg, checks_cfg), lang(), masked
)
if members.empty:
    st.caption(t("lists.no_members"))
else:
    tables.show(mask_frame(user, members), [*members.columns], key="lists_now")
st.markdown(f"**{t('lists.trail')}**")
trail = list_frames.trail(s, subject_id, lang(), masked)
if trail.empty:
    st.caption(t("lists.no_trail"))
else:
    tables.show(mask_frame(user, trail), [*trail.columns], key="lists_trail")
if row["subject_type"] in person_types():
    st.markdown(f"**{t('lists.reach')}**")
    reach = list_frames.reach(s, subject_id, on, lists_cfg, checks_cfg, lang())
    if reach.empty:
        st.caption(t("lists.no_reach"))
    else:
        tables.show(mask_frame(user, reach), [*reach.columns], key="lists_reach")

st.subheader(t("profile.records"))
# a department's record ID or text may quote a person's ID (table and chart tooltips)
recs = mask_frame(user, records(s, subject_id, lang()))
if recs.empty:
    st.caption(t("none"))
else:
    st.altair_chart(charts.timeline(recs, lang()), width="stretch")
    tables.show(
        recs,
        [
            "kind_label",
            "value_shown",
            "polarity_label",
            "severity_label",
            "event_date",
            "published_on",
            "valid_until",
            "dept_label",
            "record_id",
        ],
        key="records",
        height=300,
    )

st.subheader(t("profile.objections"))
objs = open_objections(s, subject_id)
if objs.empty:
    st.caption(t("none"))
else:
    tables.show(
        mask_frame(user, objs),
        ["objection_id", "record_id", "opened_on", "reason"],
        key="objections",
    )
