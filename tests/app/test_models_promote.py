"""模型管理's promote button goes through the gates and leaves an audit row."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from features.store.duckdb_store import DuckDBStore

PAGE = Path(__file__).resolve().parents[2] / "app" / "pages" / "models_page.py"


@pytest.fixture(scope="module")
def challenger_env(rated_city: dict, make_settings, tmp_path_factory) -> Iterator[dict]:
    """A copy of the registry with a new driver challenger, and settings pointing at it."""
    import mlflow
    import streamlit as st

    from app.settings import settings
    from training.run import train_scheme
    from training.spec import load_spec

    folder = tmp_path_factory.mktemp("promote")
    home = folder / "mlruns"
    home.mkdir()
    shutil.copy(rated_city["home"] / "mlflow.db", home / "mlflow.db")
    store_path = folder / "city.duckdb"
    shutil.copy(rated_city["path"], store_path)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("MLFLOW_REGISTRY_URI", raising=False)
        with DuckDBStore(store_path) as store:
            spec = load_spec("driver").model_copy(update={"family": "scorecard"})
            result = train_scheme(store, "driver", spec, home, code_version="test-2")
        mp.setenv("XINPING_SETTINGS", str(make_settings(folder, home)))
        mp.setenv("XINPING_STORE", str(store_path))
        settings.cache_clear()
        st.cache_resource.clear()
        yield {"home": home, "store": store_path, "version": result.version}
        st.cache_resource.clear()
        settings.cache_clear()
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]


def test_champion_and_challenger_are_evaluated_once_on_the_same_data(
    challenger_env: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two sessions look at the comparison: each version is loaded and evaluated on the
    rebuilt out-of-time frame once, and the frame is built once."""
    import streamlit as st

    from app.data import modelling

    calls = {"frame": 0, "load": 0, "evidence": 0}
    for name in ("oot_frame", "load_version", "oot_evidence"):
        real = getattr(modelling, name)
        key = {"oot_frame": "frame", "load_version": "load", "oot_evidence": "evidence"}[name]

        def counted(*args, _real=real, _key=key, **kwargs):
            calls[_key] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(modelling, name, counted)
    st.cache_data.clear()
    for session in range(2):
        at = AppTest.from_file(str(PAGE), default_timeout=300)
        at.session_state["user"] = {
            "username": f"test-modeller-{session}",
            "role": "modeller",
            "display_name": "建模",
            "region_code": None,
        }
        at.run()
        at.selectbox(key="scheme").set_value("driver").run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("两个版本在同一份样本外数据上重新评估" in c.value for c in at.caption)
        assert calls == {"frame": 1, "load": 2, "evidence": 2}


def test_promote_button_judges_the_challenger_by_the_gates(challenger_env: dict) -> None:
    from models.registry import CHAMPION, connect, version_by_alias

    at = AppTest.from_file(str(PAGE), default_timeout=300)
    at.session_state["user"] = {
        "username": "test-modeller",
        "role": "modeller",
        "display_name": "建模",
        "region_code": None,
    }
    at.run()
    at.selectbox(key="scheme").set_value("driver").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"挑战者 v{challenger_env['version']}" in c.value for c in at.caption)
    at.button(key="promote").click().run()
    assert not at.exception, [e.value for e in at.exception]
    champion = version_by_alias(connect(challenger_env["home"]), "driver", CHAMPION).version
    if at.success:
        assert str(champion) == challenger_env["version"]
    else:  # refused: the failing gates are named, the champion stays
        assert at.error[0].value == "未晋升：以下门槛未通过。"
        assert str(champion) != challenger_env["version"]
        assert any("gate" in m.value or "AUC" in m.value for m in at.markdown)
    store = DuckDBStore(challenger_env["store"])
    try:
        log = store.query("SELECT * FROM audit_log WHERE action = 'promote'")
    finally:
        store.close()
    assert list(log["user_name"]) == ["test-modeller"] and list(log["role"]) == ["modeller"]
