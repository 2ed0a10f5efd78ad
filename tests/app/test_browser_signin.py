"""A signed session in a real browser: signed in, a reload keeps the user; signed out, a
reload does not; an expired token signs nobody in.

Playwright drives Debian's headless Chromium against ``xinping app`` on an empty store of
its own (the sign-in needs no ratings: the overview says so), with a known signing key
so the test can make an expired token. The cookie is set by the page's script
(:func:`app.state.cookie_html`), so this is the test that proves the browser keeps it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import serve_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-demo-pw"
KEY = "browser-test-key-" + "k" * 32


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    """``xinping app`` on a free port and an empty store, demo accounts on."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk")
    pytest.importorskip("playwright.sync_api")
    folder = tmp_path_factory.mktemp("browser-signin")
    overlay = folder / "settings.toml"
    overlay.write_text(
        f'[store]\nmemory_limit = ""\n\n[app]\ndemo_password = "{PASSWORD}"\nsession_hours = 8\n',
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "XINPING_SETTINGS": str(overlay),
        "XINPING_STORE": str(folder / "app.duckdb"),
        "XINPING_SECRET_KEY": KEY,
        "PYTHONPATH": str(ROOT),
    }
    with serve_app(env, folder) as url:
        yield url


@pytest.fixture(scope="module")
def browser(app_url: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield ctx
    ctx.close()


def _signed_in(page) -> None:
    page.get_by_role("heading", name="总览").wait_for()
    page.get_by_text("当前用户：").wait_for()
    assert page.get_by_text("无权访问").count() == 0


def _cookie(context) -> str | None:
    found = [c for c in context.cookies() if c["name"] == "xinping_session"]
    return found[0]["value"] if found else None


def test_a_reload_keeps_the_session_and_sign_out_ends_it(context, app_url: str) -> None:
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    page.get_by_label("用户名").fill("supervisor")
    page.get_by_label("口令").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    _signed_in(page)
    page.wait_for_function("document.cookie.includes('xinping_session=')")
    cookie = next(c for c in context.cookies() if c["name"] == "xinping_session")
    assert cookie["sameSite"] == "Strict" and PASSWORD not in cookie["value"]
    assert cookie["expires"] > time.time() + 7.9 * 3600  # lasts the session's 8 hours
    page.reload()
    _signed_in(page)  # a refresh: still signed in
    page.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
    page.get_by_label("用户名").wait_for()
    page.wait_for_function("!document.cookie.includes('xinping_session=')")
    page.reload()
    page.get_by_label("用户名").wait_for()  # signed out stays signed out
    assert page.get_by_text("当前用户：").count() == 0
    page.goto(f"{app_url}/overview")
    page.get_by_text("无权访问：请先登录。").wait_for()


def test_a_revoked_token_put_back_signs_nobody_in(context, app_url: str) -> None:
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    page.get_by_label("用户名").fill("bank")
    page.get_by_label("口令").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    _signed_in(page)
    page.wait_for_function("document.cookie.includes('xinping_session=')")
    token = _cookie(context)
    page.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
    page.get_by_label("用户名").wait_for()
    # someone kept a copy of the cookie: after sign-out it is worth nothing
    context.add_cookies([{"name": "xinping_session", "value": token, "url": app_url}])
    page.goto(f"{app_url}/overview")
    page.get_by_text("您已退出登录，请重新登录。").wait_for()
    assert page.get_by_text("当前用户：").count() == 0


def test_an_expired_token_signs_nobody_in(context, app_url: str) -> None:
    from app import sessions
    from app.auth import User
    from features.store.duckdb_store import DuckDBStore

    # a well-signed token (the app's key) whose time is up
    with DuckDBStore(":memory:") as scratch:
        token, _ = sessions.issue(
            scratch,
            User("admin", "admin", "信用办 赵管理"),
            KEY.encode(),
            8,
            dt.datetime.now() - dt.timedelta(hours=9),
        )
    context.add_cookies([{"name": "xinping_session", "value": token, "url": app_url}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/overview")
    page.get_by_text("登录已超时，请重新登录。").wait_for()
    page.get_by_label("用户名").wait_for()
    assert page.get_by_text("当前用户：").count() == 0
    page.wait_for_function("!document.cookie.includes('xinping_session=')")
