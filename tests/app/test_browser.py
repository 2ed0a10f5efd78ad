"""Journeys in a real browser: Playwright drives Debian's headless Chromium against
``xinping app`` started as a subprocess on the small city (the size ``make demo`` serves:
10,000 enterprises, 20,000 households), rated by champions trained in the test.

The walk (:func:`test_every_page_reads_as_chinese_for`) signs in as every role, opens
every page of its menu at 1440 px, saves a screenshot and reads the page as a person
does: its text, the visible cells of every table (the grid draws on a canvas; its
accessibility table in the DOM holds the cells on screen, read across by scrolling) and
the charts' SVG text — and fails on English words, ``None``/``NaN``, midnight
timestamps, raw codes (:mod:`page_text`) and on a key column (name, ID, grade or class,
reasons) that is off-screen at 1440 px. The admin also walks every page in English.

Screenshots are saved under ``test-artifacts/browser/`` (ignored by git), the
downloaded inspection list under ``test-artifacts/browser/downloads/``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import serve_app
from page_text import CODE_HEADERS, FREE_HEADERS, REASON_HEADERS, Text, check

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "browser"
#: the walks' full-page screenshots, for a person to look at (``make test``); a CI clone
#: throws them away and sets ``XINPING_TEST_SHOTS=0`` (.ci/run): each costs a re-layout
#: at the page's height, a wait for its charts and the picture (~2-3 s a page)
FULL_SHOTS = os.environ.get("XINPING_TEST_SHOTS", "1") != "0"
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
PASSWORD = "xinping2026"


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
    env = {
        **os.environ,
        "XINPING_SETTINGS": str(make_settings(folder, rated_city["home"])),
        "XINPING_STORE": str(store),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    with serve_app(env, folder) as url:
        yield url


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
    context = browser.new_context(
        viewport={"width": 1440, "height": 1800}, locale="zh-CN", accept_downloads=True
    )
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


def test_bank_officer_opens_a_subject_profile_with_reasons(
    page, app_url: str, rated_city: dict
) -> None:
    from features.store.duckdb_store import DuckDBStore

    with DuckDBStore(rated_city["path"], read_only=True) as store:
        # a listed firm when the city has one: its 名单 section has a trail to read
        name = store.scalar("""SELECT s.name FROM subjects s JOIN ratings r USING (subject_id)
                               WHERE r.scheme = 'enterprise'
                               ORDER BY s.subject_id NOT IN (SELECT subject_id FROM list_events),
                                        s.subject_id LIMIT 1""")
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
    lists = page.get_by_role("heading", name="名单与联合奖惩")
    lists.wait_for()
    page.get_by_text("名单变更记录").wait_for()
    lists.evaluate("e => e.scrollIntoView({block: 'start'})")  # the shot shows the 名单 section
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


def test_steward_reads_the_departments_data_quality_in_chinese(
    page, app_url: str, rated_city: dict
) -> None:
    """数据质量 → 部门数据质量 (issue 19): the ranking, trend and reasons of a month and of an
    assessment year read as Chinese (department names, not keys; no None)."""
    sign_in(page, app_url, "admin")
    page.get_by_test_id("stSidebar").get_by_role("link", name="数据质量").click()
    _idle(page)
    page.get_by_role("tab", name="部门数据质量").click()
    page.get_by_text("部门数据质量评分与排名").wait_for()
    _idle(page)
    found: list[str] = []
    for mode in ("按月", "按年度（考核）"):
        page.get_by_text(mode, exact=True).click()
        _idle(page)
        page.get_by_text("部门数据质量评分与排名").wait_for()
        _full_shot(page, f"dq-{'month' if mode == '按月' else 'year'}")
        texts, _hidden = read_page(page, f"data quality {mode}")
        assert any("市场监督管理局" in t.text for t in texts)
        found += check(texts, "zh", _names(rated_city))
    assert page.get_by_role("button", name="下载年度考核表（Excel）").count() == 1
    assert not found, "\n".join(found[:40])


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
    # beside each class the supervision measures in force, and its firms on each list
    page.get_by_role("heading", name="各分类适用的监管措施").wait_for()
    page.get_by_role("heading", name="各分类中列入名单的企业").wait_for()
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


def test_bank_officer_looks_up_an_sme_with_an_authorisation(
    page, app_url: str, rated_city: dict
) -> None:
    # a listed SME when the city has one: the officer reads its lists beside the decision
    name = _first(
        rated_city,
        """SELECT s.name FROM subjects s JOIN ratings r USING (subject_id)
           WHERE r.scheme = 'sme'
           ORDER BY s.subject_id NOT IN (SELECT subject_id FROM list_events), s.subject_id
           LIMIT 1""",
    )
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
    page.get_by_role("heading", name="名单与联合奖惩").wait_for()
    page.get_by_text("适用的金融信贷措施").wait_for()
    # the button comes after the reasons in the same rerun: wait for it, do not count early
    page.get_by_role("button", name="下载信用报告（HTML）").wait_for()
    assert page.get_by_role("button", name="下载信用报告（HTML）").count() == 1
    shot(page, "08-bank-lending")
    # applicants in bulk: a decision per row, unknown IDs said row by row
    sid = _first(
        rated_city,
        "SELECT subject_id FROM ratings WHERE scheme = 'sme' ORDER BY subject_id LIMIT 1",
    )
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


# --- the walk: every page, every role ---------------------------------------------------

#: headers of the columns a person reads first: on screen at 1440 px without scrolling
KEY_HEADERS = frozenset(
    {
        "名称",
        "主体标识",
        "等级",
        "信用风险分类",
        "主要理由",
        "Name",
        "Subject ID",
        "Grade",
        "Credit-risk class",
        "Top reasons",
    }
)

#: glide-data-grid's accessibility table gives a number cell's raw value (its
#: NumberCell.getAccessibilityString), not the text drawn on the canvas: number cells are
#: skipped here; the AppTest walk checks their formats (column_config)
RAW_NUMBER = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")

#: the page as a person reads it: text (icons' ligature names and the ▲/▼ reason lines
#: set aside), the grids read across and the reasons apart
READ_JS = """
async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const hide = [...document.querySelectorAll(
      '[data-testid=stIconMaterial], [data-testid=stSidebar] [role=radiogroup]')];
  const reasons = [...document.querySelectorAll('[data-testid=stMain] li')]
      .filter(li => /[▲▼]/.test(li.textContent));
  for (const e of [...hide, ...reasons]) e.style.visibility = 'hidden';
  const text = document.body.innerText;
  for (const e of [...hide, ...reasons]) e.style.visibility = '';
  const grids = [];
  for (const g of document.querySelectorAll('[data-testid=stDataFrame]')) {
    if (g.offsetParent === null) continue;  // in a tab that is not open
    const read = () => {
      const t = g.querySelector('table[role=grid]');
      return t && {count: +t.getAttribute('aria-colcount'),
                   heads: [...t.querySelectorAll('th')].map(x => x.textContent),
                   rows: [...t.querySelectorAll('tbody tr')].map(
                       r => [...r.querySelectorAll('td')].map(x => x.textContent))};
    };
    const first = read();
    if (!first) continue;
    const parts = [first];
    const s = g.querySelector('.dvn-scroller');
    const wide = !!s && s.scrollWidth > s.clientWidth + 1;
    if (wide) {
      for (let x = s.clientWidth / 2; x < s.scrollWidth; x += s.clientWidth / 2) {
        s.scrollLeft = x; s.dispatchEvent(new Event('scroll')); await sleep(450);
        const more = read(); if (more) parts.push(more);
      }
      s.scrollLeft = 0; s.dispatchEvent(new Event('scroll')); await sleep(300);
    }
    grids.push({visible: first.heads, count: first.count, wide, parts});
  }
  return {text, reasons: reasons.map(li => li.textContent), grids};
}
"""


def _idle(page) -> None:
    """Wait until the script has run and every visible chart is drawn."""
    page.wait_for_timeout(600)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=180_000,
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')]"
        ".every(c => c.offsetParent === null || c.querySelector('svg,canvas'))",
        timeout=60_000,
    )
    page.wait_for_timeout(800)


def read_page(page, where: str) -> tuple[list[Text], list[str]]:
    """What the page shows (:data:`READ_JS`) as texts to check, and its key columns that are
    off-screen at the page's width."""
    seen = page.evaluate(READ_JS)
    texts = [
        Text(f"{where} text", line.strip()) for line in seen["text"].splitlines() if line.strip()
    ]
    texts += [Text(f"{where} reasons", line.strip(), reason=True) for line in seen["reasons"]]
    hidden: list[str] = []
    for n, grid in enumerate(seen["grids"]):
        heads: list[str] = []
        for part in grid["parts"]:
            heads += [h for h in part["heads"] if h not in heads]
            for row in part["rows"]:
                for head, cell in zip(part["heads"], row, strict=False):
                    if RAW_NUMBER.fullmatch(cell):
                        continue  # a number cell: the grid's DOM holds its raw value
                    texts.append(
                        Text(
                            f"{where} table {n + 1} [{head}]",
                            cell,
                            code_column=bool(CODE_HEADERS.search(head)),
                            free=head in FREE_HEADERS,
                            reason=head in REASON_HEADERS,
                        )
                    )
        texts += [Text(f"{where} table {n + 1} header", h) for h in heads]
        visible = grid["visible"]
        cut = visible[-1] if grid["wide"] else None  # the table scrolls: its last one is cut
        hidden += [
            f"{where} table {n + 1}: '{h}' is not fully on screen at 1440 px (visible: {visible})"
            for h in heads
            if h in KEY_HEADERS and (h not in visible or h == cut)
        ]
    return texts, hidden


def _full_shot(page, name: str) -> None:
    """A screenshot of the whole page at 1440 px (the app scrolls inside its main block)."""
    if not FULL_SHOTS:
        return
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": min(max(height + 80, 900), 12_000)})
    _idle(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _authorise(page, lang: str) -> None:
    """Give the authorisation reference where the page asks for one (the bank's roles)."""
    auth = page.get_by_role(
        "textbox", name="授权编号" if lang == "zh" else "Authorisation reference"
    )
    if auth.count():
        auth.fill("SQ-2026-0815")
        auth.press("Enter")
        _idle(page)


def _reach_content(page, key: str, rated_city: dict, lang: str) -> None:
    """Type what a user types on the page to reach its content."""
    if key in ("profile", "lending"):
        _authorise(page, lang)
    if key == "profile":
        name = _first(
            rated_city,
            """SELECT s.name FROM subjects s JOIN ratings r
                                     USING (subject_id) WHERE r.scheme = 'enterprise'
                                     ORDER BY s.subject_id LIMIT 1""",
        )
        box = page.get_by_label(
            "按名称或代码查询主体" if lang == "zh" else "Search a subject by name or code"
        )
        box.fill(name)
        box.press("Enter")
    elif key == "lending":
        name = _first(
            rated_city,
            """SELECT s.name FROM subjects s JOIN ratings r
                                     USING (subject_id) WHERE r.scheme = 'sme'
                                     ORDER BY s.subject_id LIMIT 1""",
        )
        box = page.get_by_label(
            "按企业名称或统一社会信用代码查询" if lang == "zh" else "Search an SME by name or USCC"
        )
        box.fill(name)
        box.press("Enter")
    elif key == "objections":
        sid = _first(
            rated_city,
            """SELECT subject_id FROM records WHERE polarity = 'negative'
                                    ORDER BY subject_id LIMIT 1""",
        )
        box = page.get_by_label(
            "主体代码（列出其失信记录）"
            if lang == "zh"
            else "Subject code (lists its negative records)"
        )
        box.fill(sid)
        box.press("Enter")
    else:
        return
    _idle(page)


def walk(page, url: str, role: str, lang: str, rated_city: dict) -> list[str]:
    """Every page of ``role``'s menu in ``lang``: screenshots and the problems found."""
    from app.auth import PAGE_ROLES, may_open

    found: list[str] = []
    if lang == "zh":  # the sign-in page, before signing in
        page.goto(url)
        page.get_by_label("用户名").wait_for()
        _idle(page)
        texts, _hidden = read_page(page, "login")
        found += check(texts, lang, _names(rated_city))
    sign_in(page, url, role)
    if lang == "en":
        page.get_by_text("English", exact=True).click()
        page.get_by_role("heading", name="Overview").wait_for()
    links = page.get_by_test_id("stSidebar").get_by_role("link")
    for n, key in enumerate(k for k in PAGE_ROLES if may_open(role, k)):
        page.set_viewport_size({"width": 1440, "height": 1800})
        links.nth(n).click()
        _idle(page)
        _reach_content(page, key, rated_city, lang)
        _full_shot(page, f"walk-{lang}-{role}-{n + 1}-{key}")
        texts, hidden = read_page(page, f"{role}/{key}")
        assert len(texts) > 10, f"{role}/{key}: the page shows almost nothing"
        found += hidden + check([t for t in texts if not t.reason], lang, _names(rated_city))
    return found


_NAMES: dict[str, str] = {}


def _names(rated_city: dict) -> str:
    """The city's own words (names, typed reasons): an English page shows them as they are."""
    from app.auth import DEMO_ACCOUNTS
    from features.store.duckdb_store import DuckDBStore
    from scoring.measures.checks import shipped_catalogue

    key = str(rated_city["path"])
    if key not in _NAMES:
        with DuckDBStore(rated_city["path"], read_only=True) as store:
            parts = [
                store.query(sql).iloc[:, 0].dropna().astype(str)
                for sql in (
                    "SELECT DISTINCT name FROM subjects",
                    "SELECT DISTINCT reason FROM objections",
                    "SELECT DISTINCT detail FROM records WHERE detail IS NOT NULL",
                )
            ]
        people = [name for _user, _role, name, _region in DEMO_ACCOUNTS]  # who signed in
        # the measures catalogue's own words (a law's title, a department) as written
        catalogue = [
            text
            for m in shipped_catalogue().measures
            for text in (m.basis.document, m.name_en, *m.implementing, *m.initiating)
        ]
        _NAMES[key] = "\n".join("\n".join(p) for p in [*parts, people, catalogue])
    return _NAMES[key]


@pytest.mark.parametrize("role", ["supervisor", "bank", "rural", "modeller", "department", "admin"])
def test_every_page_reads_as_chinese_for(role: str, page, app_url: str, rated_city: dict) -> None:
    found = walk(page, app_url, role, "zh", rated_city)
    assert not found, f"{len(found)} problems:\n" + "\n".join(found[:80])


def test_every_page_reads_as_english_for_the_admin(page, app_url: str, rated_city: dict) -> None:
    found = walk(page, app_url, "admin", "en", rated_city)
    assert not found, f"{len(found)} problems:\n" + "\n".join(found[:80])
