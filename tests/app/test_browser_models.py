"""模型管理 in a real browser, as a modeller uses it: the gates a forced champion failed by
name, champion and challenger compared on the same out-of-time data, the validation
report's ROC and SHAP charts drawn in the page, and a retraining started from the page
that runs in the background and registers a new challenger.

The tiny city's driver scheme (scorecard): a challenger trained with an out-of-time AUC
gate it cannot pass is promoted by force (so the registry holds a real ``forced_over``),
then a second challenger is trained, so champion and challenger differ.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import serve_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.fixture(scope="module")
def models_city(rated_city: dict, make_settings, tmp_path_factory) -> Iterator[dict]:
    """A copy of the tiny city whose driver champion was forced over a failed gate, with
    a different challenger, and the app serving it."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk")
    pytest.importorskip("playwright.sync_api")
    import mlflow

    from features.store.duckdb_store import DuckDBStore
    from training.promote import promote
    from training.run import train_scheme
    from training.spec import load_spec

    folder = tmp_path_factory.mktemp("models-page")
    store, home = folder / "city.duckdb", folder / "mlruns"
    shutil.copy(rated_city["path"], store)
    shutil.copytree(rated_city["home"], home)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("MLFLOW_REGISTRY_URI", raising=False)
        with DuckDBStore(store, read_only=True) as st:
            spec = load_spec("driver").model_copy(update={"family": "scorecard"})
            strict = spec.model_copy(
                update={"gates": spec.gates.model_copy(update={"min_auc": 0.999})}
            )
            forced = train_scheme(st, "driver", strict, home, code_version="test")
            result = promote(st, "driver", strict, home, force=True, reason="browser test")
            assert result.promoted and any("min_auc" in f for f in result.failed)
            challenger = train_scheme(st, "driver", spec, home, code_version="test")
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]
    env = {
        **os.environ,
        "XINPING_SETTINGS": str(make_settings(folder, home)),
        "XINPING_STORE": str(store),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    with serve_app(env, folder) as url:
        yield {
            "url": url,
            "folder": folder,
            "store": store,
            "champion": forced.version,
            "challenger": challenger.version,
        }


def test_modeller_reads_gates_compares_and_retrains(models_city: dict) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1800}, locale="zh-CN")
        page.set_default_timeout(120_000)
        page.goto(models_city["url"])
        page.get_by_label("用户名").fill("modeller")
        page.get_by_label("口令").fill("xinping2026")
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="总览").wait_for()
        page.get_by_test_id("stSidebar").get_by_role("link", name="模型管理").click()
        page.get_by_role("heading", name="注册版本").wait_for()
        page.get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name="道路运输驾驶员诚信考核").click()
        champion, challenger = models_city["champion"], models_city["challenger"]
        # the forced champion's failed gate, by name (on the tiny city other gates may fail
        # beside it: its grades hold too few defaults to be calibrated)
        page.get_by_text(
            re.compile(
                f"冠军第{champion}版：未通过的门槛：[^。]*样本外AUC不低于门槛[^。]*；"
                "强制晋升，越过了：[^。]*样本外AUC不低于门槛"
            )
        ).wait_for()
        # champion and challenger side by side on the same out-of-time data
        page.get_by_text("两个版本在同一份样本外数据上重新评估").wait_for()
        captions = page.get_by_test_id("stCaptionContainer")
        captions.get_by_text(f"挑战者（第{challenger}版）", exact=True).wait_for()
        compare = page.get_by_test_id("stVegaLiteChart")
        compare.nth(2).wait_for()  # ROC of both + a calibration chart per version
        page.screenshot(path=str(SHOTS / "models-01-compare.png"))
        # the report: ROC curves and the SHAP summary drawn in the page, not in a frame
        assert page.locator("iframe").count() == 0
        page.get_by_role("tab", name="区分能力").click()
        page.get_by_text("ROC 曲线").last.wait_for()
        page.get_by_role("tab", name="指标贡献").click()
        page.get_by_text("指标贡献（SHAP 汇总）").wait_for()
        page.get_by_text("逐个主体的贡献分布").wait_for()
        page.get_by_role("tab", name="指标贡献").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "models-02-shap.png"))
        # retraining from the page: a background job, its progress, then a new challenger
        page.get_by_role("button", name="在后台训练新的挑战者模型").click()
        page.get_by_text("训练进行中").or_(page.get_by_text("最近一次训练已完成")).first.wait_for()
        assert (models_city["folder"] / "jobs" / "train-driver.json").exists()
        page.get_by_text(f"第{int(challenger) + 1}版已登记为挑战者").wait_for(timeout=300_000)
        captions.get_by_text(f"挑战者（第{int(challenger) + 1}版）", exact=True).wait_for()
        page.screenshot(path=str(SHOTS / "models-03-retrained.png"))
        browser.close()
    from features.store.duckdb_store import DuckDBStore

    store = DuckDBStore(models_city["store"])
    try:
        log = store.query("SELECT * FROM audit_log WHERE action = 'retrain'")
    finally:
        store.close()
    assert list(log["user_name"]) == ["modeller"] and "driver" in log["detail"].iloc[0]
