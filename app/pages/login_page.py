"""登录 / sign in: the only page open without a role; signed in, it shows who you are.

Failed attempts are throttled and may lock the user name for a while
(:func:`app.auth.attempt_sign_in`); the messages never tell whether the name
exists. The demo password is shown only in demo mode: demo accounts on in
settings and present in the store.
"""

from __future__ import annotations

import streamlit as st

from app.auth import demo_accounts_present
from app.components import formats
from app.i18n import t
from app.settings import settings
from app.state import current_user, role_label, sign_in, sign_out, store

st.title(t("app.title"))
user = current_user()
if user is not None:
    st.success(t("login.as", name=formats.plain(user.display_name), role=role_label(user.role)))
    if st.button(t("login.logout"), key="logout"):
        sign_out()
        st.rerun()
    st.stop()

note = st.session_state.pop("_session_note", None)
if note in ("expired", "revoked", "user_changed"):
    st.info(t(f"login.session_{note}"))

with st.form("login"):
    st.subheader(t("page.login"))
    username = st.text_input(t("login.username"), key="username")
    password = st.text_input(t("login.password"), type="password", key="password")
    submitted = st.form_submit_button(t("login.submit"))
if submitted:
    outcome = sign_in(username, password)
    if outcome.result == "ok":
        st.rerun()
    elif outcome.result == "wait":
        st.error(t("login.wait", until=f"{outcome.until:%H:%M:%S}"))
    elif outcome.result == "locked" or outcome.locked_until is not None:
        until = outcome.until or outcome.locked_until
        st.error(t("login.locked", until=f"{until:%Y-%m-%d %H:%M}"))
    else:
        st.error(t("login.failed"))
cfg = settings().app
if cfg.seed_demo_users and demo_accounts_present(store()):
    st.caption(t("login.demo", password=cfg.demo_password))
