"""Rate a population: every subject of each scheme with its champion, at each as-of date.

The use case behind ``xinping score`` (DuckDB or ``--engine spark``) and the
``spark-submit`` job (``app/spark_job.py``): the doors load the champions
(:func:`scoring.loader.champions`), parse the dates and print; the rating
itself, with the settings in force (indicator build, green channel, driver
points rule), is :func:`rate_population`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal

from features.build import data_end
from features.compile import BuildConfig
from features.store.base import Store
from scoring.batch import Progress, RatingPolicies, ScoreRun, score_scheme
from scoring.loader import LoadedModel


def default_as_of(store: Store) -> dt.date:
    """The last month end the store's data cover in full (the default rating date)."""
    end = data_end(store)
    first = end.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return end if nxt - dt.timedelta(days=1) == end else first - dt.timedelta(days=1)


def rate_population(
    store: Store,
    models: Mapping[str, LoadedModel],
    dates: Sequence[dt.date],
    build: BuildConfig,
    policies: RatingPolicies,
    *,
    engine: Literal["duckdb", "spark"] = "duckdb",
    out: Path | str | None = None,
    progress: Progress | None = None,
) -> Iterator[ScoreRun]:
    """Rate each scheme's whole population with its model at each date and write ``ratings``.

    Parameters
    ----------
    store
        The embedded store, or a Spark store over a lake for ``engine="spark"``.
    models
        Scheme → model version (normally the champion).
    dates
        As-of dates, rated in this order.
    build, policies
        The settings in force: indicator build (windows, weights) and the policies
        computed with every rating (green channel, driver points rule).
    engine
        ``duckdb``: one atomic, idempotent batch per scheme and date in the store
        (:func:`scoring.batch.score_scheme`); ``spark``: on the executors, ratings
        written as Parquet (:func:`scoring.spark_batch.score_scheme_spark`).
    out
        With ``spark``: the ratings dataset (default: the lake's ``ratings``).
    progress
        ``progress(stage, done, total)``.

    Yields
    ------
    ScoreRun
        One per scheme and date, as each is written.
    """
    if engine == "spark":
        from scoring.spark_batch import score_scheme_spark

        def run(model: LoadedModel, day: dt.date) -> ScoreRun:
            return score_scheme_spark(
                store, model, day, cfg=build, policies=policies, out=out, progress=progress
            )
    elif out is not None:
        raise ValueError("out is for the spark engine; the embedded store writes ratings")
    else:

        def run(model: LoadedModel, day: dt.date) -> ScoreRun:
            return score_scheme(store, model, day, cfg=build, policies=policies, progress=progress)

    for day in dates:
        for model in models.values():
            yield run(model, day)
