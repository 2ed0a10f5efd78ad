"""The Streamlit app's router: pages, the sidebar menu, the language switch. Nothing else.

Every page is registered with ``st.navigation`` (hidden menu) so that a page
opened directly by URL runs and refuses itself (:func:`app.state.require`);
the sidebar lists only the pages the signed-in user's role may open. The public
信用公示 page (``public``) requires no sign-in: a signed-out visitor sees its link.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.auth import PAGE_ROLES, PUBLIC_PAGES, may_open
from app.components import formats
from app.components.chrome import localise
from app.i18n import LANGS, lang, t
from app.settings import settings
from app.state import (
    check_session,
    cookie_html,
    current_user,
    resume_session,
    role_label,
    sign_out,
    store,
    warm_models,
)
from features.store.access import StoreBusy

HERE = Path(__file__).parent
ICONS = {
    "overview": ":material/dashboard:",
    "supervision": ":material/policy:",
    "lending": ":material/account_balance:",
    "rural": ":material/agriculture:",
    "profile": ":material/person_search:",
    "models": ":material/model_training:",
    "objections": ":material/gavel:",
    "quality": ":material/fact_check:",
    "checks": ":material/verified_user:",
    "measures": ":material/balance:",
    "public": ":material/campaign:",
    "watch": ":material/notifications_active:",
}

st.set_page_config(page_title="信评 xinping", page_icon=":material/verified:", layout="wide")
# the configured scheme folders (settings [schemes]) join the registry once per process; a
# bad folder is one line on every page, as on the command line
_schemes_problem = settings().schemes_problem()
if _schemes_problem is not None:
    st.error(_schemes_problem)
    st.stop()
warm_models(store)  # the champions load in the background while the first user signs in
resume_session()  # a refresh: the signed cookie brings the user back (app.sessions)
check_session()  # signed out elsewhere, expired, or the account changed: end it here too
user = current_user()
login = st.Page(
    HERE / "pages" / "login_page.py",
    title=t("page.login"),
    url_path="login",
    icon=":material/login:",
    default=user is None,
)
pages = {
    key: st.Page(
        HERE / "pages" / f"{key}_page.py",
        title=t(f"page.{key}"),
        url_path=key,
        icon=ICONS[key],
        default=user is not None and key == "overview",
    )
    for key in PAGE_ROLES
}
current = st.navigation([login, *pages.values()], position="hidden")
if user is not None and current.url_path == "login":
    st.switch_page(pages["overview"])  # just signed in: go to the overview
if user is None and current is not login and st.session_state.get("_session_note"):
    st.switch_page(login)  # the session just ended (expired, signed out elsewhere): say why

with st.sidebar:
    st.markdown(f"### {t('app.title')}")
    st.radio(t("app.language"), list(LANGS), format_func=LANGS.get, horizontal=True, key="lang")
    if user is None:
        st.page_link(login)
        for key in sorted(PUBLIC_PAGES):  # 信用公示 needs no sign-in
            st.page_link(pages[key])
    else:
        st.caption(t("app.user", name=formats.plain(user.display_name), role=role_label(user.role)))
        for key, page in pages.items():
            if may_open(user.role, key):
                st.page_link(page)
        if st.button(t("login.logout"), key="sidebar_logout"):
            sign_out()
            st.switch_page(login)  # not the page just left: it would only refuse
    script = cookie_html()
    if script:  # sets or clears the session cookie in the browser
        st.html(script, width="content", unsafe_allow_javascript=True)
localise(lang())
try:
    current.run()
except StoreBusy as exc:  # another process wrote longer than store.wait_seconds
    st.error(exc.message(lang()))
