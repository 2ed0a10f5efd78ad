"""Batch scoring on Spark: the same champion, the same :func:`rate_frame`, at province scale.

:func:`score_scheme_spark` is :func:`scoring.batch.score_scheme` for a Spark
store (a lake of Parquet, :mod:`features.store.lake`):

1. the indicators are the compiled SQL of :mod:`features.compile` in the Spark
   dialect (:func:`features.build.feature_sql`), run by Spark — never
   collected to the driver;
2. the scheme's published points rules and flags (the drivers' 诚信考核, the
   green channel: :mod:`features.rules`) are columns of that same query,
   compiled over the same records that count, so nothing comes back to the
   driver but the counts of grades;
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
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features import registry
from features.build import feature_sql, typed_features
from features.compile import BuildConfig
from features.dsl import Scheme
from features.rules import PointsRule
from features.store.base import Store
from scoring.batch import CHUNK_ROWS, Progress, RatingPolicies, ScoreRun, rate_frame
from scoring.loader import LoadedModel


@dataclass(frozen=True)
class SparkBatch:
    """What every executor needs to rate a batch (broadcast once)."""

    model: LoadedModel
    as_of: dt.date
    scored_at: dt.datetime
    chunk_rows: int = CHUNK_ROWS
    rules: tuple[PointsRule, ...] = ()
    #: The driver's registry when it holds scheme folders (``[schemes] folders``): the
    #: executors read no settings and may not see the folders, so they rate with the
    #: declarations the driver loaded (plain data, pickled with the broadcast).
    declarations: registry.Registry | None = None


def rate_batch(frame: pd.DataFrame, job: SparkBatch) -> pd.DataFrame:
    """Ratings rows of one batch of the scoring query (runs on the executors).

    Parameters
    ----------
    frame
        Indicator rows with the scheme's rule and flag columns, as the feature
        query gives them (``with_rules``).
    job
        The broadcast model, as-of date, time stamp and points rules.

    Returns
    -------
    pandas.DataFrame
        The ``ratings`` rows of :func:`scoring.batch.rate_frame`.
    """
    if job.declarations is not None:
        now = registry.current()
        if now is None or now.folders != job.declarations.folders:
            registry.activate(job.declarations)  # once per Python worker
    features = typed_features(frame, job.model.pipeline.scheme)
    return rate_frame(
        job.model,
        features,
        job.as_of,
        job.scored_at,
        chunk_rows=job.chunk_rows,
        rules=job.rules,
    )


def scoring_sql(scheme: str | Scheme, as_of: dt.date, cfg: BuildConfig | None) -> str:
    """The scheme's feature query (Spark dialect) with its rule and flag columns."""
    return feature_sql(scheme, as_of, "spark", cfg, with_rules=True)


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
        Points rules and flags in place of the declared ones (the settings').
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
    scheme = (policies or RatingPolicies()).scheme(model.pipeline.scheme)
    if progress:
        progress(f"评分 scoring {scheme.key} (Spark)", 0, 1)
    declared = registry.active()
    job = SparkBatch(
        model,
        as_of,
        scored_at or dt.datetime.now(),
        rules=tuple(scheme.rules),
        declarations=declared if declared.folders else None,
    )
    counts = mapper(
        scoring_sql(scheme, as_of, cfg),
        rate_batch,
        "ratings",
        out,
        shared=job,
        count_by="final_grade",
    )
    rows = sum(counts.values())
    if progress:
        progress(f"评分 scoring {scheme.key} (Spark)", 1, 1)
    order = model.pipeline.scale.keys
    return ScoreRun(
        scheme.key,
        as_of,
        model.name,
        model.version,
        model.run_id,
        rows,
        0,
        time.perf_counter() - started,
        {g: int(counts.get(g, 0)) for g in order},
    )
