"""Ongoing monitoring of the models in use: ``xinping monitor`` and the 模型管理 page.

For every rating batch of a scheme (the rows ``xinping score`` wrote for one as-of
date and model version) up to the monitoring date:

* **Stability.** PSI of the score and of every indicator (rebuilt point in time at the
  batch date, for the batch's subjects) against the training population of the
  version that rated it (:mod:`training.reference`), each with a traffic light:
  green below ``psi_amber``, amber up to ``psi_red``, red above (industry convention
  0.10 / 0.25, settings ``[monitor]``).
* **Back-test.** Once the batch's outcome window (the scheme's label horizon) has
  passed and the store's records reach its end, predicted PD against the realised
  default rate per grade with the Jeffreys test, and the AUC of the matured cohort
  (:mod:`training.backtest`); before, the cohort shows the months observed so far.
* **Alerts.** Score PSI red, an indicator red, a grade failing the back-test, a
  matured AUC below the spec's ``min_auc``: one row each in ``monitor_alerts``.

Results go to the analytical store (tables ``monitoring`` and ``monitor_alerts``,
:mod:`training.monitor_store`) and to an MLflow run per batch in the version's
lineage (:mod:`training.monitor_tracking`). Re-running the same monitoring replaces
its rows and adds nothing to MLflow.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from features import registry
from features.build import build_features, build_labels, build_training_frame, data_end
from features.compile import BuildConfig
from features.schemes import get_scheme
from features.store.base import Store
from models.rating import load_scale
from models.registry import connect, model_name
from training import backtest as bt
from training.monitor_counts import BatchCounts, counts_of_frames
from training.monitor_sql import batch_counts
from training.monitor_store import (
    Batch,
    batch_ratings,
    rating_batches,
    write_monitoring,
    write_monitoring_lake,
)
from training.monitor_thresholds import (
    AMBER,
    GREEN,
    RED,
    MonitorConfig,
    alerts_for,
    light,
)
from training.monitor_tracking import log_monitoring
from training.reference import (
    REFERENCE_PATH,
    bin_labels,
    population_reference,
    psi_of_shares,
    shares_of,
)

Progress = Callable[[str], None]
#: the thresholds and lights live in training.monitor_thresholds; importable from here too
__all__ = ["AMBER", "GREEN", "RED", "MonitorConfig", "alerts_for", "light", "monitor"]


def assess_batch(
    reference: dict,
    batch: Batch,
    rated: pd.DataFrame,
    features: pd.DataFrame,
    monitored_as_of: dt.date,
    cutoff: dt.date,
    cfg: MonitorConfig,
    defaulted: set[str] | None = None,
) -> dict:
    """The monitoring report of one batch held as frames (pure).

    Parameters
    ----------
    reference
        The training population's reference (:func:`training.reference.population_reference`).
    batch
        The batch.
    rated
        Its ratings: ``subject_id``, ``score``, ``pd``, ``model_grade``.
    features
        Its subjects' indicators at the batch date (``subject_id`` and the indicators).
    monitored_as_of
        The monitoring date.
    cutoff
        The last day whose outcomes are known (the monitoring date or the store's end).
    cfg
        Thresholds.
    defaulted
        Subjects with the target event in the outcome window, when it has matured.
    """
    counts = counts_of_frames(reference, rated, features, defaulted)
    return assess_counts(reference, batch, counts, monitored_as_of, cutoff, cfg)


def assess_counts(
    reference: dict,
    batch: Batch,
    counts: BatchCounts,
    monitored_as_of: dt.date,
    cutoff: dt.date,
    cfg: MonitorConfig,
) -> dict:
    """The monitoring report of one batch from its counts (pure; both engines end here).

    Parameters
    ----------
    reference
        The training population's reference.
    batch
        The batch.
    counts
        Its counts in the reference's bins and, once matured, its outcomes
        (:mod:`training.monitor_counts`).
    monitored_as_of, cutoff, cfg
        As :func:`assess_batch`.
    """
    scheme = get_scheme(batch.scheme)
    horizon = scheme.target.horizon if scheme.target is not None else 12
    labels = {i.name: (i.label_zh, i.label_en) for i in scheme.indicators}
    score_spec = reference["score"]
    actual = shares_of(counts.score)
    score_psi = psi_of_shares(score_spec["shares"], actual)
    feats = []
    for name, spec in reference["features"].items():
        if name not in counts.features:
            continue
        value = psi_of_shares(spec["shares"], shares_of(counts.features[name]))
        zh, en = labels.get(name, (name, name))
        feats.append(
            {"name": name, "label_zh": zh, "label_en": en, "psi": value, "light": light(value, cfg)}
        )
    feats.sort(key=lambda f: -f["psi"])
    months = bt.months_observed(batch.as_of, cutoff, horizon)
    matured = months >= horizon and counts.outcomes is not None
    report = {
        "scheme": batch.scheme,
        "batch_as_of": str(batch.as_of),
        "model_name": model_name(batch.scheme),
        "model_version": batch.model_version,
        "run_id": batch.run_id,
        "monitored_as_of": str(monitored_as_of),
        "rows": counts.rows,
        "mean_pd": counts.mean_pd,
        "thresholds": {"psi_amber": cfg.psi_amber, "psi_red": cfg.psi_red},
        "reference": {
            k: reference.get(k)
            for k in (
                "source",
                "snapshots",
                "rows",
                "predicted_pd",
                "default_rate",
                "model_version",
            )
        },
        "score": {
            "psi": score_psi,
            "light": light(score_psi, cfg),
            "bins": [
                {"bin": b, "expected": float(e), "actual": float(a)}
                for b, e, a in zip(
                    bin_labels(score_spec), score_spec["shares"], actual, strict=True
                )
            ],
        },
        "features": feats,
        "max_feature_psi": feats[0]["psi"] if feats else None,
        "max_feature": feats[0]["name"] if feats else None,
        "feature_light": light(feats[0]["psi"], cfg) if feats else None,
        "maturity": {
            "horizon": horizon,
            "months_observed": months,
            "matured": matured,
            "matures_on": str(bt.matures_on(batch.as_of, horizon)),
        },
        "backtest": None,
    }
    if matured and counts.outcomes is not None:
        grades = tuple(reference.get("grade_shares") or sorted(counts.outcomes.grades))
        result = bt.backtest_outcomes(counts.outcomes, grades, cfg.backtest_alpha)
        result["min_auc"] = cfg.min_auc
        scale = load_scale(batch.scheme, path=registry.scale_file(batch.scheme))
        for row in result["grades"]:
            known = row["grade"] in scale.keys
            row["label_zh"] = scale.label(row["grade"]) if known else row["grade"]
            row["label_en"] = scale.label(row["grade"], "en") if known else row["grade"]
        report["backtest"] = result
    report["alerts"] = alerts_for(report, cfg)
    return report


def reference_for(
    client, store: Store, batch: Batch, progress: Progress | None = None
) -> tuple[dict, str | None]:
    """The training reference of the batch's version, and a note when it was rebuilt.

    Read from the training run's artifact ``monitoring/reference.json``. A version
    trained before that artifact existed gets it rebuilt from the store with the
    snapshot dates its run logged (``snapshots.train`` and ``snapshots.validation``:
    the rows it was fitted on), and saved into that run for the next time.
    """
    from models.pyfunc import load_pipeline

    if not batch.run_id:
        raise ValueError(f"{batch.scheme} v{batch.model_version}: the ratings name no training run")
    folder = str(Path(REFERENCE_PATH).parent)
    # only a missing artifact is rebuilt: a registry that cannot be read is an error
    if REFERENCE_PATH in {a.path for a in client.list_artifacts(batch.run_id, folder)}:
        path = client.download_artifacts(batch.run_id, REFERENCE_PATH)
        return json.loads(Path(path).read_text(encoding="utf-8")), None
    params = client.get_run(batch.run_id).data.params
    dates = [
        dt.date.fromisoformat(d)
        for key in ("snapshots.train", "snapshots.validation")
        for d in json.loads(params[key])
    ]
    if progress:
        progress(f"rebuilding the training reference of v{batch.model_version}")
    pipeline = load_pipeline(f"models:/{model_name(batch.scheme)}/{batch.model_version}")
    # on a lake the snapshots are built by Spark and collected, as training collects them
    population = build_training_frame(store, batch.scheme, dates, engine=store.dialect)
    ref = population_reference(pipeline, population, batch.model_version, source="rebuilt")
    ref["rebuilt_on"] = str(dt.date.today())
    client.log_dict(batch.run_id, ref, REFERENCE_PATH)
    note = (
        f"v{batch.model_version} 训练时未保存参照人群，已按训练快照 "
        f"{dates[0]} … {dates[-1]}（{len(dates)} 期）从数据库重建并存入训练运行 / the version "
        f"predates the reference artifact: rebuilt from the store with its training snapshots "
        f"{dates[0]} … {dates[-1]} ({len(dates)} dates) and saved into run {batch.run_id}"
    )
    return ref, note


# -- the use case -------------------------------------------------------------------------
@dataclass(frozen=True)
class MonitorResult:
    """What one monitoring run of a scheme did."""

    scheme: str
    as_of: dt.date
    cutoff: dt.date
    reports: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: on a lake: where the ``monitoring`` and ``monitor_alerts`` rows were written
    written: dict[str, str] = field(default_factory=dict)


def monitor(
    store: Store,
    scheme: str,
    home: Path | str,
    as_of: dt.date,
    cfg: MonitorConfig,
    build_cfg: BuildConfig | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    out: str | Path | None = None,
) -> MonitorResult:
    """Monitor every rating batch of ``scheme`` dated up to ``as_of``.

    On a lake (a Spark store) every batch is aggregated by Spark
    (:mod:`training.monitor_sql`: the driver receives counts per bin and grade, never
    rows) and the run's rows are written as Parquet partitioned by scheme and
    monitoring date (:func:`training.monitor_store.write_monitoring_lake`); the
    reports, their MLflow runs and alerts are the embedded path's.

    Parameters
    ----------
    store
        The store with the ratings (the results are written to it), or a Spark store
        over a lake whose ``ratings`` the Spark scoring wrote.
    scheme
        A modelled scheme.
    home
        The MLflow home (training references are read from it, monitoring runs logged).
    as_of
        The monitoring date: batches up to it; outcomes known up to it (or the store's end).
    cfg
        Thresholds (settings ``[monitor]``, the spec's ``min_auc``).
    build_cfg
        Publication windows for the indicators (as scoring uses).
    progress
        Told what is being done.
    now
        Time stamp of the rows (default: now).
    out
        On a lake only: the folder of the ``monitoring`` and ``monitor_alerts`` datasets
        (default: the lake's own).
    """
    say = progress or (lambda msg: None)
    lake = store.dialect == "spark"
    if out is not None and not lake:
        raise ValueError("out: only monitoring on a lake (Spark) writes Parquet datasets")
    sch = get_scheme(scheme)
    if sch.target is None:
        raise ValueError(f"scheme {scheme} is not modelled: nothing to monitor")
    cutoff = min(as_of, data_end(store))
    client = connect(home)
    result = MonitorResult(scheme, as_of, cutoff)
    references: dict[str, dict] = {}
    for batch in rating_batches(store, scheme, as_of):
        say(f"{scheme} {batch.as_of} v{batch.model_version}")
        if batch.model_version not in references:
            ref, note = reference_for(client, store, batch, say)
            references[batch.model_version] = ref
            if note:
                result.notes.append(note)
        ref = references[batch.model_version]
        matured = bt.months_observed(batch.as_of, cutoff, sch.target.horizon) >= (
            sch.target.horizon
        )
        if lake:  # aggregated on the executors: counts come back, never rows
            counts = batch_counts(store, ref, sch, batch, build_cfg, matured)
            report = assess_counts(ref, batch, counts, as_of, cutoff, cfg)
        else:
            rated = batch_ratings(store, batch)
            feats = build_features(store, sch, batch.as_of, cfg=build_cfg)
            feats = feats[feats["subject_id"].isin(set(rated["subject_id"]))]
            defaulted = build_labels(store, sch, batch.as_of) if matured else None
            report = assess_batch(ref, batch, rated, feats, as_of, cutoff, cfg, defaulted)
        report["mlflow_run_id"] = log_monitoring(client, home, report)
        if not lake:
            write_monitoring(store, report, now or dt.datetime.now())
        result.reports.append(report)
    if lake:
        result.written.update(
            write_monitoring_lake(store, result.reports, now or dt.datetime.now(), out)
        )
    return result
