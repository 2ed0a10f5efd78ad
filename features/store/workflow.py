"""The workflow tables (users, the audit log) in SQLite, made for many concurrent writers.

The analytical store (DuckDB) lets one process write at a time; the audit log is
written on every look-up by every signed-in user, and by every command. Kept in
its own SQLite file in WAL mode (one writer at a time for a few milliseconds,
readers never blocked), those writes never wait for a batch job and never make
one wait. The tables are declared with the others in
:mod:`features.records.schema` (:data:`~features.records.schema.WORKFLOW_TABLES`).

SQL handed to this store is SQLite's (``?`` placeholders as in DuckDB). Dates and
timestamps are kept as ISO text and come back as pandas datetimes.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from features.records.schema import TABLES, WORKFLOW_TABLES, Table
from features.store.base import Frames, Params, Store

_SQLITE_TYPES = {
    "string": "TEXT",
    "date": "TEXT",
    "timestamp": "TEXT",
    "float": "REAL",
    "int": "INTEGER",
    "bool": "INTEGER",
}
#: Seconds a writer waits for another writer's transaction (they last milliseconds).
BUSY_SECONDS = 30.0


class WorkflowStore(Store):
    """Store of the workflow tables in one SQLite file (``":memory:"``: throw-away).

    Parameters
    ----------
    path
        The SQLite file; its folder is created.
    """

    dialect = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._anchor: sqlite3.Connection | None = None
        self._pinned: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        if self.path == ":memory:":
            # a shared in-memory database lives while one connection to it is open
            self._uri = f"file:xinping-workflow-{uuid.uuid4().hex}?mode=memory&cache=shared"
            self._anchor = self._connect()
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._uri = Path(self.path).resolve().as_uri()
        self.create_schema()

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(
            self._uri,
            uri=True,
            timeout=BUSY_SECONDS,
            isolation_level=None,  # autocommit; transaction() says BEGIN itself
            check_same_thread=False,
        )
        if self._anchor is None and self.path != ":memory:":
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
        return con

    @contextmanager
    def _con(self) -> Iterator[sqlite3.Connection]:
        if self._pinned is not None:
            yield self._pinned
            return
        con = self._connect()  # one per call: cheap, and safe across threads and forks
        try:
            yield con
        finally:
            con.close()

    # -- Store ---------------------------------------------------------------------
    def create_schema(self) -> None:
        with self._con() as con:
            for name in sorted(WORKFLOW_TABLES):
                tbl = TABLES[name]
                con.execute(_create_sql(tbl))
                # a column declared after the file was made (nullable: old rows have none)
                have = {r[1] for r in con.execute(f"PRAGMA table_info({name})").fetchall()}
                for c in tbl.columns:
                    if c.name not in have and c.nullable:
                        con.execute(
                            f"ALTER TABLE {name} ADD COLUMN {c.name} {_SQLITE_TYPES[c.dtype]}"
                        )
                for col in tbl.lookups:
                    con.execute(f"CREATE INDEX IF NOT EXISTS {name}_{col}_idx ON {name} ({col})")

    def append(self, table: str, data: pd.DataFrame | pa.Table) -> int:
        if table not in WORKFLOW_TABLES:
            raise KeyError(
                f"{table!r} is not a workflow table ({', '.join(sorted(WORKFLOW_TABLES))})"
            )
        frame = data.to_pandas() if isinstance(data, pa.Table) else data
        if frame.empty:
            return 0
        declared = TABLES[table]
        extra = [c for c in frame.columns if c not in declared.column_names]
        if extra:
            raise ValueError(f"table {table} has no columns {extra}")
        missing = [c for c in declared.required if c not in frame.columns]
        if missing:
            raise ValueError(f"table {table}: no value for required columns {missing}")
        cols = list(frame.columns)
        rows = [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False)]
        for row in rows:
            for col, value in zip(cols, row, strict=True):
                if value is None and col in declared.required:
                    raise ValueError(f"table {table}: column {col} may not be empty")
        marks = ", ".join("?" for _ in cols)
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
        with self._con() as con:
            con.executemany(sql, rows)
        return len(rows)

    def adopt_once(self, rows: Callable[[], dict[str, pd.DataFrame]]) -> None:
        """Copy in the rows ``rows()`` returns, once in the file's life, whoever asks first.

        For a database from before the workflow tables moved here. The check
        and the copy happen in one write transaction, so processes starting at
        the same moment copy them once.
        """
        with self.transaction() as tx, tx._con() as con:  # type: ignore[attr-defined]
            if con.execute("PRAGMA user_version").fetchone()[0] >= 1:
                return
            for name, frame in rows().items():
                if not frame.empty:
                    tx.append(name, frame)
            con.execute("PRAGMA user_version = 1")

    def query(self, sql: str, params: Params = None, frames: Frames = None) -> pd.DataFrame:
        if frames:
            raise NotImplementedError("the workflow store takes no in-memory frames")
        with self._con() as con:
            cur = con.execute(sql, _params(params))
            names = [d[0] for d in cur.description or ()]
            frame = pd.DataFrame.from_records(cur.fetchall(), columns=names)
        return _typed(frame)

    def query_arrow(self, sql: str, params: Params = None, frames: Frames = None) -> pa.Table:
        return pa.Table.from_pandas(self.query(sql, params, frames), preserve_index=False)

    def execute(self, sql: str, params: Params = None, frames: Frames = None) -> None:
        if frames:
            raise NotImplementedError("the workflow store takes no in-memory frames")
        with self._con() as con:
            con.execute(sql, _params(params))

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        with self._con() as con:
            bound = WorkflowStore.__new__(WorkflowStore)
            bound.__dict__.update(self.__dict__)
            bound._pinned = con
            con.execute("BEGIN IMMEDIATE")  # take the write lock now, not at the first write
            try:
                yield bound
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def close(self) -> None:
        if self._anchor is not None and self._pinned is None:
            self._anchor.close()
            self._anchor = None

    def data_version(self) -> str:
        """Workflow writes change no analytical data: a constant."""
        return "workflow"


def _create_sql(tbl: Table) -> str:
    cols = ",\n  ".join(
        f"{c.name} {_SQLITE_TYPES[c.dtype]}" + ("" if c.nullable else " NOT NULL")
        for c in tbl.columns
    )
    return f"CREATE TABLE IF NOT EXISTS {tbl.name} (\n  {cols}\n)"


def _plain(value: Any) -> Any:
    """A Python value SQLite keeps: ISO text for dates, ``None`` for missing."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().isoformat(sep=" ")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _params(params: Params) -> Any:
    if params is None:
        return ()
    if isinstance(params, dict):
        return {k: _plain(v) for k, v in params.items()}
    return [_plain(v) for v in params]


_TEMPORAL = {
    c.name: c.dtype
    for name in WORKFLOW_TABLES
    for c in TABLES[name].columns
    if c.dtype in ("date", "timestamp")
}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Declared date and timestamp columns back as pandas datetimes."""
    for col in frame.columns:
        if _TEMPORAL.get(col) and not pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = pd.to_datetime(frame[col], errors="coerce", format="ISO8601")
    return frame
