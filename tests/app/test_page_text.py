"""The page text check can fail: planted English words, ``None``, raw codes, midnight
timestamps, untitled chart guides and English month names are all caught — on plain
text, on a table as the grid draws it and on a chart spec — while the app's own table
and chart components pass."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from page_text import apptest_texts, check, problems
from streamlit.testing.v1 import AppTest


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("企业规模：small", "an English word 'small'"),
        ("等级 NR", "an English word 'NR'"),
        ("性质 neutral", "an English word 'neutral'"),
        ("信息类别 administrative_penalty", "a raw code 'administrative_penalty'"),
        ("None", "'None' shown as a value"),
        ("违约概率 NaN", "'NaN' shown as a value"),
        ("<NA>", "'<NA>' shown as a value"),
        ("True", "'True' shown as a value"),
        ("2026-09-30 00:00:00", "a midnight timestamp"),
        ("2026-12-03 16:10:24", "a timestamp with seconds"),
        ("违约概率 0.0324", "a raw number 0.0324"),
        ("地区 530302", "a county code 530302 where its name is meant"),
        ("近12个月用电7,698kWh", "an English word 'kWh'"),
        ("October 2026", "an English word 'October'"),
        ("批次 abcdefgh", "an English word 'abcdefgh'"),
        ("“2025-07-32”不是有效日期（应为 YYYY-MM-DD）", "an English word 'YYYY-MM-DD'"),
        ("代码 'abc' 无效", "an English word 'abc'"),
    ],
)
def test_a_planted_defect_is_found(text: str, found: str) -> None:
    assert found in problems(text, "zh")


@pytest.mark.parametrize(
    "text",
    [
        "信用风险分类 A（信用风险低）",
        "违约概率 3.05%",
        "2026-09-30",
        "2026-12-03 16:10",
        "91530302002461126L",
        "记录 E00000043444",
        "样本外AUC 0.772",
        "模型 xinping-enterprise 版本 1",
        "请先运行 xinping score --subject enterprise。",
        "纳税信用级别 M级",
        "SHAP 贡献",
        "未评为信用户",
        "挑战者运行 38890aba",
        "抽查批次 INS-20261031-3b205c40：抽取 124 户企业",
        "已保存评议记录 VC-20261031-D37C4B1C24",
        "主体标识=915303**********2X：不是有效的统一社会信用代码：校验码为 'X'，应为 'P'",
        "“2025-07-32”不是有效日期（应为“年-月-日”，如 2026-01-31）",
    ],
)
def test_what_a_chinese_page_may_show_passes(text: str) -> None:
    assert problems(text, "zh") == []


def test_an_english_page_may_show_names_but_not_chinese_words() -> None:
    names = "曲靖市麒麟区沾美科技有限公司\n老松街道"
    assert problems("Profile of 曲靖市麒麟区沾美科技有限公司", "en", names) == []
    assert problems("Grade 未评为信用户", "en", names) == [
        "Chinese '未评为信用户' on an English page"
    ]


def test_a_code_column_may_hold_county_codes_and_free_text_any_words() -> None:
    assert problems("530302", "zh", code_column=True) == []
    assert problems("records_2026.csv", "zh", free=True) == []
    assert problems("注册资本规模（对数）3.006", "zh", reason=True) == [
        "a value through a transform (log)"
    ]


PLANTED = textwrap.dedent("""
    import datetime as dt
    import altair as alt
    import pandas as pd
    import streamlit as st
    from app.components import charts, tables

    frame = pd.DataFrame({
        "name": ["某公司", None], "final_grade": ["NR", "A"], "pd": [0.0324, None],
        "as_of": [dt.date(2026, 9, 30), None], "current": [True, False],
        "scored_at": [pd.Timestamp("2026-12-03 16:10:24"), pd.NaT]})
    if st.session_state.get("plant"):
        # what a page did before: the raw frame, no column settings, no placeholder
        st.dataframe(frame.assign(kind=["administrative_penalty", "loan"],
                                  as_of=pd.to_datetime(frame["as_of"])))
        st.altair_chart(alt.Chart(frame).mark_point().encode(
            x="scored_at:T", y="final_grade:N", tooltip=["final_grade", "pd"]))
    else:
        tables.show(frame, ["name", "final_grade", "pd", "as_of", "current", "scored_at"])
        history = frame.assign(scheme="household", scheme_label="农户信用评价",
                               as_of=pd.to_datetime(["2026-09-30", "2026-10-31"]))
        st.altair_chart(charts.grade_history(history, ["AAA", "AA", "A", "NR"], "zh"))
""")


@pytest.fixture()
def planted(tmp_path: Path) -> Path:
    script = tmp_path / "planted.py"
    script.write_text(PLANTED, encoding="utf-8")
    return script


def test_the_app_components_render_a_table_and_a_chart_that_pass(planted: Path) -> None:
    at = AppTest.from_file(str(planted))
    at.session_state["lang"] = "zh"
    texts, faults = apptest_texts(at.run())
    assert not at.exception, at.exception
    shown = {t.text for t in texts}
    assert {"未评为信用户", "3.24%", "2026-09-30", "是", "否", "—", "2026-12-03 16:10"} <= shown
    assert faults == [] and check(texts, "zh") == []


def test_the_walk_catches_a_raw_table_and_an_untitled_chart(planted: Path) -> None:
    at = AppTest.from_file(str(planted))
    at.session_state["lang"] = "zh"
    at.session_state["plant"] = True
    texts, faults = apptest_texts(at.run())
    found = "\n".join(check(texts, "zh") + faults)
    for expected in (
        "'None' shown as a value",
        "an English word 'NR'",
        "a raw code 'administrative_penalty'",
        "a midnight timestamp",
        "a timestamp with seconds",
        "'true' shown as a value",
        "a raw number 0.0324",
        "no title (Vega-Lite shows the field name",
        "a date without a format (English month names)",
        "a number without a format",
    ):
        assert expected in found, f"not caught: {expected}\n{found}"


def test_a_grade_code_that_is_no_letter_reads_as_its_scale_label() -> None:
    """``NR`` on the household scale is a rated household that is no credit household:
    it reads as the scale says (未评为信用户), never as "not rated"; a letter grade reads
    as it is."""
    from app.components.formats import grade
    from models.rating import is_letter_grade, load_scale

    scales = [
        load_scale(p.stem) for p in (Path(__file__).parents[2] / "models/scales").glob("*.toml")
    ]
    grades = [g for s in scales for g in s.grades]
    codes = [g for g in grades if not is_letter_grade(g.key)]
    assert {g.key for g in codes} == {"NR"}
    for g in grades:
        shown = (grade(g.key, "zh"), grade(g.key, "en"))
        assert shown == ((g.label_zh, g.label_en) if g in codes else (g.key, g.key)), g.key
    assert grade("NR", "zh") == "未评为信用户" and grade("NR", "en") == "Not a credit household"
