"""The gates a challenger must pass to become champion, judged on its validation report.

Each gate is a dict with ``gate``, ``value``, ``threshold``, ``passed``, ``status``
(``passed``, ``failed`` or ``insufficient`` — too little evidence to judge, which does
not block), a Chinese and English label and a ``detail`` naming what failed. The
thresholds are the spec's (:class:`training.spec.Gates`); the statistics are those of
:func:`training.evaluate.evaluate` (the report keys ``calibration``, ``ordering``,
``stability`` and ``leakage``).
"""

from __future__ import annotations

from training.spec import Gates

#: the gates' names in Chinese and English: the HTML report and the pages both read them
GATE_TEXT: dict[str, tuple[str, str]] = {
    "min_auc": ("样本外AUC不低于门槛", "out-of-time AUC at least the minimum"),
    "max_brier": ("样本外Brier分数不高于门槛", "out-of-time Brier score at most the maximum"),
    "calibration_in_the_large": (
        "整体违约率与预测违约率之比在允许范围内",
        "observed / predicted default rate of the portfolio within the allowed ratio",
    ),
    "grade_calibration": (
        "各等级违约概率未被显著低估（杰弗里斯检验）",
        "no grade's PD significantly too low (Jeffreys test)",
    ),
    "grade_ordering": (
        "相邻等级违约率无显著倒挂",
        "no adjacent grades reversed with confidence",
    ),
    "max_score_psi": ("评分稳定性指数不高于上限", "score PSI at most the maximum"),
    "max_feature_psi": ("各指标稳定性指数不高于上限", "every feature's PSI at most the maximum"),
    "max_feature_auc": (
        "单一指标跨期AUC不高于上限（防止未来信息泄漏）",
        "no single feature's out-of-time AUC above the cap (leak of the outcome)",
    ),
}


def _gate(name: str, value, threshold, status: str, detail: str = "") -> dict:
    zh, en = GATE_TEXT[name]
    return {
        "gate": name,
        "value": value,
        "threshold": threshold,
        "passed": status != "failed",
        "status": status,
        "label_zh": zh,
        "label_en": en,
        "detail": detail,
    }


def _missing(name: str, threshold) -> dict:
    return _gate(name, None, threshold, "failed", "not in the report: retrain to measure it")


def check_gates(report: dict, gates: Gates) -> list[dict]:
    """Each gate with the value measured, its threshold and its status.

    Every gate dict holds ``gate``, ``value``, ``threshold``, ``passed``, ``status``
    (``passed``, ``failed`` or ``insufficient`` — too little evidence to judge, which
    does not block), a Chinese and English label and a ``detail`` naming what failed.
    """
    oot = report["discrimination"]["oot"]
    out = []
    ok = oot["auc"] >= gates.min_auc
    out.append(_gate("min_auc", oot["auc"], gates.min_auc, "passed" if ok else "failed"))
    ok = oot["brier"] <= gates.max_brier
    out.append(_gate("max_brier", oot["brier"], gates.max_brier, "passed" if ok else "failed"))
    cal = report.get("calibration")
    if cal is None:
        out.append(_missing("calibration_in_the_large", gates.max_level_ratio))
        out.append(_missing("grade_calibration", gates.max_failed_grade_share))
    else:
        ratio = cal["in_the_large"].get("ratio")
        r = gates.max_level_ratio
        ok = ratio is not None and 1 / r <= ratio <= r
        out.append(
            _gate(
                "calibration_in_the_large",
                ratio,
                r,
                "passed" if ok else "failed",
                f"observed {cal['in_the_large'].get('observed_rate', float('nan')):.4f}, "
                f"predicted {cal['in_the_large'].get('predicted_rate', float('nan')):.4f}",
            )
        )
        c = cal["counts"]
        share = cal["failed_share"]
        failed = [g["grade"] for g in cal["grades"] if g["status"] == "failed"]
        detail = f"{c['passed']} passed, {c['failed']} failed, {c['insufficient']} insufficient" + (
            f"; failed: {', '.join(map(str, failed))}" if failed else ""
        )
        if share is None:
            status = "insufficient"
        else:
            status = "passed" if share <= gates.max_failed_grade_share else "failed"
        out.append(_gate("grade_calibration", share, gates.max_failed_grade_share, status, detail))
    order = report.get("ordering")
    if order is None:
        out.append(_missing("grade_ordering", gates.max_reversed_pairs))
    else:
        c = order["counts"]
        reversed_ = [
            f"{p['better']}>{p['worse']}" for p in order["pairs"] if p["status"] == "reversed"
        ]
        if c["ordered"] + c["reversed"] == 0:
            status = "insufficient"
        else:
            status = "passed" if c["reversed"] <= gates.max_reversed_pairs else "failed"
        detail = (
            f"{c['ordered']} ordered, {c['indistinct']} cannot be told apart, "
            f"{c['reversed']} reversed"
        )
        if reversed_:
            detail += f": {', '.join(reversed_)}"
        out.append(_gate("grade_ordering", c["reversed"], gates.max_reversed_pairs, status, detail))
    psi = report["stability"]["score_psi"]
    ok = psi <= gates.max_score_psi
    out.append(_gate("max_score_psi", psi, gates.max_score_psi, "passed" if ok else "failed"))
    fpsi = report["stability"].get("feature_psi") or {}
    over = sorted((f for f, v in fpsi.items() if v > gates.max_feature_psi), key=lambda f: -fpsi[f])
    worst = max(fpsi.values(), default=0.0)
    out.append(
        _gate(
            "max_feature_psi",
            worst,
            gates.max_feature_psi,
            "failed" if over else "passed",
            ", ".join(f"{f} {fpsi[f]:.3f}" for f in over),
        )
    )
    leak = report.get("leakage")
    if leak is None:
        out.append(_missing("max_feature_auc", gates.max_feature_auc))
    else:
        fauc = leak["feature_auc"]
        over = sorted(
            (f for f, v in fauc.items() if v > gates.max_feature_auc), key=lambda f: -fauc[f]
        )
        out.append(
            _gate(
                "max_feature_auc",
                max(fauc.values(), default=None),
                gates.max_feature_auc,
                "failed" if over else "passed",
                ", ".join(f"{f} {fauc[f]:.3f}" for f in over),
            )
        )
    return out
