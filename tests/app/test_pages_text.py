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

import datetime as dt
import os
from pathlib import Path

import pytest
from page_text import Text, apptest_texts, check
from streamlit.testing.v1 import AppTest

from app.auth import PAGE_ROLES, ROLES
from features.records.windows import WindowPolicy
from scoring.measures.checks import shipped_catalogue
from scoring.measures.vocabulary import MATTERS

PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"

#: (role, page, lang, what the user does there)
CASES: list[tuple[str, str, str, str]] = [
    ("anonymous", "login", "zh", "open"),
    ("anonymous", "login", "en", "open"),
    ("admin", "login", "zh", "open"),
    *[
        (
            role,
            name,
            "zh",
            {"profile": "enterprise", "lending": "sme", "checks": "read"}.get(name, "open"),
        )
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
            {
                "profile": "enterprise",
                "lending": "sme",
                "supervision": "draw",
                "checks": "read",
            }.get(name, "open"),
        )
        for name in PAGE_ROLES
    ],
    ("admin", "profile", "en", "household"),
    ("admin", "profile", "en", "driver"),
    # 信用核查 with a check made (measures, evidence, feedback form, history, statistics)
    ("department", "checks", "zh", "check"),
    ("department", "checks", "en", "check"),
    # 联合奖惩管理 with a listing entered by decision and the subject's trail shown
    ("admin", "measures", "zh", "list"),
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
        at.selectbox(key="obj_record").set_value(rec["record_id"])
        at.text_area(key="obj_reason").input("处罚决定已被复议撤销")
        at.button(key="open_submit").click().run()
    elif scenario == "read":  # the steward's 信用核查: a department's check and caseload
        from app.auth import add_user, find_user
        from features.store.duckdb_store import DuckDBStore
        from scoring.check_feedback import report_caseload
        from scoring.credit_check import CheckConfig, credit_check
        from scoring.lists import ListsConfig

        firm = _one(query, "SELECT subject_id FROM subjects WHERE subject_type = 'enterprise' "
                    "ORDER BY subject_id LIMIT 1")  # fmt: skip
        with DuckDBStore(os.environ["XINPING_STORE"]) as s:
            if find_user(s, "walk-department") is None:  # who checked, by name
                add_user(s, "walk-department", "department", "走查核查员", "pw", None, "市财政局")
            on = dt.date(2026, 10, 31)
            credit_check(
                s, firm, "procurement", on, ListsConfig(), CheckConfig(), "市财政局",
                "处罚决定已被复议撤销", "walk-department", "department",
            )  # fmt: skip
            report_caseload(s, "市财政局", "procurement", on, 8, "walk-department", "department")
        at.run()
    elif scenario in ("check", "list"):
        from features.store.duckdb_store import DuckDBStore
        from scoring.evidence import effective_ids

        rows = query("""SELECT r.subject_id, r.record_id FROM records r
                        JOIN subjects s USING (subject_id)
                        WHERE s.subject_type = 'enterprise' AND r.polarity = 'negative'
                          AND r.severity = 'serious'
                        ORDER BY r.record_id LIMIT 200""")
        with DuckDBStore(os.environ["XINPING_STORE"]) as s:
            # a listing rests only on a record that counts (on the listing's day and the page's)
            both = effective_ids(s, rows["subject_id"], dt.date(2026, 10, 1)) & effective_ids(
                s, rows["subject_id"], dt.date(2026, 10, 31)
            )
        firm = rows[rows["record_id"].isin(both)].iloc[0]
        if scenario == "list":
            at.text_input(key="enter_query").input(firm["subject_id"]).run()
            at.text_input(key="enter_dept").input("市发展改革委")
            at.text_input(key="enter_doc").input("发改信用〔2026〕7号")
            at.multiselect(key="enter_evidence").select(firm["record_id"])
            at.text_input(key="enter_reason").input("处罚决定已被复议撤销")
            at.checkbox(key="enter_confirm").check().run()
            at.button(key="enter_go").click().run()
            at.text_input(key="trail_query").input(firm["subject_id"]).run()
        else:
            from app.auth import add_user, find_user
            from features.store.duckdb_store import DuckDBStore
            from scoring.list_decisions import enter_by_decision
            from scoring.lists import ListsConfig

            with DuckDBStore(os.environ["XINPING_STORE"]) as s:  # on the black list
                listed = s.query(
                    "SELECT count(*) AS n FROM list_events WHERE subject_id = ? "
                    "AND list_key = 'black'",
                    [firm["subject_id"]],
                )["n"].iloc[0]
                if find_user(s, "walk-department") is None:  # who checked, by name
                    add_user(
                        s, "walk-department", "department", "走查核查员", "pw", None, "市财政局"
                    )
                if not listed:
                    enter_by_decision(
                        s, firm["subject_id"], "black", "市发展改革委", "发改信用〔2026〕8号",
                        [firm["record_id"]], "处罚决定已被复议撤销", dt.date(2026, 10, 1),
                        ListsConfig(), "walk", policy=WindowPolicy(),
                    )  # fmt: skip
            at.selectbox(key="chk_matter").select_index(list(MATTERS).index("procurement"))
            at.text_input(key="query").input(firm["subject_id"])
            at.text_input(key="chk_purpose").input("处罚决定已被复议撤销")
            at.button(key="chk_run").click().run()
            at.button(key="last_fb_submit").click().run()
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
                # a department officer belongs to its department (users.department)
                "department": "市财政局" if role == "department" else None,
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
    # the catalogue's own words: a law's title, a department, a measure's English name
    # that quotes its Chinese programme (信易贷) are shown as written
    catalogue = [
        text
        for m in shipped_catalogue().measures
        for text in (m.basis.document, m.name_en, *m.implementing, *m.initiating)
    ]
    parts.append(catalogue)
    return "\n".join("\n".join(p) for p in parts) + "\n处罚决定已被复议撤销\n走查核查员\n"


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
