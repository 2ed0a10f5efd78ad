"""Session and store access of the Streamlit app.

The store
    One read-write :class:`~features.store.duckdb_store.DuckDBStore` per
    process, shared by every session through ``st.cache_resource``. DuckDB lets
    one process hold a database file for writing; inside it, every query runs on
    its own cursor (DuckDBStore does this), so Streamlit's session threads can
    share the handle. The app writes (audit log, objections, re-ratings), so it
    holds the file's write lock while it runs: **do not run ``xinping`` commands
    against the same file while the app is running** — stop the app first, or
    point the CLI at a copy (``--store``).
The session
    ``st.session_state["user"]`` holds the signed-in user (a dict of
    :class:`app.auth.User` fields), ``"lang"`` the language. Pages call
    :func:`require` first: without the page's role they show a refusal and
    nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app.auth import ROLES, User, authenticate, may_open, seed_demo_users
from app.i18n import t
from app.settings import settings
from features.date_limit import DateLimit, FutureDateError
from features.records.ids import mask_id
from features.store.base import Store


@st.cache_resource(show_spinner=False)
def _open_store(path: str, memory_limit: str) -> Store:
    from features.store.duckdb_store import DuckDBStore

    store = DuckDBStore(path, memory_limit=memory_limit or None)
    cfg = settings().app
    if cfg.seed_demo_users:
        seed_demo_users(store, cfg.demo_password)
    return store


def store() -> Store:
    """The process's read-write store (opened once, shared by all sessions)."""
    cfg = settings().store
    return _open_store(str(Path(cfg.path).resolve()), cfg.memory_limit)


def mlflow_home() -> Path:
    """The MLflow home from settings."""
    return Path(settings().mlflow.home)


def current_user() -> User | None:
    """The signed-in user of this session, or ``None``."""
    data = st.session_state.get("user")
    return User(**data) if data else None


def sign_in(username: str, password: str) -> User | None:
    """Check the credentials; on success remember the user in the session and log it."""
    user = authenticate(store(), username, password)
    if user is None:  # failed attempts are logged too (never the password)
        audit(User(username.strip()[:64] or "-", "unknown", ""), "login_failed", None, {})
        return None
    st.session_state["user"] = asdict(user)
    audit(user, "login", None, {})
    return user


def sign_out() -> None:
    """Forget the session's user."""
    user = current_user()
    if user is not None:
        audit(user, "logout", None, {})
    st.session_state.pop("user", None)


def require(page: str) -> User:
    """The signed-in user if their role may open ``page``; otherwise refuse and stop.

    Every page calls this first, so a page opened directly (by URL) without the
    role renders nothing but the refusal.
    """
    user = current_user()
    if user is None:
        st.error(t("refused.login"))
        st.stop()
    if not may_open(user.role, page):
        st.error(t("refused.role", role=role_label(user.role)))
        st.stop()
    return user  # type: ignore[return-value]


def role_label(role: str) -> str:
    """A role's label in the session's language."""
    r = ROLES.get(role)
    if r is None:
        return role
    return r.label_zh if st.session_state.get("lang", "zh") == "zh" else r.label_en


def sees_full_ids(user: User) -> bool:
    """True for the roles that may see full personal ID numbers (settings)."""
    return user.role in settings().app.full_id_roles


def show_id(user: User, subject_id: str | None) -> str | None:
    """``subject_id`` as ``user`` may see it (personal IDs masked unless the role needs them)."""
    return subject_id if sees_full_ids(user) else mask_id(subject_id)


def mask_frame(
    user: User,
    frame: pd.DataFrame,
    columns: tuple[str, ...] = ("subject_id", "legal_rep_id", "employer_id"),
) -> pd.DataFrame:
    """A copy of ``frame`` with ID columns shown as ``user`` may see them."""
    if sees_full_ids(user):
        return frame
    out = frame.copy()
    for col in columns:
        if col in out.columns:
            out[col] = out[col].map(mask_id)
    return out


def write_audit(
    to: Store, user: User, action: str, subject_id: str | None, detail: dict[str, Any]
) -> None:
    """Write one ``audit_log`` row to ``to`` (usable outside a script run)."""
    to.append(
        "audit_log",
        pd.DataFrame(
            [
                {
                    "logged_at": dt.datetime.now(),
                    "user_name": user.username,
                    "role": user.role,
                    "action": action,
                    "subject_id": subject_id,
                    "detail": json.dumps(detail, ensure_ascii=False, default=str),
                }
            ]
        ),
    )


def audit(user: User, action: str, subject_id: str | None, detail: dict[str, Any]) -> None:
    """Write one ``audit_log`` row: who, role, what, when."""
    write_audit(store(), user, action, subject_id, detail)


def audited_report(user: User, subject_id: str, lang: str, **detail: Any) -> Callable[[], str]:
    """The credit report of ``subject_id`` for a download button, made when clicked.

    Streamlit runs the returned function on the server when the user clicks
    (outside the page's script run): it writes a ``report_download`` audit row
    with ``detail`` (e.g. the authorisation reference), then builds the report
    with the publication windows in force (:func:`scoring.report.credit_report`,
    as ``xinping report``).
    """
    to, policy = store(), settings().windows.policy()

    def build() -> str:
        from scoring.report import credit_report

        write_audit(to, user, "report_download", subject_id, {"lang": lang, **detail})
        return credit_report(to, subject_id, policy, lang=lang)

    return build


def audit_lookup(user: User, subject_id: str, page: str, **detail: Any) -> None:
    """Log a subject look-up once per subject (and detail) and page in this session's view.

    The detail counts: the same SME opened under another authorisation
    reference is logged again.
    """
    key = f"_viewed_{page}"
    marker = json.dumps([subject_id, detail], ensure_ascii=False, sort_keys=True, default=str)
    if st.session_state.get(key) == marker:
        return
    audit(user, "view_subject", subject_id, {"page": page, **detail})
    st.session_state[key] = marker


def audit_many(user: User, action: str, subject_ids: list[str], detail: dict[str, Any]) -> None:
    """Write one ``audit_log`` row per subject (a bulk look-up), in one append."""
    if not subject_ids:
        return
    now = dt.datetime.now()
    text = json.dumps(detail, ensure_ascii=False, default=str)
    store().append(
        "audit_log",
        pd.DataFrame(
            [
                {
                    "logged_at": now,
                    "user_name": user.username,
                    "role": user.role,
                    "action": action,
                    "subject_id": sid,
                    "detail": text,
                }
                for sid in subject_ids
            ]
        ),
    )


def date_limit() -> DateLimit:
    """The latest day a rating, change, assessment or draw may be dated on the store
    (settings ``[dates] latest``): the date pickers' maximum and default."""
    return settings().dates.limit(store())


def after_limit(day: dt.date, what: str) -> bool:
    """Whether ``day`` is after :func:`date_limit`; if so the refusal is shown (one line,
    the session's language) and the caller does nothing."""
    from app.i18n import lang

    try:
        date_limit().check(day, what)
    except FutureDateError as exc:
        st.error(exc.zh if lang() == "zh" else exc.en)
        return True
    return False
