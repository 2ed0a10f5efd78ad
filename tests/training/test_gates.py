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
import pandas as pd
import pytest

from features.dsl import UP, Indicator, Match, Records
from features.records.synthetic.city import generate_city
from features.schemes import get_scheme
from features.store.duckdb_store import DuckDBStore
from training.evaluate import calibration_table, evaluate, ordering_table
from training.fit import Frames, fit_pipeline
from training.gates import check_gates
from training.run import build_frames
from training.spec import Gates, load_spec

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


class _Mirrored:
    """An estimator whose log-odds are the mirror image of another's in rank."""

    def __init__(self, inner, reference: np.ndarray) -> None:
        self.inner, self.reference = inner, np.sort(reference)

    def decision_function(self, x) -> np.ndarray:
        s = self.inner.decision_function(x)
        u = np.searchsorted(self.reference, s, side="right") / len(self.reference)
        return np.quantile(self.reference, np.clip(1.0 - u, 0.0, 1.0))

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


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


def test_the_correct_model_passes_the_gates_the_broken_ones_fail(correct) -> None:
    # on the tiny city (88 out-of-time defaults) the correct model still shows real
    # faults — its PDs spread too wide — so only the gates each broken model must fail
    # are asserted here; the small city's four schemes pass all of them (README)
    _, gates = correct
    for name in ("min_auc", "grade_ordering", "max_feature_auc"):
        assert gates[name]["status"] == "passed", gates[name]
    assert gates["grade_ordering"]["detail"].startswith(("2 ordered", "3 ordered"))
    for g in gates.values():
        assert g["status"] in ("passed", "failed", "insufficient")
        assert g["passed"] == (g["status"] != "failed")
        assert {"gate", "value", "threshold", "label_zh", "label_en", "detail"} <= set(g)


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
    # the same model with its ranking turned round and nothing else changed: each
    # log-odds mapped to the one at the mirrored quantile of the training log-odds, so
    # the PDs and grade shares stay as they were and the riskiest get the lowest PD
    both = pd.concat([frames.train, frames.validation], ignore_index=True)
    ref = pipeline.estimator.decision_function(pipeline.model_input(both))
    reversed_ = replace(pipeline, estimator=_Mirrored(pipeline.estimator, ref))
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


# --- the calibration and ordering the gates read, on hand-made grades (no model) ---------


def _report(table: dict, keys: tuple[str, ...], gates: Gates) -> dict:
    """A validation report around grades drawn with fixed counts and defaults."""
    grades = np.concatenate([[k] * n for k, (n, _, _) in zip(keys, table.values(), strict=True)])
    pd_ = np.concatenate([[p] * n for n, _, p in table.values()])
    y = np.concatenate([[1] * d + [0] * (n - d) for n, d, _ in table.values()])
    return {
        "discrimination": {"oot": {"auc": 0.8, "brier": 0.05}},
        "calibration": calibration_table(grades, pd_, y, keys, gates),
        "ordering": ordering_table(grades, y, keys, gates.confidence),
        "stability": {"score_psi": 0.01, "feature_psi": {"a": 0.01}},
        "leakage": {"feature_auc": {"a": 0.7}},
    }


KEYS = ("A", "B", "C", "D")


def test_a_moving_default_level_is_the_level_gate_not_every_grade() -> None:
    # every grade defaults 1.3 times its PD: a level that moved, the spread intact
    table = {
        k: (4000, round(4000 * p * 1.3), p)
        for k, p in zip(KEYS, (0.01, 0.03, 0.08, 0.2), strict=True)
    }
    gates = {g["gate"]: g for g in check_gates(_report(table, KEYS, Gates()), Gates())}
    assert gates["calibration_in_the_large"]["value"] == pytest.approx(1.3, rel=1e-3)
    assert gates["calibration_in_the_large"]["status"] == "passed"  # within 1.5
    assert gates["grade_calibration"]["status"] == "passed"
    assert gates["grade_calibration"]["value"] == 0.0
    tight = Gates(max_level_ratio=1.2)
    gates = {g["gate"]: g for g in check_gates(_report(table, KEYS, tight), tight)}
    assert gates["calibration_in_the_large"]["status"] == "failed"


def test_a_grade_is_judged_significant_and_material() -> None:
    # grade C defaults 1.15 times its PD (the others as predicted) on 20,000 obligors:
    # significant, not material at 1.2; at materiality 1 it fails, and names the grade
    pds = (0.01, 0.03, 0.08, 0.2)
    table = {
        k: (20000, round(20000 * p * (1.15 if k == "C" else 1.0)), p)
        for k, p in zip(KEYS, pds, strict=True)
    }
    report = _report(table, KEYS, Gates())
    assert [g["status"] for g in report["calibration"]["grades"]] == ["passed"] * 4
    assert report["calibration"]["grades"][2]["p_value_at_pd"] < 0.001  # significant
    strict = Gates(grade_materiality=1.0, max_failed_grade_share=0.0)
    report = _report(table, KEYS, strict)
    gates = {g["gate"]: g for g in check_gates(report, strict)}
    assert gates["grade_calibration"]["status"] == "failed"
    assert "failed: C" in gates["grade_calibration"]["detail"]
    assert [g["status"] for g in report["calibration"]["grades"]].count("failed") == 1


def test_too_little_evidence_is_neither_passed_nor_failed() -> None:
    # 200 obligors at PDs of 0.5 % to 2 %: under five expected defaults in every grade
    table = {
        k: (200, d, p)
        for k, d, p in zip(KEYS, (3, 0, 4, 0), (0.005, 0.01, 0.015, 0.02), strict=True)
    }
    report = _report(table, KEYS, Gates())
    gates = {g["gate"]: g for g in check_gates(report, Gates())}
    assert report["calibration"]["counts"] == {"passed": 0, "failed": 0, "insufficient": 4}
    assert gates["grade_calibration"]["status"] == "insufficient"
    assert gates["grade_calibration"]["passed"]
    # nor can four defaults order the grades: none told apart, none reversed
    assert gates["grade_ordering"]["status"] == "insufficient"
    assert report["ordering"]["counts"]["indistinct"] == 3


def test_a_report_from_before_the_new_gates_fails_them_by_name() -> None:
    old = {
        "discrimination": {"oot": {"auc": 0.8, "brier": 0.05}},
        "stability": {"score_psi": 0.01, "feature_psi": {"a": 0.5}},
    }
    gates = {g["gate"]: g for g in check_gates(old, Gates())}
    for name in ("grade_calibration", "grade_ordering", "max_feature_auc"):
        assert gates[name]["status"] == "failed" and "retrain" in gates[name]["detail"]
    assert (
        gates["max_feature_psi"]["status"] == "failed"
        and "a 0.500" in gates["max_feature_psi"]["detail"]
    )


def test_feature_psi_weighs_a_shift_by_the_share_of_subjects_it_moves() -> None:
    """A shift among the 1 % of subjects with a value (days since a court case, say) is
    1 % of the population: it must not read as a shift of everyone."""
    from training.evaluate import feature_psi

    rng = np.random.default_rng(0)
    n = 20_000

    def rare(scale: float) -> pd.DataFrame:
        has = rng.random(n) < 0.01
        return pd.DataFrame({"f": np.where(has, rng.exponential(scale, n), np.nan)})

    assert feature_psi(rare(100), rare(300), ("f",))["f"] < 0.05
    whole = pd.DataFrame({"f": rng.normal(0, 1, n)})
    moved = pd.DataFrame({"f": rng.normal(0.8, 1, n)})
    assert feature_psi(whole, moved, ("f",))["f"] > 0.25
    # values turning missing is a shift too
    gone = pd.DataFrame({"f": np.where(rng.random(n) < 0.5, np.nan, rng.normal(0, 1, n))})
    assert feature_psi(whole, gone, ("f",))["f"] > 0.25
