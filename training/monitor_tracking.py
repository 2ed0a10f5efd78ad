"""Monitoring runs in MLflow, in the lineage of the model version they watch.

Each rating batch a model version rated (scheme, version, batch date) has one
MLflow run in the experiment ``xinping-<scheme>-monitoring`` (kept apart from the
training experiment so the 模型管理 page's training runs stay training runs), tagged
with the training run and version (``mlflow.parentRunId`` names the training run,
so the MLflow UI links the two). Monitoring the same batch again — a month later,
as its outcomes mature — goes into the same run: metrics are logged at step =
months of outcomes observed, stamped with the monitoring date, and a value already
logged at that step is not logged again, so re-running changes nothing; the report
is ``monitoring/report.json`` (latest) and ``monitoring/report-<date>.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from models.registry import model_name
from training.tracking import owner_tags

if TYPE_CHECKING:
    from mlflow import MlflowClient

KIND_TAG, TRAINING_RUN_TAG = "xinping.kind", "xinping.training_run_id"
VERSION_TAG, BATCH_TAG, AS_OF_TAG = (
    "xinping.model_version",
    "xinping.batch_as_of",
    "xinping.monitored_as_of",
)
#: the numbers of a monitoring report logged as metrics
METRICS = (
    "rows",
    "score_psi",
    "max_feature_psi",
    "red_features",
    "matured_auc",
    "backtest_failed",
    "realised_rate",
    "predicted_pd",
    "alerts",
)


def experiment_name(scheme: str) -> str:
    """``xinping-<scheme>-monitoring``."""
    return f"{model_name(scheme)}-monitoring"


def experiment_id(client: MlflowClient, home: Path | str, scheme: str) -> str:
    """The scheme's monitoring experiment, created with its artifacts under ``home``."""
    from models.registry import is_uri

    exp = client.get_experiment_by_name(experiment_name(scheme))
    if exp is not None:
        return exp.experiment_id
    location = None
    if not is_uri(home):
        location = (Path(home) / "artifacts" / f"{scheme}-monitoring").resolve().as_uri()
    return client.create_experiment(experiment_name(scheme), artifact_location=location)


def find_run(client: MlflowClient, experiment: str, version: str, batch: str) -> str | None:
    """The monitoring run of (version, batch) in ``experiment``, if there is one."""
    found = client.search_runs(
        [experiment],
        f"tags.`{VERSION_TAG}` = '{version}' AND tags.`{BATCH_TAG}` = '{batch}'",
        max_results=1,
        order_by=["attributes.start_time ASC"],
    )
    return found[0].info.run_id if found else None


def metric_values(report: dict) -> dict[str, float]:
    """The report's numbers to log (those that exist)."""
    back = report.get("backtest") or {}
    values = {
        "rows": report.get("rows"),
        "score_psi": (report.get("score") or {}).get("psi"),
        "max_feature_psi": report.get("max_feature_psi"),
        "red_features": sum(f["light"] == "red" for f in report.get("features", [])),
        "matured_auc": back.get("auc"),
        "backtest_failed": len(back["failed"]) if back else None,
        "realised_rate": back.get("realised_rate"),
        "predicted_pd": back.get("predicted_pd") if back else report.get("mean_pd"),
        "alerts": len(report.get("alerts", [])),
    }
    return {k: float(v) for k, v in values.items() if v is not None}


def log_monitoring(client: MlflowClient, home: Path | str, report: dict) -> str:
    """Log one batch's monitoring report; return the monitoring run's ID."""
    from mlflow.entities import Metric, RunTag

    scheme, version, batch = report["scheme"], report["model_version"], report["batch_as_of"]
    exp = experiment_id(client, home, scheme)
    run_id = find_run(client, exp, version, batch)
    if run_id is None:
        tags = {
            **owner_tags(),
            "scheme": scheme,
            KIND_TAG: "monitoring",
            VERSION_TAG: version,
            BATCH_TAG: batch,
            "xinping.model_name": model_name(scheme),
        }
        if report.get("run_id"):
            tags[TRAINING_RUN_TAG] = report["run_id"]
            tags["mlflow.parentRunId"] = report["run_id"]
        run_id = client.create_run(
            exp, run_name=f"monitor-{scheme}-v{version}-{batch}", tags=tags
        ).info.run_id
    step = int(report["maturity"]["months_observed"])
    day = dt.date.fromisoformat(report["monitored_as_of"])
    stamp = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)
    new = []
    for key, value in metric_values(report).items():
        logged = {(m.step, m.value) for m in client.get_metric_history(run_id, key)}
        if (step, value) not in logged:  # the same monitoring again adds nothing
            new.append(Metric(key, value, stamp, step))
    client.log_batch(run_id, metrics=new, tags=[RunTag(AS_OF_TAG, report["monitored_as_of"])])
    with tempfile.TemporaryDirectory() as tmp:
        text = json.dumps(report, ensure_ascii=False, indent=1, default=str)
        for name in ("report.json", f"report-{report['monitored_as_of']}.json"):
            (Path(tmp) / name).write_text(text, encoding="utf-8")
            client.log_artifact(run_id, str(Path(tmp) / name), artifact_path="monitoring")
    client.set_terminated(run_id, "FINISHED")
    return run_id
