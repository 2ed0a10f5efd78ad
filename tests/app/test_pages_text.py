"""Every page, for every role that may open it, reads as Chinese (and, for the admin, as
English): no English word outside :data:`page_text.ALLOWED`, no ``None``/``NaN``, no
midnight timestamps or seconds, no raw codes, no raw decimals, charts titled in the
page's language with dates formatted (no English month names).

Pages run with ``AppTest`` on the tiny rated city; each case types what a user types to
reach the page's content (a search, an authorisation reference, an objection, a draw, a
village assessment). Tables are checked as the grid draws them and charts on their specs
(:mod:`tests.app.page_text`); the browser walk (test_browser.py) reads the same pages in
Chromium.

Reason sentences (▲/▼ lists, 主要理由, top risk factors before/after) come from the
reasons engine (scoring/reasons.py): they are checked on their own in
:func:`test_reason_sentences_read_as_words` (which also fails on a value through a
transform such as 对数). Before the reasons stream of issue 14 was merged this test
failed on '企业规模：small', '行业门类：I', '注册资本规模（对数）3.006', 'kWh' and raw
decimals; it passes on the merged code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from page_text import Text, apptest_texts, check
from streamlit.testing.v1 import AppTest

from app.auth import PAGE_ROLES, ROLES

PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"

#: (role, page, lang, what the user does there)
CASES: list[tuple[str, str, str, str]] = [
    ("anonymous", "login", "zh", "open"),
    ("anonymous", "login", "en", "open"),
    ("admin", "login", "zh", "open"),
    *[
        (role, name, "zh", {"profile": "enterprise", "lending": "sme"}.get(name, "open"))
        for role in ROLES
        for name, allowed in PAGE_ROLES.items()
        if role in allowed
    ],
    ("admin", "profile", "zh", "household"),
    ("admin", "profile", "zh", "driver"),
    ("admin", "objections", "zh", "object"),
    ("admin", "supervision", "zh", "draw"),
    ("admin", "rural", "zh", "assess"),
    *[
        (
            "admin",
            name,
            "en",
            {"profile": "enterprise", "lending": "sme", "supervision": "draw"}.get(name, "open"),
        )
        for name in PAGE_ROLES
    ],
    ("admin", "profile", "en", "household"),
    ("admin", "profile", "en", "driver"),
]
_RUNS: dict[tuple[str, str, str, str], tuple[list[Text], list[str]]] = {}


def _one(query, sql: str) -> str:
    return str(query(sql).iloc[0, 0])


def _authorise(at: AppTest) -> None:
    """Give the authorisation reference where the page asks for one (the bank's roles)."""
    if any(box.key == "auth" for box in at.text_input):
        at.text_input(key="auth").input("SQ-2026-0815").run()


def _act(at: AppTest, scenario: str, query) -> AppTest:
    """Do on the page what a user does to reach its content."""
    if scenario in ("enterprise", "household", "driver", "sme"):
        _authorise(at)
    if scenario in ("enterprise", "household", "driver"):
        scheme = {"enterprise": "enterprise"}.get(scenario, scenario)
        # a listed subject when there is one: its 名单 section is read too
        code = _one(
            query,
            f"""SELECT s.subject_id FROM subjects s JOIN ratings r
                               USING (subject_id) WHERE r.scheme = '{scheme}'
                               ORDER BY s.subject_id NOT IN (SELECT subject_id FROM list_events),
                                        s.subject_id LIMIT 1""",
        )
        at.text_input(key="query").input(code).run()
    elif scenario == "sme":
        name = _one(
            query,
            """SELECT s.name FROM ratings r JOIN subjects s USING (subject_id)
                              WHERE r.scheme = 'sme'
                              ORDER BY r.subject_id NOT IN (SELECT subject_id FROM list_events),
                                       r.subject_id LIMIT 1""",
        )
        at.text_input(key="query").input(name).run()
    elif scenario == "object":
        rec = query("""SELECT r.record_id, r.subject_id FROM records r
                       JOIN ratings g ON g.subject_id = r.subject_id AND g.scheme = 'enterprise'
                       WHERE r.polarity = 'negative' AND r.severity IS NOT NULL
                       AND r.record_id NOT IN (SELECT record_id FROM objections)
                       ORDER BY r.record_id LIMIT 1""").iloc[0]
        at.text_input(key="obj_subject").input(rec["subject_id"]).run()
        at.text_input(key="obj_record").input(rec["record_id"])
        at.text_area(key="obj_reason").input("处罚决定已被复议撤销")
        at.button(key="open_submit").click().run()
    elif scenario == "draw":
        at.number_input(key="seed").set_value(20261031)
        at.button(key="draw_submit").click().run()
    elif scenario == "assess":
        at.number_input(key="score").set_value(40)
        at.button(key="save").click().run()
    return at


def walk(case: tuple[str, str, str, str], query) -> tuple[list[Text], list[str]]:
    """The texts and chart problems of ``case`` (each case runs once per module)."""
    if case not in _RUNS:
        role, name, lang, scenario = case
        at = AppTest.from_file(str(PAGES / f"{name}_page.py"), default_timeout=240)
        at.session_state["lang"] = lang
        if role != "anonymous":
            at.session_state["user"] = {
                "username": f"walk-{role}",
                "role": role,
                "display_name": f"走查{role}",
                "region_code": None,
            }
        _RUNS[case] = apptest_texts(_act(at.run(), scenario, query))
    return _RUNS[case]


@pytest.fixture(scope="module")
def names(app_env: dict) -> str:
    """The city's own words a page shows as they are: names, typed reasons, free text."""
    from features.store.duckdb_store import DuckDBStore

    with DuckDBStore(app_env["store"], read_only=True) as store:
        parts = [
            store.query(sql).iloc[:, 0].dropna().astype(str)
            for sql in (
                "SELECT DISTINCT name FROM subjects",
                "SELECT DISTINCT reason FROM objections",
                "SELECT DISTINCT handled_by FROM objections",
                "SELECT DISTINCT detail FROM records WHERE detail IS NOT NULL",
                "SELECT DISTINCT value_text FROM records WHERE value_text IS NOT NULL",
            )
        ]
    return "\n".join("\n".join(p) for p in parts) + "\n处罚决定已被复议撤销\n"


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_page_reads_as_words(
    app_env: dict, query, names: str, case: tuple[str, str, str, str]
) -> None:
    texts, faults = walk(case, query)
    assert len(texts) > (2 if case[1] == "login" else 10), f"{case}: the page shows almost nothing"
    bad = faults + check([t for t in texts if not t.reason], case[2], names)
    assert not bad, f"{len(bad)} problems on {case}:\n" + "\n".join(bad[:60])


#: the pages that show reason sentences
REASON_CASES = [
    c
    for c in CASES
    if c[3] in ("enterprise", "household", "driver", "sme", "object") or c[1] == "supervision"
]


def test_reason_sentences_read_as_words(app_env: dict, query, names: str) -> None:
    bad = []
    for case in REASON_CASES:
        texts, _faults = walk(case, query)
        reasons = [t for t in texts if t.reason]
        assert reasons, f"{case}: no reason sentence found to check"
        bad += [f"{case[1]}/{case[3]}/{case[2]} {line}" for line in check(reasons, case[2], names)]
    assert not bad, f"{len(bad)} problems in reason sentences:\n" + "\n".join(bad[:80])
