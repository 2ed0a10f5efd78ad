"""模型管理's data in words (app.data.model_report): gates by name, job steps, chart frames."""

from __future__ import annotations

import pandas as pd
import pytest

from app.data import model_report as mr
from app.i18n import STRINGS, tr

#: what training.promote writes on a version promoted by force
FORCED = (
    "gate min_auc: 0.61 vs 0.65; gate monotone_default_rates: False vs True; "
    "out-of-time AUC 0.7012 below the champion's 0.7400 (tolerance 0.005)"
)


def test_forced_over_names_each_gate_it_overrode() -> None:
    assert mr.forced_gates(FORCED) == ["min_auc", "monotone_default_rates", "vs_champion"]
    assert mr.forced_gates(None) == [] and mr.forced_gates("") == []
    assert mr.gate_names(mr.forced_gates(FORCED), "zh") == (
        "样本外AUC不低于门槛；违约率随等级单调；样本外AUC不低于冠军模型"
    )
    assert mr.gate_names(["min_auc"], "en") == "out-of-time AUC at least the minimum"
    assert mr.gate_names([], "zh") == "—"


def versions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "version": [2, 1],
            "aliases": ["champion", ""],
            "run_id": ["b", "a"],
            "family": ["gbm", "scorecard"],
            "gates_passed": ["False", "True"],
            "created": [None, None],
            "promoted_at": [None, None],
            "promoted_by": ["cli", None],
            "forced_reason": ["demo", None],
            "forced_over": [FORCED, None],
            "gates": [
                [
                    {"gate": "min_auc", "passed": False},
                    {"gate": "max_brier", "passed": True},
                    {"gate": "monotone_default_rates", "passed": False},
                ],
                None,  # a version whose run has no report
            ],
        }
    )


def test_every_version_shows_its_gates_by_name() -> None:
    rows = mr.version_rows(versions(), "zh")
    assert rows.loc[0, "gates_failed_shown"] == "样本外AUC不低于门槛；违约率随等级单调"
    assert rows.loc[0, "gates_passed_shown"] == "样本外Brier分数不高于门槛"
    assert rows.loc[0, "forced_over_shown"].startswith("样本外AUC不低于门槛；")
    assert rows.loc[
        1, ["gates_failed_shown", "gates_passed_shown", "forced_over_shown"]
    ].tolist() == [
        "—",
        "—",
        "—",
    ]
    assert rows.loc[0, "promoted_by_shown"] == "命令行"


def test_every_gate_code_has_words_in_both_languages() -> None:
    for code, (zh, en) in mr.GATES.items():
        assert zh and en and code not in zh


@pytest.mark.parametrize(
    ("message", "zh"),
    [
        ("driver: building snapshots", "构建训练、验证与样本外快照"),
        (
            "sme: gbm: fold 2024-06-30 (12,345 rows)",
            "梯度提升树（LightGBM）：时间序列交叉验证，验证期 2024-06-30（12,345 行）",
        ),
        ("sme: scorecard: cross-validated AUC 0.7712", "评分卡：交叉验证 AUC 0.7712"),
        ("sme: refitting gbm on 9,000 rows", "在全部 9,000 行上重新拟合梯度提升树（LightGBM）"),
        ("sme: validating out of time", "样本外验证"),
        ("sme: ROC curves and SHAP summary", "计算 ROC 曲线与 SHAP 汇总"),
        ("sme: something new in training", "训练中"),
    ],
)
def test_training_steps_read_in_chinese(message: str, zh: str) -> None:
    assert mr.job_step(message, "zh", tr) == zh


def test_a_finished_job_names_the_new_challenger() -> None:
    line = "driver: scorecard → xinping-driver v7 (challenger) · OOT AUC 0.715 · 23 s"
    assert mr.job_result(line, "zh", tr) == "第7版已登记为挑战者。"
    assert mr.job_result(line, "en", tr) == "Version 7 is the challenger."


def test_roc_frame_names_each_curve_with_its_auc() -> None:
    curves = {
        "champion": {"fpr": [0, 0.5, 1], "tpr": [0, 0.8, 1], "auc": 0.8},
        "challenger": {"fpr": [], "tpr": [], "auc": None},  # one outcome only: no curve
    }
    frame = mr.roc_frame(curves, {"champion": "冠军（第1版）"})
    assert list(frame["curve"].unique()) == ["冠军（第1版）（AUC 0.800）"]
    assert frame["tpr"].tolist() == [0, 0.8, 1]


SUMMARY = {
    "unit": "points",
    "n": 100,
    "features": [
        {"name": "tax_level", "label_zh": "纳税信用级别", "label_en": "Tax level", "mean_abs": 3.0},
        {"name": "age", "label_zh": "驾龄", "label_en": "Years driving", "mean_abs": 1.0},
    ],
    "sample": {
        "name": ["tax_level", "tax_level", "age"],
        "rank": [0.5, None, 1.0],
        "contribution": [1.0, -2.0, 0.5],
    },
}


def test_shap_frames_use_the_versions_labels_never_codes() -> None:
    bars = mr.shap_frame(SUMMARY, "zh")
    assert bars["indicator_label"].tolist() == ["纳税信用级别", "驾龄"]
    assert mr.shap_frame(SUMMARY, "en")["indicator_label"].tolist() == [
        "Tax level",
        "Years driving",
    ]
    swarm = mr.swarm_frame(SUMMARY, "zh")
    assert swarm["indicator_label"].tolist() == ["纳税信用级别", "纳税信用级别", "驾龄"]
    assert swarm["rank"].isna().tolist() == [False, True, False]
    assert mr.shap_frame(None, "zh").empty and mr.swarm_frame({}, "zh").empty


def test_calibration_frame_leaves_out_empty_grades() -> None:
    table = pd.DataFrame(
        {
            "grade": ["A", "B", "C"],
            "count": [10, 0, 5],
            "predicted_pd": [0.01, 0.0, 0.2],
            "observed_rate": [0.0, None, 0.4],
        }
    )
    frame = mr.calibration_frame(table)
    assert sorted(frame["grade"].unique()) == ["A", "C"]
    assert frame.set_index(["grade", "what"]).loc[("C", "observed"), "rate"] == 0.4


def test_migration_frame_says_which_way_subjects_moved() -> None:
    report = {
        "grades": ["A", "B", "C"],
        "migration": {
            "from": "2025-06-30",
            "to": "2025-09-30",
            "matrix": {
                "A": {"A": 5, "B": 2, "C": 0},
                "B": {"A": 1, "B": 0, "C": 3},
            },
        },
    }
    frame = mr.migration_frame(report).set_index(["from_grade", "to_grade"])
    assert frame.loc[("A", "A"), "move"] == "same"
    assert frame.loc[("A", "B"), "move"] == "down"
    assert frame.loc[("B", "A"), "move"] == "up"
    assert ("A", "C") not in frame.index  # nobody moved there
    assert mr.migration_frame({}).empty


def test_page_keys_exist_in_both_languages() -> None:
    keys = [k for k in STRINGS if k.startswith("models.")]
    assert len(keys) > 40
    for k in keys:
        zh, en = STRINGS[k]
        assert zh and en, k


def test_page_and_report_name_gates_alike() -> None:
    # one table of names: the HTML report (training.gates) and the pages say the same
    from training.gates import GATE_TEXT

    for code, pair in GATE_TEXT.items():
        assert mr.GATES[code] == pair
