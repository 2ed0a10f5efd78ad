"""The sign-in page with ``AppTest``: throttling and the lock as a user sees them, the
audit trail of every attempt, the demo password only in demo mode, sign-out.

Runs on an empty store of its own (the page needs no ratings), with settings
overlays for demo mode on and off and a fast throttle (no waiting between
failures) so the lock is reached in a few attempts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.auth import add_user
from features.store.duckdb_store import DuckDBStore

ROUTER = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"
LOGIN = Path(__file__).resolve().parents[2] / "app" / "pages" / "login_page.py"
DEMO_PASSWORD = "demo-pw-2026"


def _env(folder: Path, demo: bool, delay: float = 0) -> dict:
    overlay = folder / "settings.toml"
    overlay.write_text(
        '[store]\nmemory_limit = ""\n\n'
        f"[app]\nseed_demo_users = {'true' if demo else 'false'}\n"
        f'demo_password = "{DEMO_PASSWORD}"\n\n'
        "[app.signin]\nmax_failures = 3\nwindow_minutes = 15\nlock_minutes = 15\n"
        f"delay_seconds = {delay}\nclient_max_failures = 0\n",
        encoding="utf-8",
    )
    return {"XINPING_SETTINGS": str(overlay), "XINPING_STORE": str(folder / "app.duckdb")}


@pytest.fixture()
def signin_env(tmp_path: Path, request) -> Iterator[dict]:
    """Settings and an empty store for one test (``demo`` mode by the test's param)."""
    import streamlit as st

    from app.settings import settings

    demo, delay = getattr(request, "param", (True, 0))
    env = _env(tmp_path, demo, delay)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        mp.delenv("XINPING_SECRET_KEY", raising=False)
        settings.cache_clear()
        st.cache_resource.clear()
        yield {"store": Path(env["XINPING_STORE"])}
        st.cache_resource.clear()
        settings.cache_clear()


def _query(env: dict, sql: str):
    # the app's store is held open by the cached resource; read through it
    from app.state import store

    del env
    return store().query(sql)


def _attempt(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_three_failures_lock_the_name_even_for_the_right_password(signin_env: dict) -> None:
    at = AppTest.from_file(str(ROUTER), default_timeout=60).run()
    for _ in range(2):
        assert [e.value for e in _attempt(at, "bank", "wrong").error] == ["用户名或口令错误。"]
    third = [e.value for e in _attempt(at, "bank", "wrong").error]
    assert len(third) == 1 and third[0].startswith("该用户名登录失败次数过多，已暂停登录至 ")
    locked = [e.value for e in _attempt(at, "bank", DEMO_PASSWORD).error]
    assert locked[0].startswith("该用户名登录失败次数过多") and "user" not in at.session_state
    # a name without an account is locked the same way: the page does not tell them apart
    for _ in range(3):
        _attempt(at, "no-such-user", "wrong")
    assert at.error[0].value.startswith("该用户名登录失败次数过多")
    # another name is not locked by it
    _attempt(at, "supervisor", DEMO_PASSWORD)
    assert at.session_state["user"]["username"] == "supervisor"
    log = _query(signin_env, "SELECT user_name, action, detail FROM audit_log ORDER BY logged_at")
    counts = log.groupby(["user_name", "action"]).size().to_dict()
    assert counts[("bank", "login_failed")] == 3
    assert counts[("bank", "login_locked")] == 1
    assert counts[("bank", "login_refused")] == 1
    assert counts[("no-such-user", "login_locked")] == 1
    assert counts[("supervisor", "login")] == 1
    assert not log.to_string().count("wrong") and DEMO_PASSWORD not in log.to_string()


@pytest.mark.parametrize("signin_env", [(True, 30)], indirect=True)
def test_an_attempt_right_after_a_second_failure_waits(signin_env: dict) -> None:
    at = AppTest.from_file(str(ROUTER), default_timeout=60).run()
    _attempt(at, "bank", "wrong")
    _attempt(at, "bank", "wrong")
    errors = [e.value for e in _attempt(at, "bank", DEMO_PASSWORD).error]
    assert len(errors) == 1 and errors[0].startswith("登录尝试过于频繁，请于 ")
    assert "user" not in at.session_state


@pytest.mark.parametrize(
    ("signin_env", "lang", "shown"),
    [
        ((True, 0), "zh", True),
        ((False, 0), "zh", False),
        ((True, 0), "en", True),
        ((False, 0), "en", False),
    ],
    indirect=["signin_env"],
)
def test_the_demo_password_shows_only_in_demo_mode(
    signin_env: dict, lang: str, shown: bool
) -> None:
    at = AppTest.from_file(str(LOGIN), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    text = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert (DEMO_PASSWORD in text) is shown
    assert ("演示账号" in text or "Demo accounts" in text) is shown
    if shown:
        assert ("演示账号" if lang == "zh" else "Demo accounts") in text


def test_no_demo_password_where_real_accounts_replace_the_demo_ones(signin_env: dict) -> None:
    # demo mode on in settings, but the store holds a real account: nothing was seeded
    with DuckDBStore(str(signin_env["store"])) as store:
        add_user(store, "wang", "supervisor", "王", "a-real-password")
    at = AppTest.from_file(str(LOGIN), default_timeout=60).run()
    assert not at.exception
    assert all(DEMO_PASSWORD not in c.value for c in at.caption)


def test_sign_out_revokes_the_session(signin_env: dict) -> None:
    at = AppTest.from_file(str(ROUTER), default_timeout=60).run()
    _attempt(at, "modeller", DEMO_PASSWORD)
    sid = at.session_state["_session"]["session_id"]
    assert at.session_state["_cookie"][0] == "set"
    at.sidebar.button(key="sidebar_logout").click().run()
    assert not at.exception and "user" not in at.session_state
    assert at.session_state["_cookie"] == ("clear",)
    rows = _query(signin_env, f"SELECT event FROM sessions WHERE session_id = '{sid}'")
    assert sorted(rows["event"]) == ["issued", "revoked"]
    actions = list(_query(signin_env, "SELECT action FROM audit_log ORDER BY logged_at")["action"])
    assert actions == ["login", "logout"]


# -- a refresh: a new Streamlit session that brings the cookie ------------------------


def _refresh(monkeypatch, token: str | None) -> AppTest:
    """A new session of the router (what a browser refresh starts) sending ``token``."""
    import app.state

    monkeypatch.setattr(app.state, "browser_cookie", lambda name: token)
    at = AppTest.from_file(str(ROUTER), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _actions(env: dict) -> list[str]:
    return list(_query(env, "SELECT action FROM audit_log ORDER BY logged_at")["action"])


def test_a_refresh_keeps_the_session_until_sign_out(signin_env: dict, monkeypatch) -> None:
    first = AppTest.from_file(str(ROUTER), default_timeout=60).run()
    _attempt(first, "bank", DEMO_PASSWORD)
    token = first.session_state["_cookie"][1]
    again = _refresh(monkeypatch, token)
    assert again.session_state["user"]["username"] == "bank"
    assert _actions(signin_env) == ["login", "login_resumed"]
    again.sidebar.button(key="sidebar_logout").click().run()
    assert "user" not in again.session_state
    # the same token after sign-out: refused, the cookie cleared, the reason said
    after = _refresh(monkeypatch, token)
    assert "user" not in after.session_state and after.session_state["_cookie"] == ("clear",)
    assert [i.value for i in after.info] == ["您已退出登录，请重新登录。"]
    assert _actions(signin_env)[-2:] == ["logout", "session_refused"]
    log = _query(signin_env, "SELECT * FROM audit_log").to_json(
        force_ascii=False, date_format="iso"
    )
    assert token not in log and token.rsplit(".", 1)[1] not in log  # nor its signature
    assert "MagicMock" not in log  # AppTest's stand-in for the client address is not one


def test_an_expired_or_forged_token_signs_nobody_in(signin_env: dict, monkeypatch) -> None:
    import datetime as dt

    from app import sessions
    from app.auth import find_user
    from app.settings import secret_key, settings
    from app.state import store

    key = secret_key(settings().store.path)
    user = find_user(store(), "rural")
    old, _ = sessions.issue(store(), user, key, 8, dt.datetime.now() - dt.timedelta(hours=9))
    at = _refresh(monkeypatch, old)
    assert "user" not in at.session_state
    assert [i.value for i in at.info] == ["登录已超时，请重新登录。"]
    forged, _ = sessions.issue(store(), user, b"not-the-key" * 4, 8, dt.datetime.now())
    assert "user" not in _refresh(monkeypatch, forged).session_state
    reasons = _query(signin_env, "SELECT detail FROM audit_log WHERE action = 'session_refused'")
    assert [r.split('"reason": "')[1][:7] for r in reasons["detail"]] == ["expired", "bad_tok"]


def test_a_role_change_ends_a_running_session(signin_env: dict, monkeypatch) -> None:
    from app.state import store

    at = AppTest.from_file(str(ROUTER), default_timeout=60).run()
    _attempt(at, "supervisor", DEMO_PASSWORD)
    token = at.session_state["_cookie"][1]
    store().execute("UPDATE users SET role = 'bank' WHERE username = 'supervisor'")
    at.run()
    assert not at.exception and "user" not in at.session_state
    assert [i.value for i in at.info] == ["账号或角色已变更，请重新登录。"]
    assert "user" not in _refresh(monkeypatch, token).session_state
    assert _actions(signin_env)[-2:] == ["session_ended", "session_refused"]
