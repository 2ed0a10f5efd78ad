"""Train, validate, register and promote on the tiny generated city (DESIGN.md §7–§8).

One module-scoped city and MLflow home; the driver scheme (the smallest) with its
shipped spec and fewer trees. Two versions are registered: the shipped spec
(family ``both``), then the other family forced, so the registry holds a scorecard
and a LightGBM model. The promotion test runs last and moves the aliases.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.records.synthetic.city import generate_city
from features.schemes import get_scheme
from features.store.duckdb_store import DuckDBStore
from models import metrics
from models.overrides import Override
from models.pipeline import CONTRIB_PREFIX
from training import tracking
from training.fit import Frames, cv_folds, fit_pipeline
from training.promote import promote
from training.run import build_frames, fingerprint, train_scheme
from training.spec import TrainingSpec, load_spec

# shap's colour maps warn on import; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning:shap.*")

SCHEME = "driver"
NAME = tracking.model_name(SCHEME)
CODE_VERSION = "test-0123abc"
FAMILIES = ("scorecard", "gbm")
GATES = {
    "min_auc",
    "max_brier",
    "calibration_in_the_large",
    "grade_calibration",
    "grade_ordering",
    "max_score_psi",
    "max_feature_psi",
    "max_feature_auc",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    st = DuckDBStore(tmp_path_factory.mktemp("city") / "city.duckdb")
    generate_city(st, scale="tiny", seed=5)
    yield st
    st.close()


@pytest.fixture(scope="module")
def spec() -> TrainingSpec:
    shipped = load_spec(SCHEME)
    return shipped.model_copy(update={"gbm": shipped.gbm.model_copy(update={"n_estimators": 60})})


@pytest.fixture(scope="module")
def frames(store, spec) -> Frames:
    return build_frames(store, get_scheme(SCHEME), spec)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory):
    """An MLflow home in tmp; the global MLflow URIs are reset afterwards."""
    import mlflow

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("MLFLOW_REGISTRY_URI", raising=False)
        path = tmp_path_factory.mktemp("mlruns")
        yield path
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def trained(store, spec, home) -> dict:
    """Two registered versions: the shipped spec, then the family it did not pick."""
    client = tracking.connect(home)
    first = train_scheme(store, SCHEME, spec, home, code_version=CODE_VERSION)
    first_alias = str(client.get_model_version_by_alias(NAME, tracking.CHALLENGER).version)
    other = next(f for f in FAMILIES if f != first.family)
    second = train_scheme(
        store, SCHEME, spec.model_copy(update={"family": other}), home, code_version=CODE_VERSION
    )
    return {
        "first": first,
        "second": second,
        "first_alias": first_alias,
        "by_family": {first.family: first, second.family: second},
    }


def _download(client, run_id: str, path: str, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    return Path(client.download_artifacts(run_id, path, str(dst)))


# (a) --------------------------------------------------------------------------------


@pytest.mark.slow
def test_train_registers_a_challenger_with_params_metrics_tags(trained, home, spec) -> None:
    client = tracking.connect(home)
    first, second = trained["first"], trained["second"]
    assert trained["first_alias"] == first.version
    assert (first.version, second.version) == ("1", "2")
    challenger = client.get_model_version_by_alias(NAME, tracking.CHALLENGER)
    assert str(challenger.version) == second.version
    assert {first.family, second.family} == set(FAMILIES)
    for result in (first, second):
        assert result.scheme == SCHEME and len(result.fingerprint) == 64
        run = client.get_run(result.run_id)
        params, mets, tags = run.data.params, run.data.metrics, run.data.tags
        assert params["scheme"] == SCHEME and params["seed"] == str(spec.seed)
        assert params["gbm.n_estimators"] == "60"
        assert json.loads(params["snapshots.oot"]) == [d.isoformat() for d in spec.snapshots.oot]
        for key in (
            "oot_auc",
            "oot_gini",
            "oot_ks",
            "oot_brier",
            "score_psi",
            "grades_within_ci",
            "grades_monotone",
            "grade_hhi",
            "oracle_gini_ratio",
        ):
            assert math.isfinite(mets[key]), key
        assert mets["oot_auc"] == pytest.approx(result.report["discrimination"]["oot"]["auc"])
        assert tags["data_fingerprint"] == result.fingerprint
        assert tags["code_version"] == CODE_VERSION
        assert tags["family"] == result.family and tags["scheme"] == SCHEME
        mv = client.get_model_version(NAME, result.version)
        assert mv.run_id == result.run_id
        assert mv.tags["family"] == result.family
        assert mv.tags["data_fingerprint"] == result.fingerprint
        assert mv.tags["gates_passed"] == str(all(g["passed"] for g in result.report["gates"]))
    # the same data for both runs
    assert first.fingerprint == second.fingerprint
    assert first.report["family"] != second.report["family"]
    assert set(first.report["validation_auc"]) == set(FAMILIES)
    assert set(second.report["validation_auc"]) == {second.family}


@pytest.mark.slow
def test_run_artifacts_report_html_and_shap(trained, home, tmp_path) -> None:
    client = tracking.connect(home)
    for result in (trained["first"], trained["second"]):
        names = {a.path for a in client.list_artifacts(result.run_id, "report")}
        expected = {
            "report/report.json",
            "report/report.html",
            "report/shap_summary.png",
            "report/grades.csv",
            "report/grade_bands.csv",
        }
        assert expected <= names
        assert ("report/points_table.csv" in names) == (result.family == "scorecard")
        dst = tmp_path / result.version
        report = json.loads(
            _download(client, result.run_id, "report/report.json", dst).read_text(encoding="utf-8")
        )
        assert report == json.loads(json.dumps(result.report, default=str))
        html = _download(client, result.run_id, "report/report.html", dst).read_text(
            encoding="utf-8"
        )
        assert html.count("<img") >= 4
        assert "Calibration by model grade" in html and "<th>p_value</th>" in html
        for grade in report["grades"]:
            assert f"<td>{grade}</td>" in html
        png = _download(client, result.run_id, "report/shap_summary.png", dst).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
        grades = pd.read_csv(_download(client, result.run_id, "report/grades.csv", dst))
        assert list(grades["grade"]) == report["grades"]


@pytest.mark.slow
def test_validation_report_contents(trained, spec) -> None:
    scheme = get_scheme(SCHEME)
    for result in (trained["first"], trained["second"]):
        report = result.report
        keys = report["grades"]
        assert len(report["cutoffs"]) == len(keys) - 1
        assert report["fingerprint"] == result.fingerprint
        assert report["code_version"] == CODE_VERSION
        assert set(report["discrimination"]) == {"train", "validation", "oot"}
        for part in report["discrimination"].values():
            assert 0.5 < part["auc"] <= 1 and part["gini"] == pytest.approx(2 * part["auc"] - 1)
            assert 0 < part["ks"] <= 1 and 0 < part["brier"] < 0.25 and part["n"] > 0
        for kind in ("model_grades", "final_grades"):
            block = report[kind]
            assert isinstance(block["monotone"], bool)
            assert 0 <= block["within_ci_share"] <= 1
            assert 1 / len(keys) <= block["hhi"] <= 1
            table = pd.DataFrame(block["table"])
            assert list(table["grade"]) == keys
            for col in (
                "count",
                "share",
                "defaults",
                "predicted_pd",
                "observed_rate",
                "ci_low",
                "ci_high",
                "p_value",
                "consistent",
            ):
                assert col in table, col
            assert table["count"].sum() == report["discrimination"]["oot"]["n"]
            seen = table[table["count"] > 0]
            assert (
                (seen["ci_low"] <= seen["observed_rate"])
                & (seen["observed_rate"] <= seen["ci_high"])
            ).all()
            assert seen["p_value"].between(0, 1).all()
            rates = table["observed_rate"].to_numpy(float)
            assert block["monotone"] == bool(np.all(np.diff(rates) >= 0))
        stab = report["stability"]
        assert math.isfinite(stab["score_psi"]) and stab["score_psi"] >= 0
        assert set(stab["feature_psi"]) == {i.name for i in scheme.indicators}
        assert all(math.isfinite(v) and v >= -1e-9 for v in stab["feature_psi"].values())
        mig = report["migration"]
        assert (mig["from"], mig["to"]) == tuple(d.isoformat() for d in spec.snapshots.oot[-2:])
        matrix = pd.DataFrame(mig["matrix"]).T
        assert set(matrix.index) == set(keys) and set(matrix.columns) == set(keys)
        assert 0 < matrix.to_numpy().sum() <= report["discrimination"]["oot"]["n"] // 2 + 1
        oracle = report["oracle"]
        assert oracle["n"] == report["discrimination"]["oot"]["n"]
        assert 0 < oracle["oracle_gini"] <= 1
        assert oracle["ratio"] == pytest.approx(oracle["model_gini"] / oracle["oracle_gini"])
        assert {g["gate"] for g in report["gates"]} == GATES
        assert all(isinstance(g["passed"], bool) for g in report["gates"])
        assert all(g["status"] in ("passed", "failed", "insufficient") for g in report["gates"])
        assert all(g["passed"] == (g["status"] != "failed") for g in report["gates"])
        # the history behind the snapshots, the calibration and ordering the gates read
        assert report["history"]["kept"]["train"] and "start" in report["history"]
        cal = report["calibration"]
        assert [g["grade"] for g in cal["grades"]] == list(keys)
        assert sum(cal["counts"].values()) == len(keys)
        assert (
            sum(g["defaults"] for g in cal["grades"]) == report["discrimination"]["oot"]["events"]
        )
        assert len(report["ordering"]["pairs"]) <= len(keys) - 1
        assert set(report["leakage"]["feature_auc"]) == {i.name for i in scheme.indicators}


# (b) --------------------------------------------------------------------------------


@pytest.mark.slow
def test_fit_pipeline_is_reproducible(spec, frames) -> None:
    scheme = get_scheme(SCHEME)
    p1, auc1 = fit_pipeline(scheme, spec, frames)
    p2, auc2 = fit_pipeline(scheme, spec, frames)
    assert auc1 == auc2 and set(auc1) == set(FAMILIES)
    assert p1.family == p2.family
    assert p1.calibrator == p2.calibrator
    assert p1.scale.cutoffs == p2.scale.cutoffs
    pd.testing.assert_frame_equal(p1.rate(frames.oot), p2.rate(frames.oot), check_exact=True)


def test_cross_validation_folds_leave_a_label_horizon(frames) -> None:
    folds = cv_folds(frames, 12)
    both = pd.concat([frames.train, frames.validation], ignore_index=True)
    as_of = pd.to_datetime(both["as_of"])
    # every validation snapshot is a fold: the shipped specs leave a year before each
    assert [v for v, _, _ in folds] == sorted(pd.to_datetime(frames.validation["as_of"]).unique())
    for v, fit_rows, val_rows in folds:
        assert (as_of.iloc[val_rows] == v).all()
        # no outcome window of a fitting row reaches into the validation snapshot's
        assert (as_of.iloc[fit_rows] <= v - pd.DateOffset(months=12)).all()
        assert len(fit_rows) and not set(fit_rows) & set(val_rows)


@pytest.mark.slow
def test_pd_level_follows_the_latest_fully_observed_snapshot(spec, frames) -> None:
    notes: dict = {}
    pipeline, val_auc = fit_pipeline(get_scheme(SCHEME), spec, frames, notes=notes)
    latest = frames.validation[frames.validation["as_of"] == frames.validation["as_of"].max()]
    assert pipeline.predict_pd(latest).mean() == pytest.approx(latest["label"].mean(), rel=1e-6)
    cal = notes["calibration"]
    assert cal["level_as_of"] == str(pd.Timestamp(latest["as_of"].iloc[0]).date())
    assert (pipeline.calibrator.a, pipeline.calibrator.b) == (cal["slope"], cal["intercept"])
    # the family is the better one over the folds (ties to the scorecard)
    assert set(notes["fold_auc"]) == set(FAMILIES)
    for family, aucs in notes["fold_auc"].items():
        assert val_auc[family] == pytest.approx(np.mean(aucs))
    best = max(FAMILIES, key=lambda f: (round(val_auc[f], 4), f == "scorecard"))
    assert pipeline.family == best


def test_fingerprint_identical_frames_same_one_value_changes_it(frames) -> None:
    fp = fingerprint(frames)
    copy = Frames(
        frames.train.copy(deep=True), frames.validation.copy(deep=True), frames.oot.copy(deep=True)
    )
    assert fingerprint(copy) == fp
    feature = next(
        c
        for c in copy.oot.columns
        if c not in ("subject_id", "as_of", "label") and pd.api.types.is_numeric_dtype(copy.oot[c])
    )
    changed = copy.oot.copy()
    value = changed[feature].iloc[7]
    changed.loc[changed.index[7], feature] = (0 if pd.isna(value) else value) + 1
    assert fingerprint(Frames(copy.train, copy.validation, changed)) != fp
    labels = copy.train.copy()
    labels.loc[labels.index[0], "label"] = 1 - labels["label"].iloc[0]
    assert fingerprint(Frames(labels, copy.validation, copy.oot)) != fp


# (c) --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_registered_pyfunc_rates_and_explains_exactly(trained, home, frames, family) -> None:
    import mlflow

    tracking.connect(home)
    result = trained["by_family"][family]
    challenger = trained["second"].version
    uri = (
        f"models:/{NAME}@challenger"
        if result.version == challenger
        else f"models:/{NAME}/{result.version}"
    )
    model = mlflow.pyfunc.load_model(uri)
    pipeline = model.unwrap_python_model().pipeline
    assert pipeline.family == family and pipeline.scheme == SCHEME
    x = frames.oot[list(pipeline.features)]
    out = model.predict(x)
    assert len(out) == len(x)
    assert out["pd"].between(0, 1, inclusive="neither").all()
    keys = pipeline.scale.keys
    assert set(out["model_grade"]) <= set(keys) and set(out["final_grade"]) <= set(keys)
    assert (
        pipeline.scale.rank(out["final_grade"].to_numpy())
        >= pipeline.scale.rank(out["model_grade"].to_numpy())
    ).all()
    assert all(isinstance(json.loads(s), list) for s in out["overrides"])
    contrib = out[[c for c in out.columns if c.startswith(CONTRIB_PREFIX)]]
    assert list(contrib.columns) == [CONTRIB_PREFIX + f for f in (*pipeline.features, "base")]
    total = contrib.sum(axis=1).to_numpy()
    if family == "scorecard":
        np.testing.assert_array_equal(total, out["score"].to_numpy())
        assert (out["score"] == out["score"].round()).all()
    else:
        np.testing.assert_allclose(
            total, pipeline.estimator.decision_function(pipeline.model_input(x)), rtol=0, atol=1e-9
        )
    # the registered model is the pipeline: same output as rating directly
    pd.testing.assert_frame_equal(
        out.reset_index(drop=True), pipeline.rate(x).reset_index(drop=True)
    )
    # PD and grades agree with the version's calibration and bands
    np.testing.assert_allclose(
        out["pd"],
        pipeline.calibrator.pd(pipeline.estimator.decision_function(pipeline.model_input(x))),
    )
    assert (out["model_grade"].to_numpy() == pipeline.scale.assign(out["pd"])).all()


@pytest.mark.slow
def test_overrides_reach_the_output_with_their_reasons(trained, home, frames) -> None:
    from models.pyfunc import load_pipeline

    tracking.connect(home)
    pipeline = load_pipeline(f"models:/{NAME}/{trained['first'].version}")
    feature = next(
        f
        for f in pipeline.features
        if pd.api.types.is_numeric_dtype(frames.oot[f]) and frames.oot[f].notna().any()
    )
    threshold = float(frames.oot[feature].median())
    worst = pipeline.scale.keys[-1]
    rule = Override(feature, ">", threshold, worst, "测试原因", "test reason")
    pipeline.scale = replace(pipeline.scale, overrides=(rule,))
    out = pipeline.rate(frames.oot, contributions=False)
    hit = (frames.oot[feature] > threshold).to_numpy()
    assert hit.any() and not hit.all()
    assert (out.loc[hit, "final_grade"] == worst).all()
    assert (out.loc[~hit, "final_grade"] == out.loc[~hit, "model_grade"]).all()
    reasons = [json.loads(s) for s in out["overrides"]]
    assert all(
        r
        == [
            {
                "grade": worst,
                "indicator": feature,
                "reason_zh": "测试原因",
                "reason_en": "test reason",
            }
        ]
        for r, h in zip(reasons, hit, strict=True)
        if h
    )
    assert all(r == [] for r, h in zip(reasons, hit, strict=True) if not h)


# (d) --------------------------------------------------------------------------------


def _gates(spec: TrainingSpec, **gates) -> TrainingSpec:
    return spec.model_copy(update={"gates": spec.gates.model_copy(update=gates)})


@pytest.mark.slow
def test_promote_lifecycle(trained, store, spec, frames, home) -> None:
    client = tracking.connect(home)
    first, second = trained["first"].version, trained["second"].version

    def alias(name: str) -> str | None:
        mv = tracking.version_by_alias(client, SCHEME, name)
        return str(mv.version) if mv else None

    lenient = _gates(
        spec,
        min_auc=0.55,
        max_brier=0.25,
        max_failed_grade_share=1.0,
        max_level_ratio=10.0,
        max_reversed_pairs=10,
        max_score_psi=1.0,
        max_feature_psi=100.0,
    )
    strict = _gates(spec, min_auc=0.99)
    assert alias(tracking.CHAMPION) is None and alias(tracking.CHALLENGER) == second

    # first promotion through passing gates
    r = promote(store, SCHEME, lenient, home, user="pytest")
    assert r.promoted and not r.failed and not r.forced, r
    assert (str(r.challenger), r.champion_before) == (second, None)
    assert alias(tracking.CHAMPION) == second
    tags = client.get_model_version(NAME, second).tags
    assert tags["promoted_by"] == "pytest" and "promoted_at" in tags
    assert "forced_reason" not in tags

    # the same version again: nothing to do
    r = promote(store, SCHEME, lenient, home)
    assert not r.promoted and r.unchanged
    assert alias(tracking.CHAMPION) == second

    # a new challenger (as after another `train`)
    client.set_registered_model_alias(NAME, tracking.CHALLENGER, first)

    # gates that cannot pass: refused, the failing gate named, nothing changed
    r = promote(store, SCHEME, strict, home)
    assert not r.promoted
    assert any("min_auc" in f for f in r.failed), r.failed
    assert alias(tracking.CHAMPION) == second and alias(tracking.CHALLENGER) == first
    assert "promoted_at" not in client.get_model_version(NAME, first).tags
    # the comparison with the champion is on the same out-of-time snapshots
    oot_y = frames.oot["label"].to_numpy(int)
    from models.pyfunc import load_pipeline

    for version, auc in ((first, r.challenger_auc), (second, r.champion_auc)):
        p = load_pipeline(f"models:/{NAME}/{version}")
        assert auc == pytest.approx(metrics.auc(oot_y, p.predict_pd(frames.oot)))

    # force needs a reason
    for reason in (None, ""):
        with pytest.raises(ValueError, match="reason"):
            promote(store, SCHEME, strict, home, force=True, reason=reason)
    assert alias(tracking.CHAMPION) == second

    # forced with a reason: promoted, the reason on the version
    why = "validator sign-off 2025-10: AUC gate waived for the pilot"
    r = promote(store, SCHEME, strict, home, force=True, reason=why)
    assert r.promoted and r.forced and any("min_auc" in f for f in r.failed)
    assert alias(tracking.CHAMPION) == first
    tags = client.get_model_version(NAME, first).tags
    assert tags["forced_reason"] == why
    assert "min_auc" in tags["forced_over"]
    assert tags["replaced"] == second

    # a champion that reads an indicator the declarations no longer build (trained
    # before a rename) cannot rate today's data: it is not compared, and it says so
    import training.promote as promote_module
    from models.pipeline import MissingIndicatorsError

    client.set_registered_model_alias(NAME, tracking.CHALLENGER, second)
    real = promote_module._auc_on

    def stale_champion(uri: str, frame) -> float:
        if uri.endswith(f"/{first}"):
            raise MissingIndicatorsError(SCHEME, ["capital_log"])
        return real(uri, frame)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(promote_module, "_auc_on", stale_champion)
        r = promote(store, SCHEME, lenient, home)
    assert r.promoted and r.champion_auc is None and not r.failed
    assert any("capital_log" in n and "not compared" in n for n in r.notes), r.notes
