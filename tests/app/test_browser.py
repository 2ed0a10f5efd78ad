"""Journeys in a real browser: Playwright drives Debian's headless Chromium against
``xinping app`` started as a subprocess on the tiny rated city.

Screenshots are saved under ``test-artifacts/browser/`` (ignored by git). The
inspection, 信易贷 and rural journeys come with their pages.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "xinping2026"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(rated_city: dict, make_settings, tmp_path_factory) -> Iterator[str]:
    """``xinping app`` on a free port, on its own copy of the city."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk")
    pytest.importorskip("playwright.sync_api")
    folder = tmp_path_factory.mktemp("browser-city")
    store = folder / "city.duckdb"
    shutil.copy(rated_city["path"], store)
    env = {**os.environ, "XINPING_SETTINGS": str(make_settings(folder, rated_city["home"])),
           "XINPING_STORE": str(store), "PYTHONPATH": str(ROOT)}
    env.pop("MLFLOW_TRACKING_URI", None)
    port = _free_port()
    log = (folder / "app.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "app", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("xinping app did not start: "
                                   + (folder / "app.log").read_text(errors="replace"))
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the app and its streamlit child, nothing else
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def browser(app_url: str):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    yield tab
    context.close()


def sign_in(page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("口令").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="总览").wait_for()


def shot(page, name: str) -> None:
    page.wait_for_timeout(800)  # let Vega finish drawing
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_supervisor_signs_in_and_sees_the_grade_charts(page, app_url: str) -> None:
    sign_in(page, app_url, "supervisor")
    page.get_by_test_id("stVegaLiteChart").first.wait_for()
    assert page.get_by_test_id("stVegaLiteChart").count() >= 4
    page.get_by_text("较上期变动").wait_for()
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_role("link", name="主体信用画像").count() == 1
    assert sidebar.get_by_role("link", name="模型管理").count() == 0
    shot(page, "01-supervisor-overview")
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Overview").wait_for()
    shot(page, "02-supervisor-overview-en")


def test_bank_officer_opens_a_subject_profile_with_reasons(page, app_url: str,
                                                           rated_city: dict) -> None:
    from features.store.duckdb_store import DuckDBStore

    with DuckDBStore(rated_city["path"], read_only=True) as store:
        name = store.scalar("""SELECT s.name FROM subjects s JOIN ratings r USING (subject_id)
                               WHERE r.scheme = 'enterprise' ORDER BY s.subject_id LIMIT 1""")
    sign_in(page, app_url, "bank")
    page.get_by_test_id("stSidebar").get_by_role("link", name="主体信用画像").click()
    box = page.get_by_label("按名称或代码查询主体")
    box.fill(name)
    box.press("Enter")
    page.get_by_role("heading", name=name).wait_for()
    page.get_by_text("推高风险的主要因素").wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()
    assert page.get_by_test_id("stMetric").count() >= 4
    shot(page, "03-bank-subject-profile")


def test_a_page_opened_by_url_without_the_role_is_refused(page, app_url: str) -> None:
    page.goto(f"{app_url}/models")
    page.get_by_text("无权访问：请先登录。").wait_for()
    assert page.get_by_role("heading", name="模型管理").count() == 0
    shot(page, "04-models-refused-signed-out")
    sign_in(page, app_url, "bank")
    assert page.get_by_test_id("stSidebar").get_by_role("link", name="模型管理").count() == 0


def test_modeller_sees_the_model_registry(page, app_url: str) -> None:
    sign_in(page, app_url, "modeller")
    page.get_by_test_id("stSidebar").get_by_role("link", name="模型管理").click()
    page.get_by_role("heading", name="冠军与挑战者模型对比").wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()
    shot(page, "05-modeller-models")
