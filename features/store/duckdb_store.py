"""The embedded default store: one DuckDB file.

A DuckDB connection is not thread-safe, so every call runs on its own cursor
(Streamlit serves sessions on threads); a transaction pins one cursor.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.records.schema import TABLES, create_index_sql, create_table_sql
from features.store.base import Frames, Params, Store
from features.store.lake import manifest, partitions, write_manifest
from features.store.spark_types import arrow_schema

DEFAULT_PATH = Path(".data/xinping.duckdb")

#: Tables whose writes do not change :meth:`DuckDBStore.data_version` (nothing
#: analytical reads them, so caches keyed on the version stay valid).
WORKFLOW_TABLES = frozenset({"audit_log", "users", "signin_events", "sessions"})


class DuckDBStore(Store):
    """Store backed by a DuckDB database file.

    Parameters
    ----------
    path
        Database file; its folder is created. ``":memory:"`` for a throw-away store.
    read_only
        Open without write access (several processes may then read one file).
    threads
        DuckDB worker threads (default: DuckDB's choice, the number of cores).
    memory_limit
        e.g. ``"4GB"``; bounds DuckDB's buffer manager for large loads.
    """

    def __init__(
        self,
        path: str | Path = DEFAULT_PATH,
        *,
        read_only: bool = False,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        config: dict[str, str | int] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self._con = duckdb.connect(self.path, read_only=read_only, config=config)
        self._pinned: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self._memory_version = 0  # the version of a ":memory:" store (no file to keep it in)
        if not read_only:
            self.create_schema()

    # -- cursors -----------------------------------------------------------
    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._pinned is not None:
            yield self._pinned
            return
        with self._lock:  # cursor creation itself touches the shared connection
            cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    # -- Store -------------------------------------------------------------
    def create_schema(self) -> None:
        with self._cursor() as cur:
            for tbl in TABLES.values():
                cur.execute(create_table_sql(tbl))
                for sql in create_index_sql(tbl):
                    cur.execute(sql)

    def append(self, table: str, data: pd.DataFrame | pa.Table) -> int:
        if table not in TABLES:
            raise KeyError(f"unknown table {table!r}")
        n = data.num_rows if isinstance(data, pa.Table) else len(data)
        if n == 0:
            return 0
        declared = set(TABLES[table].column_names)
        names = list(data.column_names if isinstance(data, pa.Table) else data.columns)
        extra = [c for c in names if c not in declared]
        if extra:
            raise ValueError(f"table {table} has no columns {extra}")
        cols = ", ".join(names)
        with self._with_frames({"_xp_incoming": data}) as cur:
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _xp_incoming")
        if table not in WORKFLOW_TABLES:
            self._changed()
        return n

    @contextmanager
    def _with_frames(self, frames: Frames) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._cursor() as cur:
            names = list(frames or {})
            for name in names:
                cur.register(name, frames[name])  # type: ignore[index]
            try:
                yield cur
            finally:
                for name in names:
                    cur.unregister(name)

    def query(self, sql: str, params: Params = None, frames: Frames = None) -> pd.DataFrame:
        with self._with_frames(frames) as cur:
            return cur.execute(sql, params).df()

    def query_arrow(self, sql: str, params: Params = None, frames: Frames = None) -> pa.Table:
        with self._with_frames(frames) as cur:
            # A relation's to_arrow_table drains the result without the DB-API copy;
            # .arrow() would stream and block the cursor (STACK.md).
            rel = cur.sql(sql, params=params)
            if rel is None:
                raise ValueError(f"query_arrow needs a statement that returns rows: {sql[:80]}")
            return rel.to_arrow_table()

    def execute(self, sql: str, params: Params = None, frames: Frames = None) -> None:
        with self._with_frames(frames) as cur:
            cur.execute(sql, params)
        self._changed()

    # -- data version ----------------------------------------------------------
    def _version_file(self) -> Path | None:
        return None if self.path == ":memory:" else Path(self.path + ".version")

    def data_version(self) -> str:
        """The store's write counter (kept beside the file, so every process sees it)."""
        vf = self._version_file()
        if vf is None:
            return str(self._memory_version)
        try:
            return vf.read_text(encoding="ascii").strip() or "0"
        except FileNotFoundError:
            return "0"

    def _changed(self) -> None:
        """Count a committed write (inside a transaction: counted once, at commit)."""
        if self._pinned is not None:
            return
        vf = self._version_file()
        if vf is None:
            self._memory_version += 1
            return
        with self._lock:
            try:
                n = int(vf.read_text(encoding="ascii").strip() or 0)
            except (FileNotFoundError, ValueError):
                n = 0
            tmp = vf.with_name(f"{vf.name}.{threading.get_ident()}.tmp")
            tmp.write_text(str(n + 1), encoding="ascii")
            tmp.replace(vf)  # atomic: a reader sees the old or the new number

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        with self._cursor() as cur:
            bound = DuckDBStore.__new__(DuckDBStore)
            bound.path, bound._con, bound._lock = self.path, self._con, self._lock
            bound._pinned = cur
            bound._memory_version = 0
            cur.begin()
            try:
                yield bound
            except BaseException:
                cur.rollback()
                raise
            cur.commit()
        self._changed()

    def cluster(self, table: str, by: str) -> None:
        """Rewrite ``table`` sorted by ``by`` in one transaction.

        DuckDB keeps min/max statistics per row group, so a filter on a sorted
        column skips every row group but the few that can hold the value: a
        one-subject read of the city's 43 M records touches about one row group.
        """
        tbl = TABLES[table]
        if by not in tbl.column_names:
            raise KeyError(f"table {table} has no column {by!r}")
        tmp = f"_xp_cluster_{table}"
        with self.transaction() as tx, tx._cursor() as cur:  # type: ignore[attr-defined]
            before = cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            cur.execute(f"DROP TABLE IF EXISTS {tmp}")
            cur.execute(
                create_table_sql(tbl).replace(
                    f"CREATE TABLE IF NOT EXISTS {table} (", f"CREATE TABLE {tmp} (", 1
                )
            )
            cols = ", ".join(tbl.column_names)
            cur.execute(f"INSERT INTO {tmp} ({cols}) SELECT {cols} FROM {table} ORDER BY {by}")
            after = cur.execute(f"SELECT count(*) FROM {tmp}").fetchall()[0][0]
            if after != before:  # never lose a row
                raise RuntimeError(f"clustering {table}: {before} rows became {after}")
            cur.execute(f"DROP TABLE {table}")
            cur.execute(f"ALTER TABLE {tmp} RENAME TO {table}")
            for sql in create_index_sql(tbl):  # the old table's indexes went with it
                cur.execute(sql)

    def close(self) -> None:
        if self._pinned is None:
            self._con.close()

    # -- export --------------------------------------------------------------
    def export_parquet(
        self,
        folder: str | Path,
        tables: Iterable[str] | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> dict[str, int]:
        """Write tables as Parquet datasets in the lake layout (:mod:`features.store.lake`).

        ``folder/<table>/`` per table, partitioned as :data:`~features.store.lake.PARTITIONS`
        says (``records/kind=…/year=…/part-<i>.parquet``) or flat
        (``folder/<table>/part-<i>.parquet``); a table's folder is replaced and
        ``folder/_lake.json`` (the manifest) is rewritten for the tables written.
        Types are kept: ``DATE`` stays a Parquet date, ``TIMESTAMP`` a timestamp
        without time zone (Spark reads it as ``TIMESTAMP_NTZ``). An empty flat
        table still gets a file, so its schema travels; an empty partitioned
        table is an empty folder (its schema is the declared one). The Spark
        store reads a lake (:class:`features.store.spark_store.SparkStore`).

        Parameters
        ----------
        folder
            The lake's root folder (created).
        tables
            Table names (default: every declared table).
        progress
            Called as ``progress(table, done, total)`` after every table.

        Returns
        -------
        dict
            Rows written per table.
        """
        names = list(TABLES) if tables is None else list(tables)
        unknown = [n for n in names if n not in TABLES]
        if unknown:
            raise KeyError(f"unknown tables {unknown}; known: {', '.join(TABLES)}")
        root = Path(folder)
        root.mkdir(parents=True, exist_ok=True)
        written: dict[str, int] = {}
        with self._cursor() as cur:
            present = {
                r[0]
                for r in cur.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE NOT temporary"
                ).fetchall()
            }
            for i, name in enumerate(names):
                target = root / name
                shutil.rmtree(target, ignore_errors=True)
                if name not in present:  # a file older than the table (opened read-only)
                    target.mkdir(parents=True)
                    if not partitions(name):
                        pq.write_table(
                            pa.Table.from_batches([], arrow_schema(TABLES[name])),
                            target / "part-0.parquet",
                        )
                    written[name] = 0
                    if progress:
                        progress(name, i + 1, len(names))
                    continue
                parts = partitions(name)
                extra = "".join(f", {p.sql} AS {p.name}" for p in parts if p.derived)
                by = f"PARTITION_BY ({', '.join(p.name for p in parts)}), " if parts else ""
                quoted = str(target).replace("'", "''")
                row = cur.execute(
                    f"COPY (SELECT *{extra} FROM {name}) TO '{quoted}' (FORMAT parquet, "
                    f"{by}COMPRESSION zstd, FILE_SIZE_BYTES '256MB', "
                    "FILENAME_PATTERN 'part-{i}', OVERWRITE true)"
                ).fetchone()
                written[name] = int(row[0]) if row else 0
                target.mkdir(parents=True, exist_ok=True)  # an empty partitioned table
                if progress:
                    progress(name, i + 1, len(names))
        write_manifest(root, manifest(written, source=self.path))
        return written
