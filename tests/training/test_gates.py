"""The gates judge like a validator (issue 16): a correct model on the tiny city passes
them, and each deliberately broken one fails the gate meant to catch it.

One module-scoped tiny city; the driver scheme with LightGBM and few trees. Broken
models: labels shuffled before fitting (no ranking: the AUC gate), the score reversed
(the AUC gate and the ordering of the grades), a feature leaked from the future (the
label plus noise: the single-feature AUC cap).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from features.dsl import UP, Indicator, Match, Records
from features.records.synthetic.city import generate_city
from features.schemes import get_scheme
from features.store.duckdb_store import DuckDBStore
from models.calibration import PlattCalibrator
from training.evaluate import check_gates, evaluate
from training.run import Frames, build_frames, fit_pipeline
from training.spec import load_spec

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning:shap.*")

SCHEME = "driver"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    st = DuckDBStore(tmp_path_factory.mktemp("gates") / "city.duckdb")
    generate_city(st, scale="tiny", seed=5)
    yield st
    st.close()


@pytest.fixture(scope="module")
def spec():
    shipped = load_spec(SCHEME)
    return shipped.model_copy(
        update={"family": "gbm", "gbm": shipped.gbm.model_copy(update={"n_estimators": 60})}
    )


@pytest.fixture(scope="module")
def frames(store, spec) -> Frames:
    return build_frames(store, get_scheme(SCHEME), spec)


def _judge(scheme, spec, frames: Frames, pipeline=None) -> dict[str, dict]:
    if pipeline is None:
        pipeline, _ = fit_pipeline(scheme, spec, frames)
    report = evaluate(pipeline, frames.train, frames.validation, frames.oot, gates=spec.gates)
    return {g["gate"]: g for g in check_gates(report, spec.gates)}


@pytest.fixture(scope="module")
def correct(spec, frames):
    scheme = get_scheme(SCHEME)
    pipeline, _ = fit_pipeline(scheme, spec, frames)
    return pipeline, _judge(scheme, spec, frames, pipeline)


def test_a_correct_model_passes_every_gate(correct) -> None:
    _, gates = correct
    assert all(g["passed"] for g in gates.values()), [g for g in gates.values() if not g["passed"]]
    for g in gates.values():
        assert g["status"] in ("passed", "insufficient")
        assert {"gate", "value", "threshold", "passed", "label_zh", "label_en"} <= set(g)


def test_shuffled_labels_fail_the_auc_gate(spec, frames) -> None:
    rng = np.random.default_rng(3)
    shuffled = Frames(
        *(
            part.assign(label=rng.permutation(part["label"].to_numpy()))
            for part in (frames.train, frames.validation)
        ),
        frames.oot,
    )
    gates = _judge(get_scheme(SCHEME), spec, shuffled)
    assert gates["min_auc"]["status"] == "failed"
    assert gates["min_auc"]["value"] < 0.6


def test_a_reversed_score_fails_auc_and_ordering(correct, spec, frames) -> None:
    pipeline, _ = correct
    # the same model with its log-odds turned round: the riskiest get the lowest PD
    cal = pipeline.calibrator
    reversed_ = replace(pipeline, calibrator=PlattCalibrator(-cal.a, cal.b))
    gates = _judge(get_scheme(SCHEME), spec, frames, reversed_)
    assert gates["min_auc"]["status"] == "failed" and gates["min_auc"]["value"] < 0.5
    assert gates["grade_ordering"]["status"] == "failed"
    assert gates["grade_ordering"]["value"] >= 1


def test_a_leaked_future_feature_fails_the_single_feature_auc_cap(spec, frames) -> None:
    scheme = get_scheme(SCHEME)
    # a feature that is the outcome plus noise: known only after the label window
    leak = Indicator(
        "claims_next_12m",
        "未来理赔",
        "Claims next 12 months",
        scheme.indicators[0].dimension,
        Records(Match(("traffic_accident",)), "count", 12),
        UP,
    )
    leaky = replace(scheme, indicators=(*scheme.indicators, leak))
    rng = np.random.default_rng(11)

    def add(part):
        return part.assign(claims_next_12m=part["label"] * 2.0 + rng.normal(0, 0.5, len(part)))

    gates = _judge(leaky, spec, Frames(add(frames.train), add(frames.validation), add(frames.oot)))
    assert gates["max_feature_auc"]["status"] == "failed"
    assert "claims_next_12m" in gates["max_feature_auc"]["detail"]
