"""The 信用公示 page signed out in a real browser: from the sidebar link, the disclosures and
the black list as a citizen sees them (Chinese, masked), and a screenshot for the eye.

Playwright drives Debian's headless Chromium against ``xinping app`` on the public city
(tests/public_city.py). One short journey; the page's rules are proven in process
(tests/app/test_public_page.py) and below app/ (tests/scoring/test_disclosure.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import serve_app
from public_city import FIRM_NAME, PERSON, PERSON_NAME, build_public_city

from features.store.duckdb_store import DuckDBStore

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
LISTS = (
    "[lists]\nrules = [\n"
    ' { id = "black-serious-list", list = "black", label_zh = "严重违法失信名单",'
    ' kinds = ["serious_violation_list"] },\n'
    ' { id = "red-red-list", list = "red", label_zh = "红名单记录", kinds = ["red_list"] },\n'
    "]\n"
)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk")
    pytest.importorskip("playwright.sync_api")
    folder = tmp_path_factory.mktemp("browser-public")
    path = folder / "public.duckdb"
    with DuckDBStore(path) as store:
        build_public_city(store)
    overlay = folder / "settings.toml"
    overlay.write_text('[store]\nmemory_limit = ""\n\n' + LISTS, encoding="utf-8")
    env = {**os.environ, "XINPING_SETTINGS": str(overlay), "XINPING_STORE": str(path)}
    env.pop("XINPING_SECRET_KEY", None)
    with serve_app(env, folder) as url:
        yield url


def test_a_signed_out_citizen_reads_the_public_page(app_url: str, tmp_path_factory) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("XINPING_SCREENSHOTS", tmp_path_factory.mktemp("shots")))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page.set_default_timeout(60_000)
        page.goto(app_url)
        page.get_by_label("用户名").wait_for()  # signed out: the sign-in page …
        page.get_by_test_id("stSidebar").get_by_role("link", name="信用公示").click()
        page.get_by_role("heading", name="信用公示").wait_for()  # … and the public page
        # the grid draws on a canvas; its cells are kept in the page for screen readers
        page.get_by_text("曲靖甲建材有限公司").first.wait_for(state="attached")
        page.screenshot(path=str(shots / "public_search.png"), full_page=True)
        html = page.content()
        assert "无权访问" not in html and "张**" in html
        assert PERSON not in html and PERSON_NAME not in html
        page.get_by_role("tab", name="黑名单").click()
        page.get_by_text("曲靖乙物流有限公司").first.wait_for(state="attached")
        page.screenshot(path=str(shots / "public_black.png"), full_page=True)
        page.get_by_role("tab", name="本主体查询与异议").click()
        page.get_by_label("名称或姓名").fill(FIRM_NAME)
        page.screenshot(path=str(shots / "public_self.png"), full_page=True)
        # the main area has no English word (the sidebar's language switch says English)
        main = page.get_by_test_id("stMain").inner_text()
        assert not re.findall(r"[A-Za-z]{3,}", main), main
        browser.close()
