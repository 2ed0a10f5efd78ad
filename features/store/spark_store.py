"""The Spark store: the declared tables as Parquet datasets in a "lake" folder.

Province scale (DESIGN.md §11) runs the same compiled indicator SQL on Spark.
A lake holds one Parquet dataset per table, ``<lake>/<table>/``, partitioned
as :mod:`features.store.lake` lays out (records by kind and year…); the store
registers each as a temporary view of its own Spark session, with the declared
columns and types (partition columns restored), so the SQL of
:mod:`features.compile` (dialect ``spark``) reads ``records``, ``subjects``…
as it does on DuckDB. :meth:`SparkStore.from_store` exports a DuckDB store to
a lake (a temporary one by default) and opens it. :meth:`SparkStore.map_frames`
and :meth:`SparkStore.map_to_parquet` run a pandas function of an upper layer
on the executors (:mod:`features.store.spark_map`).

Results come back through Arrow and are converted to the dtypes DuckDB's
``.df()`` gives, so frames from the two stores compare equal:

* ``DATE`` and ``TIMESTAMP`` → ``datetime64[us]`` (Spark's pandas path gives ns);
* strings → pandas ``str``, or ``object`` of ``None`` when every value is null;
* integers and booleans → numpy dtypes, or the nullable ``Int64``/``boolean``
  when the column holds a null.

Spark has no transactions: :meth:`SparkStore.transaction` buffers the writes
of the block and applies them when the block ends without an exception.

The session is local (``local[2]``) unless one is passed in; the store works
in a session of its own (:meth:`SparkSession.newSession`: same JVM, its own
temporary views and SQL settings) and stops the JVM session on close only if
it started it and no other store still uses it.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession

from features.records.schema import TABLES
from features.store.base import Frames, Params, Store
from features.store.lake import partitions
from features.store.spark_map import BatchFn, mapped, write_partitioned
from features.store.spark_session import SESSION_CONF, acquire, local_session, quiet, release
from features.store.spark_types import (
    _arrow,
    _normalise_arrow,
    arrow_schema,
    conform,
    spark_schema,
    to_pandas_like_duckdb,
)

__all__ = [
    "SparkStore",
    "arrow_schema",
    "conform",
    "local_session",
    "spark_schema",
    "to_pandas_like_duckdb",
]


class SparkStore(Store):
    """Store over a lake folder of Parquet datasets, run by Spark SQL.

    Parameters
    ----------
    lake
        Root folder (or URI) with one Parquet dataset per table, ``<lake>/<table>/``.
    spark
        Session to use (it is never stopped by the store). Default: the active
        session, or a local one started with :func:`local_session`.
    master
        Master of a session the store starts (``local[2]``).
    create
        Create an empty dataset for every declared table the lake lacks.
    paths
        Tables read (and written) elsewhere than ``<lake>/<table>``, e.g. the
        ``ratings`` a ``xinping score --engine spark --out DIR`` wrote.
    """

    dialect = "spark"

    def __init__(
        self,
        lake: str | Path,
        *,
        spark: SparkSession | None = None,
        master: str = "local[2]",
        create: bool = True,
        paths: Mapping[str, str | Path] | None = None,
    ) -> None:
        self.lake = str(lake).rstrip("/")
        unknown = sorted(set(paths or ()) - set(TABLES))
        if unknown:
            raise KeyError(f"unknown tables {unknown}")
        self._paths = {t: str(p).rstrip("/") for t, p in (paths or {}).items()}
        if "://" not in self.lake and create:
            Path(self.lake).mkdir(parents=True, exist_ok=True)
        base, self._shares_started = acquire(spark, master)
        self._closed = False
        self._cleanup: weakref.finalize | None = None
        try:
            self._spark = base.newSession()
            for key, value in SESSION_CONF.items():
                self._spark.conf.set(key, value)
            self._views: list[str] = []
            if create:
                self.create_schema()
            else:
                for name in TABLES:
                    self._register(name, missing_ok=True)
        except BaseException:
            self._release()
            raise

    # -- constructors ----------------------------------------------------------
    @classmethod
    def from_store(
        cls,
        store: Store,
        lake: str | Path | None = None,
        *,
        tables: Iterable[str] | None = None,
        spark: SparkSession | None = None,
        master: str = "local[2]",
    ) -> SparkStore:
        """Export ``store`` (a DuckDB store) to a lake and open a Spark store on it.

        Parameters
        ----------
        store
            A store with ``export_parquet`` (:class:`~features.store.duckdb_store.DuckDBStore`).
        lake
            Folder to export to. Default: a temporary folder, removed when the
            Spark store closes (or at the latest when the process ends).
        tables
            Tables to export (default: all); the others are empty in the lake.
        """
        export = getattr(store, "export_parquet", None)
        if export is None:
            raise TypeError(f"cannot export a {type(store).__name__} to Parquet")
        temporary = lake is None
        root = Path(tempfile.mkdtemp(prefix="xinping-lake-")) if temporary else Path(lake)
        try:
            export(root, tables)
            out = cls(root, spark=spark, master=master)
        except BaseException:
            if temporary:
                shutil.rmtree(root, ignore_errors=True)
            raise
        if temporary:
            out._cleanup = weakref.finalize(out, shutil.rmtree, str(root), True)
        return out

    # -- helpers ---------------------------------------------------------------
    @property
    def spark(self) -> SparkSession:
        """The store's own Spark session."""
        return self._spark

    def table_path(self, table: str) -> str:
        """Folder (or URI) of ``table``'s Parquet dataset."""
        return self._paths.get(table, f"{self.lake}/{table}")

    def _read(self, table: str) -> DataFrame:
        # Partition columns come back from folder names: the declared schema gives
        # them their types, and derived ones (records' year) are dropped.
        tbl = TABLES[table]
        df = self._spark.read.schema(spark_schema(tbl)).parquet(self.table_path(table))
        return df.select(*tbl.column_names)

    def _register(self, table: str, missing_ok: bool = False) -> bool:
        try:
            df = self._read(table)
        except AnalysisException:
            if missing_ok:
                return False
            raise
        df.createOrReplaceTempView(table)
        if table not in self._views:
            self._views.append(table)
        return True

    def _frame(self, data: pd.DataFrame | pa.Table) -> DataFrame:
        with quiet():
            return self._spark.createDataFrame(_arrow(data))

    @contextmanager
    def _with_frames(self, frames: Frames) -> Iterator[SparkSession]:
        if self._closed:
            raise RuntimeError(f"the Spark store on {self.lake} is closed")
        names = list(frames or {})
        clash = [n for n in names if n in self._views]
        if clash:
            raise ValueError(f"frame names {clash} would hide stored tables")
        for name in names:
            self._frame(frames[name]).createOrReplaceTempView(name)  # type: ignore[index]
        try:
            yield self._spark
        finally:
            for name in names:
                self._spark.catalog.dropTempView(name)

    @staticmethod
    def _args(params: Params) -> dict[str, Any] | list[Any] | None:
        if params is None:
            return None
        return dict(params) if isinstance(params, Mapping) else list(params)

    # -- Store -----------------------------------------------------------------
    def create_schema(self) -> None:
        """Register every table of the lake; create the missing ones empty.

        A missing flat table gets an empty Parquet file (its schema travels);
        a missing partitioned table an empty folder (files at a partitioned
        table's root would clash with its ``column=value`` folders).
        """
        for name, tbl in TABLES.items():
            if not self._register(name, missing_ok=True):
                empty = pa.Table.from_batches([], schema=arrow_schema(tbl))
                if "://" in self.lake:
                    if partitions(name):  # no empty folders in object stores
                        self._frame(empty).createOrReplaceTempView(name)
                        self._views.append(name)
                        continue
                    self._write(name, empty)
                else:  # a local folder: no Spark job needed
                    folder = Path(self.table_path(name))
                    folder.mkdir(parents=True, exist_ok=True)
                    if not partitions(name):
                        pq.write_table(empty, folder / "part-empty.parquet")
                self._register(name)

    def _partitioned(self, table: str, frame: DataFrame) -> tuple[DataFrame, tuple[str, ...]]:
        """``frame`` with the lake's derived partition columns and the partition names."""
        parts = partitions(table)
        derived = [f"{p.sql} AS {p.name}" for p in parts if p.derived]
        if derived:
            frame = frame.selectExpr("*", *derived)
        return frame, tuple(p.name for p in parts)

    def _write(self, table: str, data: pa.Table) -> None:
        frame, by = self._partitioned(table, self._frame(data))
        writer = frame.write.mode("append")
        if by:
            writer = writer.partitionBy(*by)
        writer.parquet(self.table_path(table))

    # -- running Python on the executors ----------------------------------------
    def _source(self, sql: str, params: Params) -> DataFrame:
        return self._spark.sql(sql, args=self._args(params))

    def map_frames(
        self,
        sql: str,
        fn: BatchFn,
        table: str,
        *,
        shared: Any = None,
        params: Params = None,
        frames: Frames = None,
    ) -> pd.DataFrame:
        """Rows of ``table`` made by ``fn`` from a query's rows, run on the executors.

        ``fn(frame, shared) -> frame`` is called on every batch of the query's
        result (pandas, dtypes as :meth:`query` gives them) and must return
        rows of the declared ``table``; ``shared`` is broadcast once. See
        :mod:`features.store.spark_map`. The result is collected to the driver.
        """
        with self._with_frames(frames):
            out, _ = mapped(self._spark, self._source(sql, params), fn, table, shared)
            return to_pandas_like_duckdb(_normalise_arrow(out.toArrow()))

    def map_to_parquet(
        self,
        sql: str,
        fn: BatchFn,
        table: str,
        path: str | Path | None = None,
        *,
        shared: Any = None,
        params: Params = None,
        frames: Frames = None,
        count_by: str | None = None,
    ) -> dict[Any, int]:
        """Like :meth:`map_frames`, but the rows are written as Parquet on the executors.

        Parameters
        ----------
        path
            Dataset folder (or URI); default: ``table``'s folder in this lake.
            It is partitioned as the lake partitions ``table`` and only the
            partitions written are replaced (a re-run replaces its own batch).
        count_by
            Output column whose values are counted.

        Returns
        -------
        dict
            Rows written per value of ``count_by`` (``{None: rows}`` without it).
        """
        target = str(path).rstrip("/") if path is not None else self.table_path(table)
        with self._with_frames(frames):
            out, counts = mapped(
                self._spark, self._source(sql, params), fn, table, shared, count_by
            )
            out, by = self._partitioned(table, out)
            write_partitioned(out, target, by)
        if target == self.table_path(table):
            self._register(table)  # a view keeps the file listing it was made with
        return dict(counts.value)

    def replace_partition(
        self,
        table: str,
        values: Mapping[str, Any],
        data: pd.DataFrame | pa.Table,
        path: str | Path | None = None,
    ) -> str:
        """Replace one partition of ``table``'s dataset with ``data`` (which may be empty).

        Parameters
        ----------
        table
            A declared table partitioned in the lake (``monitoring``…).
        values
            The partition: a value for each of its partition columns, e.g.
            ``{"scheme": "driver", "monitored_as_of": date(2026, 10, 31)}``.
        data
            Its new rows, all inside that partition.
        path
            Dataset folder (or URI); default: ``table``'s folder in this lake.

        Returns
        -------
        str
            The dataset written to.

        The folder is deleted, then the rows appended: not atomic (a reader in
        between sees the partition empty), and unlike dynamic partition overwrite
        an empty ``data`` clears the partition too.
        """
        names = tuple(p.name for p in partitions(table))
        if not names or set(values) != set(names):
            raise ValueError(f"{table} is partitioned by {names}; got {sorted(values)}")
        target = str(path).rstrip("/") if path is not None else self.table_path(table)
        rows = conform(TABLES[table], data) if len(data) else None
        if rows is not None:
            for name in names:
                seen = set(rows.column(name).to_pylist())
                if seen != {values[name]}:
                    raise ValueError(f"rows outside the partition {name}={values[name]}: {seen}")
        folder = target + "".join(f"/{n}={values[n]}" for n in names)
        jvm, ctx = self._spark.sparkContext._jvm, self._spark.sparkContext._jsc  # type: ignore[attr-defined]
        hadoop_path = jvm.org.apache.hadoop.fs.Path(folder)  # type: ignore[union-attr]
        hadoop_path.getFileSystem(ctx.hadoopConfiguration()).delete(hadoop_path, True)  # type: ignore[union-attr]
        if rows is not None:
            frame, by = self._partitioned(table, self._frame(rows))
            frame.write.mode("append").partitionBy(*by).parquet(target)
        if target == self.table_path(table):
            self._register(table)  # a view keeps the file listing it was made with
        return target

    def append(self, table: str, data: pd.DataFrame | pa.Table) -> int:
        if table not in TABLES:
            raise KeyError(f"unknown table {table!r}")
        rows = conform(TABLES[table], data)
        if rows.num_rows == 0:
            return 0
        self._write(table, rows)
        self._register(table)  # a view keeps the file listing it was made with
        return rows.num_rows

    def query_arrow(self, sql: str, params: Params = None, frames: Frames = None) -> pa.Table:
        with self._with_frames(frames) as spark:
            return _normalise_arrow(spark.sql(sql, args=self._args(params)).toArrow())

    def query(self, sql: str, params: Params = None, frames: Frames = None) -> pd.DataFrame:
        return to_pandas_like_duckdb(self.query_arrow(sql, params, frames))

    def execute(self, sql: str, params: Params = None, frames: Frames = None) -> None:
        with self._with_frames(frames) as spark:
            spark.sql(sql, args=self._args(params))  # commands run eagerly

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Buffer the block's writes; apply them in order at its end, or drop them.

        Spark has no transactions. Inside the block, ``append`` and ``execute``
        are checked and kept; queries see the rows as they were before the
        block. When the block ends without an exception the writes are applied
        in order; when it raises they are discarded. Applying is not atomic
        across tables: if a write fails then, the earlier ones stay.
        """
        pending = _PendingWrites(self)
        yield pending
        pending.apply()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for name in self._views:
            self._spark.catalog.dropTempView(name)
        self._views.clear()
        self._release()
        if self._cleanup is not None:
            self._cleanup()

    def _release(self) -> None:
        if self._shares_started:
            self._shares_started = False
            release()


class _PendingWrites(Store):
    """The store of a :meth:`SparkStore.transaction` block: reads pass, writes wait."""

    dialect = "spark"

    def __init__(self, store: SparkStore) -> None:
        self._store = store
        self._ops: list[tuple[str, Any, Any, Any]] = []

    def create_schema(self) -> None:
        self._store.create_schema()

    def append(self, table: str, data: pd.DataFrame | pa.Table) -> int:
        if table not in TABLES:
            raise KeyError(f"unknown table {table!r}")
        rows = conform(TABLES[table], data)
        if rows.num_rows:
            self._ops.append(("append", table, rows, None))
        return rows.num_rows

    def query(self, sql: str, params: Params = None, frames: Frames = None) -> pd.DataFrame:
        return self._store.query(sql, params, frames)

    def query_arrow(self, sql: str, params: Params = None, frames: Frames = None) -> pa.Table:
        return self._store.query_arrow(sql, params, frames)

    def execute(self, sql: str, params: Params = None, frames: Frames = None) -> None:
        kept = {k: _arrow(v) for k, v in (frames or {}).items()}
        self._ops.append(("execute", sql, params, kept))

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        yield self  # a nested block joins the outer one

    def apply(self) -> None:
        ops, self._ops = self._ops, []
        for op, first, second, third in ops:
            if op == "append":
                self._store._write(first, second)
                self._store._register(first)
            else:
                self._store.execute(first, second, third or None)

    def close(self) -> None:
        """Nothing to release: the outer store stays open."""
