"""The report's ROC points and SHAP summary (training.report_figures)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models import metrics
from training.report_figures import MAX_POINTS, SWARM_FEATURES, html_section, roc_points


def test_roc_points_are_thinned_and_keep_both_ends() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 20_000)
    p = np.clip(y * 0.2 + rng.random(20_000), 0, None)
    curve = roc_points(y, p)
    assert 2 < len(curve["fpr"]) <= MAX_POINTS
    assert len(curve["fpr"]) == len(curve["tpr"])
    assert (curve["fpr"][0], curve["tpr"][0]) == (0.0, 0.0)
    assert (curve["fpr"][-1], curve["tpr"][-1]) == (1.0, 1.0)
    assert np.all(np.diff(curve["fpr"]) >= 0) and np.all(np.diff(curve["tpr"]) >= 0)
    assert curve["auc"] == pytest.approx(metrics.auc(y, p))
    # the trapezoid under the thinned points stays close to the AUC
    assert np.trapezoid(curve["tpr"], curve["fpr"]) == pytest.approx(curve["auc"], abs=0.01)


def test_roc_points_without_both_outcomes_is_no_curve() -> None:
    assert roc_points(np.zeros(10, int), np.linspace(0, 1, 10)) == {
        "fpr": [],
        "tpr": [],
        "auc": None,
    }


@pytest.mark.parametrize("scheme", ["enterprise", "driver"])
def test_training_writes_roc_and_shap_summary_into_the_report(
    scheme: str, mlflow_home: Path, champions: dict, scoring_city_file: Path
) -> None:
    from features.build import build_training_frame
    from features.store.duckdb_store import DuckDBStore
    from models.pipeline import CONTRIB_PREFIX
    from models.registry import CHAMPION, connect, version_by_alias
    from training.spec import load_spec

    client = connect(mlflow_home)
    run_id = version_by_alias(client, scheme, CHAMPION).run_id
    report = json.loads(
        Path(client.download_artifacts(run_id, "report/report.json")).read_text("utf-8")
    )
    assert set(report["roc"]) == {"train", "validation", "oot"}
    for part, curve in report["roc"].items():
        assert len(curve["fpr"]) <= MAX_POINTS
        assert curve["auc"] == pytest.approx(report["discrimination"][part]["auc"])
    summary = report["shap_summary"]
    pipeline = champions[scheme].pipeline
    assert summary["unit"] == pipeline.contribution_unit
    names = [f["name"] for f in summary["features"]]
    means = [f["mean_abs"] for f in summary["features"]]
    assert means == sorted(means, reverse=True) and means[-1] > 0
    assert set(names) <= set(pipeline.features)
    # the version's own words, never the code
    for f in summary["features"]:
        assert f["label_zh"] == pipeline.texts[f["name"]].label_zh != f["name"]
    # the mean |contribution| is the pipeline's own contributions on the out-of-time rows
    with DuckDBStore(scoring_city_file, read_only=True) as store:
        oot = build_training_frame(store, scheme, load_spec(scheme).snapshots.oot)
    assert summary["n"] == len(oot)  # the tiny city is below the sampling size
    rated = pipeline.rate(oot, contributions=True)
    top = summary["features"][0]
    assert top["mean_abs"] == pytest.approx(
        rated[CONTRIB_PREFIX + top["name"]].abs().mean(), rel=1e-9
    )
    sample = summary["sample"]
    assert len(sample["name"]) == len(sample["rank"]) == len(sample["contribution"]) > 0
    assert set(sample["name"]) == set(names[:SWARM_FEATURES])
    assert all(r is None or 0 < r <= 1 for r in sample["rank"])
    html = "".join(html_section(report))
    assert html.count("<img") == 2 and "ROC" in html and "SHAP" in html
