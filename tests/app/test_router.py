"""The router: signed out only the login page; signed in, the role's pages in the menu."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from app.settings import settings

ROUTER = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"


def _app() -> AppTest:
    return AppTest.from_file(str(ROUTER), default_timeout=120)


def test_signed_out_shows_the_login_form(app_env: dict) -> None:
    at = _app().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_input(key="username") is not None
    assert any("演示账号" in c.value for c in at.caption)


def test_wrong_password_is_refused_and_a_right_one_signs_in(app_env: dict, query) -> None:
    at = _app().run()
    at.text_input(key="username").input("modeller")
    at.text_input(key="password").input("wrong")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["用户名或口令错误。"]
    assert "user" not in at.session_state
    failed = query("SELECT * FROM audit_log WHERE action = 'login_failed'")
    assert list(failed["user_name"]) == ["modeller"] and "wrong" not in failed.to_string()
    at.text_input(key="username").input("modeller")
    at.text_input(key="password").input(settings().app.demo_password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["user"]["role"] == "modeller"
    logins = query("SELECT * FROM audit_log WHERE action = 'login'")
    assert list(logins["user_name"]) == ["modeller"] and list(logins["role"]) == ["modeller"]
    stored = query("SELECT password_hash FROM users WHERE username = 'modeller'")
    assert settings().app.demo_password not in stored["password_hash"].iloc[0]
