"""The Spark store: the declared tables as Parquet datasets in a "lake" folder.

Province scale (DESIGN.md §11) runs the same compiled indicator SQL on Spark.
A lake holds one Parquet dataset per table, ``<lake>/<table>/``; the store
registers each as a temporary view of its own Spark session, so the SQL of
:mod:`features.compile` (dialect ``spark``) reads ``records``, ``subjects``…
as it does on DuckDB. :meth:`SparkStore.from_store` exports a DuckDB store to
a lake (a temporary one by default) and opens it.

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

import datetime as dt
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

from features.records.schema import TABLES, Table
from features.store.base import Frames, Params, Store
from features.store.spark_session import SESSION_CONF, acquire, local_session, quiet, release

__all__ = [
    "SparkStore",
    "arrow_schema",
    "conform",
    "local_session",
    "spark_schema",
    "to_pandas_like_duckdb",
]

#: Logical dtypes of features/records/schema.py as Spark SQL and Arrow types.
SPARK_TYPES: dict[str, str] = {
    "string": "STRING",
    "date": "DATE",
    "timestamp": "TIMESTAMP_NTZ",  # local wall-clock time, like DuckDB's TIMESTAMP
    "float": "DOUBLE",
    "int": "BIGINT",
    "bool": "BOOLEAN",
}
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
}


def spark_schema(tbl: Table) -> str:
    """DDL schema of a declared table (``name TYPE, …``) for Spark."""
    return ", ".join(f"{c.name} {SPARK_TYPES[c.dtype]}" for c in tbl.columns)


def arrow_schema(tbl: Table) -> pa.Schema:
    """Arrow schema of a declared table."""
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.dtype]) for c in tbl.columns])


def _arrow(data: pd.DataFrame | pa.Table) -> pa.Table:
    return data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)


def conform(tbl: Table, data: pd.DataFrame | pa.Table) -> pa.Table:
    """``data`` as an Arrow table with exactly ``tbl``'s columns and types.

    Missing columns are null or take their declared default (``recorded_at``:
    now, local time, as DuckDB's ``current_timestamp::TIMESTAMP``). Raises
    ``ValueError`` for an undeclared column or a null in a required one.
    """
    at = _arrow(data)
    extra = [c for c in at.column_names if c not in tbl.column_names]
    if extra:
        raise ValueError(f"table {tbl.name} has no columns {extra}")
    n = at.num_rows
    arrays = []
    for col in tbl.columns:
        typ = ARROW_TYPES[col.dtype]
        if col.name in at.column_names:
            arr = at.column(col.name)
            temporal = col.dtype in ("date", "timestamp")
            # Temporal casts truncate (as DuckDB's INSERT does); others must be exact.
            arr = arr.cast(typ, safe=not temporal) if arr.type != typ else arr
        elif col.default_sql and "current_timestamp" in col.default_sql.lower():
            arr = pa.array([dt.datetime.now().replace(tzinfo=None)] * n, typ)
        elif col.default_sql:
            raise ValueError(
                f"table {tbl.name}: column {col.name} has a default the Spark store cannot "
                f"compute ({col.default_sql}); pass the column"
            )
        else:
            arr = pa.nulls(n, typ)
        if not col.nullable and arr.null_count:
            raise ValueError(
                f"table {tbl.name}: column {col.name} may not be null "
                f"({arr.null_count} of {n} rows are)"
            )
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=arrow_schema(tbl))


def _normalise_arrow(tbl: pa.Table) -> pa.Table:
    """Spark's Arrow result in the types DuckDB's ``to_arrow_table`` gives.

    Timestamps become microseconds without time zone (the session runs in
    UTC, so wall-clock values are kept); large strings become strings; every
    field is nullable.
    """
    fields = []
    for f in tbl.schema:
        typ = f.type
        if pa.types.is_timestamp(typ):
            typ = pa.timestamp("us")
        elif pa.types.is_large_string(typ) or pa.types.is_string_view(typ):
            typ = pa.string()
        fields.append(pa.field(f.name, typ, nullable=True))
    schema = pa.schema(fields)
    if schema == tbl.schema:
        return tbl
    return tbl.cast(schema, safe=False)


def to_pandas_like_duckdb(tbl: pa.Table) -> pd.DataFrame:
    """An Arrow table as pandas with the dtypes DuckDB's ``.df()`` gives (see module doc)."""
    columns: dict[str, Any] = {}
    for name, col in zip(tbl.column_names, tbl.columns, strict=True):
        typ, n, nulls = col.type, len(col), col.null_count
        if pa.types.is_date(typ) or pa.types.is_timestamp(typ):
            if pa.types.is_timestamp(typ) and typ.tz is not None:
                col = col.cast(pa.timestamp(typ.unit))
            series = col.cast(pa.timestamp("us"), safe=False).to_pandas()
            columns[name] = series.astype("datetime64[us]")
        elif pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_null(typ):
            if nulls == n:  # DuckDB: an all-null (or empty) text column is object of None
                columns[name] = pd.Series([None] * n, dtype="object")
            else:
                columns[name] = col.to_pandas()
        elif pa.types.is_integer(typ):
            if nulls:  # pandas' nullable integer of the same width (Int64, Int32…)
                nullable = pd.api.types.pandas_dtype(typ.to_pandas_dtype()).name
                nullable = nullable.replace("uint", "UInt").replace("int", "Int")
                columns[name] = col.to_pandas(
                    types_mapper={typ: pd.api.types.pandas_dtype(nullable)}.get
                )
            else:
                columns[name] = col.to_pandas()
        elif pa.types.is_boolean(typ):
            columns[name] = col.to_pandas().astype("boolean" if nulls else "bool")
        elif pa.types.is_decimal(typ):
            columns[name] = col.cast(pa.float64()).to_pandas()
        else:
            columns[name] = col.to_pandas()
    frame = pd.DataFrame({k: v.reset_index(drop=True) for k, v in columns.items()})
    frame.columns = list(tbl.column_names)
    return frame


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
    """

    dialect = "spark"

    def __init__(
        self,
        lake: str | Path,
        *,
        spark: SparkSession | None = None,
        master: str = "local[2]",
        create: bool = True,
    ) -> None:
        self.lake = str(lake).rstrip("/")
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
        return f"{self.lake}/{table}"

    def _read(self, table: str) -> DataFrame:
        return self._spark.read.schema(spark_schema(TABLES[table])).parquet(self.table_path(table))

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
        for name, tbl in TABLES.items():
            if not self._register(name, missing_ok=True):
                empty = pa.Table.from_batches([], schema=arrow_schema(tbl))
                if "://" in self.lake:
                    self._write(name, empty)
                else:  # a local folder: no Spark job needed for an empty file
                    folder = Path(self.table_path(name))
                    folder.mkdir(parents=True, exist_ok=True)
                    pq.write_table(empty, folder / "part-empty.parquet")
                self._register(name)

    def _write(self, table: str, data: pa.Table) -> None:
        frame = self._frame(data)
        frame.write.mode("append").parquet(self.table_path(table))

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
