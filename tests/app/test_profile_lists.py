"""The profile page's 名单 section on a hand-made city (issue 17): a person's profile shows
the firm's black listing that names them with the measures reaching them, their ID
masked for a masked role; the firm's profile shows its listing and its whole trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from page_text import apptest_texts, check
from streamlit.testing.v1 import AppTest

from features.records.ids import id_check_char, mask_id, uscc_check_char
from features.records.windows import WindowPolicy
from features.store.duckdb_store import DuckDBStore

PAGE = Path(__file__).resolve().parents[2] / "app" / "pages" / "profile_page.py"
FIRM = "915303007230000" + "11" + uscc_check_char("91530300723000011")
REP = "53030219800101021" + id_check_char("53030219800101021")
CLERK = "53030219800101022" + id_check_char("53030219800101022")


def _city(path: Path) -> None:
    import sys

    sys.path.append(str(Path(__file__).resolve().parents[1] / "scoring"))
    from little_city import record, subject, table_frame

    from scoring.list_decisions import enter_by_decision, exit_on_repair
    from scoring.lists import ListsConfig
    from scoring.objections import approve_repair

    lists = ListsConfig(months={"black": 36, "red": 12, "watch": 36})
    with DuckDBStore(path) as st:
        st.append(
            "subjects",
            table_frame(
                [
                    subject(FIRM, "曲靖寅建材有限公司", legal_rep_id=REP),
                    subject(REP, "吴十", "household"),
                    subject(CLERK, "郑一", "household"),
                ],
                "subjects",
            ),
        )
        st.append(
            "records",
            table_frame(
                [
                    record("PN7", FIRM, "administrative_penalty", event="2026-05-01",
                           published="2026-05-03", severity="general", value_text="other",
                           valid_until="2029-05-01"),
                    # the data run to 2026-10-31: the page reads the lists on that day
                    record("TX7", FIRM, "tax_paid", event="2026-10-30", published="2026-10-31",
                           polarity="positive", amount=80_000.0, domain="tax", dept="tax"),
                    record("PN8", FIRM, "administrative_penalty", event="2026-02-01",
                           published="2026-02-03", severity="minor", value_text="other",
                           valid_until="2027-02-01"),
                ],
                "records",
            ),
        )  # fmt: skip
        enter_by_decision(
            st, FIRM, "black", "市市场监督管理局", "曲市监罚〔2026〕9号", ["PN7"],
            "拒不履行行政处罚决定", dt.date(2026, 6, 1), lists, "tester", persons=[REP, CLERK],
            policy=WindowPolicy(),
        )  # fmt: skip
        watch = enter_by_decision(
            st, FIRM, "watch", "市市场监督管理局", "曲市监〔2026〕4号", ["PN8"], "一般违法",
            dt.date(2026, 3, 1), lists, "tester",
            policy=WindowPolicy(),
        )  # fmt: skip
        approve_repair(st, "PN8", "tester", dt.date(2026, 8, 1), WindowPolicy())
        exit_on_repair(st, watch, dt.date(2026, 8, 1), "已整改并完成信用修复", lists, "tester")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, make_settings) -> Iterator[Path]:
    import streamlit as st

    from app.settings import settings

    folder = tmp_path_factory.mktemp("profile-lists")
    store = folder / "city.duckdb"
    _city(store)
    overlay = make_settings(folder, folder / "mlruns")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_SETTINGS", str(overlay))
        mp.setenv("XINPING_STORE", str(store))
        settings.cache_clear()
        st.cache_resource.clear()
        yield store
        st.cache_resource.clear()
        settings.cache_clear()


def _open(query: str, role: str = "supervisor") -> list:
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.session_state["lang"] = "zh"
    at.session_state["user"] = {
        "username": f"t-{role}",
        "role": role,
        "display_name": "测试",
        "region_code": None,
    }
    at.run()
    at.text_input(key="query").input(query).run()
    assert not at.exception, at.exception
    return apptest_texts(at)


def test_a_persons_profile_shows_the_firms_listing_naming_them_masked(env: Path) -> None:
    texts, chart_problems = _open(REP)  # a person is found by the full ID
    words = "\n".join(t.text for t in texts)
    assert "列明本人的单位严重失信名单及所及措施" in words
    assert "曲靖寅建材有限公司" in words and "法定代表人" in words
    assert "市场和行业禁入" in words  # P-MKT-01 reaches the legal representative
    assert REP not in words and mask_id(REP) in words  # a supervisor sees the ID masked
    # the tables read as Chinese (the ID caption's county-code prefix is the walk's business)
    tables = [t for t in texts if "dataframe" in t.where]
    assert tables and not check(tables, "zh", "曲靖寅建材有限公司") and not chart_problems


def test_a_firms_profile_shows_its_listing_and_its_trail(env: Path) -> None:
    texts, _ = _open(FIRM)
    words = "\n".join(t.text for t in texts)
    assert "曲市监罚〔2026〕9号" in words and "信用修复提前移出" in words
    assert "已整改并完成信用修复" in words
    assert REP not in words and CLERK not in words  # the persons named, masked
    tables = [t for t in texts if "dataframe" in t.where]
    assert tables and not check(tables, "zh", "曲靖寅建材有限公司\n拒不履行行政处罚决定\n一般违法")
