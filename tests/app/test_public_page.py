"""The 信用公示 page, signed out, in process (AppTest) on the public city
(tests/public_city.py): search, lists, identity and the online objection; Chinese only."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from public_city import FIRM, FIRM_NAME, PERSON, PERSON_NAME, REP, build_public_city
from streamlit.testing.v1 import AppTest

from features.store.duckdb_store import DuckDBStore

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "app" / "pages" / "public_page.py"
ROUTER = ROOT / "app" / "streamlit_app.py"


@pytest.fixture(scope="module")
def public_env(tmp_path_factory) -> Iterator[Path]:
    """Settings pointing at a file store holding the public city (data date 2026-11-05)."""
    import streamlit as st

    from app.settings import settings

    folder = tmp_path_factory.mktemp("public-page")
    path = folder / "city.duckdb"
    with DuckDBStore(path) as store:
        build_public_city(store)
    overlay = folder / "settings.toml"
    overlay.write_text(
        '[store]\nmemory_limit = ""\n\n'
        "[lists]\nrules = [\n"
        ' { id = "black-serious-list", list = "black", label_zh = "严重违法失信名单",'
        ' kinds = ["serious_violation_list"] },\n'
        ' { id = "red-red-list", list = "red", label_zh = "红名单记录", kinds = ["red_list"] },\n'
        "]\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_SETTINGS", str(overlay))
        mp.setenv("XINPING_STORE", str(path))
        settings.cache_clear()
        st.cache_resource.clear()
        yield path
        st.cache_resource.clear()
        settings.cache_clear()


def _page() -> AppTest:
    return AppTest.from_file(str(PAGE), default_timeout=60)


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [e.value for e in at.error] + [e.value for e in at.success] + [i.value for i in at.info]
    )
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    return "\n".join(str(p) for p in parts)


def test_signed_out_visitor_sees_disclosures_and_lists_in_chinese(public_env: Path) -> None:
    at = _page().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    text = _text(at)
    assert FIRM_NAME in text and "张**" in text and "110105**********2X" in text
    assert PERSON not in text and PERSON_NAME not in text and REP not in text
    assert "行政处罚" in text and "行政许可" in text and "市场监督管理局" in text
    assert "曲靖乙物流有限公司" in text and "曲靖戊食品有限公司" in text  # black, red
    assert "曲靖丙化工有限公司" not in text  # suspended listing
    # no code, None or English word on the Chinese page (IDs, dates and numbers aside)
    words = set(re.findall(r"[A-Za-z_]{2,}", text))
    assert words <= set(), words


def test_identity_mismatch_says_only_that_and_a_match_shows_own_records(public_env: Path) -> None:
    at = _page().run()
    at.text_input(key="pub_code").input(FIRM)
    at.text_input(key="pub_name").input(FIRM_NAME)
    at.text_input(key="pub_rep").input(PERSON)
    at.button(key="pub_check").click().run()
    assert [e.value for e in at.error] == ["信息不符"]
    at.text_input(key="pub_rep").input(REP)
    at.button(key="pub_check").click().run()
    assert not at.error and not at.exception
    own = at.dataframe[-1].value.to_string()
    assert "仅本主体可见" in own and "公示中" in own and "纳税" in own
    at.selectbox(key="pub_rec").select("P6")
    at.text_area(key="pub_reason").input("该处罚已撤销")
    at.text_input(key="pub_contact").input("13800000000")
    at.button(key="pub_send").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("YYP6-1" in s.value for s in at.success)


def test_the_router_shows_the_public_page_link_to_a_signed_out_visitor(public_env: Path) -> None:
    at = AppTest.from_file(str(ROUTER), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    links = [str(getattr(p, "label", "")) for p in at.get("page_link")]
    assert "信用公示" in links and "登录" in links


def test_the_steward_sees_late_disclosures_on_the_objections_page(public_env: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app" / "pages" / "objections_page.py"), default_timeout=60)
    at.session_state["user"] = {
        "username": "test-admin",
        "role": "admin",
        "display_name": "测试管理员",
        "region_code": None,
    }
    at.run()
    # the tab is drawn only when open (it reads every department's records)
    assert not any(f.key == "late_from" for f in at.date_input)
    at.session_state["obj_tab"] = "双公示超期"
    at.run()
    at.date_input(key="late_from").set_value(dt.date(2026, 7, 1)).run()
    assert not at.exception, [e.value for e in at.exception]
    tables = [f.value for f in at.dataframe]
    summary = next(f for f in tables if "超期数" in f.columns)
    july = summary[summary["决定月份"] == "2026-07"].iloc[0]
    assert (july["决定部门"], july["超期数"], july["最长超期（工作日）"]) == (
        "市场监督管理局",
        "1",
        "3",
    )
    records = next(f for f in tables if "应公示截止" in f.columns)
    assert set(records["记录编号"]) == {"P4", "P6", "P7"}
