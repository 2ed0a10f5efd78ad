"""Journeys in a real browser: Playwright drives Debian's headless Chromium against
``xinping app`` started as a subprocess on the small city (the size ``make demo`` serves:
10,000 enterprises, 20,000 households), rated by champions trained in the test.

Screenshots are saved under ``test-artifacts/browser/`` (ignored by git), the
downloaded inspection list under ``test-artifacts/browser/downloads/``.
"""

from __future__ import annotations

import os
import re
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
def rated_city(small_rated_city) -> dict:
    """The small city, rated (overrides the page tests' tiny city for this module)."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk")
    return small_rated_city


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
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, locale="zh-CN",
                                  accept_downloads=True)
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
    page.get_by_test_id("stVegaLiteChart").nth(3).wait_for()  # charts arrive one by one
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
    # the bank looks a subject up only under its authorisation: no search field before it
    page.get_by_text("请先填写信息主体的授权编号").wait_for()
    assert page.get_by_label("按名称或代码查询主体").count() == 0
    auth = page.get_by_role("textbox", name="授权编号")
    auth.fill("SQ-2026-0814")
    auth.press("Enter")
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


def _first(rated_city: dict, sql: str) -> str:
    from features.store.duckdb_store import DuckDBStore

    with DuckDBStore(rated_city["path"], read_only=True) as store:
        return store.scalar(sql)


def test_supervisor_draws_an_inspection_list_and_downloads_it(page, app_url: str) -> None:
    import pandas as pd

    sign_in(page, app_url, "supervisor")
    page.get_by_test_id("stSidebar").get_by_role("link", name="分级分类监管").click()
    page.get_by_role("heading", name="信用风险分类分布").wait_for()
    page.get_by_test_id("stVegaLiteChart").first.wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()
    shot(page, "06-supervisor-classes")
    seed = page.get_by_role("spinbutton", name="随机种子")
    seed.fill("20261031")
    seed.press("Tab")
    page.get_by_role("button", name="抽取并保存名单").click()
    done = page.get_by_text(re.compile(r"抽查批次 INS-\d{8}-[0-9a-f]{8}：抽取 \d+ 户企业"))
    done.wait_for()
    drawn = int(re.search(r"抽取 (\d+) 户", done.inner_text()).group(1))
    draw_id = re.search(r"INS-\d{8}-[0-9a-f]{8}", done.inner_text()).group(0)
    assert drawn > 0
    page.get_by_role("button", name="下载名单（CSV）").wait_for()
    shot(page, "07-supervisor-inspection-draw")
    with page.expect_download() as info:
        page.get_by_role("button", name="下载名单（CSV）").click()
    target = SHOTS / "downloads" / f"{draw_id}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    info.value.save_as(target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = pd.read_csv(target, encoding="utf-8-sig", dtype=str)
    assert len(rows) == drawn
    assert set(rows["抽查批次"]) == {draw_id} and set(rows["随机种子"]) == {"20261031"}
    assert set(rows["信用风险分类"]) <= {"A", "B", "C", "D"}
    assert rows["统一社会信用代码"].str.len().eq(18).all()


def test_bank_officer_looks_up_an_sme_with_an_authorisation(page, app_url: str,
                                                            rated_city: dict) -> None:
    name = _first(rated_city, """SELECT s.name FROM subjects s JOIN ratings r USING (subject_id)
                                 WHERE r.scheme = 'sme' ORDER BY s.subject_id LIMIT 1""")
    sign_in(page, app_url, "bank")
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_role("link", name="分级分类监管").count() == 0
    sidebar.get_by_role("link", name="信易贷").click()
    page.get_by_role("heading", name="信易贷").wait_for()
    box = page.get_by_label("按企业名称或统一社会信用代码查询")
    box.fill(name)
    box.press("Enter")
    page.get_by_text("请先填写企业的授权编号").wait_for()
    assert page.get_by_role("heading", name=name).count() == 0
    auth = page.get_by_role("textbox", name="授权编号")
    auth.fill("SQ-2026-0815")
    auth.press("Enter")
    page.get_by_role("heading", name=name).wait_for()
    page.get_by_text("推高风险的主要因素").wait_for()
    page.get_by_text("建议额度（元）").wait_for()
    # the button comes after the reasons in the same rerun: wait for it, do not count early
    page.get_by_role("button", name="下载信用报告（HTML）").wait_for()
    assert page.get_by_role("button", name="下载信用报告（HTML）").count() == 1
    shot(page, "08-bank-lending")
    # applicants in bulk: a decision per row, unknown IDs said row by row
    sid = _first(rated_city, "SELECT subject_id FROM ratings WHERE scheme = 'sme' "
                             "ORDER BY subject_id LIMIT 1")
    applicants = SHOTS / "downloads" / "applicants.csv"
    applicants.parent.mkdir(parents=True, exist_ok=True)
    applicants.write_text(f"统一社会信用代码\n{sid}\n91530300NOSUCHFIRM\n", encoding="utf-8-sig")
    page.get_by_role("tab", name="批量申请").click()
    page.locator("input[type=file]").set_input_files(str(applicants))
    page.get_by_text("共 2 行：1 户给出授信建议，1 行无法评价").wait_for()
    page.get_by_role("button", name="下载结果（CSV）").wait_for()
    shot(page, "09-bank-applicants")


def test_rural_officer_opens_a_village(page, app_url: str) -> None:
    sign_in(page, app_url, "rural")
    page.get_by_test_id("stSidebar").get_by_role("link", name="农村信用").click()
    page.get_by_role("heading", name="乡镇").wait_for()
    page.get_by_label("选择行政村").click()
    options = page.get_by_role("option")
    options.first.wait_for()
    chosen = options.nth(min(1, options.count() - 1))
    label = chosen.inner_text().split(" · ")[0].strip()
    chosen.click()
    page.get_by_text(re.compile(f"{re.escape(label)}：(已评为|未评为)信用村")).wait_for()
    page.get_by_text("评定条件").first.wait_for()
    page.get_by_text("本村农户").wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()
    shot(page, "10-rural-village")
