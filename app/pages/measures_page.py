"""联合奖惩管理 (the steward's): the measures catalogue (措施清单) and the managed lists (名单管理).

The page only parses and renders. A catalogue change is a new version
(:func:`scoring.measures.versions.save_version`: earlier versions and the checks
made under them stay as they were); every list action is one of the existing use
cases (:mod:`scoring.list_decisions`, :func:`scoring.list_rules.apply_rules`), which
write the trail and the audit log. Every action asks for a confirmation first; a
refusal is one line in the user's language.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app.components import formats, tables
from app.components.changes import show_outcome
from app.data.checks import all_listings, bilingual, catalogue_rows
from app.data.subjects import records, search
from app.i18n import lang, subject_type_label, t
from app.settings import settings
from app.state import (
    after_limit,
    audit_lookup,
    casework_settings,
    date_limit,
    mask_frame,
    note_change,
    require,
    sees_full_ids,
    show_id,
    store,
)
from scoring.casework import end_listing, list_by_decision
from scoring.evidence import effective_ids
from scoring.list_reads import subject_list_history
from scoring.list_rules import apply_rules
from scoring.lists import EVENT_LABELS, LIST_LABELS, ListError
from scoring.measures.checks import CatalogueError, parse_text
from scoring.measures.toml_text import catalogue_toml
from scoring.measures.versions import catalogue_in_force, save_version, version_history

user = require("measures")
st.title(t("page.measures"))
s = store()
cfg = settings()
zh = lang() == "zh"
latest = date_limit().day
masked = not sees_full_ids(user)


def refused(text: str) -> None:
    """A refusal on one line (what was typed may be quoted: never read as markup)."""
    st.error(formats.plain(" ".join(text.split())))


def problems(exc: CatalogueError) -> None:
    """Every problem of a refused catalogue, one line each, naming the entry and field."""
    st.error(t("ms.problems", n=len(exc.problems)))
    st.markdown("\n".join(f"- {formats.plain(p.text(lang()))}" for p in exc.problems))


def confirmed(key: str) -> bool:
    """The confirmation box every action asks for."""
    return st.checkbox(t("ms.confirm"), key=f"{key}_confirm")


def pick_subject(key: str) -> str | None:
    """A subject found the way the profile page finds one (:func:`app.data.subjects.search`)."""
    query = st.text_input(t("profile.search"), key=f"{key}_query", placeholder=t("profile.hint"))
    if not query.strip():
        return None
    hits = search(s, query)
    if hits.empty:
        st.warning(t("profile.nothing"))
        return None
    names = dict(zip(hits["subject_id"], hits["name"], strict=True))
    types = dict(zip(hits["subject_id"], hits["subject_type"], strict=True))
    shown = {  # fixed now: a widget may format its options again outside this run
        x: f"{names[x]} · {show_id(user, x)} · {subject_type_label(types[x])}" for x in names
    }
    return st.selectbox(
        t("profile.pick", n=len(hits)),
        list(hits["subject_id"]),
        key=f"{key}_subject",
        format_func=lambda x: shown.get(x, x),
    )


tab_measures, tab_lists = st.tabs([t("ms.tab_measures"), t("ms.tab_lists")])
with tab_measures:
    found = catalogue_in_force(s)
    st.caption(
        t("ms.in_force", version=found.version_id, n=len(found.catalogue.measures))
        + " "
        + t("ms.never_rewrites")
    )
    tables.show(
        catalogue_rows(found.catalogue, lang()),
        [
            "measure_id",
            "measure_name",
            "measure_type",
            "measure_force",
            "matters_label",
            "triggers_label",
            "basis_document",
            "implementing",
            "reaches_label",
            "duration_label",
        ],
        key="catalogue_table",
    )
    st.subheader(t("ms.history"))
    history = version_history(s)
    if history.empty:
        st.caption(t("ms.no_versions", version=found.version_id))
    else:
        tables.show(
            history.assign(
                sha256=history["sha256"].str[:12],
                saved_at=[formats.stamp(x) for x in history["saved_at"]],
                change_reason=history["reason"],
            ),
            ["version_id", "saved_at", "saved_by", "change_reason", "measures", "sha256"],
            key="versions_table",
        )
    st.subheader(t("ms.editor"))
    st.caption(t("ms.editor_help"))
    if st.session_state.get("ms_base") != found.version_id:  # the text of the version in force
        st.session_state["ms_text"] = catalogue_toml(found.catalogue)
        st.session_state["ms_base"] = found.version_id
    text = st.text_area(t("ms.text"), key="ms_text", height=420)
    if st.button(t("ms.validate"), key="ms_validate"):
        try:
            cat = parse_text(text, t("ms.editor_file"))
            same = cat.sha256() == found.sha256
            st.success(t("ms.valid_same" if same else "ms.valid", n=len(cat.measures)))
        except CatalogueError as exc:
            problems(exc)
    reason = st.text_input(t("ms.reason"), key="ms_reason")
    if confirmed("ms_save") and st.button(t("ms.save"), key="ms_save", type="primary"):
        try:
            cat = parse_text(text, t("ms.editor_file"))
            saved = save_version(s, cat, user.username, reason, user.role)
            st.success(t("ms.saved", version=saved.version_id))
            st.session_state.pop("ms_base", None)
        except CatalogueError as exc:
            problems(exc)

with tab_lists:
    lists_cfg = cfg.lists.config()
    on = st.date_input(t("ms.on"), value=latest, max_value=latest, key="ls_on", format="YYYY-MM-DD")
    rows = all_listings(s, on, lists_cfg, lang(), masked)
    only = st.toggle(t("ms.only_in_force"), value=True, key="ls_only")
    view = rows[rows["in_force"]] if only and not rows.empty else rows
    st.subheader(t("ms.listings", n=len(view)))
    if view.empty:
        st.info(t("ms.no_listings"))
    else:
        tables.show(
            mask_frame(user, view),
            [
                "listing_id",
                "name",
                "subject_id",
                "list",
                "status",
                "basis",
                "entered_on",
                "expires_on",
                "evidence",
                "listing_reason",
            ],
            key="listings_table",
        )
    st.subheader(t("ms.trail"))
    who = pick_subject("trail")
    if who:
        audit_lookup(user, who, "measures")
        trail = subject_list_history(s, who, masked)
        if trail.empty:
            st.caption(t("ms.no_trail"))
        else:
            i = 0 if zh else 1
            trail = trail.assign(
                list_label=[LIST_LABELS[k][i] for k in trail["list_key"]],
                event_label=[EVENT_LABELS[e][i] for e in trail["event"]],
                # a rule's entry keeps the rule's Chinese wording: English rows leave it out
                event_reason=[
                    bilingual(r, zh) if zh or b != "rule" or " / " in str(r) else "—"
                    for r, b in zip(trail["reason"], trail["basis"], strict=True)
                ],
            )
            tables.show(
                trail,
                [
                    "effective_on",
                    "listing_id",
                    "list_label",
                    "event_label",
                    "dept",
                    "document_no",
                    "evidence",
                    "expires_on",
                    "event_reason",
                ],
                key="trail_table",
            )

    st.subheader(t("ms.actions"))
    act_enter, act_exit, act_revoke, act_rules = st.tabs(
        [t("ms.act_enter"), t("ms.act_exit"), t("ms.act_revoke"), t("ms.act_rules")]
    )
    listed = list(rows.loc[rows["in_force"], "listing_id"]) if not rows.empty else []
    every = list(rows["listing_id"]) if not rows.empty else []
    label_of = (
        {
            r["listing_id"]: f"{r['listing_id']} · {r['name']} · {r['list']} · {r['status']}"
            for r in mask_frame(user, rows).to_dict("records")
        }
        if not rows.empty
        else {}
    )
    with act_enter:
        subject_id = pick_subject("enter")
        if subject_id:
            audit_lookup(user, subject_id, "measures")
            recs = records(s, subject_id, lang())
            # only records that count on the day may carry a listing (the use case checks too)
            counting = effective_ids(s, [subject_id], on, cfg.windows.policy())
            options = [r for r in recs.get("record_id", []) if r in counting]
            kinds = dict(zip(recs.get("record_id", []), recs.get("kind_label", []), strict=True))
            days = dict(zip(recs.get("record_id", []), recs.get("event_date", []), strict=True))
            list_key = st.radio(
                t("ms.list"),
                list(LIST_LABELS),
                key="enter_list",
                horizontal=True,
                format_func=lambda k: LIST_LABELS[k][0 if zh else 1],
            )
            dept = st.text_input(t("ms.dept"), key="enter_dept")
            document_no = st.text_input(t("ms.document_no"), key="enter_doc")
            evidence = st.multiselect(
                t("ms.evidence"),
                options,
                key="enter_evidence",
                format_func=lambda r: f"{r} · {kinds.get(r, '')} · {formats.day(days.get(r))}",
            )
            why = st.text_input(t("ms.enter_reason"), key="enter_reason")
            go = confirmed("enter") and st.button(t("ms.enter_button"), key="enter_go")
            if go and not after_limit(on, t("ms.on")):
                try:
                    out = list_by_decision(
                        s,
                        subject_id,
                        list_key,
                        dept,
                        document_no,
                        evidence,
                        why,
                        on,
                        lists_cfg,
                        user.username,
                        user.role,
                        *casework_settings(),
                    )
                    note_change(out)
                    show_outcome(t("ms.entered", id=out.ident), out, user)
                except ListError as exc:
                    refused(exc.zh if zh else str(exc))
    for tab, key, revoke, choices, done in (
        (act_exit, "exit", False, listed, "ms.exited"),
        (act_revoke, "revoke", True, every, "ms.revoked"),
    ):
        with tab:
            if not choices:
                st.caption(t("ms.no_listings"))
                continue
            lid = st.selectbox(
                t("col.listing_id"),
                choices,
                key=f"{key}_pick",
                format_func=lambda x: label_of.get(x, x),
            )
            why = st.text_input(t(f"ms.{key}_reason"), key=f"{key}_reason")
            if confirmed(key) and st.button(t(f"ms.{key}_button"), key=f"{key}_go"):
                try:
                    out = end_listing(
                        s,
                        lid,
                        on,
                        why,
                        lists_cfg,
                        user.username,
                        user.role,
                        *casework_settings(),
                        revoke=revoke,
                    )
                    note_change(out)
                    show_outcome(t(done, id=lid), out, user)
                except ListError as exc:
                    refused(exc.zh if zh else str(exc))
    with act_rules:
        st.caption(t("ms.rules_help"))
        rules_on: dt.date = st.date_input(
            t("ms.on"), value=latest, max_value=latest, key="rules_on", format="YYYY-MM-DD"
        )
        go = confirmed("rules") and st.button(t("ms.rules_button"), key="rules_go")
        if go and not after_limit(rules_on, t("ms.on")):
            try:
                out = apply_rules(
                    s, rules_on, lists_cfg, cfg.windows.policy(), user.username, user.role
                )
                st.success(
                    t(
                        "ms.rules_done",
                        on=rules_on,
                        entered=out.count("enter"),
                        exited=out.count("exit_rule") + out.count("exit_repair"),
                        suspended=out.count("suspend"),
                        resumed=out.count("resume"),
                        revoked=out.count("revoke_wrongful"),
                    )
                )
            except ListError as exc:
                refused(exc.zh if zh else str(exc))
