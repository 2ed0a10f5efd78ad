"""模型管理 in headless Chromium: how long a scheme switch takes, cold and warm.

Starts ``xinping app`` (tests/app/app_server.py) on the store and MLflow home of the
settings in force (the demo city by default), signs in as the demo modeller, opens
模型管理 and picks each modelled scheme in turn, twice: the first round is cold (a fresh
server), the second warm. A switch is timed from the choice in the select box to the
moment Streamlit's "running" indicator is gone and no element of the previous view is left
(stale) for 300 ms (these 300 ms are subtracted from the time reported).
Screenshots go to ``test-artifacts/models-page/``.

Run from the project root::

    .venv/bin/python bench/models_page.py [--lang zh|en]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "app"))

from app_server import serve_app  # noqa: E402

from features.schemes import MODELLED, SCHEMES  # noqa: E402

SHOTS = ROOT / "test-artifacts" / "models-page"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


DONE = """() => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !document.querySelector('[data-testid="stStatusWidgetRunningManIcon"]')
    && !document.querySelector('[data-stale="true"]')"""


def settle(page, quiet_ms: int = 300) -> None:
    """Wait until the app has finished its run: no running indicator and no stale element
    (Streamlit keeps the previous run's elements, marked stale, until they are redrawn)
    for ``quiet_ms`` in a row."""
    busy = DONE.replace("() => !", "() => !!").replace("&& !", "|| !!")
    from playwright.sync_api import TimeoutError as NotSeen

    # the run has begun once something is stale or the running icon shows
    with contextlib.suppress(NotSeen):  # a run too short to be seen
        page.wait_for_function(busy, polling=20, timeout=3000)
    while True:
        page.wait_for_function(DONE, polling=50)
        page.wait_for_timeout(quiet_ms)
        if page.evaluate(DONE):
            return


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="modeller")
    parser.add_argument("--password", default="xinping2026")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with (
        serve_app(env, SHOTS) as url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 2000}, locale="zh-CN")
        page.set_default_timeout(180_000)
        page.goto(url)
        page.get_by_label("用户名").fill(args.user)
        page.get_by_label("口令").fill(args.password)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="总览").wait_for()
        settle(page)
        started = time.perf_counter()
        page.get_by_test_id("stSidebar").get_by_role("link", name="模型管理").click()
        page.get_by_role("heading", name="模型管理").wait_for()
        settle(page)
        print(f"open 模型管理: {time.perf_counter() - started - 0.3:.2f} s", flush=True)
        page.screenshot(path=str(SHOTS / "open.png"), full_page=True)
        box = page.get_by_test_id("stSelectbox").first
        for round_ in range(args.rounds):
            for scheme in [*MODELLED[1:], MODELLED[0]]:
                box.click()
                option = page.get_by_role("option", name=SCHEMES[scheme].label_zh, exact=True)
                started = time.perf_counter()
                option.click()
                settle(page)
                took = time.perf_counter() - started - 0.3  # the quiet period
                print(f"round {round_ + 1} switch to {scheme}: {took:.2f} s", flush=True)
                page.screenshot(path=str(SHOTS / f"round{round_ + 1}-{scheme}.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
