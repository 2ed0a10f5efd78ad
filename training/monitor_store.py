"""Where monitoring reads and writes in the store.

Reads the rating batches ``xinping score`` wrote (table ``ratings``: one batch per
scheme, as-of date and model version; event re-ratings carry a cause and are not
batches, as :data:`scoring.history.BATCH` says), and keeps the results in the
analytical store beside them: ``monitoring`` (one row per batch and monitoring date,
with the report as JSON) and ``monitor_alerts`` (one row per threshold crossed). A
batch command writes them and the 模型管理 page reads them; the SQLite workflow store
is for the many small concurrent writes of people (sign-ins, audit rows). Re-running
the same monitoring replaces its rows in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.store.base import Store

#: rows a batch wrote (event re-ratings carry a cause; as scoring.history.BATCH), per engine
_BATCH = {
    "duckdb": "json_extract(reasons, '$.cause') IS NULL",
    "spark": "get_json_object(reasons, '$.cause') IS NULL",
}


def batch_filter(dialect: str) -> str:
    """The condition on ``ratings`` that keeps a batch's rows (not event re-ratings)."""
    return _BATCH[dialect]


@dataclass(frozen=True)
class Batch:
    """One rating batch: scheme, as-of date, model version, its training run, rows."""

    scheme: str
    as_of: dt.date
    model_version: str
    run_id: str | None
    rows: int


def rating_batches(store: Store, scheme: str, as_of: dt.date) -> list[Batch]:
    """The scheme's rating batches dated up to ``as_of``, oldest first."""
    frame = store.query(
        f"""SELECT as_of, model_version, max(run_id) AS run_id, count(*) AS n
FROM ratings WHERE scheme = ? AND as_of <= ? AND {batch_filter(store.dialect)}
GROUP BY as_of, model_version ORDER BY as_of, length(model_version), model_version""",
        [scheme, as_of],
    )
    return [
        Batch(scheme, pd.Timestamp(r.as_of).date(), str(r.model_version), r.run_id, int(r.n))
        for r in frame.itertuples(index=False)
    ]


def batch_ratings(store: Store, batch: Batch) -> pd.DataFrame:
    """The batch's rows: ``subject_id``, ``score``, ``pd``, ``model_grade``."""
    return store.query(
        f"""SELECT subject_id, score, pd, model_grade FROM ratings
WHERE scheme = ? AND as_of = ? AND model_version = ? AND {batch_filter(store.dialect)}
ORDER BY subject_id""",
        [batch.scheme, batch.as_of, batch.model_version],
    )


def monitoring_rows(report: dict, now: dt.datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The report's row of ``monitoring`` and its rows of ``monitor_alerts``."""
    back = report["backtest"]
    row = pd.DataFrame(
        [
            {
                "scheme": report["scheme"],
                "batch_as_of": dt.date.fromisoformat(report["batch_as_of"]),
                "model_version": report["model_version"],
                "run_id": report["run_id"],
                "monitored_as_of": dt.date.fromisoformat(report["monitored_as_of"]),
                "rows": report["rows"],
                "score_psi": report["score"]["psi"],
                "score_light": report["score"]["light"],
                "max_feature_psi": report["max_feature_psi"],
                "max_feature": report["max_feature"],
                "feature_light": report["feature_light"],
                "months_observed": report["maturity"]["months_observed"],
                "matured": report["maturity"]["matured"],
                "auc": back["auc"] if back else None,
                "backtest_failed": len(back["failed"]) if back else None,
                "alerts": len(report["alerts"]),
                "report": json.dumps(report, ensure_ascii=False, default=str),
                "mlflow_run_id": report.get("mlflow_run_id"),
                "monitored_at": now,
            }
        ]
    )
    alerts = pd.DataFrame(
        [
            {
                "scheme": report["scheme"],
                "batch_as_of": dt.date.fromisoformat(report["batch_as_of"]),
                "model_version": report["model_version"],
                "monitored_as_of": dt.date.fromisoformat(report["monitored_as_of"]),
                **a,
                "mlflow_run_id": report.get("mlflow_run_id"),
                "raised_at": now,
            }
            for a in report["alerts"]
        ]
    )
    return row, alerts


def write_monitoring(store: Store, report: dict, now: dt.datetime) -> None:
    """The report's row in ``monitoring`` and its alerts, replacing the same monitoring's."""
    key = [
        report["scheme"],
        dt.date.fromisoformat(report["batch_as_of"]),
        report["model_version"],
        dt.date.fromisoformat(report["monitored_as_of"]),
    ]
    row, alerts = monitoring_rows(report, now)
    where = "scheme = ? AND batch_as_of = ? AND model_version = ? AND monitored_as_of = ?"
    with store.transaction() as tx:
        tx.execute(f"DELETE FROM monitoring WHERE {where}", key)
        tx.execute(f"DELETE FROM monitor_alerts WHERE {where}", key)
        tx.append("monitoring", row)
        if not alerts.empty:
            tx.append("monitor_alerts", alerts)


def write_monitoring_lake(
    store: Store,
    reports: list[dict],
    now: dt.datetime,
    out: str | Path | None = None,
) -> dict[str, str]:
    """One monitoring run's reports as Parquet, in a lake store (Spark): no transaction.

    ``monitoring`` and ``monitor_alerts`` are partitioned by ``scheme`` and
    ``monitored_as_of`` (:data:`features.store.lake.PARTITIONS`); the run's partition of
    each is replaced whole, so re-running the same monitoring replaces its rows, as
    :func:`write_monitoring` does in the embedded store (and a batch no longer in the
    ratings leaves no row behind). ``out``: a folder holding the two datasets
    (default: the lake's own tables). Returns where each table went.
    """
    if not reports:
        return {}
    replace = getattr(store, "replace_partition", None)
    if replace is None:
        raise TypeError(f"{type(store).__name__} cannot replace Parquet partitions")
    rows, alerts = zip(*(monitoring_rows(r, now) for r in reports), strict=True)
    part = {
        "scheme": reports[0]["scheme"],
        "monitored_as_of": dt.date.fromisoformat(reports[0]["monitored_as_of"]),
    }
    where = {}
    for table, frames in (("monitoring", rows), ("monitor_alerts", alerts)):
        kept = [f for f in frames if not f.empty]
        frame = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame()
        path = None if out is None else f"{str(out).rstrip('/')}/{table}"
        where[table] = replace(table, part, frame, path)
    return where


def latest_monitoring(store: Store, scheme: str) -> pd.DataFrame:
    """Per batch (as-of date and version), its latest monitoring row, oldest batch first."""
    if not _has_table(store, "monitoring"):
        return pd.DataFrame()
    return store.query(
        """SELECT * FROM (
  SELECT *, row_number() OVER (PARTITION BY batch_as_of, model_version
                               ORDER BY monitored_as_of DESC, monitored_at DESC) AS rn
  FROM monitoring WHERE scheme = ?) m WHERE rn = 1 ORDER BY batch_as_of, model_version""",
        [scheme],
    ).drop(columns="rn")


def latest_alerts(store: Store, scheme: str) -> pd.DataFrame:
    """The alerts of each batch's latest monitoring, newest batch first."""
    if not _has_table(store, "monitor_alerts"):
        return pd.DataFrame()
    return store.query(
        """SELECT a.* FROM monitor_alerts a JOIN (
  SELECT batch_as_of, model_version, max(monitored_as_of) AS monitored_as_of
  FROM monitoring WHERE scheme = ? GROUP BY ALL) m
USING (batch_as_of, model_version, monitored_as_of)
WHERE a.scheme = ? ORDER BY a.batch_as_of DESC, a.kind, a.item""",
        [scheme, scheme],
    )


def _has_table(store: Store, name: str) -> bool:
    return bool(
        store.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
    )
