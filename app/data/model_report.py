"""模型管理 as a modeller reads it: registry rows and the validation report in words.

The registry and the report hold codes (``gbm``, ``FINISHED``, ``champion``,
``min_auc``, ``oot``) and raw floats; these functions turn them into the
page's language. The report's own HTML (bilingual, written by training) stays
a download: the page shows its tables natively.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from features.schemes import SCHEMES

#: codes of the model registry and of training's report: code → (中文, English)
FAMILIES: dict[str, tuple[str, str]] = {
    "gbm": ("梯度提升树（LightGBM）", "gradient boosting (LightGBM)"),
    "scorecard": ("评分卡", "scorecard"),
}
RUN_STATUSES: dict[str, tuple[str, str]] = {
    "FINISHED": ("已完成", "finished"),
    "RUNNING": ("运行中", "running"),
    "FAILED": ("失败", "failed"),
    "KILLED": ("已终止", "stopped"),
    "SCHEDULED": ("排队中", "scheduled"),
}
ALIASES: dict[str, tuple[str, str]] = {
    "champion": ("冠军", "champion"),
    "challenger": ("挑战者", "challenger"),
}
GATES: dict[str, tuple[str, str]] = {
    "min_auc": ("样本外AUC不低于门槛", "out-of-time AUC at least"),
    "max_brier": ("样本外Brier不高于门槛", "out-of-time Brier at most"),
    "min_grades_within_ci": (
        "等级违约率落入置信区间的比例不低于门槛",
        "share of grades within the binomial CI at least",
    ),
    "max_score_psi": ("分数PSI不高于门槛", "score PSI at most"),
    "monotone_default_rates": ("违约率随等级单调", "default rates monotone by grade"),
    # the validator-grade gates of issue 16 (training/evaluate.py GATE_TEXT)
    "calibration_in_the_large": ("整体违约率与预测之比", "observed / predicted default level"),
    "grade_calibration": ("PD被显著低估的等级占比", "share of grades whose PD is too low"),
    "grade_ordering": ("相邻等级违约率显著倒挂对数", "adjacent grades reversed with confidence"),
    "max_feature_psi": ("指标PSI最大值不高于门槛", "largest feature PSI at most"),
    "max_feature_auc": ("单一指标AUC不高于上限（防泄漏）", "single-feature AUC at most (leak)"),
}
SPLITS: dict[str, tuple[str, str]] = {
    "train": ("训练集", "training"),
    "validation": ("验证集", "validation"),
    "oot": ("样本外（时间外）", "out of time"),
}
#: accounts that are not people: the command line promotes as ``cli``
ACCOUNTS: dict[str, tuple[str, str]] = {"cli": ("命令行", "command line")}
#: metrics whose value is a yes/no
FLAGS = ("grades_monotone",)


def word(table: dict[str, tuple[str, str]], code: Any, lang: str) -> str:
    """``code`` in ``lang`` through ``table`` (unknown codes as they are, missing as ``—``)."""
    if code is None or (isinstance(code, float) and code != code) or code == "":
        return "—"
    pair = table.get(str(code))
    return (pair[0] if lang == "zh" else pair[1]) if pair else str(code)


def _truth(value: Any) -> bool | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def version_rows(versions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Registered versions with their codes in words (``aliases``, ``family``, flags)."""
    sep = "、" if lang == "zh" else ", "
    out = versions.copy()
    out["aliases_shown"] = [
        sep.join(word(ALIASES, a.strip(), lang) for a in str(v).split(","))
        if isinstance(v, str) and v
        else "—"
        for v in out["aliases"]
    ]
    out["family_shown"] = out["family"].map(lambda f: word(FAMILIES, f, lang))
    out["gates_passed"] = out["gates_passed"].map(_truth)
    out["promoted_by_shown"] = out["promoted_by"].map(lambda u: word(ACCOUNTS, u, lang))
    return out


def run_rows(runs: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Training runs with family and status in words."""
    return runs.assign(
        family_shown=runs["family"].map(lambda f: word(FAMILIES, f, lang)),
        status_shown=runs["status"].map(lambda s: word(RUN_STATUSES, s, lang)),
    )


def _metric(name: str, value: Any, lang: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if name in FLAGS:
        yes = bool(value)
        return ("是" if yes else "否") if lang == "zh" else ("yes" if yes else "no")
    return f"{float(value):.3f}"


def compare_rows(table: pd.DataFrame, labels: dict[str, str], lang: str) -> pd.DataFrame:
    """Champion and challenger side by side: ``metric`` and one text column per alias.

    ``table`` is :func:`app.data.modelling.side_by_side` (index: metric; columns
    ``"<alias> v<version>"``); ``labels`` are the metrics' names in ``lang``.
    """
    out = pd.DataFrame({"metric": [labels.get(m, m) for m in table.index]})
    for column in table.columns:
        alias, _, version = str(column).partition(" v")
        header = (
            f"{word(ALIASES, alias, lang)}（第{version}版）"
            if lang == "zh"
            else f"{word(ALIASES, alias, lang)} (version {version})"
        )
        out[header] = [_metric(m, v, lang) for m, v in zip(table.index, table[column], strict=True)]
    return out


def discrimination(report: dict[str, Any] | None, lang: str) -> pd.DataFrame:
    """AUC, Gini, KS and Brier per split (training, validation, out of time)."""
    rows = []
    for split, m in ((report or {}).get("discrimination") or {}).items():
        rows.append({"split": word(SPLITS, split, lang), **m})
    return pd.DataFrame(
        rows,
        columns=["split", "n", "events", "event_rate", "mean_pd", "auc", "gini", "ks", "brier"],
    )


def grade_table(report: dict[str, Any] | None) -> pd.DataFrame:
    """Out-of-time subjects, defaults, observed rate and predicted PD per final grade."""
    rows = ((report or {}).get("final_grades") or {}).get("table") or []
    return pd.DataFrame(
        rows, columns=["grade", "count", "share", "defaults", "observed_rate", "predicted_pd"]
    )


def gate_rows(report: dict[str, Any] | None, lang: str) -> pd.DataFrame:
    """The spec's gates as judged: gate in words, value, threshold, passed."""
    rows = []
    for g in (report or {}).get("gates", []):
        flag = isinstance(g.get("value"), bool) or isinstance(g.get("threshold"), bool)
        shown = {
            k: (("是" if g[k] else "否") if lang == "zh" else ("yes" if g[k] else "no"))
            if flag
            else _metric("", g[k], lang)
            for k in ("value", "threshold")
        }
        rows.append(
            {"gate": word(GATES, g.get("gate"), lang), **shown, "passed": bool(g.get("passed"))}
        )
    return pd.DataFrame(rows, columns=["gate", "value", "threshold", "passed"])


def drifting(report: dict[str, Any] | None, scheme: str, lang: str, n: int = 10) -> pd.DataFrame:
    """The ``n`` indicators whose distribution moved most (PSI, training → out of time)."""
    psi = ((report or {}).get("stability") or {}).get("feature_psi") or {}
    named = (
        {i.name: (i.label_zh if lang == "zh" else i.label_en) for i in SCHEMES[scheme].indicators}
        if scheme in SCHEMES
        else {}
    )
    rows = sorted(psi.items(), key=lambda kv: -(kv[1] or 0))[:n]
    return pd.DataFrame(
        [{"indicator_label": named.get(k, k), "psi": v} for k, v in rows],
        columns=["indicator_label", "psi"],
    )


def oracle_line(report: dict[str, Any] | None, lang: str) -> str | None:
    """The model's Gini against the generated city's oracle, in one sentence."""
    o = (report or {}).get("oracle")
    if not o:
        return None
    if lang == "zh":
        return (
            f"模型 Gini {o['model_gini']:.3f}，模拟真值 Gini {o['oracle_gini']:.3f}，"
            f"比值 {o['ratio']:.2f}（样本外 {o['n']:,} 个主体；仅模拟数据有真值）"
        )
    return (
        f"Model Gini {o['model_gini']:.3f}, oracle Gini {o['oracle_gini']:.3f}, ratio "
        f"{o['ratio']:.2f} ({o['n']:,} subjects out of time; generated data only)"
    )
