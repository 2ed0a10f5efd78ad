"""The profile page of a firm rated by a published rule alone (a sector evaluation):
the grade is the rule's band, the caption says no model made it, the reasons are the
rule's items, and every text reads as Chinese (no model name, no code, no log-odds)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from page_text import apptest_texts, check
from streamlit.testing.v1 import AppTest

from features.store.duckdb_store import DuckDBStore

PAGE = Path(__file__).resolve().parents[2] / "app" / "pages" / "profile_page.py"
KEY = "construction_credit"


@pytest.fixture(scope="module")
def env(
    scoring_city_file: Path, tmp_path_factory: pytest.TempPathFactory, make_settings
) -> Iterator[tuple[str, str]]:
    import streamlit as st

    from app.settings import settings
    from scoring.batch import score_scheme
    from scoring.loader import rule_model

    folder = tmp_path_factory.mktemp("profile-rule")
    store = folder / "city.duckdb"
    shutil.copy(scoring_city_file, store)
    with DuckDBStore(store) as s:
        score_scheme(s, rule_model(KEY), dt.date(2026, 10, 31))
        # the firm with the fewest points: items that scored, a band below the start
        firm, name = s.query(
            "SELECT r.subject_id, s.name FROM ratings r JOIN subjects s USING (subject_id) "
            "WHERE r.scheme = ? ORDER BY r.score, r.subject_id LIMIT 1",
            [KEY],
        ).iloc[0]
    overlay = make_settings(folder, folder / "mlruns")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_SETTINGS", str(overlay))
        mp.setenv("XINPING_STORE", str(store))
        settings.cache_clear()
        st.cache_resource.clear()
        yield str(firm), str(name)
        st.cache_resource.clear()
        settings.cache_clear()


def test_a_rule_rated_firm_reads_its_rule_in_chinese(env) -> None:
    firm, name = env
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.session_state["lang"] = "zh"
    at.session_state["user"] = {
        "username": "t-supervisor",
        "role": "supervisor",
        "display_name": "测试",
        "region_code": None,
    }
    at.run()
    at.text_input(key="query").input(firm).run()
    assert not at.exception, at.exception
    assert not at.radio  # rated by the sector's rule only here: no scheme to choose
    texts, chart_problems = apptest_texts(at)
    words = "\n".join(t.text for t in texts)
    assert "按公布的评价规则定级（无模型）" in words
    assert "本方案按公布的评价规则定级，不使用模型" in words
    assert "rule:" not in words and "对数几率" not in words
    assert not check(texts, "zh", name) and not chart_problems
