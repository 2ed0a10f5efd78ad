"""The validation report's figures as data: ROC curves and the SHAP summary.

``report.json`` carries what the app and the HTML report draw, so neither has to load the
model or rebuild a frame to show them:

* ``roc``: per part (``train``, ``validation``, ``oot``) the ROC curve's points
  (false-positive rate, true-positive rate), thinned to at most :data:`MAX_POINTS`
  points, with the part's AUC;
* ``shap_summary``: per indicator the mean absolute contribution on the out-of-time
  snapshots (the pipeline's own contributions: points for a scorecard, log-odds SHAP
  values for LightGBM, both against the version's reference subject), largest first, and
  a seeded sample of rows with each indicator's value rank and contribution, for a
  beeswarm.

The HTML report draws the same data (:func:`html_section`). Axis texts are English (the
training machine has no CJK font); the app draws them in the reader's language.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from models.pipeline import CONTRIB_PREFIX, RatingPipeline
from training.fit import weights_of

#: points kept per ROC curve (the curve's corners, thinned evenly)
MAX_POINTS = 200
#: rows whose contributions are averaged (a seeded sample above it: SHAP of a large
#: out-of-time frame costs more than the rest of the report)
SHAP_ROWS = 5000
#: rows and indicators in the beeswarm sample
SWARM_ROWS = 300
SWARM_FEATURES = 15


def roc_points(
    y: np.ndarray,
    pd_: np.ndarray,
    max_points: int = MAX_POINTS,
    sample_weight: np.ndarray | None = None,
) -> dict:
    """The ROC curve of ``pd_`` against ``y`` as at most ``max_points`` points
    (``sample_weight``: the subjects each row of a weighted sample stands for).

    Returns ``{"fpr": [...], "tpr": [...], "auc": float}``; both lists start at 0 and end at
    1. Without both outcomes there is no curve: empty lists and ``auc`` ``None``.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    y = np.asarray(y, dtype=int)
    pd_ = np.asarray(pd_, dtype=float)
    if len(np.unique(y)) < 2:
        return {"fpr": [], "tpr": [], "auc": None}
    fpr, tpr, _ = roc_curve(y, pd_, drop_intermediate=True, sample_weight=sample_weight)
    if len(fpr) > max_points:
        # evenly spaced along the curve's length, both ends kept
        keep = np.unique(np.linspace(0, len(fpr) - 1, max_points).round().astype(int))
        fpr, tpr = fpr[keep], tpr[keep]
    return {
        "fpr": [round(float(v), 5) for v in fpr],
        "tpr": [round(float(v), 5) for v in tpr],
        "auc": float(roc_auc_score(y, pd_, sample_weight=sample_weight)),
    }


def roc(parts: dict[str, pd.DataFrame], pipeline: RatingPipeline) -> dict[str, dict]:
    """:func:`roc_points` of the pipeline's PD on every labelled part."""
    return {
        name: roc_points(
            frame["label"].to_numpy(int),
            pipeline.predict_pd(frame),
            sample_weight=weights_of(frame),
        )
        for name, frame in parts.items()
    }


def _rank(values: pd.Series) -> pd.Series:
    """The value's rank in its column, 0 (lowest) to 1 (highest); categories by code."""
    if values.dtype == object or str(values.dtype) in ("str", "string", "category"):
        values = values.astype("category").cat.codes.astype(float).where(values.notna())
    values = pd.to_numeric(values, errors="coerce")
    return values.rank(pct=True, method="average")


def shap_summary(pipeline: RatingPipeline, oot: pd.DataFrame, seed: int) -> dict:
    """Mean |contribution| per indicator on ``oot`` and a beeswarm sample.

    Returns
    -------
    dict
        ``unit`` (``points``: higher is safer, or ``log-odds``: higher is riskier),
        ``n`` (rows averaged), ``features`` (``[{"name", "label_zh", "label_en",
        "mean_abs"}]``, largest first,
        indicators the model does not use left out) and ``sample`` (``{"name": [...],
        "rank": [...], "contribution": [...]}``, flat lists of equal length: for
        :data:`SWARM_ROWS` seeded rows, each of the :data:`SWARM_FEATURES` largest
        indicators' value rank in the sample, 0-1 or ``None`` when missing, and its
        contribution).
    """
    frame = oot.sample(min(len(oot), SHAP_ROWS), random_state=seed)
    rated = pipeline.rate(frame, contributions=True)
    contrib = rated[[CONTRIB_PREFIX + f for f in pipeline.features if CONTRIB_PREFIX + f in rated]]
    contrib.columns = [c[len(CONTRIB_PREFIX) :] for c in contrib.columns]
    mean_abs = contrib.abs().mean().sort_values(ascending=False)
    mean_abs = mean_abs[mean_abs > 0]
    texts = pipeline.texts or {}
    features = [
        {
            "name": str(k),
            # the version's own words for the indicator, so a reader never sees a code
            "label_zh": texts[k].label_zh if k in texts else str(k),
            "label_en": texts[k].label_en if k in texts else str(k),
            "mean_abs": float(v),
        }
        for k, v in mean_abs.items()
    ]
    top = list(mean_abs.index[:SWARM_FEATURES])
    rows = frame.index[: min(SWARM_ROWS, len(frame))]  # already in seeded order
    names, ranks, values = [], [], []
    for f in top:
        rank = _rank(frame.loc[rows, f])
        for r, c in zip(rank, contrib.loc[rows, f], strict=True):
            names.append(str(f))
            ranks.append(None if pd.isna(r) else round(float(r), 4))
            values.append(round(float(c), 5))
    return {
        "unit": pipeline.contribution_unit,
        "n": len(frame),
        "features": features,
        "sample": {"name": names, "rank": ranks, "contribution": values},
    }


def figures(
    pipeline: RatingPipeline,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    oot: pd.DataFrame,
    seed: int,
) -> dict:
    """The report's ``roc`` and ``shap_summary`` keys."""
    return {
        "roc": roc({"train": train, "validation": validation, "oot": oot}, pipeline),
        "shap_summary": shap_summary(pipeline, oot, seed),
    }


# -- the HTML report's section ------------------------------------------------------------
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> str:
    """The figure as a PNG data URI (as :mod:`training.report` embeds its charts)."""
    import base64
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def roc_chart(curves: dict[str, dict]) -> str:
    """ROC curves of every part on one chart (PNG data URI)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    names = {"train": "train", "validation": "validation", "oot": "out of time"}
    for part, c in curves.items():
        if c.get("fpr"):
            ax.plot(c["fpr"], c["tpr"], label=f"{names.get(part, part)} (AUC {c['auc']:.3f})")
    ax.plot([0, 1], [0, 1], color="#aaa", lw=0.8, ls="--")
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate")
    ax.set_title("ROC")
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def shap_chart(summary: dict, n: int = 20) -> str:
    """Mean |contribution| per indicator, largest on top (PNG data URI; English labels:
    the training machine has no CJK font)."""
    plt = _pyplot()
    items = summary["features"][:n][::-1]
    fig, ax = plt.subplots(figsize=(6.4, 0.24 * len(items) + 1.0))
    ax.barh([i.get("label_en", i["name"]) for i in items], [i["mean_abs"] for i in items])
    ax.set_xlabel(f"mean |contribution| ({summary['unit']}), out of time, n = {summary['n']:,}")
    ax.tick_params(axis="y", labelsize=7)
    return _png(fig)


def html_section(report: dict) -> list[str]:
    """The ROC and SHAP summary section of the HTML report (nothing for older reports)."""
    parts = []
    if report.get("roc"):
        parts += [
            "<h2>ROC 曲线 / ROC curves</h2>",
            f"<img src='{roc_chart(report['roc'])}'>",
        ]
    if (report.get("shap_summary") or {}).get("features"):
        parts += [
            "<h2>指标贡献（SHAP 汇总）/ Indicator contributions (SHAP summary, out of time)</h2>",
            f"<img src='{shap_chart(report['shap_summary'])}'>",
            "<p>"
            + html.escape(
                "mean absolute contribution of each indicator to the rating on the "
                "out-of-time snapshots: points for a scorecard, log-odds for LightGBM, "
                "against the version's reference subject"
            )
            + "</p>",
        ]
    return parts
