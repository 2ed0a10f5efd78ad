"""The app and the commands on one platform at once (DESIGN.md §10, "Many users, one platform").

``xinping app`` serves a signed-in supervisor in a real headless Chromium while
``xinping score``, ``xinping ingest``, ``xinping train`` and ``xinping objection list``
run on the same store as separate processes. No command fails because another holds
the store, no page shows an error, and every command's output is free of tracebacks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from app_server import serve_app

from features.store.duckdb_store import DuckDBStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture()
def platform(rated_city: dict, make_settings, tmp_path: Path):
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk")
    pytest.importorskip("playwright.sync_api")
    store = tmp_path / "city.duckdb"
    shutil.copy(rated_city["path"], store)
    env = {
        **os.environ,
        "XINPING_SETTINGS": str(make_settings(tmp_path, rated_city["home"])),
        "XINPING_STORE": str(store),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    with serve_app(env, tmp_path) as url:
        yield {"url": url, "env": env, "store": store, "folder": tmp_path, **rated_city}


def _renamed_subjects(store: Path, folder: Path) -> Path:
    """A department's corrections: two enterprises under new names (new rows, latest wins)."""
    with DuckDBStore(store, read_only=True) as st:
        rows = st.query(
            "SELECT * EXCLUDE (recorded_at, ingest_id) FROM subjects "
            "WHERE subject_type = 'enterprise' ORDER BY subject_id, recorded_at DESC LIMIT 2"
        )
    rows["name"] = ["共享平台更正甲公司", "共享平台更正乙公司"]
    path = folder / "subjects-corrected.csv"
    rows.to_csv(path, index=False)
    return path


def test_the_app_serves_while_score_ingest_and_train_run(platform: dict) -> None:
    from playwright.sync_api import sync_playwright

    with DuckDBStore(platform["store"], read_only=True) as st:
        version_before = st.data_version()
    corrections = _renamed_subjects(platform["store"], platform["folder"])
    commands = {
        "score": ["score", "--subject", "driver", "--as-of", str(platform["previous"])],
        "ingest": ["ingest", str(corrections), "--table", "subjects"],
        "train": ["train", "--subject", "driver"],
        "objection list": ["objection", "list"],
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1440, "height": 1200}, locale="zh-CN")
        page.set_default_timeout(120_000)
        page.goto(platform["url"])
        page.get_by_label("用户名").fill("supervisor")
        page.get_by_label("口令").fill("xinping2026")
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="总览").wait_for()

        procs = {
            name: subprocess.Popen(
                [sys.executable, "-m", "app.cli", *args],
                cwd=ROOT,
                env=platform["env"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, args in commands.items()
        }
        views = 0
        while any(p.poll() is None for p in procs.values()) or views < 2:
            for path, heading in (("supervision", "分级分类监管"), ("overview", "总览")):
                page.goto(f"{platform['url']}/{path}")
                page.get_by_role("heading", name=heading).wait_for()
                page.wait_for_load_state("networkidle")
                text = page.inner_text("body")
                assert "Traceback" not in text and "Error" not in text, text[:500]
                assert page.locator('[data-testid="stException"]').count() == 0
                views += 1
        outputs = {name: p.communicate(timeout=600) for name, p in procs.items()}
        browser.close()

    for name, (out, err) in outputs.items():
        assert procs[name].returncode == 0, f"{name}: {out}\n{err}"
        assert "Traceback" not in out + err and "lock" not in err.lower(), f"{name}: {err}"
    with DuckDBStore(platform["store"], read_only=True) as st:
        names = st.query("SELECT name FROM subjects WHERE name LIKE '共享平台更正%' ORDER BY name")[
            "name"
        ].tolist()
        assert names == ["共享平台更正乙公司", "共享平台更正甲公司"]
        assert st.data_version() != version_before  # the app's caches see a new version
    assert views >= 2
