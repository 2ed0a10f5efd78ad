"""Session and store access of the Streamlit app.

The store
    One :class:`~features.store.duckdb_store.DuckDBStore` per process, shared by
    every session through ``st.cache_resource``; every query runs on its own
    cursor, so Streamlit's session threads can share the handle. It holds the
    DuckDB file only while it reads or writes (:mod:`features.store.access`), so
    ``xinping score``, ``ingest``, ``train`` … run beside the app: while one of
    them writes, a page waits and tells the user who holds the store (a toast),
    and shows the new data afterwards (shared caches are keyed on
    :meth:`~features.store.base.Store.data_version`). Users, sessions and the
    audit log live in the SQLite workflow store beside the file, which takes
    many writers at once.
The session
    ``st.session_state["user"]`` holds the signed-in user (a dict of
    :class:`app.auth.User` fields), ``"lang"`` the language. Pages call
    :func:`require` first: without the page's role they show a refusal and
    nothing else. Sign-in is throttled (:func:`sign_in`); a signed session
    (``"_session"``, :mod:`app.sessions`) brings the user back after a refresh
    through a cookie the page's script sets (:func:`resume_session`,
    :func:`cookie_html`), and the router ends it when its server-side session
    ended (:func:`check_session`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app import sessions
from app.auth import ROLES, SigninOutcome, User, attempt_sign_in, may_open, seed_demo_users
from app.i18n import t
from app.settings import secret_key, settings
from features.compile import BuildConfig
from features.date_limit import DateLimit, FutureDateError
from features.records.personal import mask_code, mask_text
from features.schemes import rated
from features.store.base import Store
from scoring.batch import RatingPolicies
from scoring.casework import Outcome
from scoring.loader import champions


@st.cache_resource(show_spinner=False)
def _open_store(path: str, memory_limit: str) -> Store:
    from features.store.duckdb_store import DuckDBStore

    store = DuckDBStore(
        path,
        memory_limit=memory_limit or None,
        wait_seconds=settings().store.wait_seconds,
        on_wait=_tell_waiting,
        command="xinping app",
        keep_writer=settings().store.app_keep_writer_seconds,
    )
    cfg = settings().app
    if cfg.seed_demo_users:
        seed_demo_users(store, cfg.demo_password)
    return store


_toasted: dict[int, float] = {}


def _tell_waiting(holders: list, waited: float, done: bool) -> None:
    """Tell the user whose page waits for another process's write (every 10 s)."""
    import threading

    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return  # not on a page's thread (e.g. a download being built)
    me = threading.get_ident()
    if done:
        _toasted.pop(me, None)
        return
    if waited - _toasted.get(me, -10.0) < 10.0:
        return
    _toasted[me] = waited
    from app.i18n import lang

    who = "; ".join(h.describe(lang()) for h in holders) or t("store.someone")
    st.toast(t("store.waiting", seconds=f"{waited:.0f}", who=who), icon=":material/hourglass_top:")


def store() -> Store:
    """The process's read-write store (opened once, shared by all sessions)."""
    cfg = settings().store
    return _open_store(str(Path(cfg.path).resolve()), cfg.memory_limit)


def mlflow_home() -> Path:
    """The MLflow home from settings."""
    return Path(settings().mlflow.home)


@st.cache_resource(show_spinner=False)
def warm_models(_store: Callable[[], Store] | None = None) -> threading.Thread:
    """Load every rated scheme's champion once per process, in the background, when the
    app first runs: a change re-rated from a page then pays for the rating only, not
    for reading the models from MLflow (2 s on the demo city, 2 cores). Pages that
    need a model before it is loaded load it themselves (the loader's cache is shared).
    With ``_store`` (what opens the process's store: :func:`store`), where its subjects'
    records lie is read too; a store that cannot be opened is for the page to report.
    """

    def load() -> None:
        # the page that needs a model says what is wrong, not a background thread
        models: dict = {}
        with contextlib.suppress(Exception):
            models, _ = champions(mlflow_home(), rated())
        for model in models.values():  # each model's explanation built once
            with contextlib.suppress(Exception):
                model.pipeline.prepare()
        # a sorted store's directory of the records (read once per process, then carried
        # across writes): 0.36 s of the first objection resolved at the city, 0.57 s of it
        if _store is not None:
            with contextlib.suppress(Exception):
                _store().row_directory("records")
        # the first message with an icon (a change's outcome) imports Streamlit's emoji
        # table and compiles its pattern: 0.65 s of the first objection resolved
        with contextlib.suppress(Exception):
            import streamlit.emojis  # noqa: F401

    thread = threading.Thread(target=load, name="xinping-warm-models", daemon=True)
    thread.start()
    return thread


def casework_settings() -> tuple[Path, BuildConfig, RatingPolicies]:
    """What every re-rating after a change takes (:meth:`app.settings.Settings.casework`)."""
    return settings().casework()


def current_user() -> User | None:
    """The signed-in user of this session, or ``None``."""
    data = st.session_state.get("user")
    return User(**data) if data else None


def client_address() -> str | None:
    """The address of this session's browser as Streamlit sees it (``None`` on localhost)."""
    try:
        address = st.context.ip_address
    except Exception:  # no script run context (e.g. a callback outside a run)
        return None
    return address if isinstance(address, str) and address else None  # (AppTest: a mock)


def browser_cookie(name: str) -> str | None:
    """A cookie the browser sent when this session connected (``None`` if absent)."""
    value = st.context.cookies.get(name)
    return value if isinstance(value, str) and value else None  # (AppTest gives a mock)


def _secret() -> bytes:
    return secret_key(settings().store.path)


def sign_in(username: str, password: str) -> SigninOutcome:
    """Check the credentials, throttled (:func:`app.auth.attempt_sign_in`); on success
    remember the user in the session and open a signed session that survives a
    refresh. Every attempt is audit-logged (never the password).
    """
    cfg, now, client = settings().app, dt.datetime.now(), client_address()
    typed = User(username.strip()[:64] or "-", "unknown", "")
    where = {"client": client} if client else {}
    outcome = attempt_sign_in(store(), username, password, client, cfg.signin.policy(), now)
    if outcome.result in ("locked", "wait"):
        audit(
            typed,
            "login_refused",
            None,
            {"reason": outcome.result, "until": outcome.until, **where},
        )
        return outcome
    if outcome.user is None:
        audit(typed, "login_failed", None, {"failures": outcome.failures, **where})
        if outcome.locked_until is not None:
            audit(typed, "login_locked", None, {"until": outcome.locked_until, **where})
        return outcome
    token, claims = sessions.issue(store(), outcome.user, _secret(), cfg.session_hours, now)
    _remember(outcome.user, token, claims)
    audit(outcome.user, "login", None, {"session": claims.session_id, **where})
    return outcome


def _remember(user: User, token: str, claims: sessions.Claims) -> None:
    st.session_state["user"] = asdict(user)
    st.session_state["_session"] = asdict(claims)
    st.session_state["_cookie"] = ("set", token, claims.expires_at.isoformat())


def _forget() -> None:
    st.session_state.pop("user", None)
    st.session_state.pop("_session", None)
    st.session_state["_cookie"] = ("clear",)  # the browser drops it on the next run


def sign_out() -> None:
    """End the session: revoke its token, forget the user, clear the browser's cookie."""
    user, claims = current_user(), st.session_state.get("_session")
    if claims:
        sessions.revoke(store(), sessions.Claims(**claims), dt.datetime.now())
    if user is not None:
        audit(user, "logout", None, {"session": claims["session_id"]} if claims else {})
    _forget()


def resume_session() -> None:
    """Sign in again from the browser's session cookie after a refresh (once per session).

    A valid token restores the user (audit ``login_resumed``); any other token is
    refused (audit ``session_refused`` with the reason, never the token) and its
    cookie cleared. Does nothing when a user is signed in or there is no cookie.
    """
    if current_user() is not None or st.session_state.get("_resume_tried"):
        return
    st.session_state["_resume_tried"] = True
    token = browser_cookie(sessions.COOKIE)
    if not token:
        return
    user, claims, reason = sessions.resume(store(), token, _secret(), dt.datetime.now())
    client = client_address()
    where = {"client": client} if client else {}
    if user is None:
        who = User(claims.username, claims.role, "") if claims else User("-", "unknown", "")
        audit(who, "session_refused", None, {"reason": reason, **where})
        _forget()
        st.session_state["_session_note"] = reason
        return
    st.session_state["user"] = asdict(user)
    st.session_state["_session"] = asdict(claims)
    audit(user, "login_resumed", None, {"session": claims.session_id, **where})


def check_session() -> None:
    """End this session when its server-side session ended: revoked elsewhere, expired,
    or the account removed or given another role since sign-in (audit ``session_ended``)."""
    claims = st.session_state.get("_session")
    if not claims or current_user() is None:
        return
    claims = sessions.Claims(**claims)
    user, reason = sessions.check(store(), claims, dt.datetime.now())
    if user is None:
        audit(User(claims.username, claims.role, ""), "session_ended", None, {"reason": reason})
        _forget()
        st.session_state["_session_note"] = reason


def cookie_html() -> str | None:
    """The script that sets or clears the session cookie in the browser, if one is due.

    Streamlit cannot set a cookie from the server during a session, so a small script
    in the page does (``st.html``; not iframed, so it writes the app's own cookie):
    ``SameSite=Strict``, ``Secure`` over HTTPS, expiring with the session.
    """
    due = st.session_state.get("_cookie")
    if not due:
        return None
    secure = '(location.protocol === "https:" ? "; Secure" : "")'
    if due[0] == "clear":
        value = f'"{sessions.COOKIE}=; Max-Age=0; Path=/; SameSite=Strict"'
    else:
        _, token, expires = due
        left = int((dt.datetime.fromisoformat(expires) - dt.datetime.now()).total_seconds())
        value = json.dumps(
            f"{sessions.COOKIE}={token}; Max-Age={max(left, 0)}; Path=/; SameSite=Strict"
        )
    return f"<script>document.cookie = {value} + {secure};</script>"


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
    return subject_id if sees_full_ids(user) else mask_code(subject_id)


def report_file_name(user: User, subject_id: str) -> str:
    """The download name of a subject's credit report, with the ID as ``user`` may see it
    (a masked ID's stars become ``_``, which every file system accepts)."""
    shown = show_id(user, subject_id) or subject_id
    return f"credit-report-{shown.replace('*', '_')}.html"


def mask_frame(
    user: User,
    frame: pd.DataFrame,
    columns: tuple[str, ...] = ("subject_id", "legal_rep_id", "employer_id"),
) -> pd.DataFrame:
    """A copy of ``frame`` with IDs shown as ``user`` may see them.

    For a masked role the ID ``columns`` are masked (:func:`mask_code`: an ID or a
    fragment of one, e.g. an uploaded applicant's partial ID) and every
    other text column goes through :func:`~features.records.personal.mask_text`:
    free text (an objection's reason, a department's detail) may quote an ID.
    """
    if sees_full_ids(user):
        return frame
    out = frame.copy()
    for col in out.columns:
        if col in columns:
            out[col] = out[col].map(mask_code)
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(mask_text)
    return out


def write_audit(
    to: Store, user: User, action: str, subject_id: str | None, detail: dict[str, Any]
) -> None:
    """Write one ``audit_log`` row to ``to`` (usable outside a script run):
    :func:`scoring.audit.write_audit`, which keeps personal IDs as keyed hashes."""
    from scoring.audit import write_audit as append_audit

    append_audit(to, user.username, user.role, action, subject_id, detail)


def audit(user: User, action: str, subject_id: str | None, detail: dict[str, Any]) -> None:
    """Write one ``audit_log`` row: who, role, what, when."""
    write_audit(store(), user, action, subject_id, detail)


def audited_report(
    user: User, subject_id: str, lang: str, *, repair_plan: Any = None, **detail: Any
) -> Callable[[], str]:
    """The credit report of ``subject_id`` for a download button, made when clicked.

    Streamlit runs the returned function on the server when the user clicks
    (outside the page's script run): it writes a ``report_download`` audit row
    with ``detail`` (e.g. the authorisation reference), then builds the report
    with the publication windows in force (:func:`scoring.report.credit_report`,
    as ``xinping report``); with ``repair_plan`` (:func:`scoring.repair_plan.guidance`) the
    report has its 信用修复指引 section.
    """
    cfg = settings()
    to, policy = store(), cfg.windows.policy()
    lists, checks = cfg.lists.config(), cfg.checks.config(policy)
    rules = cfg.rating_policies()

    def build() -> str:
        from scoring.report import credit_report

        write_audit(to, user, "report_download", subject_id, {"lang": lang, **detail})
        return credit_report(
            to,
            subject_id,
            policy,
            lang=lang,
            lists=lists,
            checks=checks,
            rules=rules,
            repair_plan=repair_plan,
        )

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
    from scoring.audit import write_audit as append_audit

    append_audit(store(), user.username, user.role, action, subject_ids, detail)


def note_change(outcome: Outcome) -> None:
    """After a change made from a page (an objection, a repair, an assessment, a
    listing): carry what the app keeps per data version across it where the change says
    enough (the data date: :func:`app.cache.carry_data_date`), so the next view does not
    read it again."""
    from app.cache import carry_data_date

    if outcome.published is not None:
        carry_data_date(store(), outcome.versions, outcome.published)


def date_limit() -> DateLimit:
    """The latest day a rating, change, assessment or draw may be dated on the store
    (settings ``[dates] latest``): the date pickers' maximum and default."""
    from app.cache import data_date

    return settings().dates.limit_on(data_date(store()))


def limit_refusal(day: dt.date, what: str) -> str | None:
    """The refusal of ``day`` when it is after :func:`date_limit` (one line, the session's
    language), else ``None``."""
    from app.i18n import lang

    try:
        date_limit().check(day, what)
    except FutureDateError as exc:
        return exc.zh if lang() == "zh" else exc.en
    return None


def after_limit(day: dt.date, what: str) -> bool:
    """Whether ``day`` is after :func:`date_limit`; if so the refusal is shown and the
    caller does nothing."""
    refusal = limit_refusal(day, what)
    if refusal is not None:
        st.error(refusal)
    return refusal is not None
