"""登录 / sign in: the only page open without a role; signed in, it shows who you are."""

from __future__ import annotations

import streamlit as st

from app.components import formats
from app.i18n import t
from app.settings import settings
from app.state import current_user, role_label, sign_in, sign_out

st.title(t("app.title"))
user = current_user()
if user is not None:
    st.success(t("login.as", name=formats.plain(user.display_name), role=role_label(user.role)))
    if st.button(t("login.logout"), key="logout"):
        sign_out()
        st.rerun()
    st.stop()

with st.form("login"):
    st.subheader(t("page.login"))
    username = st.text_input(t("login.username"), key="username")
    password = st.text_input(t("login.password"), type="password", key="password")
    submitted = st.form_submit_button(t("login.submit"))
if submitted:
    if sign_in(username, password) is None:
        st.error(t("login.failed"))
    else:
        st.rerun()
if settings().app.seed_demo_users:
    st.caption(t("login.demo", password=settings().app.demo_password))
