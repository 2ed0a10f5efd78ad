"""Batch scoring on Spark: the same champion, the same :func:`rate_frame`, at province scale.

:func:`score_scheme_spark` is :func:`scoring.batch.score_scheme` for a Spark
store (a lake of Parquet, :mod:`features.store.lake`):

1. the indicators are the compiled SQL of :mod:`features.compile` in the Spark
   dialect (:func:`features.build.feature_sql`), run by Spark — never
   collected to the driver;
2. the green channel and, for drivers, the 诚信考核 points rule are computed by
   their own functions (:mod:`scoring.policies`) on the Spark store: their SQL
   (the effective-records CTEs of :mod:`features.compile`) runs in the Spark
   dialect on the executors; the results (one flag per subject; the drivers'
   cycle records, then their points in pandas) come back to the driver and
   are joined to the indicators as a broadcast table. That is one small row
   per subject on the driver, not the records — acceptable for a province's
   tens of millions of subjects with a few GB of driver memory; the
   indicators and the model, the heavy parts, stay on the executors;
3. the champion, loaded once on the driver, is broadcast with the as-of date
   and time stamp (:class:`SparkBatch`), and every Arrow batch of the
   query's partitions is rated on the executors by :func:`rate_batch`, which
   types the rows as :func:`features.build.build_features` does and calls
   the very :func:`scoring.batch.rate_frame` of the embedded path — so
   scores, PDs, grades, overrides and reasons are identical;
4. the ratings are written as Parquet partitioned by ``scheme`` and ``as_of``
   (the lake's ``ratings`` table by default); a re-run replaces its own
   ``scheme=…/as_of=…`` folder (dynamic partition overwrite) — the whole
   folder, event re-ratings of that date included, unlike the embedded store
   which keeps them.

Layering (DESIGN.md §3, §4): this module imports no PySpark. It needs a store
with the hook :meth:`features.store.spark_store.SparkStore.map_to_parquet`
(``fn(frame, shared) -> frame`` mapped over a query on the executors), the one
place where PySpark meets code of an upper layer.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from features.build import feature_sql, typed_features
from features.compile import BuildConfig
from features.store.base import Store
from scoring.batch import (
    CHUNK_ROWS,
    Progress,
    RatingPolicies,
    ScoreRun,
    points_rule_extras,
    rate_frame,
)
from scoring.loader import LoadedModel
from scoring.policies.green_channel import green_channel

#: Columns the scoring query adds to the indicators (dropped before rating).
GREEN, EXTRAS = "_xp_green", "_xp_extras"
_GREEN_FRAME, _EXTRAS_FRAME = "_xp_green_flags", "_xp_reason_extras"


@dataclass(frozen=True)
class SparkBatch:
    """What every executor needs to rate a batch (broadcast once)."""

    model: LoadedModel
    as_of: dt.date
    scored_at: dt.datetime
    chunk_rows: int = CHUNK_ROWS


def rate_batch(frame: pd.DataFrame, job: SparkBatch) -> pd.DataFrame:
    """Ratings rows of one batch of the scoring query (runs on the executors).

    Parameters
    ----------
    frame
        Indicator rows (as a feature query gives them) with the green flag
        (``_xp_green``) and the extra reasons keys as JSON (``_xp_extras``).
    job
        The broadcast model, as-of date and time stamp.

    Returns
    -------
    pandas.DataFrame
        The ``ratings`` rows of :func:`scoring.batch.rate_frame`.
    """
    known = frame[GREEN].notna().to_numpy()
    green = pd.Series(
        frame.loc[known, GREEN].to_numpy(dtype=bool),
        index=pd.Index(frame.loc[known, "subject_id"], name="subject_id"),
        name="green_channel",
    )
    extras = None
    if frame[EXTRAS].notna().any():
        extras = {
            sid: json.loads(text)
            for sid, text in zip(frame["subject_id"], frame[EXTRAS], strict=True)
            if text is not None
        }
    features = typed_features(frame.drop(columns=[GREEN, EXTRAS]), job.model.pipeline.scheme)
    return rate_frame(
        job.model,
        features,
        job.as_of,
        job.scored_at,
        green=green,
        chunk_rows=job.chunk_rows,
        extras=extras,
    )


def scoring_sql(scheme: str, as_of: dt.date, cfg: BuildConfig | None, extras: bool) -> str:
    """The scheme's feature query (Spark dialect) with the green flag and extras joined."""
    features = feature_sql(scheme, as_of, "spark", cfg)
    extra = f"x.extras AS {EXTRAS}" if extras else f"CAST(NULL AS STRING) AS {EXTRAS}"
    join = f" LEFT JOIN {_EXTRAS_FRAME} x ON x.subject_id = f.subject_id" if extras else ""
    return (
        f"SELECT f.*, g.green_channel AS {GREEN}, {extra} FROM ({features}) f "
        f"LEFT JOIN {_GREEN_FRAME} g ON g.subject_id = f.subject_id{join}"
    )


def score_scheme_spark(
    store: Store,
    model: LoadedModel,
    as_of: dt.date,
    cfg: BuildConfig | None = None,
    policies: RatingPolicies | None = None,
    out: str | Path | None = None,
    progress: Progress | None = None,
    scored_at: dt.datetime | None = None,
) -> ScoreRun:
    """Score ``model``'s scheme on Spark as of ``as_of`` and write the ratings as Parquet.

    Parameters
    ----------
    store
        A Spark store over a lake (:class:`~features.store.spark_store.SparkStore`).
    model
        The model version to score with (normally the champion), loaded on the driver.
    as_of
        As-of date of the indicators and the ratings.
    cfg
        Publication windows and severity weights.
    policies
        Green channel and driver points rule (DOMAIN.md defaults when ``None``).
    out
        Ratings dataset folder (or URI); default: the lake's ``ratings`` table.
        Partitioned by ``scheme`` and ``as_of``; this batch's folder is replaced.
    progress
        ``progress(stage, done, total)`` at the start and the end of each stage.
    scored_at
        Time stamp of the rows (default: now).

    Returns
    -------
    ScoreRun
        Rows written and the grade mix; ``replaced`` is 0 (the batch's folder
        is overwritten whole).
    """
    mapper = getattr(store, "map_to_parquet", None)
    if store.dialect != "spark" or mapper is None:
        raise TypeError(f"score_scheme_spark needs a Spark store, not {type(store).__name__}")
    started = time.perf_counter()
    scheme = model.pipeline.scheme
    policies = policies or RatingPolicies()
    windows = (cfg or BuildConfig()).windows
    stage = f"政策 policies {scheme} (Spark)"
    if progress:
        progress(stage, 0, 1)
    flags = green_channel(store, scheme, as_of, policies.green, windows)
    # typed Arrow tables: an empty population still joins on a string column
    frames: dict[str, pa.Table] = {
        _GREEN_FRAME: pa.table(
            {
                "subject_id": pa.array(flags.index.tolist(), pa.string()),
                "green_channel": pa.array(flags.to_numpy(dtype=np.bool_), pa.bool_()),
            }
        )
    }
    if scheme == "driver" and len(flags):
        extras = points_rule_extras(store, flags.index.tolist(), as_of, policies, windows)
        frames[_EXTRAS_FRAME] = pa.table(
            {
                "subject_id": pa.array(list(extras), pa.string()),
                "extras": pa.array(
                    [json.dumps(v, ensure_ascii=False) for v in extras.values()], pa.string()
                ),
            }
        )
    if progress:
        progress(stage, 1, 1)
        progress(f"评分 scoring {scheme} (Spark)", 0, 1)
    job = SparkBatch(model, as_of, scored_at or dt.datetime.now())
    counts = mapper(
        scoring_sql(scheme, as_of, cfg, _EXTRAS_FRAME in frames),
        rate_batch,
        "ratings",
        out,
        shared=job,
        frames=frames,
        count_by="final_grade",
    )
    rows = sum(counts.values())
    if progress:
        progress(f"评分 scoring {scheme} (Spark)", 1, 1)
    order = model.pipeline.scale.keys
    return ScoreRun(
        scheme,
        as_of,
        model.name,
        model.version,
        model.run_id,
        rows,
        0,
        time.perf_counter() - started,
        {g: int(counts.get(g, 0)) for g in order},
    )
