"""Every page with ``AppTest``: what each role sees, refusals, audit rows, masked IDs."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.auth import PAGE_ROLES, PUBLIC_PAGES, ROLES

PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"


def page(name: str, role: str | None, lang: str = "zh") -> AppTest:
    """A page run as a signed-in user of ``role`` (or signed out)."""
    at = AppTest.from_file(str(PAGES / f"{name}_page.py"), default_timeout=180)
    at.session_state["lang"] = lang
    if role is not None:
        at.session_state["user"] = {
            "username": f"test-{role}",
            "role": role,
            "display_name": f"测试{role}",
            "region_code": None,
        }
    return at.run()


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("name", sorted(set(PAGE_ROLES) - PUBLIC_PAGES))
def test_a_page_refuses_without_sign_in(app_env: dict, name: str) -> None:
    at = _ok(page(name, None))
    assert _errors(at) == ["无权访问：请先登录。"]
    assert not at.title and not at.dataframe and not at.metric


@pytest.mark.parametrize(
    ("name", "role"),
    [
        (name, role)
        for name, allowed in sorted(PAGE_ROLES.items())
        for role in sorted(set(ROLES) - allowed)
    ],
)
def test_a_page_refuses_a_role_without_access(app_env: dict, name: str, role: str) -> None:
    at = _ok(page(name, role))
    assert len(at.error) == 1 and "无权访问" in at.error[0].value
    assert ROLES[role].label_zh in at.error[0].value
    assert not at.title and not at.dataframe and not at.metric and not at.text_input


def test_overview_shows_grades_by_scheme_region_industry_and_movements(app_env: dict) -> None:
    at = _ok(page("overview", "supervisor"))
    assert at.title[0].value == "总览"
    labels = {m.label: m.value for m in at.metric}
    assert "企业信用风险分类" in labels and "道路运输驾驶员诚信考核" in labels
    assert int(labels["企业信用风险分类"].replace(",", "")) > 0
    for move in ("上调", "下调", "不变"):
        assert move in labels
    # two scheme bars, region, industry, migration
    assert len(at.get("vega_lite_chart")) >= 5
    assert at.selectbox(key="as_of").value == app_env["as_of"]


def test_overview_in_english(app_env: dict) -> None:
    at = _ok(page("overview", "bank", lang="en"))
    assert at.title[0].value == "Overview"
    assert "Upgraded" in {m.label for m in at.metric}


def _driver(query) -> tuple[str, str]:
    row = query("""SELECT s.subject_id, s.name FROM subjects s JOIN ratings r USING (subject_id)
                   WHERE s.subject_type = 'driver' LIMIT 1""").iloc[0]
    return row["subject_id"], row["name"]


def test_profile_masks_personal_ids_for_a_bank_officer_and_logs_the_look_up(
    app_env: dict, query
) -> None:
    driver_id, _name = _driver(query)
    at = page("profile", "bank")
    at.text_input(key="auth").input("SQ-2026-0001").run()  # the bank looks under authorisation
    # a person is never found from a prefix of the ID (it would confirm digits)
    _ok(at.text_input(key="query").input(driver_id[:12]).run())
    assert not at.selectbox and "没有找到" in at.warning[0].value
    _ok(at.text_input(key="query").input(driver_id).run())
    shown = at.selectbox(key="subject")
    assert shown.value == driver_id
    options = " ".join(shown.options)
    assert driver_id not in options and driver_id[:6] + "*" * 10 + driver_id[-2:] in options
    assert driver_id not in at.caption[0].value
    log = query("SELECT * FROM audit_log WHERE user_name = 'test-bank' AND action = 'view_subject'")
    # the log keeps the ID as its keyed hash, never the ID itself (nor its digits)
    assert len(log) == 1 and log["subject_id"].iloc[0].startswith("pid:")
    assert set(log["role"]) == {"bank"} and "SQ-2026-0001" in log["detail"].iloc[0]
    every = query("SELECT * FROM audit_log WHERE user_name = 'test-bank'")
    assert driver_id not in every.to_csv() and driver_id[6:16] not in every.to_csv()
    # a rerun on the same subject is not a second look-up (nor a second search)
    _ok(at.run())
    assert len(query("SELECT * FROM audit_log WHERE user_name = 'test-bank'")) == 3


def test_profile_shows_grade_reasons_points_history_and_records(app_env: dict, query) -> None:
    driver_id, _name = _driver(query)
    at = page("profile", "rural")
    _ok(at.text_input(key="query").input(driver_id).run())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["等级"] in ("AAA", "AA", "A", "B")
    assert metrics["违约概率"].endswith("%")
    assert driver_id in at.caption[0].value  # the rural officer sees full IDs
    text = " ".join(m.value for m in at.markdown)
    assert "推高风险的主要因素" in text and "降低风险的主要因素" in text
    assert any("参照主体" in c.value and "分" in c.value for c in at.caption)  # scorecard points
    assert len(at.get("vega_lite_chart")) >= 2  # waterfall, history (+ timeline)
    assert len(at.dataframe) >= 1


def test_profile_of_an_enterprise_explains_in_log_odds(app_env: dict, query) -> None:
    row = query("""SELECT s.subject_id, s.name FROM subjects s JOIN ratings r USING (subject_id)
                   WHERE r.scheme = 'enterprise' LIMIT 1""").iloc[0]
    at = page("profile", "supervisor")
    _ok(at.text_input(key="query").input(row["name"]).run())
    assert at.header[0].value == row["name"] or at.selectbox(key="subject").options
    assert any("对数几率" in c.value for c in at.caption)
    assert row["subject_id"] in at.caption[0].value  # a USCC is public, never masked


def test_profile_says_when_nothing_matches(app_env: dict) -> None:
    at = page("profile", "admin")
    _ok(at.text_input(key="query").input("不存在的主体名称").run())
    assert at.warning[0].value == "没有找到匹配的主体。"


def test_models_page_shows_versions_compare_report_and_gates(app_env: dict) -> None:
    at = _ok(page("models", "modeller"))
    assert at.title[0].value == "模型管理"
    # versions, runs, and the report: discrimination, drift, grades, gates; the champion
    # is the challenger, so there is nothing to compare
    assert len(at.dataframe) >= 6
    assert any("没有可对比的两个版本" in c.value for c in at.caption)
    gates = next(d.value for d in at.dataframe if "门槛" in d.value.columns)
    assert "样本外AUC不低于门槛" in set(gates["门槛"]) and set(gates["通过"]) <= {"是", "否"}
    splits = next(d.value for d in at.dataframe if "样本" in d.value.columns)
    assert list(splits["样本"]) == ["训练集", "验证集", "样本外（时间外）"]
    # the bilingual HTML report (with its charts) and the metrics are downloads
    assert {b.proto.label for b in at.get("download_button")} == {
        "下载完整验证报告（HTML，中英对照，含图表）",
        "下载验证指标（JSON）",
    }
    assert any("已是冠军模型" in c.value for c in at.caption)
    at.selectbox(key="scheme").set_value("driver").run()
    _ok(at)
    assert len(at.get("download_button")) == 2


def test_quality_page_shows_log_counts_and_hides_raw_rows(app_env: dict) -> None:
    at = _ok(page("quality", "modeller"))
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["入库行数"].replace(",", "")) > 0
    # counts by department and by kind, and the departments' data-quality trend (issue 19)
    assert len(at.get("vega_lite_chart")) == 3
    headers = [list(d.value.columns) for d in at.dataframe]
    assert all("原始内容" not in h for h in headers)
    ranking = next(d.value for d in at.dataframe if "质量得分" in d.value.columns)
    assert len(ranking) > 0 and ranking["排名"].iloc[0] == 1


def test_objections_page_opens_resolves_and_repairs_with_re_rating(app_env: dict, query) -> None:
    recs = query("""SELECT r.record_id, r.subject_id FROM records r
                    JOIN ratings g ON g.subject_id = r.subject_id AND g.scheme = 'enterprise'
                    WHERE r.polarity = 'negative' AND r.severity IS NOT NULL
                    GROUP BY ALL ORDER BY r.record_id LIMIT 2""")
    first, second = recs["record_id"]
    at = _ok(page("objections", "admin"))
    at.text_input(key="obj_subject").input(recs["subject_id"].iloc[0]).run()
    at.selectbox(key="obj_record").set_value(first)
    at.text_area(key="obj_reason").input("处罚已被复议撤销")
    at.button(key="open_submit").click().run()
    _ok(at)
    assert any("已受理" in s.value for s in at.success), [e.value for e in at.error]
    assert (
        query("SELECT count(*) AS n FROM objections WHERE record_id = ?", [first])["n"].iloc[0] == 1
    )
    changes = [d.value for d in at.dataframe if "新等级" in d.value.columns]
    assert changes and len(changes[0]) >= 1 and "变更前等级" in changes[0].columns
    assert any("已重新评价" in c.value for c in at.caption)

    at = _ok(page("objections", "admin"))
    oid = query("SELECT objection_id FROM objections WHERE record_id = ?", [first])[
        "objection_id"
    ].iloc[0]
    at.selectbox(key="obj_choice").set_value(oid)
    at.radio(key="verdict").set_value("upheld")
    at.button(key="resolve").click().run()
    _ok(at)
    assert any(oid in s.value and "异议成立" in s.value for s in at.success)
    # resolved before the page is drawn again: the open list no longer offers it
    still_open = [o for w in at.selectbox if w.key == "obj_choice" for o in w.options]
    assert oid not in still_open

    at = _ok(page("objections", "admin"))
    at.text_input(key="plan_subject").input(recs["subject_id"].iloc[1]).run()
    at.selectbox(key="repair_record").set_value(second)
    at.button(key="repair_submit").click().run()
    _ok(at)
    assert any("修复" in s.value for s in at.success), [e.value for e in at.error]
    log = query("SELECT action, role FROM audit_log WHERE user_name = 'test-admin'")
    assert {"objection_open", "objection_upheld", "repair_approved", "view_subject"} <= set(
        log["action"]
    )
    assert set(log["role"]) == {"admin"}


def test_objections_page_asks_for_the_subject_then_one_of_its_records(app_env: dict, query) -> None:
    opened = query("SELECT count(*) AS n FROM objections")["n"].iloc[0]
    at = _ok(page("objections", "admin"))
    assert at.selectbox(key="obj_record").options == []  # no subject, no record to pick
    at.text_area(key="obj_reason").input("理由")
    at.button(key="open_submit").click().run()
    assert [e.value for e in at.error] == ["请先输入主体标识，再选择它的一条记录"]
    assert query("SELECT count(*) AS n FROM objections")["n"].iloc[0] == opened
    at.text_input(key="obj_subject").input("NO-SUCH-SUBJECT").run()
    assert any("没有失信记录" in c.value for c in at.caption)
    assert at.selectbox(key="repair_record").options == []


def test_objections_page_offers_the_subjects_records_in_words(app_env: dict, query) -> None:
    rec = query("""SELECT subject_id, record_id FROM records WHERE polarity = 'negative'
                   ORDER BY subject_id, record_id LIMIT 1""").iloc[0]
    at = _ok(page("objections", "admin"))
    # typed in lower case: the subject as stored
    at.text_input(key="obj_subject").input(rec["subject_id"].lower()).run()
    picker = at.selectbox(key="obj_record")
    mine = query(
        "SELECT DISTINCT record_id FROM records WHERE subject_id = ? AND polarity = 'negative'",
        [rec["subject_id"]],
    )
    assert sorted(picker.options) == sorted(picker.format_func(r) for r in mine["record_id"])
    label = picker.format_func(rec["record_id"])
    # kind, date and department in words, then the record's ID; no codes, no "None"
    assert label.endswith(f"记录 {rec['record_id']}") and "None" not in label
    assert not any(c.isascii() and c.isalpha() for c in label.split(" · ")[0])


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("overview", "Overview"),
        ("profile", "Subject profile"),
        ("models", "Models"),
        ("objections", "Objections and repair"),
        ("quality", "Data quality"),
    ],
)
def test_every_page_speaks_english_when_asked(app_env: dict, name: str, title: str) -> None:
    at = _ok(page(name, "admin", lang="en"))
    assert at.title[0].value == title
    shown = [w.label for w in [*at.text_input, *at.selectbox, *at.metric]]
    assert shown and not [s for s in shown if any("\u4e00" <= ch <= "\u9fff" for ch in s)]
