"""A scheme added from a temporary folder, with no edit to the package, through every door.

The ``tour_guide`` scheme folder (tests/app/scheme_folder.py: declaration, scale, spec,
generator) is named in a settings file; then, as a city would:

* the tiny demo city is generated with the folder registered (the folder's
  ``generator.toml`` adds 1,500 guides and their records to the built-in city);
* ``xinping ingest`` stores one more guide from a subjects file with the declared
  ``profession`` column; ``xinping features catalog`` lists the scheme; ``xinping train
  --subject tour_guide`` trains from the folder's spec and logs the folder's files;
  ``promote``, ``score`` and ``xinping report`` follow — every command a subprocess of
  the real command line with that settings file and nothing else;
* the pages: the app's router (``app/streamlit_app.py``, which activates the configured
  folders) opens the overview, which shows the scheme, and the profile of a tour guide
  with its grade, the hard override and reasons in Chinese, masked for a masked role; and
  in a real browser when Debian's Chromium is installed (``xinping app`` started by
  tests/app/app_server.py with the same settings), as the other browser tests.

At the end ``git status`` of the package is what it was: nothing in it was edited.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import serve_app
from scheme_folder import KEY, write_scheme_folder

from features import registry
from features.records.ids import mask_id
from features.store.duckdb_store import DuckDBStore

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ROUTER = ROOT / "app" / "streamlit_app.py"
CHROMIUM = Path("/usr/bin/chromium")
AS_OF = "2026-10-31"
NEW_GUIDE = "11010519491231002X"  # ingested with its profession (领队)


def _git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _clean_env(settings_file: Path, store: Path) -> dict[str, str]:
    env = {**os.environ, "XINPING_SETTINGS": str(settings_file), "XINPING_STORE": str(store)}
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "XINPING_SECRET_KEY"):
        env.pop(name, None)
    env["PYTHONPATH"] = str(ROOT)
    env["OMP_NUM_THREADS"] = "1"
    return env


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The folder, its settings, the city and every command of the walk, run once."""
    from features.records.synthetic.city import generate_city

    before = _git_status()
    top = tmp_path_factory.mktemp("journey")
    folder = write_scheme_folder(top / "schemes")
    settings_file = top / "settings.toml"
    settings_file.write_text(
        f'[store]\nmemory_limit = ""\n\n[mlflow]\nhome = "{(top / "mlruns").as_posix()}"\n\n'
        f'[schemes]\nfolders = ["{folder.as_posix()}"]\n',
        encoding="utf-8",
    )
    store = top / "city.duckdb"
    with registry.using([folder]), DuckDBStore(store, threads=2) as st:
        generate_city(st, scale="tiny", seed=5)
    env = _clean_env(settings_file, store)

    def xinping(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=top,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"xinping {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    guides = top / "guides.csv"
    guides.write_text(
        "subject_id,subject_type,name,region_code,status,established_on,profession\n"
        f"{NEW_GUIDE},导游,导游甲,530302,active,2019-05-01,tour_leader\n",
        encoding="utf-8",
    )
    out = {
        "ingest": xinping("ingest", str(guides), "--table", "subjects"),
        "catalog": xinping("features", "catalog"),
        "train": xinping("train", "--subject", KEY),
        "promote": xinping("promote", "--subject", KEY),
        "score": xinping("score", "--subject", KEY, "--as-of", AS_OF),
    }
    with DuckDBStore(store, read_only=True) as st:
        # a guide the scale's hard override put in D: the report and the profile name it
        guide = st.scalar(
            "SELECT subject_id FROM ratings WHERE scheme = ? AND final_grade = 'D' "
            "AND overrides LIKE '%serious_violations_24m%' ORDER BY subject_id LIMIT 1",
            [KEY],
        )
    report = top / "report.html"
    out["report"] = xinping("report", guide, "--scheme", KEY, "--out", str(report))
    yield {
        **out,
        "top": top,
        "folder": folder,
        "settings": settings_file,
        "store": store,
        "env": env,
        "guide": guide,
        "report_html": report.read_text(encoding="utf-8"),
        "git_before": before,
    }


def test_the_commands_take_the_scheme_from_the_folder(walk: dict) -> None:
    assert "stored 1" in walk["ingest"].stdout, walk["ingest"].stdout
    catalog = walk["catalog"].stdout
    assert f"`{KEY}` — 导游信用评价 / Tour-guide credit rating" in catalog
    assert "近24个月严重执业违规次数" in catalog
    assert f"{KEY}: scorecard → xinping-{KEY} v1 (challenger)" in walk["train"].stdout
    assert "champion" in walk["promote"].stdout
    with DuckDBStore(walk["store"], read_only=True) as st:
        attrs = st.query(
            "SELECT value_text FROM subject_attributes WHERE subject_id = ? AND name = ?",
            [NEW_GUIDE, "profession"],
        )
        rated = st.query(
            "SELECT final_grade, count(*) AS n FROM ratings WHERE scheme = ? GROUP BY 1", [KEY]
        )
    assert attrs["value_text"].tolist() == ["tour_leader"]
    assert set(rated["final_grade"]) <= {"A", "B", "C", "D"} and rated["n"].sum() == 1_501


def test_the_training_run_logs_the_folder_declaration(walk: dict) -> None:
    """The MLflow run keeps the folder's four files under declaration/ and its origin."""
    runs = list((walk["top"] / "mlruns").rglob("declaration/declaration.py"))
    assert len(runs) == 1, runs
    logged = runs[0].parent
    for name in ("declaration.py", "scale.toml", "spec.toml", "generator.toml"):
        assert (logged / name).read_bytes() == (walk["folder"] / KEY / name).read_bytes()
    meta = list((walk["top"] / "mlruns").rglob("scheme_origin"))  # a file store keeps tags
    if meta:  # the tracking store may be a database instead: read the tag through MLflow
        assert meta[0].read_text().startswith("folder ")
    else:
        import mlflow

        mlflow.set_tracking_uri(f"sqlite:///{(walk['top'] / 'mlruns' / 'mlflow.db').as_posix()}")
        try:
            found = mlflow.search_runs(experiment_names=[f"xinping-{KEY}"], output_format="list")
        finally:
            mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        origins = {r.data.tags.get("scheme_origin") for r in found}
        assert origins == {f"folder {walk['folder'] / KEY}"}, origins


def test_the_report_names_grade_and_reason_in_chinese_with_the_id_masked(walk: dict) -> None:
    page = walk["report_html"]
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "导游信用评价" in text and "失信" in text  # the scheme and grade D's label
    assert "近24个月有严重执业违规，直接列为D级（失信）" in text  # the folder's override
    assert "近24个月严重执业违规" in text
    assert walk["guide"] not in page and mask_id(walk["guide"]) in text


@pytest.fixture()
def router(walk: dict) -> Iterator:
    """The app's router in this process with the walk's settings; the registry and the
    settings of the test process are restored after."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from app.settings import settings

    previous = registry.active()
    with pytest.MonkeyPatch.context() as mp:
        for name in ("XINPING_SETTINGS", "XINPING_STORE"):
            mp.setenv(name, walk["env"][name])
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        settings.cache_clear()
        st.cache_resource.clear()
        try:
            yield lambda role: _signed_in(AppTest.from_file(str(ROUTER), default_timeout=180), role)
        finally:
            st.cache_resource.clear()
            settings.cache_clear()
            registry.activate(previous)


def _signed_in(at, role: str):
    at.session_state["lang"] = "zh"
    at.session_state["user"] = {
        "username": f"test-{role}",
        "role": role,
        "display_name": f"测试{role}",
        "region_code": None,
    }
    return at


def test_the_pages_show_the_folder_scheme(walk: dict, router) -> None:
    at = router("supervisor").run()  # signed in: the overview
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "总览"
    assert "导游信用评价" in [m.label for m in at.metric]
    guide = walk["guide"]
    at.switch_page("pages/profile_page.py").run()
    at.text_input(key="query").input(guide).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].label == "等级" and at.metric[0].value == "D"  # the final grade
    # what the page says, with markdown's escapes (``\\*`` of a masked ID) taken out
    shown = "\n".join(
        e.value for e in (*at.caption, *at.markdown, *at.warning, *at.success, *at.header)
    ).replace("\\", "")
    assert "近24个月有严重执业违规，直接列为D级（失信）" in shown  # the override
    assert "职业：导游" in shown or "职业：领队" in shown  # the declared attribute, in words
    # the reasons are the folder's indicators' sentences
    reasons = [line for line in shown.splitlines() if "▲" in line or "▼" in line]
    assert reasons, shown
    assert all(any(w in r for w in ("执业违规", "游客投诉", "年度培训")) for r in reasons), reasons
    assert guide not in shown and mask_id(guide) in shown  # a supervisor sees it masked


@pytest.mark.browser
def test_a_browser_reads_the_folder_scheme(walk: dict, tmp_path: Path) -> None:
    """``xinping app`` with the walk's settings, in Debian's headless Chromium."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk")
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
    with serve_app(walk["env"], tmp_path) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        page = browser.new_page(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
        page.set_default_timeout(60_000)
        page.goto(url)
        page.get_by_label("用户名").fill("supervisor")
        page.get_by_label("口令").fill("xinping2026")
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="总览").wait_for()
        page.get_by_text("导游信用评价").first.wait_for()
        page.get_by_test_id("stSidebar").get_by_role("link", name="主体信用画像").click()
        page.get_by_label("按名称或代码查询主体").fill(walk["guide"])
        page.keyboard.press("Enter")
        page.get_by_text("近24个月有严重执业违规，直接列为D级（失信）").first.wait_for()
        main = page.get_by_test_id("stMain").inner_text()
        assert walk["guide"] not in main and mask_id(walk["guide"]) in main
        browser.close()


def test_the_package_is_unchanged(walk: dict) -> None:
    """Nothing in the package was edited to add the scheme (run last: after every door)."""
    assert _git_status() == walk["git_before"]
