"""Monitoring's thresholds and the alerts a batch's report raises when it crosses them.

Traffic lights of a PSI (green below ``psi_amber``, amber up to ``psi_red``, red above;
settings ``[monitor]``) and one alert per threshold crossed: score PSI red, an indicator
red, a grade failing the back-test, a matured AUC below the spec's ``min_auc``
(:func:`training.monitor.assess_counts` calls :func:`alerts_for`).
"""

from __future__ import annotations

from dataclasses import dataclass

from training import backtest as bt

GREEN, AMBER, RED = "green", "amber", "red"


@dataclass(frozen=True)
class MonitorConfig:
    """Thresholds of the monitoring (settings ``[monitor]``; ``min_auc`` from the spec)."""

    psi_amber: float = 0.10
    psi_red: float = 0.25
    backtest_alpha: float = 0.05
    min_auc: float = 0.65

    def __post_init__(self) -> None:
        if not 0 < self.psi_amber < self.psi_red:
            raise ValueError(f"need 0 < psi_amber < psi_red; got {self.psi_amber}, {self.psi_red}")
        if not 0 < self.backtest_alpha < 0.5:
            raise ValueError(f"backtest_alpha must lie in (0, 0.5); got {self.backtest_alpha}")


def light(psi: float | None, cfg: MonitorConfig) -> str | None:
    """Traffic light of a PSI: green < ``psi_amber`` ≤ amber ≤ ``psi_red`` < red."""
    if psi is None:
        return None
    if psi < cfg.psi_amber:
        return GREEN
    return AMBER if psi <= cfg.psi_red else RED


def alerts_for(report: dict, cfg: MonitorConfig) -> list[dict]:
    """The thresholds a batch's report crosses, each with its message in both languages."""
    out = []
    score = report["score"]
    if score["light"] == RED:
        out.append(
            {
                "kind": "score_psi",
                "item": None,
                "value": score["psi"],
                "threshold": cfg.psi_red,
                "message_zh": f"评分PSI {score['psi']:.3f} 超过红色阈值 {cfg.psi_red:g}："
                "本批评级人群与训练人群差异显著",
                "message_en": f"score PSI {score['psi']:.3f} above the red threshold "
                f"{cfg.psi_red:g}: the rated population differs markedly from the training one",
            }
        )
    for f in report["features"]:
        if f["light"] == RED:
            out.append(
                {
                    "kind": "feature_psi",
                    "item": f["name"],
                    "value": f["psi"],
                    "threshold": cfg.psi_red,
                    "message_zh": f"指标「{f['label_zh']}」PSI {f['psi']:.3f} 超过红色阈值 "
                    f"{cfg.psi_red:g}",
                    "message_en": f"indicator {f['label_en']}: PSI {f['psi']:.3f} above the red "
                    f"threshold {cfg.psi_red:g}",
                }
            )
    back = report.get("backtest")
    if back:
        for g in back["grades"]:
            if g["result"] != bt.FAIL:
                continue
            out.append(
                {
                    "kind": "backtest",
                    "item": g["grade"],
                    "value": g["realised_rate"],
                    "threshold": g["predicted_pd"],
                    "message_zh": f"等级 {g['grade']}（{g.get('label_zh', g['grade'])}）"
                    f"实际违约率 {g['realised_rate']:.2%}"
                    f"（{g['defaults']}/{g['count']}）高于预测违约概率 {g['predicted_pd']:.2%}，"
                    f"Jeffreys 检验 p = {g['p_value']:.3f} < {back['alpha']:g}",
                    "message_en": f"grade {g['grade']} ({g.get('label_en', g['grade'])}): "
                    "realised default rate "
                    f"{g['realised_rate']:.2%} ({g['defaults']} of {g['count']}) above the "
                    f"predicted PD {g['predicted_pd']:.2%}, Jeffreys p = {g['p_value']:.3f} "
                    f"< {back['alpha']:g}",
                }
            )
        if back["auc"] is not None and back["auc"] < cfg.min_auc:
            out.append(
                {
                    "kind": "auc",
                    "item": None,
                    "value": back["auc"],
                    "threshold": cfg.min_auc,
                    "message_zh": f"表现期已满批次的 AUC {back['auc']:.3f} 低于最低要求 "
                    f"{cfg.min_auc:g}",
                    "message_en": f"AUC of the matured cohort {back['auc']:.3f} below the "
                    f"minimum {cfg.min_auc:g}",
                }
            )
    return out
