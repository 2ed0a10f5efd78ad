"""模型管理: runs and registered versions per scheme, validation reports, promotion.

Reads the SQLite MLflow registry under settings ``mlflow.home``; promotion goes
through :func:`training.promote.promote` and its gates, never around them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from features.build import build_training_frame
from features.store.base import Store
from models.pipeline import RatingPipeline
from models.registry import CHALLENGER, CHAMPION, connect, model_name, version_by_alias
from training.promote import PromoteResult, promote
from training.spec import load_spec

#: metrics shown side by side, in this order
METRICS = (
    "oot_auc",
    "oot_gini",
    "oot_ks",
    "oot_brier",
    "validation_auc_gbm",
    "validation_auc_scorecard",
    "score_psi",
    "grades_within_ci",
    "grades_monotone",
    "grade_hhi",
    "oracle_gini_ratio",
)


def _when(ms: int | None) -> dt.datetime | None:
    return None if ms is None else dt.datetime.fromtimestamp(ms / 1000)


def versions(home: Path, scheme: str) -> pd.DataFrame:
    """Registered versions of ``xinping-<scheme>``, newest first, with aliases and tags."""
    client = connect(home)
    cols = [
        "version",
        "aliases",
        "run_id",
        "family",
        "gates_passed",
        "created",
        "promoted_at",
        "promoted_by",
        "forced_reason",
        "forced_over",
        "gates",
    ]
    held: dict[str, list[str]] = {}
    for alias, (version, _run) in alias_runs(home, scheme).items():
        held.setdefault(version, []).append(alias)
    try:
        found = client.search_model_versions(f"name = '{model_name(scheme)}'")
    except Exception:  # an empty registry has no such model
        found = []
    rows = [
        {
            "version": int(v.version),
            "aliases": ", ".join(held.get(str(v.version), [])),
            "run_id": v.run_id,
            "family": v.tags.get("family"),
            "gates_passed": v.tags.get("gates_passed"),
            "created": _when(v.creation_timestamp),
            "promoted_at": v.tags.get("promoted_at"),
            "promoted_by": v.tags.get("promoted_by"),
            "forced_reason": v.tags.get("forced_reason"),
            "forced_over": v.tags.get("forced_over"),
            # each gate as judged on the version's own report (None: no report)
            "gates": [
                {"gate": g.get("gate"), "passed": bool(g.get("passed"))}
                for g in (report_json(home, v.run_id) or {}).get("gates", [])
            ]
            if v.run_id
            else None,
        }
        for v in found
    ]
    return pd.DataFrame(rows, columns=cols).sort_values(
        "version", ascending=False, ignore_index=True
    )


def runs(home: Path, scheme: str) -> pd.DataFrame:
    """Training runs of the scheme's experiment, newest first, with their key metrics."""
    client = connect(home)
    exp = client.get_experiment_by_name(model_name(scheme))
    cols = ["run_id", "run_name", "status", "started", "family", *METRICS]
    if exp is None:
        return pd.DataFrame(columns=cols)
    found = client.search_runs([exp.experiment_id], order_by=["attributes.start_time DESC"])
    return pd.DataFrame(
        [
            {
                "run_id": r.info.run_id,
                "run_name": r.info.run_name,
                "status": r.info.status,
                "started": _when(r.info.start_time),
                "family": r.data.tags.get("family"),
                **{m: r.data.metrics.get(m) for m in METRICS},
            }
            for r in found
        ],
        columns=cols,
    )


def alias_runs(home: Path, scheme: str) -> dict[str, tuple[str, str]]:
    """``{alias: (version, run_id)}`` for champion and challenger (when present)."""
    client = connect(home)
    out: dict[str, tuple[str, str]] = {}
    for alias in (CHAMPION, CHALLENGER):
        found = version_by_alias(client, scheme, alias)
        if found is not None:
            out[alias] = (str(found.version), str(found.run_id))
    return out


def side_by_side(home: Path, scheme: str) -> pd.DataFrame:
    """Champion and challenger metrics in two columns (index: metric)."""
    table = runs(home, scheme).set_index("run_id")
    out = {}
    for alias, (version, run_id) in alias_runs(home, scheme).items():
        label = f"{alias} v{version}"
        out[label] = (
            table.loc[run_id, list(METRICS)]
            if run_id in table.index
            else pd.Series(index=list(METRICS), dtype=float)
        )
    return pd.DataFrame(out, index=list(METRICS))


def _artifact(home: Path, run_id: str, path: str) -> Path | None:
    client = connect(home)
    try:
        return Path(client.download_artifacts(run_id, path))
    except Exception:  # missing artifact
        return None


def report_html(home: Path, run_id: str) -> str | None:
    """The run's validation report (HTML with its charts), or ``None``."""
    path = _artifact(home, run_id, "report/report.html")
    return path.read_text(encoding="utf-8") if path else None


def report_json(home: Path, run_id: str) -> dict[str, Any] | None:
    """The run's validation report as data, or ``None``."""
    path = _artifact(home, run_id, "report/report.json")
    return json.loads(path.read_text(encoding="utf-8")) if path else None


def gates(report: dict[str, Any] | None) -> pd.DataFrame:
    """The spec's gates as judged in a report: gate, value, threshold, passed."""
    rows = (report or {}).get("gates", [])
    return pd.DataFrame(rows, columns=["gate", "value", "threshold", "passed"])


def oot_dates(scheme: str) -> list[dt.date]:
    """The out-of-time snapshot dates of the scheme's shipped spec."""
    return list(load_spec(scheme).snapshots.oot)


def oot_frame(store: Store, scheme: str) -> pd.DataFrame:
    """The out-of-time snapshots of the scheme's shipped spec, rebuilt from the store now
    (what :func:`training.promote.promote` judges a challenger and its champion on)."""
    return build_training_frame(store, scheme, load_spec(scheme).snapshots.oot)


def load_version(home: Path, scheme: str, version: str) -> RatingPipeline:
    """The rating pipeline of version ``version`` of ``xinping-<scheme>``."""
    from models.pyfunc import load_pipeline

    connect(home)  # points MLflow's models:/ URIs at this registry
    return load_pipeline(f"models:/{model_name(scheme)}/{version}")


def oot_evidence(pipeline: RatingPipeline, frame: pd.DataFrame) -> dict[str, Any]:
    """How a version ranks and calibrates on an out-of-time frame.

    Returns ``metrics`` (n, defaults, AUC, Gini, KS, Brier), ``roc`` (points,
    :func:`training.report_figures.roc_points`) and ``grades`` (per model grade: count,
    share, defaults, observed rate, predicted PD).
    """
    from models import metrics
    from training.evaluate import grade_table
    from training.report_figures import roc_points

    y = frame["label"].to_numpy(int)
    rated = pipeline.rate(frame, contributions=False)
    pd_ = rated["pd"].to_numpy(float)
    both = len(set(y.tolist())) == 2
    table = grade_table(rated["model_grade"].to_numpy(), pd_, y, pipeline.scale.keys)
    return {
        "metrics": {
            "n": len(y),
            "events": int(y.sum()),
            "auc": metrics.auc(y, pd_) if both else None,
            "gini": metrics.gini(y, pd_) if both else None,
            "ks": metrics.ks(y, pd_) if both else None,
            "brier": metrics.brier(y, pd_),
        },
        "roc": roc_points(y, pd_),
        "grades": table.reset_index()[
            ["grade", "count", "share", "defaults", "observed_rate", "predicted_pd"]
        ],
    }


def promote_challenger(store: Store, scheme: str, home: Path, user: str) -> PromoteResult:
    """Promote the scheme's challenger through the gates of its shipped spec."""
    return promote(store, scheme, load_spec(scheme), home, user=user)
