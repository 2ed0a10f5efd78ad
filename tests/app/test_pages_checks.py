"""信用核查 and 联合奖惩管理 with ``AppTest``: a department checks a black-listed firm for
procurement, sees the mandatory measure with its basis and records feedback under its own
department; the steward enters a listing by decision and sees it in the trail, and the
catalogue editor names every problem and saves a new version. (Role refusals: the
parametrised cases of test_pages.py cover both pages through ``PAGE_ROLES``.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from page_text import apptest_texts
from streamlit.testing.v1 import AppTest

from features.records.personal import mask_code
from features.records.windows import WindowPolicy
from scoring.measures.vocabulary import MATTERS

PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"
DEPT = "市财政局"


def page(name: str, role: str, department: str | None = None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}_page.py"), default_timeout=240)
    at.session_state["lang"] = lang
    at.session_state["user"] = {
        "username": f"test-{role}",
        "role": role,
        "display_name": f"测试{role}",
        "region_code": None,
        "department": department,
    }
    return at.run()


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, *columns: str):
    """The first table showing ``columns`` (AppTest keeps no key on a dataframe)."""
    for d in at.dataframe:
        if set(columns) <= set(d.value.columns):
            return d.value
    raise AssertionError(f"no table with {columns}")


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.error, *at.info, *at.success, *at.caption)]
    parts += [e.value for e in at.subheader]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module")
def serious_firm(app_env: dict) -> dict:
    """An enterprise with a negative record that counts on the page's day, on no list yet
    (a listing may rest only on a record that counts)."""
    from app.settings import settings
    from features.store.duckdb_store import DuckDBStore
    from scoring.evidence import effective_ids

    cfg = settings()
    with DuckDBStore(app_env["store"]) as s:
        day = cfg.dates.limit(s).day
        rows = s.query(
            """SELECT s.subject_id, s.name, r.record_id FROM records r
           JOIN subjects s USING (subject_id)
           WHERE s.subject_type = 'enterprise' AND r.polarity = 'negative'
             AND r.subject_id NOT IN (SELECT subject_id FROM list_events)
           ORDER BY r.severity = 'serious' DESC, r.record_id LIMIT 200"""
        )
        counting = effective_ids(s, rows["subject_id"], day, cfg.windows.policy())
    return dict(rows[rows["record_id"].isin(counting)].iloc[0])


def test_the_steward_enters_a_listing_by_decision_and_sees_it_in_the_trail(
    app_env: dict, query, serious_firm: dict
) -> None:
    at = _ok(page("measures", "admin"))
    assert at.title[0].value == "联合奖惩管理"
    code, record = serious_firm["subject_id"], serious_firm["record_id"]
    at.text_input(key="enter_query").input(code).run()
    at.radio(key="enter_list").set_value("black")
    at.text_input(key="enter_dept").input("市发展改革委")
    at.text_input(key="enter_doc").input("发改信用〔2026〕12号")
    at.multiselect(key="enter_evidence").select(record)
    at.text_input(key="enter_reason").input("严重违法失信，依决定列入")
    _ok(at.run())
    assert not any(b.key == "enter_go" for b in at.button)  # nothing happens unconfirmed
    at.checkbox(key="enter_confirm").check().run()
    _ok(at.button(key="enter_go").click().run())
    assert not at.error, [e.value for e in at.error]
    assert any("已列入" in s.value for s in at.success)
    events = query("SELECT * FROM list_events WHERE subject_id = ?", [code])
    assert set(events["event"]) == {"enter", "publish"}
    assert events["document_no"].dropna().tolist() == ["发改信用〔2026〕12号"]
    at.text_input(key="trail_query").input(code).run()
    trail = _table(at, "事件", "决定文书编号")
    assert "列入" in set(trail["事件"]) and "发改信用〔2026〕12号" in set(trail["决定文书编号"])
    listed = _table(at, "名单编号", "名称")
    assert serious_firm["name"] in set(listed["名称"])
    audit = query("SELECT action FROM audit_log WHERE user_name = 'test-admin'")
    assert "list_enter" in set(audit["action"])


def test_a_refused_listing_is_one_chinese_line(app_env: dict, serious_firm: dict) -> None:
    at = _ok(page("measures", "admin"))
    at.text_input(key="enter_query").input(serious_firm["subject_id"]).run()
    at.multiselect(key="enter_evidence").select(serious_firm["record_id"])
    at.checkbox(key="enter_confirm").check().run()
    _ok(at.button(key="enter_go").click().run())  # no department, no document, no reason
    assert len(at.error) == 1 and "请填写认定部门" in at.error[0].value
    assert "\n" not in at.error[0].value


def test_the_department_checks_the_black_listed_firm_and_records_feedback(
    app_env: dict, query, serious_firm: dict
) -> None:
    from app.settings import settings
    from features.store.duckdb_store import DuckDBStore
    from scoring.list_decisions import enter_by_decision

    code = serious_firm["subject_id"]
    if query("SELECT count(*) FROM list_events WHERE subject_id = ?", [code]).iloc[0, 0] == 0:
        with DuckDBStore(app_env["store"]) as s:  # this test alone: list it first
            enter_by_decision(
                s, code, "black", "市发展改革委", "发改信用〔2026〕12号",
                [serious_firm["record_id"]], "严重违法失信", dt.date(2026, 10, 1),
                settings().lists.config(), "test", policy=WindowPolicy(),
            )  # fmt: skip
    at = _ok(page("checks", "department", DEPT))
    assert at.title[0].value == "信用核查"
    at.selectbox(key="chk_matter").select_index(1)  # procurement
    at.text_input(key="query").input(code).run()
    _ok(at.button(key="chk_run").click().run())  # no purpose: refused, nothing stored
    assert len(at.error) == 1 and "核查事由" in at.error[0].value
    assert query("SELECT count(*) FROM credit_checks WHERE subject_id = ?", [code]).iloc[0, 0] == 0
    at.text_input(key="chk_purpose").input("政府采购供应商资格审查")
    _ok(at.button(key="chk_run").click().run())
    text = _texts(at)
    assert "失信惩戒 · 强制性 · 依法限制参加政府采购" in text
    assert "《中华人民共和国政府采购法》第二十二条" in text
    assert "列入黑名单（严重失信主体名单）" in text and "36 个月" in text
    evidence = _table(at, "证据类别", "证据编号")
    assert "名单列入" in set(evidence["证据类别"])
    stored = query("SELECT * FROM credit_checks WHERE subject_id = ?", [code])
    assert list(stored["department"]) == [DEPT]  # the account's department, never typed
    assert list(stored["purpose"]) == ["政府采购供应商资格审查"]
    check_id = stored["check_id"].iloc[0]
    at.radio(key="last_fb_P-PROC-01").set_value("not_applied")
    _ok(at.button(key="last_fb_submit").click().run())  # mandatory, not applied, no note
    assert at.error and "\n" not in at.error[-1].value
    assert query("SELECT count(*) FROM check_feedback").iloc[0, 0] == 0
    at.radio(key="last_fb_P-PROC-01").set_value("applied")
    _ok(at.button(key="last_fb_submit").click().run())
    assert any("实施反馈" in s.value for s in at.success)
    fb = query("SELECT * FROM check_feedback WHERE check_id = ?", [check_id])
    assert set(fb["department"]) == {DEPT} and "applied" in set(fb["outcome"])
    # the history tab lists the check, the statistics count its feedback
    history = _table(at, "核查编号", "核查事由")
    assert check_id in set(history["核查编号"])


def test_the_catalogue_editor_names_each_problem_and_saves_a_new_version(
    app_env: dict, query
) -> None:
    at = _ok(page("measures", "admin"))
    text = at.text_area(key="ms_text").value
    assert "[[measures]]" in text and 'id = "P-PROC-01"' in text
    broken = text.replace('force = "mandatory"', 'force = "sometimes"', 1)
    at.text_area(key="ms_text").input(broken)
    _ok(at.button(key="ms_validate").click().run())
    shown = "\n".join(m.value for m in at.markdown)
    assert "字段 force = 'sometimes'" in shown and "措施 " in shown
    changed = text.replace("依法限制参加政府采购", "依法限制参加政府采购活动", 1)
    at.text_area(key="ms_text").input(changed)
    at.text_input(key="ms_reason").input("名称与法条表述一致")
    at.checkbox(key="ms_save_confirm").check().run()
    _ok(at.button(key="ms_save").click().run())
    assert any("MV-0001" in s.value for s in at.success), [e.value for e in at.error]
    versions = query("SELECT version, saved_by, reason FROM measure_versions")
    assert list(versions["reason"]) == ["名称与法条表述一致"]
    before = query("SELECT catalogue_version FROM credit_checks")["catalogue_version"]
    assert not before.str.startswith("MV-0001").any()  # earlier checks keep their version


def test_the_steward_reads_checks_but_checks_nothing(app_env: dict) -> None:
    at = _ok(page("checks", "admin"))
    assert not any(b.key == "chk_run" for b in at.button)
    assert any("业务部门核查员" in i.value for i in at.info)


def test_a_department_checking_a_person_sees_the_id_masked_everywhere(app_env: dict, query) -> None:
    pid = query(
        "SELECT subject_id FROM subjects WHERE subject_type = 'driver' ORDER BY subject_id LIMIT 1"
    ).iloc[0, 0]
    at = _ok(page("checks", "department", DEPT))
    at.selectbox(key="chk_matter").select_index(list(MATTERS).index("consumption"))
    at.text_input(key="query").input(pid).run()
    at.text_input(key="chk_purpose").input("高消费限制核查")
    _ok(at.button(key="chk_run").click().run())
    refusals = [e.value for e in at.error if e.icon != ":material/gavel:"]  # not a measure
    assert not refusals, refusals
    texts, _faults = apptest_texts(at)
    shown = "\n".join(t.text for t in texts)
    assert mask_code(pid) in shown  # the subject is there, masked
    assert pid not in shown
    stored = query("SELECT matter, result FROM credit_checks WHERE subject_id = ?", [pid])
    assert list(stored["matter"]) == ["consumption"]
    assert pid not in stored["result"].iloc[0]


def test_a_caseload_gives_the_coverage_of_the_statistics(app_env: dict, query) -> None:
    """After the check of the firm (above): 4 procurement cases reported this month make
    1 subject checked a coverage of 25 %; the feedback sent on both measures a rate of 100 %."""
    at = _ok(page("checks", "department", DEPT))
    at.selectbox(key="case_matter").select_index(list(MATTERS).index("procurement"))
    at.number_input(key="case_n").set_value(4)
    _ok(at.button(key="case_submit").click().run())
    assert any("已报送" in x.value for x in at.success), [e.value for e in at.error]
    stats = _table(at, "应查必查覆盖率", "反馈率")
    row = stats[stats["事项"] == "政府采购"].iloc[0]
    assert row["核查主体数"] == "1" or row["核查主体数"] == 1
    assert row["应查必查覆盖率"] == "25.0%" and row["反馈率"] == "100.0%"
    assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")


def test_an_applicant_file_is_checked_row_by_row_with_an_inert_result(
    app_env: dict, serious_firm: dict
) -> None:
    at = _ok(page("checks", "department", DEPT))
    at.selectbox(key="batch_matter").select_index(list(MATTERS).index("procurement"))
    at.text_input(key="batch_purpose").input("第12批政府采购供应商资格审查")
    content = f"统一社会信用代码\n{serious_firm['subject_id']}\n=1+1\n".encode()
    at.file_uploader(key="batch_file").set_value(("applicants.csv", content, "text/csv")).run()
    _ok(at.button(key="batch_run").click().run())
    assert any("已核查 1 行，1 行有错误" in x.value for x in at.success), [
        e.value for e in at.error
    ]
    result = _table(at, "适用措施", "错误")
    assert list(result["状态"]) == ["已核查", "有错误"]
    assert "依法限制参加政府采购" in result["适用措施"].iloc[0]
    assert any(b.key == "batch_download" for b in at.get("download_button"))


def test_the_steward_refuses_an_early_exit_and_revokes_a_wrongful_listing(
    app_env: dict, query
) -> None:
    at = _ok(page("measures", "admin"))
    listing = query(
        "SELECT listing_id FROM list_events WHERE event = 'enter' ORDER BY recorded_at LIMIT 1"
    ).iloc[0, 0]
    at.selectbox(key="exit_pick").select(listing)
    at.text_input(key="exit_reason").input("已完成信用修复")
    at.checkbox(key="exit_confirm").check().run()
    _ok(
        at.button(key="exit_go").click().run()
    )  # refused: no approved repair, or before the minimum
    assert len(at.error) == 1 and "信用修复" in at.error[0].value and "\n" not in at.error[0].value
    at.selectbox(key="revoke_pick").select(listing)
    at.text_input(key="revoke_reason").input("证据记录已被复议撤销，属错误列入")
    at.checkbox(key="revoke_confirm").check().run()
    _ok(at.button(key="revoke_go").click().run())
    assert any("已撤销" in x.value for x in at.success), [e.value for e in at.error]
    events = query("SELECT event FROM list_events WHERE listing_id = ?", [listing])
    assert "revoke_wrongful" in set(events["event"])
