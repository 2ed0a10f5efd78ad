"""The work pages with ``AppTest``: 分级分类监管, 信易贷 and 农村信用 (refusals without the
role are in test_pages.py, which covers every page of PAGE_ROLES)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from features.store.duckdb_store import DuckDBStore
from scoring.audit import views_of

PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"


def page(name: str, role: str, lang: str = "zh") -> AppTest:
    """A page run as a signed-in user of ``role``."""
    at = AppTest.from_file(str(PAGES / f"{name}_page.py"), default_timeout=240)
    at.session_state["lang"] = lang
    at.session_state["user"] = {
        "username": f"test-{role}",
        "role": role,
        "display_name": f"测试{role}",
        "region_code": None,
    }
    return at.run()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def frames(at: AppTest, header: str) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if header in d.value.columns]


# --- 分级分类监管 -------------------------------------------------------------


def test_supervision_shows_classes_reasons_and_ratios(app_env: dict) -> None:
    at = ok(page("supervision", "supervisor"))
    assert at.title[0].value == "分级分类监管"
    assert at.selectbox(key="as_of").value == app_env["as_of"]
    assert len(at.get("vega_lite_chart")) == 1
    ratios = frames(at, "抽查比例")[0]
    assert list(ratios["信用风险分类"]) == [
        "A（信用风险低）",
        "B（信用风险一般）",
        "C（信用风险较高）",
        "D（信用风险高）",
    ]
    assert list(ratios["抽查比例"]) == ["2%", "5%", "30%", "80%"]
    assert list(ratios["抽查频次上限"]) == ["每2年1次", "每年1次", "每年2次", "不限"]
    firms = frames(at, "主要理由")[0]
    assert len(firms) > 100 and set(firms["信用风险分类"].str[0]) <= {"A", "B", "C", "D"}
    # the columns a supervisor reads first come first
    assert list(firms.columns[:5]) == ["名称", "主体标识", "信用风险分类", "所在名单", "主要理由"]
    assert firms["主要理由"].str.len().gt(0).mean() > 0.5
    # beside each class the supervision measures in force, and how many of its firms are listed
    measures = frames(at, "措施性质")[0]
    assert {"A（信用风险低）", "D（信用风险高）", "不论分类"} <= set(measures["信用风险分类"])
    d = measures[measures["信用风险分类"] == "D（信用风险高）"]
    assert list(d["措施"]) == ["列为重点监管对象（增加检查频次）"] and list(d["措施性质"]) == [
        "强制性"
    ]
    counts = frames(at, "企业数")[0]
    assert counts["企业数"].sum() == len(firms)
    for name in ("红名单", "黑名单", "重点关注名单"):  # the class table agrees with the column
        assert counts[name].sum() == firms["所在名单"].str.contains(name).sum()
    assert counts[["红名单", "黑名单", "重点关注名单"]].sum().sum() > 0
    at.multiselect(key="f_class").set_value(["D"]).run()
    ok(at)
    only_d = frames(at, "主要理由")[0]
    assert 0 < len(only_d) < len(firms) and set(only_d["信用风险分类"]) == {"D（信用风险高）"}


def test_supervision_draws_stores_and_exports_the_list(app_env: dict, query) -> None:
    at = ok(page("supervision", "supervisor"))
    at.number_input(key="seed").set_value(20261031)
    at.button(key="draw_submit").click().run()
    ok(at)
    assert any("抽查批次" in s.value for s in at.success), [e.value for e in at.error]
    listing = frames(at, "抽取方式")[0]
    stored = query("SELECT * FROM inspections")
    assert stored["draw_id"].nunique() == 1 and len(stored) == len(listing) > 0
    assert set(stored["subject_id"]) == set(listing["主体标识"])
    assert set(stored["seed"]) == {20261031} and set(stored["drawn_by"]) == {"test-supervisor"}
    summary = frames(at, "抽取数")[0]
    assert summary["抽取数"].iloc[-1] == len(listing) and summary["信用风险分类"].iloc[-1] == "合计"
    assert any("保底比例" in c.value for c in at.caption) or at.warning
    assert len(at.get("download_button")) == 2
    log = query("SELECT * FROM audit_log WHERE action = 'inspection_draw'")
    assert len(log) == 1 and log["role"].iloc[0] == "supervisor"
    assert stored["draw_id"].iloc[0] in log["detail"].iloc[0]


def test_supervision_draw_of_one_district_keeps_to_it(app_env: dict, query) -> None:
    from scoring.policies.inspection import region_prefix

    code = query("""SELECT region_code, count(*) AS n FROM subjects
                    WHERE subject_type = 'enterprise' GROUP BY 1
                    ORDER BY n DESC LIMIT 1""")["region_code"].iloc[0]
    at = ok(page("supervision", "admin"))
    at.selectbox(key="draw_region").set_value(code)
    at.button(key="draw_submit").click().run()
    ok(at)
    listing = frames(at, "抽取方式")[0]
    assert len(listing) > 0
    assert listing["行政区划代码"].str.startswith(region_prefix(code)).all()


def test_supervision_csv_helpers_write_a_bom_and_two_sheets() -> None:
    from app.data.supervision import csv_bytes, excel_bytes

    frame = pd.DataFrame({"企业名称": ["曲靖某公司"], "信用风险分类": ["A"]})
    raw = csv_bytes(frame)
    assert raw.startswith(b"\xef\xbb\xbf") and "曲靖某公司" in raw.decode("utf-8-sig")
    book = pd.read_excel(
        io.BytesIO(excel_bytes({"抽查名单": frame, "抽查汇总": frame})), sheet_name=None
    )
    assert list(book) == ["抽查名单", "抽查汇总"]


# --- 信易贷 ------------------------------------------------------------------


def _sme(query, declined: bool | None = None) -> tuple[str, str]:
    row = query("""SELECT s.subject_id, s.name FROM ratings r JOIN subjects s USING (subject_id)
                   WHERE r.scheme = 'sme' ORDER BY r.subject_id LIMIT 1""").iloc[0]
    return row["subject_id"], row["name"]


def test_lending_needs_the_authorisation_reference_before_anything_opens(
    app_env: dict, query
) -> None:
    sid, _name = _sme(query)
    at = ok(page("lending", "bank"))
    at.text_input(key="query").input(sid).run()
    ok(at)
    assert any("授权编号" in w.value for w in at.warning)
    assert not at.metric and not at.header
    assert (
        query(
            "SELECT count(*) AS n FROM audit_log WHERE user_name = 'test-bank' "
            "AND action = 'view_subject'"
        )["n"].iloc[0]
        == 0
    )


def test_lending_shows_the_decision_reasons_and_logs_the_reference(app_env: dict, query) -> None:
    sid, name = _sme(query)
    at = ok(page("lending", "bank"))
    at.text_input(key="auth").input("SQ-2026-0001")
    at.text_input(key="query").input(name).run()
    ok(at)
    assert at.header[0].value == name
    labels = {m.label: m.value for m in at.metric}
    for label in ("信易贷等级", "信用分", "违约概率", "授信建议", "建议额度（元）", "利率档次"):
        assert label in labels
    assert labels["授信建议"] in ("建议授信", "不予授信")
    text = " ".join(m.value for m in at.markdown)
    assert "推高风险的主要因素" in text
    # the lists and the lending measures, where the officer reads the decision
    assert "名单与联合奖惩" in [h.value for h in at.subheader]
    assert "现列入名单及记录" in text and "适用的金融信贷措施" in text
    assert at.get("download_button")  # the credit report
    log = query("SELECT * FROM audit_log WHERE user_name = 'test-bank' AND action = 'view_subject'")
    assert list(log["subject_id"]) == [sid] and "SQ-2026-0001" in log["detail"].iloc[0]
    at.text_input(key="auth").input("SQ-2026-0002").run()  # another authorisation: logged
    assert (
        len(
            query(
                "SELECT * FROM audit_log WHERE user_name = 'test-bank' AND action = 'view_subject'"
            )
        )
        == 2
    )


def test_lending_reports_applicants_row_by_row(app_env: dict, query) -> None:
    from app.data.applicants import applicant_ids, read_applicants
    from app.settings import settings
    from features.store.duckdb_store import DuckDBStore
    from scoring.lending_decision import applicant_decisions

    rated = list(
        query("SELECT DISTINCT subject_id FROM ratings WHERE scheme = 'sme' ORDER BY 1 LIMIT 3")[
            "subject_id"
        ]
    )
    unrated = query("""SELECT subject_id FROM subjects WHERE subject_type = 'enterprise'
                       AND subject_id NOT IN (SELECT subject_id FROM ratings
                                              WHERE scheme = 'sme') LIMIT 1""")["subject_id"]
    from features.records.ids import uscc_check_char

    nobody = "91530300MA0000001"  # a well-formed USCC of no subject
    ids = [*rated, nobody + uscc_check_char(nobody), "", *unrated]
    csv = pd.DataFrame({"统一社会信用代码": ids, "企业名称": "x"}).to_csv(index=False)
    assert applicant_ids(read_applicants(csv.encode("utf-8-sig"))) == [i.upper() for i in ids]
    with DuckDBStore(app_env["store"]) as store:
        out = applicant_decisions(
            store,
            app_env["as_of"],
            applicant_ids(read_applicants(csv.encode())),
            settings().lending.config(),
            settings().build_config(),
        )
    assert list(out["row_number"]) == list(range(1, len(ids) + 1))
    assert list(out["status"]) == ["ok"] * 3 + ["unknown", "empty", "unrated"]
    assert out["grade"].iloc[:3].notna().all() and out["grade"].iloc[3:].isna().all()


def test_lending_refuses_a_file_without_an_id_column() -> None:
    from app.data.applicants import ApplicantsError, read_applicants

    with pytest.raises(ApplicantsError):
        read_applicants(b"name\nfoo\n")


# --- 农村信用 ----------------------------------------------------------------


def test_rural_drills_down_to_a_village_and_its_households(app_env: dict, query) -> None:
    at = ok(page("rural", "rural"))
    assert at.title[0].value == "农村信用"
    labels = {m.label: m.value for m in at.metric}
    assert {"信用户", "信用村", "信用乡镇"} <= set(labels)
    assert frames(at, "信用乡镇") and frames(at, "信用村数")
    village = at.selectbox(key="village").value
    verdicts = [*at.success, *at.error, *at.warning]
    assert any("信用村" in v.value for v in verdicts)
    crit = frames(at, "条件")
    assert crit and crit[-1]["说明"].str.len().gt(0).all()
    people = frames(at, "利率优惠")[0]
    assert len(people) > 0 and people["主体标识"].str.contains(r"\*").sum() == 0  # full IDs
    log = query(
        "SELECT subject_id FROM audit_log WHERE user_name = 'test-rural' "
        "AND action = 'view_subject'"
    )
    assert village in set(log["subject_id"])


def test_rural_village_shows_its_cooperatives_and_family_farms(app_env: dict) -> None:
    at = ok(page("rural", "rural"))
    codes = [o.split(" · ")[-1] for o in at.selectbox(key="township").options]
    for township in codes:
        at.selectbox(key="township").set_value(township).run()
        villages = frames(at, "新型农业经营主体数")[0]
        assert (villages["其中评为最低等级"] <= villages["新型农业经营主体数"]).all()
        for option in at.selectbox(key="village").options:
            at.selectbox(key="village").set_value(option.split(" · ")[-1]).run()
            farms = frames(at, "等级含义")
            if farms:
                names = farms[0]["名称"]
                assert names.str.contains("农民专业合作社|家庭农场").all()
                assert set(farms[0]["等级含义"]) <= {"优秀", "良好", "一般", "较差"}
                return
    pytest.fail("no village of the tiny city shows a rated co-operative or family farm")


def test_rural_failing_village_lists_the_households_weighing_most(app_env: dict) -> None:
    at = ok(page("rural", "admin"))
    codes = [o.split(" · ")[-1] for o in at.selectbox(key="township").options]
    for township in codes:
        at.selectbox(key="township").set_value(township).run()
        for option in at.selectbox(key="village").options:
            at.selectbox(key="village").set_value(option.split(" · ")[-1]).run()
            if any("未评为信用村" in e.value for e in at.error):
                heavy = frames(at, "拖累项数")
                assert heavy and len(heavy[0]) > 0
                return
    pytest.skip("every village of the tiny city is a 信用村")


def test_rural_assessment_is_a_new_record_and_re_rates_the_household(app_env: dict, query) -> None:
    at = ok(page("rural", "rural"))
    household = at.selectbox(key="household").value
    before = query("SELECT count(*) AS n FROM records WHERE kind = 'village_assessment'")
    at.number_input(key="score").set_value(35)
    at.text_input(key="note").input("更正：去年评议录入有误")
    at.button(key="save").click().run()
    ok(at)
    assert any("已保存评议记录" in s.value for s in at.success), [e.value for e in at.error]
    new = query(
        "SELECT * FROM records WHERE kind = 'village_assessment' AND subject_id = ? "
        "ORDER BY recorded_at DESC LIMIT 1",
        [household],
    ).iloc[0]
    assert new["value_num"] == 35 and new["source_dept"] == "village_committee"
    assert new["record_id"].startswith("VC-")
    after = query("SELECT count(*) AS n FROM records WHERE kind = 'village_assessment'")
    assert after["n"].iloc[0] == before["n"].iloc[0] + 1
    changes = frames(at, "新等级")
    # the household, then the co-operatives of its village: they count the households
    # with an assessment on record (village_households), so they are re-rated with it
    shown = list(changes[0]["主体标识"]) if changes else []
    assert shown[:1] == [household]
    village = query("SELECT village_code FROM subjects WHERE subject_id = ? LIMIT 1", [household])[
        "village_code"
    ].iloc[0]
    coops = query(
        "SELECT DISTINCT subject_id FROM subjects WHERE village_code = ? "
        "AND subject_type = 'agri_business'",
        [village],
    )["subject_id"]
    assert set(shown[1:]) <= set(coops) and len(shown) > 1  # the demo's villages have co-ops
    rating = query(
        "SELECT reasons FROM ratings WHERE subject_id = ? AND scheme = 'household' "
        "ORDER BY scored_at DESC LIMIT 1",
        [household],
    )["reasons"].iloc[0]
    assert new["record_id"] in rating
    log = query("SELECT * FROM audit_log WHERE action = 'village_assessment'")
    assert set(log["role"]) == {"rural"}
    # the log keeps the household head's ID as its keyed hash (scoring/audit.py)
    assert len(log) == 1 and log["subject_id"].iloc[0].startswith("pid:")
    with DuckDBStore(app_env["store"]) as st:
        assert "village_assessment" in set(views_of(st, household)["action"])
    # the page is drawn again after the save: above the form, the new assessment and the
    # villages with the new rating; the result brought up to date with the assessment
    # alone is what rating every village again gives
    from app.data import rural as rural_data
    from app.settings import settings
    from scoring.rural_rating import rural_assessment

    assert any(f"记录 {new['record_id']}" in c.value for c in at.caption)
    with DuckDBStore(app_env["store"]) as st:
        # the entry kept for this store's data now (other tests' stores have theirs)
        key = (str(Path(app_env["store"]).resolve()), st.data_version())
        kept = rural_data.updated_result(key, at.date_input(key="on").value)
        assert kept is not None
        cfg = settings()
        fresh = rural_assessment(st, kept.on, cfg.rural.config(), cfg.build_config())
    pd.testing.assert_frame_equal(
        kept.offers.sort_values("subject_id").reset_index(drop=True),
        fresh.offers.sort_values("subject_id").reset_index(drop=True),
    )
    shown = next(m.value for m in at.metric if m.label == "信用户")
    credit = int(fresh.offers["credit_household"].sum())
    assert shown == f"{credit:,} / {len(fresh.offers):,}"
    ok(at.run())  # the outcome is shown once, under the form, after the save
    assert not any("已保存评议记录" in s.value for s in at.success)


def test_rural_views_leave_the_shared_result_as_it_is(app_env: dict) -> None:
    """农村信用 shares one result between sessions and page runs without copying it: every
    view the page draws from it leaves it as it was."""
    import copy

    from app.data import rural as rural_data
    from app.settings import settings
    from scoring.history import latest_as_of
    from scoring.rural_rating import rural_assessment

    cfg = settings()
    with DuckDBStore(app_env["store"], read_only=True) as st:
        result = rural_assessment(
            st, latest_as_of(st, "household"), cfg.rural.config(), cfg.build_config()
        )
        before = copy.deepcopy(result)
        tw = rural_data.townships(result, rural_data.names(st, "township"))
        township = tw["township_code"].iloc[0]
        vs = rural_data.villages(result, township, rural_data.names(st, "village"))
        village = vs["village_code"].iloc[0]
        for unit, lang in ((village, "zh"), (township, "en")):
            shown = rural_data.criteria(result, unit, lang)
            shown["label"] = "x"  # what the page does to its copy
        people = rural_data.households(result, village, rural_data.village_people(st, village))
        people["pd"] = 0.0
        businesses = rural_data.businesses(result, village, "zh")
        businesses["grade_label"] = "x"  # a frame handed out as it is would be changed too
    assert len(people) > 0
    for name in ("households", "offers", "businesses"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(before, name), obj=name)
    for unit in ("villages", "townships"):
        for part in ("units", "criteria"):
            pd.testing.assert_frame_equal(
                getattr(getattr(result, unit), part),
                getattr(getattr(before, unit), part),
                obj=f"{unit}.{part}",
            )


# --- profile additions ---------------------------------------------------------


def test_profile_of_a_driver_shows_the_points_rule_green_channel_and_report(
    app_env: dict, query
) -> None:
    driver = query(
        "SELECT subject_id FROM ratings WHERE scheme = 'driver' ORDER BY subject_id LIMIT 1"
    )["subject_id"].iloc[0]
    at = page("profile", "admin")
    ok(at.text_input(key="query").input(driver).run())
    labels = {m.label for m in at.metric}
    assert "诚信考核记分" in labels  # the declared rule's label (driver.INTEGRITY)
    assert at.get("download_button")
    assert at.success or any("绿色通道" in c.value for c in at.caption)


def test_profile_of_a_capped_driver_shows_the_final_grade_and_the_rule(
    app_env: dict, query
) -> None:
    row = query(
        "SELECT subject_id, final_grade, overrides FROM ratings WHERE scheme = 'driver' "
        "AND overrides LIKE '%points_rule%' ORDER BY as_of DESC, subject_id LIMIT 1"
    )
    driver, final = row["subject_id"].iloc[0], row["final_grade"].iloc[0]
    at = page("profile", "admin")
    ok(at.text_input(key="query").input(driver).run())
    assert at.metric[0].value == final  # the final grade comes first
    rule = [o for o in json.loads(row["overrides"].iloc[0]) if o["indicator"] == "points_rule"]
    assert any(rule[0]["reason_zh"] in w.value for w in at.warning)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("supervision", "Risk-based supervision"),
        ("lending", "Credit-based lending"),
        ("rural", "Rural credit"),
    ],
)
def test_work_pages_speak_english(app_env: dict, name: str, title: str) -> None:
    at = ok(page(name, "admin", lang="en"))
    assert at.title[0].value == title
    shown = [w.label for w in [*at.text_input, *at.selectbox, *at.metric, *at.number_input]]
    assert shown and not [s for s in shown if any("\u4e00" <= ch <= "\u9fff" for ch in s)]
