"""The 持续监测 section of 模型管理: lights, charts, back-test and alerts, in Chinese words."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from page_text import apptest_texts, check
from streamlit.testing.v1 import AppTest

PAGE = Path(__file__).resolve().parents[2] / "app" / "pages" / "models_page.py"


@pytest.fixture(scope="module")
def monitored(rated_city: dict, tmp_path_factory: pytest.TempPathFactory, make_settings):
    """A copy of the rated tiny city whose enterprise batches were monitored, one matured."""
    import streamlit as st

    from app.settings import settings
    from features.store.duckdb_store import DuckDBStore
    from scoring.batch import score_scheme
    from scoring.loader import load_model
    from training.monitor import MonitorConfig, monitor

    folder = tmp_path_factory.mktemp("monitored")
    store_path, home = folder / "city.duckdb", folder / "mlruns"
    shutil.copy(rated_city["path"], store_path)
    shutil.copytree(rated_city["home"], home)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_SETTINGS", str(make_settings(folder, home)))
        mp.setenv("XINPING_STORE", str(store_path))
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("MLFLOW_REGISTRY_URI", raising=False)
        settings.cache_clear()
        with DuckDBStore(store_path) as store:
            score_scheme(store, load_model("enterprise", home), dt.date(2025, 6, 30))
            result = monitor(store, "enterprise", home, rated_city["as_of"], MonitorConfig())
        st.cache_resource.clear()
        st.cache_data.clear()
        yield result
        st.cache_resource.clear()
        settings.cache_clear()


def _page(lang: str) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=240)
    at.session_state["lang"] = lang
    at.session_state["user"] = {
        "username": "test-modeller",
        "role": "modeller",
        "display_name": "测试modeller",
        "region_code": None,
    }
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_models_page_shows_each_batch_with_lights_backtest_and_alerts(monitored) -> None:
    at = _page("zh")
    assert "持续监测" in [h.value for h in at.subheader]
    lights = next(d.value for d in at.dataframe if "评分信号" in d.value.columns)
    batches = [r["batch_as_of"] for r in monitored.reports]
    assert list(lights["评级批次"]) == [f"{b} · v1" for b in batches] and len(batches) == 3
    assert set(lights["评分信号"]) <= {"● 绿", "● 黄", "● 红"}
    assert lights["表现期"].iloc[0] == "已满 12 个月"
    assert lights["表现期"].iloc[-1].startswith("未满：已观察 0/12")
    grades = next(d.value for d in at.dataframe if "杰弗里斯检验概率" in d.value.columns)
    assert set(grades["结果"]) <= {"通过", "未通过"} and len(grades) >= 2
    assert len(at.get("vega_lite_chart")) >= 2  # PSI per batch, the back-test
    alerts = sum(len(r["alerts"]) for r in monitored.reports)
    if alerts:
        table = next(d.value for d in at.dataframe if "说明" in d.value.columns)
        assert len(table) == alerts
    # the page reads as Chinese: no codes, None, English words or raw decimals
    texts, faults = apptest_texts(at)
    assert not faults, faults
    assert not check(texts, "zh"), check(texts, "zh")


def test_the_section_reads_in_english_and_says_when_nothing_was_monitored(monitored) -> None:
    at = _page("en")
    assert "Ongoing monitoring" in [h.value for h in at.subheader]
    texts, faults = apptest_texts(at)
    assert not faults and not check(texts, "en"), (faults, check(texts, "en"))
    at = _page("zh")
    at.selectbox(key="scheme").set_value("driver").run()
    assert not at.exception
    assert any("xinping monitor --subject driver" in i.value for i in at.info)
