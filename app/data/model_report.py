"""模型管理 as a modeller reads it: registry rows and the validation report in words.

The registry and the report hold codes (``gbm``, ``FINISHED``, ``champion``,
``min_auc``, ``oot``) and raw floats; these functions turn them into the
page's language. The report's own HTML (bilingual, written by training) stays
a download: the page shows its tables natively.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from features.schemes import schemes
from training.gates import GATE_TEXT

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
    **GATE_TEXT,
    # gates of versions trained before issue 16, still named on their reports
    "min_grades_within_ci": (
        "等级违约率落入置信区间的比例不低于门槛",
        "share of grades within the binomial CI at least",
    ),
    "monotone_default_rates": ("违约率随等级单调", "default rates monotone by grade"),
    # not a gate of the spec: promotion's comparison with the champion (training.promote)
    "vs_champion": ("样本外AUC不低于冠军模型", "out-of-time AUC not below the champion's"),
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


def forced_gates(forced_over: Any) -> list[str]:
    """The gate codes of a version's ``forced_over`` tag (:func:`training.promote.promote`
    writes ``"gate <code>: <value> vs <threshold>; …"`` and the champion comparison)."""
    if not isinstance(forced_over, str) or not forced_over.strip():
        return []
    codes = []
    for part in forced_over.split(";"):
        part = part.strip()
        if part.startswith("gate "):
            codes.append(part[5:].split(":", 1)[0].strip())
        elif "champion" in part:
            codes.append("vs_champion")
        elif part:
            codes.append(part)
    return codes


def gate_names(codes: list[str], lang: str) -> str:
    """Gate codes in words, joined (``—`` for none)."""
    if not codes:
        return "—"
    return ("；" if lang == "zh" else "; ").join(word(GATES, c, lang) for c in codes)


def version_rows(versions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Registered versions with their codes in words (``aliases``, ``family``, flags) and
    their gates by name: failed and passed on the version's own report, and the gates a
    forced promotion overrode (``forced_over``)."""
    sep = "、" if lang == "zh" else ", "
    out = versions.copy()
    judged = out["gates"] if "gates" in out else pd.Series([None] * len(out), index=out.index)
    out["gates_failed_shown"] = [
        gate_names([g["gate"] for g in (gs or []) if not g.get("passed")], lang)
        if gs is not None
        else "—"
        for gs in judged
    ]
    out["gates_passed_shown"] = [
        gate_names([g["gate"] for g in (gs or []) if g.get("passed")], lang)
        if gs is not None
        else "—"
        for gs in judged
    ]
    forced = out["forced_over"] if "forced_over" in out else pd.Series([None] * len(out))
    out["forced_over_shown"] = [gate_names(forced_gates(f), lang) for f in forced]
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
        {i.name: (i.label_zh if lang == "zh" else i.label_en) for i in schemes()[scheme].indicators}
        if scheme in schemes()
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


# -- charts' data ----------------------------------------------------------------------
def roc_frame(curves: dict[str, dict], names: dict[str, str]) -> pd.DataFrame:
    """ROC points of several curves in one long frame: ``curve`` (its name with the AUC),
    ``fpr``, ``tpr`` (``names``: curve key → what the reader calls it)."""
    rows = []
    for key, c in curves.items():
        if not c or not c.get("fpr"):
            continue
        label = f"{names.get(key, key)}（AUC {c['auc']:.3f}）"
        rows += [
            {"curve": label, "fpr": x, "tpr": y} for x, y in zip(c["fpr"], c["tpr"], strict=True)
        ]
    return pd.DataFrame(rows, columns=["curve", "fpr", "tpr"])


def shap_frame(summary: dict[str, Any] | None, lang: str, n: int = 20) -> pd.DataFrame:
    """Mean |contribution| per indicator, largest first, named in ``lang``."""
    feats = ((summary or {}).get("features") or [])[:n]
    key = "label_zh" if lang == "zh" else "label_en"
    return pd.DataFrame(
        [{"indicator_label": f.get(key) or f["name"], "mean_abs": f["mean_abs"]} for f in feats],
        columns=["indicator_label", "mean_abs"],
    )


def swarm_frame(summary: dict[str, Any] | None, lang: str) -> pd.DataFrame:
    """The beeswarm sample: ``indicator_label``, ``rank`` (0-1, missing as NaN) and
    ``contribution``."""
    summary = summary or {}
    sample = summary.get("sample") or {}
    if not sample.get("name"):
        return pd.DataFrame(columns=["indicator_label", "rank", "contribution"])
    key = "label_zh" if lang == "zh" else "label_en"
    named = {f["name"]: f.get(key) or f["name"] for f in summary.get("features") or []}
    return pd.DataFrame(
        {
            "indicator_label": [named.get(n, n) for n in sample["name"]],
            "rank": pd.to_numeric(pd.Series(sample["rank"], dtype=object), errors="coerce"),
            "contribution": sample["contribution"],
        }
    )


def calibration_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Predicted PD and observed default rate per grade, long: ``grade``, ``what``
    (``predicted``/``observed``), ``rate`` (grades without subjects left out)."""
    shown = table.loc[table["count"] > 0, ["grade", "predicted_pd", "observed_rate"]]
    long = shown.melt(id_vars="grade", var_name="what", value_name="rate")
    long["what"] = long["what"].map({"predicted_pd": "predicted", "observed_rate": "observed"})
    return long.reset_index(drop=True)


def migration_frame(report: dict[str, Any] | None) -> pd.DataFrame:
    """The report's migration matrix as ``from_grade``, ``to_grade``, ``n``, ``move``
    (``up`` to a better grade, ``down``, ``same``) for
    :func:`app.components.charts.migration`."""
    mig = (report or {}).get("migration") or {}
    order = list((report or {}).get("grades") or [])
    rows = []
    for before, row in (mig.get("matrix") or {}).items():
        for after, n in (row or {}).items():
            if not n:
                continue
            if before in order and after in order:
                step = order.index(after) - order.index(before)
                move = "same" if step == 0 else "up" if step < 0 else "down"
            else:
                move = "same" if before == after else "down"
            rows.append({"from_grade": before, "to_grade": after, "n": int(n), "move": move})
    return pd.DataFrame(rows, columns=["from_grade", "to_grade", "n", "move"])


# -- a training job's steps (``xinping train --progress-file``) in words ------------------
_STEPS = (
    (re.compile(r"^building snapshots$"), "models.step_snapshots"),
    (
        re.compile(r"^(?P<family>\w+): fold (?P<date>[\d-]+) \((?P<rows>[\d,]+) rows\)$"),
        "models.step_fold",
    ),
    (re.compile(r"^(?P<family>\w+): cross-validated AUC (?P<auc>[\d.]+)$"), "models.step_cv"),
    (re.compile(r"^refitting (?P<family>\w+) on (?P<rows>[\d,]+) rows$"), "models.step_refit"),
    (re.compile(r"^validating out of time$"), "models.step_validate"),
    (re.compile(r"^ROC curves and SHAP summary$"), "models.step_figures"),
)
_RESULT = re.compile(r"v(?P<version>\d+) \(challenger\)")


def job_step(message: str, lang: str, tr: Callable[..., str]) -> str:
    """One progress line of ``xinping train`` (``"<scheme>: <step>"``) in ``lang``
    (``tr``: :func:`app.i18n.tr`); a step this page does not know reads as "training"."""
    _scheme, _, step = message.partition(": ")
    for pattern, key in _STEPS:
        found = pattern.match(step.strip())
        if found:
            values = found.groupdict()
            if "family" in values:
                values["family"] = word(FAMILIES, values["family"], lang)
            return tr(key, lang, **values)
    return tr("models.step_other", lang)


def job_result(message: str, lang: str, tr: Callable[..., str]) -> str:
    """The last line of a finished training job: the version registered as challenger."""
    found = _RESULT.search(message or "")
    if found is None:
        return tr("models.step_other", lang)
    return tr("models.job_result", lang, version=found["version"])
