"""Map a pandas function over a Spark query's rows, on the executors.

This is the one place where code from the upper layers runs inside Spark
tasks, and it keeps them free of PySpark: the caller (``scoring``) hands
:meth:`~features.store.spark_store.SparkStore.map_frames` a plain function
``fn(frame, shared) -> frame`` and the declared table its rows belong to;
this module

* broadcasts ``shared`` once (e.g. the champion model, loaded on the driver),
* runs ``fn`` with ``mapInArrow`` on every Arrow batch of the query's
  partitions, each batch converted to pandas exactly as the store's own
  :meth:`query` converts results (:func:`to_pandas_like_duckdb`), so ``fn``
  sees the same dtypes it would see on a DuckDB result,
* conforms ``fn``'s output to the declared table (:func:`conform`), and
* collects the result or writes it as Parquet partitioned like the lake
  (dynamic partition overwrite: only the partitions written are replaced),
  counting rows per value of one column with an accumulator.

``fn`` must be importable on the executors (a module-level function of a
package shipped with the job, e.g. the wheel on ``--py-files``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
from pyspark.accumulators import AccumulatorParam
from pyspark.sql import DataFrame, SparkSession

from features.records.schema import TABLES
from features.store.spark_types import conform, spark_schema, to_pandas_like_duckdb

BatchFn = Callable[[pd.DataFrame, Any], pd.DataFrame]


class _CounterParam(AccumulatorParam):
    """Accumulates :class:`collections.Counter` values (rows per key)."""

    def zero(self, value: Counter) -> Counter:
        return Counter()

    def addInPlace(self, value1: Counter, value2: Counter) -> Counter:
        value1.update(value2)
        return value1


def mapped(
    spark: SparkSession,
    source: DataFrame,
    fn: BatchFn,
    table: str,
    shared: Any = None,
    count_by: str | None = None,
) -> tuple[DataFrame, Any]:
    """``source`` mapped through ``fn`` into rows of the declared ``table``.

    Parameters
    ----------
    spark
        The session (for the broadcast and the accumulator).
    source
        The input rows.
    fn
        ``fn(frame, shared) -> frame`` with the columns of ``table``.
    table
        Declared table (features/records/schema.py) of the output rows.
    shared
        Value broadcast to the executors and passed to every call of ``fn``.
    count_by
        Output column whose values are counted (accumulator); ``None``: rows.

    Returns
    -------
    tuple
        The lazy mapped frame and the accumulator (a :class:`Counter` once an
        action ran).
    """
    tbl = TABLES[table]
    ctx = spark.sparkContext
    box = ctx.broadcast(shared)
    counts = ctx.accumulator(Counter(), _CounterParam())

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        value = box.value
        for batch in batches:
            if batch.num_rows == 0:
                continue
            frame = to_pandas_like_duckdb(pa.Table.from_batches([batch]))
            out = conform(tbl, fn(frame, value))
            keys = out.column(count_by).to_pylist() if count_by else [None] * out.num_rows
            counts.add(Counter(keys))
            yield from out.to_batches()

    return source.mapInArrow(run, spark_schema(tbl)), counts


def write_partitioned(frame: DataFrame, path: str, partition_by: tuple[str, ...]) -> None:
    """Write ``frame`` as Parquet under ``path``, replacing only the partitions written."""
    writer = frame.write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.parquet(path)
