"""信用公示: the public, sign-in-free page — 双公示 search, the red and black lists, and a
subject's own look-up with an online objection.

No :func:`app.state.require`: anyone may open it, signed in or not. Everything shown
comes from :mod:`app.public_access` (the same calls as the ``/public`` API): records
only inside their publication window, persons masked, every look-up audited.
"""

from __future__ import annotations

import streamlit as st

from app.components import formats, tables
from app.data.public import DISCLOSURE_VIEW, LIST_VIEW, OWN_VIEW
from app.i18n import lang, t
from app.public_access import listing, object_online, search, self_lookup
from app.state import date_limit, store
from features.records.personal import mask_code
from scoring.disclosure import DisclosureError
from scoring.objections import ObjectionError
from scoring.self_service import Claim, IdentityError

st.title(t("page.public"))
s = store()
on = date_limit().day  # the data date or today, whichever is earlier
st.caption(t("pub.intro"))
st.caption(t("pub.on", day=formats.day(on)))


def refused(exc: DisclosureError | IdentityError | ObjectionError) -> None:
    """A refusal in the visitor's language (it may quote what was typed: plain text)."""
    st.error(formats.plain(exc.zh if lang() == "zh" else str(exc)))


def first_time(what: str, *key: object) -> bool:
    """Whether this session has not yet logged this look-up (a rerun logs nothing new)."""
    marker = repr(key)
    if st.session_state.get(f"_pub_{what}") == marker:
        return False
    st.session_state[f"_pub_{what}"] = marker
    return True


def found(rows, cut: bool, columns, key: str, empty: str) -> None:
    if rows.empty:
        st.info(t(empty))
        return
    tables.show(rows, columns, key=key)
    if cut:
        st.caption(t("pub.cut", n=len(rows)))


tab_search, tab_red, tab_black, tab_self = st.tabs(
    [t("pub.tab_search"), t("pub.tab_red"), t("pub.tab_black"), t("pub.tab_self")]
)
with tab_search:
    with st.form("pub_search"):
        q = st.text_input(t("pub.query"), key="pub_q")
        kind = st.radio(
            t("pub.kind"),
            ["all", "licence", "penalty"],
            format_func=lambda k: t(f"pub.kind_{k}"),
            horizontal=True,
            key="pub_kind",
        )
        st.form_submit_button(t("pub.search"), key="pub_go")
    if not q.strip():
        st.caption(t("pub.latest"))
    try:
        out = search(s, on, q.strip(), kind, lang(), "page", first_time("q", q, kind, on))
        found(out.rows, out.cut, DISCLOSURE_VIEW, "pub_rows", "pub.none")
    except DisclosureError as exc:
        refused(exc)

for tab, key in ((tab_red, "red"), (tab_black, "black")):
    with tab:
        out = listing(s, on, key, lang(), "page", first_time(key, on))
        found(out.rows, out.cut, LIST_VIEW, f"pub_{key}", "pub.list_none")

with tab_self:
    st.caption(t("pub.self_intro"))
    who = st.radio(
        t("pub.self_kind"),
        ["firm", "person"],
        format_func=lambda k: t(f"pub.self_{k}"),
        horizontal=True,
        key="pub_who",
    )
    with st.form("pub_identity"):
        code = st.text_input(t(f"pub.self_code_{who}"), key="pub_code")
        name = st.text_input(t("pub.self_name"), key="pub_name")
        rep = st.text_input(t("pub.self_rep"), key="pub_rep") if who == "firm" else ""
        checked = st.form_submit_button(t("pub.self_submit"), key="pub_check")
    st.caption(t("pub.real_name"))
    result = None
    if checked:
        st.session_state.pop("pub_claim", None)
        claim = Claim(code, name, rep)
    elif st.session_state.get("pub_claim"):
        claim = Claim(*st.session_state["pub_claim"])  # verified earlier in this session
    if checked or st.session_state.get("pub_claim"):
        try:
            result = self_lookup(s, claim, on, lang())
            st.session_state["pub_claim"] = (claim.code, claim.name, claim.legal_rep_id)
        except IdentityError as exc:
            st.session_state.pop("pub_claim", None)
            refused(exc)
    if result is not None:
        row, rows = result
        shown = mask_code(claim.key) or ""
        st.success(t("pub.self_who", name=formats.plain(row["name"]), code=shown))
        if rows.empty:
            st.info(t("pub.self_none"))
        else:
            tables.show(rows, OWN_VIEW, key="pub_own")
            st.markdown(f"**{t('pub.obj_title')}**")
            with st.form("pub_objection"):
                record_id = st.selectbox(
                    t("pub.obj_record"), list(rows["record_id"]), key="pub_rec"
                )
                reason = st.text_area(t("pub.obj_reason"), key="pub_reason")
                contact = st.text_input(t("pub.obj_contact"), key="pub_contact")
                sent = st.form_submit_button(t("pub.obj_submit"), key="pub_send")
            if sent:
                try:
                    receipt = object_online(s, claim, record_id, reason, contact, on)
                    st.success(
                        t("pub.obj_done", id=receipt.objection_id, due=formats.day(receipt.due_by))
                    )
                except (IdentityError, ObjectionError) as exc:
                    refused(exc)
