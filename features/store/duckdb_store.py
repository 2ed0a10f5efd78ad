"""The embedded default store: one DuckDB file.

A DuckDB connection is not thread-safe, so every call runs on its own cursor
(Streamlit serves sessions on threads); a transaction pins one cursor.
"""

from __future__ import annotations

import copy
import re
import shutil
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from features.records.schema import TABLES, WORKFLOW_TABLES, create_index_sql, create_table_sql
from features.store.access import READ, WRITE, FileAccess, Holder, WaitHook
from features.store.base import Frames, Params, Store, Written
from features.store.kept_rows import LOAD_AFTER as KEEP_AFTER
from features.store.kept_rows import MAX_ROWS as KEEP_MAX_ROWS
from features.store.kept_rows import SUBJECT_MAX_ROWS as KEEP_MAX_SUBJECTS
from features.store.kept_rows import TABLES as KEPT_TABLES
from features.store.kept_rows import (
    KeptRows,
    KeyedRows,
    TableRows,
    fingerprint_sql,
    name_persons,
)
from features.store.lake import LAKE_TABLES, manifest, partitions, write_manifest
from features.store.row_directory import LAYOUT_TABLE, RANGES_TABLE, RowDirectory, RowLayout
from features.store.spark_types import arrow_schema
from features.store.workflow import WorkflowStore
from features.subjects import current_subjects_sql

DEFAULT_PATH = Path(".data/xinping.duckdb")

#: How often an idle connection checks whether another process wants the file.
WATCH_SECONDS = 0.05

#: The tables kept in the DuckDB file; the workflow tables live beside it in SQLite.
ANALYTICAL = frozenset(TABLES) - WORKFLOW_TABLES
#: A table a statement names (``FROM x``, ``JOIN x``, ``INTO x`` …), to route it.
_TABLE_REF = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([A-Za-z_][A-Za-z0-9_]*)", re.I)


class DuckDBStore(Store):
    """Store backed by a DuckDB database file.

    A file store never holds the file longer than its work needs, so that other
    processes (the app, ``xinping`` commands) can use it too
    (:mod:`features.store.access`): reads share the file with other readers and
    keep the connection warm while nobody else wants to write; a write takes it
    alone for the statement or the transaction and then lets go. Inside a
    process, every call runs on its own cursor (a DuckDB connection is not
    thread-safe and Streamlit serves sessions on threads); a transaction pins
    one cursor.

    Parameters
    ----------
    path
        Database file; its folder is created. ``":memory:"`` for a throw-away store.
    read_only
        Never write (open the file for reading only).
    threads
        DuckDB worker threads (default: DuckDB's choice, the number of cores).
    memory_limit
        e.g. ``"4GB"``; bounds DuckDB's buffer manager for large loads.
    wait_seconds
        How long a call waits for other processes to let go of the file before it
        raises :class:`~features.store.access.StoreBusy`.
    on_wait
        Told who holds the file while a call waits (e.g. to print a notice).
    user, command
        What this process tells the others that wait for it.
    keep_writer
        Seconds a write connection stays open once its writes are done, for the next
        change and the reads between (0: let go at once, as a command does). The app
        keeps it: a change resolved from a page is written, re-rated and drawn on a
        warm connection instead of closing the file (a checkpoint), reopening it for
        reading and reading the store cold again. Another process that wants the file
        meanwhile is let in within :data:`WATCH_SECONDS` of asking.
    """

    def __init__(
        self,
        path: str | Path = DEFAULT_PATH,
        *,
        read_only: bool = False,
        threads: int | None = None,
        memory_limit: str | None = None,
        wait_seconds: float = 600.0,
        on_wait: WaitHook | None = None,
        user: str | None = None,
        command: str | None = None,
        keep_writer: float = 0.0,
    ) -> None:
        self.path = str(path)
        self.keep_writer = 0.0 if read_only else float(keep_writer)
        self._idle_since = 0.0  # when the kept write connection's last call ended
        self.read_only = read_only
        self._config: dict[str, str | int] = {}
        if threads:
            self._config["threads"] = threads
        if memory_limit:
            self._config["memory_limit"] = memory_limit
        self.memory_limit = memory_limit or None
        self._pinned: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()  # guards cursor creation on the shared connection
        self._memory_version = 0  # the version of a ":memory:" store (no file to keep it in)
        # the open recording() blocks: each notes every write on this store, from any thread
        # (Streamlit serves sessions on threads; a transaction's bound copy shares the list)
        self._recordings: list[Written] = []
        # table → (data version, its row directory or None), read by row_directory()
        self._directories: dict[str, tuple[str, RowDirectory | None]] = {}
        # (data version, the kept rows or None), read by kept_rows(); off once the tables
        # outgrew the limit (they only grow)
        self._kept: tuple[str, KeptRows | None] | None = None
        self._keep_on = True
        self._keep_asks = 0  # look-ups that asked so far, until KEEP_AFTER
        self._access: FileAccess | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        if self.path == ":memory:":
            self._con = duckdb.connect(self.path, config=self._config)
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            if read_only and not Path(self.path).exists():
                raise FileNotFoundError(f"no store at {self.path}")
            self._access = FileAccess(
                self.path, wait_seconds=wait_seconds, on_wait=on_wait, user=user, command=command
            )
        self._mode: str | None = None  # READ or WRITE while the file is open
        self._active = 0  # calls running on the open connection
        self._holding = 0  # writing() blocks keeping the write connection
        self._switching = False
        self._cond = threading.Condition()
        self._watcher: threading.Thread | None = None
        self._workflow: Store | None = None
        self._workflow_lock = threading.Lock()
        if not read_only:
            self._ensure_schema()
        elif self._access is not None:
            _check_header(Path(self.path))

    # -- holding the file ------------------------------------------------------
    @contextmanager
    def _cursor(self, mode: str = WRITE) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on a connection open for ``mode`` (held until the cursor is done)."""
        if self._pinned is not None:
            yield self._pinned
            return
        if self._access is None:  # in memory: one connection, always open
            with self._lock:
                cur = self._con.cursor()  # type: ignore[union-attr]
            try:
                yield cur
            finally:
                cur.close()
            return
        if mode == WRITE and self.read_only:
            raise PermissionError(f"the store {self.path} was opened read-only")
        self._enter(mode)
        try:
            with self._lock:
                cur = self._con.cursor()  # type: ignore[union-attr]
            try:
                yield cur
            finally:
                cur.close()
        finally:
            self._leave()

    def _enter(self, mode: str) -> None:
        access = self._access
        assert access is not None
        with self._cond:
            while True:
                if self._switching:
                    self._cond.wait()
                    continue
                if self._con is not None and (mode == READ or self._mode == WRITE):
                    if (self._mode == READ and access.writer_waiting()) or self._yields():
                        # let the other in: no new calls on this connection
                        if self._active == 0:
                            self._drop()
                        else:
                            self._cond.wait(0.05)
                        continue
                    self._active += 1
                    return
                if self._active > 0:  # a read connection in use; a write must wait for it
                    self._cond.wait()
                    continue
                self._switching = True
                break
        try:
            self._drop()
            access.acquire(mode)
            try:
                self._con = duckdb.connect(
                    self.path, read_only=mode == READ or self.read_only, config=self._config
                )
            except BaseException:
                access.release()
                raise
            self._mode = mode
        finally:
            with self._cond:
                self._switching = False
                if self._con is not None:
                    self._active += 1
                self._cond.notify_all()
        if self._con is None:  # pragma: no cover - acquire raised
            raise RuntimeError("store not opened")
        if mode == READ or self.keep_writer:
            self._watch()

    def _yields(self) -> bool:
        """True when the write connection, kept open between changes, is wanted by
        another process (no new call starts on it; the last one out lets go)."""
        return (
            self._mode == WRITE
            and self._holding == 0
            and self.keep_writer > 0
            and self._access is not None
            and self._access.others_waiting()
        )

    def _leave(self) -> None:
        with self._cond:
            self._active -= 1
            idle = self._active == 0 and self._con is not None
            done_writing = self._mode == WRITE and self._holding == 0
            if done_writing and self.keep_writer > 0 and not self._yields():
                done_writing = False  # kept for the next change: the watcher lets go
                self._idle_since = time.monotonic()
            wanted = self._mode == READ and self._access and self._access.writer_waiting()
            if idle and (done_writing or wanted):
                self._drop()
            self._cond.notify_all()

    def _drop(self) -> None:
        """Close the connection and let go of the file (no call may be running)."""
        if self._con is not None:
            con, self._con, self._mode = self._con, None, None
            con.close()
        if self._access is not None:
            self._access.release()

    def _watch(self) -> None:
        """Start the thread that lets go of an idle read connection when a writer waits."""
        if self._watcher is not None and self._watcher.is_alive():
            return
        ref = weakref.ref(self)
        self._watcher = threading.Thread(
            target=_release_when_wanted, args=(ref,), name="xinping-store-watch", daemon=True
        )
        self._watcher.start()

    @contextmanager
    def writing(self) -> Iterator[DuckDBStore]:
        """Keep the file open for writing across the calls of the block (a bulk load).

        Without it every write takes and releases the file on its own, which is
        what lets other processes in between; a bulk load of many appends would
        reopen the file for each.
        """
        if self._access is None or self._pinned is not None:
            yield self
            return
        with self._cursor(WRITE):
            with self._cond:
                self._holding += 1
            try:
                yield self
            finally:
                with self._cond:
                    self._holding -= 1

    def holders(self) -> list[Holder]:
        """The other processes holding or waiting for the file (empty in memory)."""
        return [] if self._access is None else self._access.holders()

    def _ensure_schema(self) -> None:
        """Create the declared tables that are missing (a write only when one is)."""
        present: set[str] = set()
        if self._access is None or Path(self.path).exists():
            sql = "SELECT table_name FROM duckdb_tables() WHERE NOT temporary"
            present = set(self.query(sql)["table_name"])
        if not present >= ANALYTICAL:
            self.create_schema()

    # -- the workflow tables ---------------------------------------------------------
    @property
    def workflow(self) -> Store:
        """The store of the workflow tables: a SQLite file beside the database.

        ``.data/xinping.duckdb`` keeps its users and audit log in
        ``.data/xinping.workflow.sqlite`` (:mod:`features.store.workflow`). A
        database from before the split has its rows copied over once.
        """
        if self._workflow is None:
            with self._workflow_lock:
                if self._workflow is None:
                    self._workflow = self._open_workflow()
        return self._workflow

    def _open_workflow(self) -> Store:
        if self._access is None:
            return WorkflowStore(":memory:")
        wf = WorkflowStore(Path(self.path).with_suffix(".workflow.sqlite"))
        wf.adopt_once(self._old_workflow_rows)
        return wf

    def _old_workflow_rows(self) -> dict[str, pd.DataFrame]:
        """The users and audit rows a database from before the split kept (read, not deleted)."""
        if not Path(self.path).exists():
            return {}
        sql = "SELECT table_name FROM duckdb_tables() WHERE NOT temporary"
        with self._cursor(READ) as cur:
            present = {r[0] for r in cur.execute(sql).fetchall()}
            return {n: cur.execute(f"SELECT * FROM {n}").df() for n in WORKFLOW_TABLES & present}

    def _routed(self, sql: str) -> Store | None:
        """The workflow store when ``sql`` reads or writes only workflow tables."""
        names = {m.lower() for m in _TABLE_REF.findall(sql)}
        if not names & WORKFLOW_TABLES:
            return None
        if names & ANALYTICAL:
            raise ValueError(
                "one statement may not join the workflow tables "
                f"({', '.join(sorted(WORKFLOW_TABLES))}) with analytical ones: {sql[:80]}"
            )
        return self.workflow

    # -- Store -------------------------------------------------------------
    def create_schema(self) -> None:
        with self._cursor(WRITE) as cur:
            for tbl in (t for name, t in TABLES.items() if name in ANALYTICAL):
                cur.execute(create_table_sql(tbl))
                for sql in create_index_sql(tbl):
                    cur.execute(sql)

    def append(self, table: str, data: pd.DataFrame | pa.Table) -> int:
        if table not in TABLES:
            raise KeyError(f"unknown table {table!r}")
        if table in WORKFLOW_TABLES:
            return self.workflow.append(table, data)
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
        self._changed()
        self._note(table, data)
        return n

    @contextmanager
    def recording(self) -> Iterator[Written]:
        written = Written()
        with self._lock:
            self._recordings.append(written)
        try:
            yield written
        finally:
            with self._lock:
                self._recordings.remove(written)

    def _note(self, table: str | None, data: pd.DataFrame | pa.Table | None = None) -> None:
        """Tell every open :meth:`recording` block of an append (``table``) or of a
        statement whose rows it cannot know (``None``)."""
        with self._lock:
            for written in self._recordings:
                if table is None:
                    written.complete = False
                else:
                    written.rows.append((table, data))

    @contextmanager
    def _with_frames(
        self, frames: Frames, mode: str = WRITE
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._cursor(mode) as cur:
            names = list(frames or {})
            for name in names:
                cur.register(name, frames[name])  # type: ignore[index]
            try:
                yield cur
            finally:
                for name in names:
                    cur.unregister(name)

    def query(self, sql: str, params: Params = None, frames: Frames = None) -> pd.DataFrame:
        if (wf := self._routed(sql)) is not None:
            return wf.query(sql, params, frames)
        with self._with_frames(frames, READ) as cur:
            return cur.execute(sql, params).df()

    def query_arrow(self, sql: str, params: Params = None, frames: Frames = None) -> pa.Table:
        if (wf := self._routed(sql)) is not None:
            return wf.query_arrow(sql, params, frames)
        with self._with_frames(frames, READ) as cur:
            # A relation's to_arrow_table drains the result without the DB-API copy;
            # .arrow() would stream and block the cursor (STACK.md).
            rel = cur.sql(sql, params=params)
            if rel is None:
                raise ValueError(f"query_arrow needs a statement that returns rows: {sql[:80]}")
            return rel.to_arrow_table()

    def execute(self, sql: str, params: Params = None, frames: Frames = None) -> None:
        if (wf := self._routed(sql)) is not None:
            return wf.execute(sql, params, frames)
        with self._with_frames(frames) as cur:
            cur.execute(sql, params)
        self._changed()
        self._note(None)

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

    def secret(self, name: str) -> bytes:
        """The key ``name`` in ``<file>.<name>.key`` beside the store (created ``0600``)."""
        from features.store.secrets import key_file, process_key, read_or_create_key

        if self.path == ":memory:":
            return process_key(name)
        return read_or_create_key(key_file(self.path, name))

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
        self.workflow  # noqa: B018  (made once here, so the transaction's store shares it)
        with self._cursor(WRITE) as cur:
            bound = copy.copy(self)
            bound._pinned = cur
            bound._memory_version = 0
            cur.begin()
            try:
                yield bound
            except BaseException:
                cur.rollback()
                self._note(None)  # rows noted in the block were not kept
                raise
            cur.commit()
        self._changed()

    def cluster(self, table: str, by: str, near: Sequence[str] = ()) -> None:
        """Rewrite ``table`` sorted by ``by`` in one transaction.

        DuckDB keeps min/max statistics per row group, so a filter on a sorted
        column skips every row group but the few that can hold the value: a
        one-subject read of the city's 43 M records touches about one row group.

        ``near``: columns of ``subjects``, coarsest first, whose values in the current
        version of the subject ``by`` names (:mod:`features.subjects`) order the rows
        before ``by`` does: the rows of subjects without them first, then one
        township's, one village's households side by side. Each subject's rows stay
        together (the row directory needs no more), and a village's households' records
        are one run instead of one per household (city, the records of a co-operative's
        village: about 450 households, 450 ranges).
        """
        tbl = TABLES[table]
        if by not in tbl.column_names:
            raise KeyError(f"table {table} has no column {by!r}")
        unknown = [c for c in near if c not in TABLES["subjects"].column_names]
        if unknown:
            raise KeyError(f"table subjects has no column {unknown[0]!r}")
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
            picked = ", ".join(f"_xp_t.{c}" for c in tbl.column_names)
            source, order = f"{table} _xp_t", [f"_xp_t.{by}"]
            if near:  # each row placed by its subject's current version's groups first
                groups = current_subjects_sql(columns=("subject_id", *near))
                source += f" LEFT JOIN ({groups}) _xp_g ON _xp_g.subject_id = _xp_t.{by}"
                order = [f"_xp_g.{c} NULLS FIRST" for c in near] + order
            cur.execute(
                f"INSERT INTO {tmp} ({cols}) SELECT {picked} FROM {source} "
                f"ORDER BY {', '.join(order)}"
            )
            after = cur.execute(f"SELECT count(*) FROM {tmp}").fetchall()[0][0]
            if after != before:  # never lose a row
                raise RuntimeError(f"clustering {table}: {before} rows became {after}")
            cur.execute(f"DROP TABLE {table}")
            cur.execute(f"ALTER TABLE {tmp} RENAME TO {table}")
            for sql in create_index_sql(tbl):  # the old table's indexes went with it
                cur.execute(sql)
            # the old directory described the old rows
            self._drop_directory(cur, table)
        if by not in tbl.lookups:  # an indexed column is looked up in its index
            # row ids of rows written in a transaction are only final once it commits
            self._write_directory(table, by, before)

    def _drop_directory(self, cur: duckdb.DuckDBPyConnection, table: str) -> None:
        for name in (LAYOUT_TABLE, RANGES_TABLE):
            if cur.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]
            ).fetchall()[0][0]:
                cur.execute(f"DELETE FROM {name} WHERE tbl = ?", [table])

    def _write_directory(self, table: str, by: str, rows: int) -> None:
        """Write the row directory of ``table``'s first ``rows`` rows, sorted by ``by``
        (:mod:`features.store.row_directory`); none when a key's rows are not together."""
        with self.transaction() as tx, tx._cursor() as cur:  # type: ignore[attr-defined]
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {LAYOUT_TABLE} "
                "(tbl VARCHAR, by_col VARCHAR, row_count BIGINT, token VARCHAR)"
            )
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {RANGES_TABLE} "
                "(tbl VARCHAR, key VARCHAR, first_row BIGINT, last_row BIGINT)"
            )
            self._drop_directory(cur, table)
            spans = cur.sql(
                f"SELECT CAST({by} AS VARCHAR) AS key, min(rowid) AS first_row, "
                f"max(rowid) AS last_row, count(*) AS n FROM {table} "
                f"WHERE rowid < $rows AND {by} IS NOT NULL GROUP BY {by} ORDER BY 1",
                params={"rows": rows},
            ).to_arrow_table()
            # a key whose rows are as many as its span holds them all together
            split = pc.sum(
                pc.not_equal(
                    pc.add(pc.subtract(spans["last_row"], spans["first_row"]), 1), spans["n"]
                )
            ).as_py()
            if split:  # not sorted after all: readers look rows up by key
                return
            cur.register("_xp_spans", spans.select(["key", "first_row", "last_row"]))
            try:
                cur.execute(
                    f"INSERT INTO {RANGES_TABLE} SELECT ?, key, first_row, last_row FROM _xp_spans",
                    [table],
                )
            finally:
                cur.unregister("_xp_spans")
            cur.execute(
                f"INSERT INTO {LAYOUT_TABLE} VALUES (?, ?, ?, CAST(uuid() AS VARCHAR))",
                [table, by, rows],
            )

    def row_layout(self, table: str) -> RowLayout | None:
        """How far ``table`` is sorted by :meth:`cluster` (one small query), or ``None``:
        never sorted, or fewer rows now than the sort wrote (rows were deleted: its row
        ids may be wrong)."""
        try:
            found = self.query_arrow(
                f"SELECT by_col, row_count, token, (SELECT count(*) FROM {table}) AS now_rows "
                f"FROM {LAYOUT_TABLE} WHERE tbl = $tbl",
                {"tbl": table},
            ).to_pylist()
        except duckdb.CatalogException:  # never sorted
            return None
        if not found or found[0]["now_rows"] < found[0]["row_count"]:
            return None
        row = found[0]
        return RowLayout(table, row["by_col"], row["token"], row["row_count"], row["now_rows"])

    def row_directory(self, table: str) -> RowDirectory | None:
        """Where each key's rows lie in ``table`` (sorted by :meth:`cluster`), or ``None``.

        Read once per data version (in a transaction, every time: its own appends
        are the tail before they are counted): after a write, :meth:`row_layout`
        checks that the sort is the same and counts the rows appended since (the
        directory's tail); after a new sort, the directory is read again.
        """
        version = self.data_version()
        held = self._directories.get(table)
        # inside a transaction the version moves only at commit: its own appends are
        # counted every time (they are the tail), and not kept for other readers
        pinned = self._pinned is not None
        if held is not None and held[0] == version and not pinned:
            return held[1]
        layout = self.row_layout(table)
        directory = None
        if layout is not None:
            old = held[1] if held is not None else None
            if old is not None and old.token == layout.token:
                directory = old.at(layout.rows)
            else:
                ranges = self.query_arrow(
                    f"SELECT key, first_row, last_row FROM {RANGES_TABLE} WHERE tbl = $tbl",
                    {"tbl": table},
                )
                directory = RowDirectory.from_arrow(
                    table, layout.column, layout.token, layout.clustered, layout.rows, ranges
                )
        if not pinned:
            self._directories[table] = (version, directory)
        return directory

    @property
    def parallel_reads(self) -> bool:
        """True outside a transaction: every read takes a cursor of its own; a
        transaction's reads share its one cursor, which takes one statement at a time."""
        return self._pinned is None

    def kept_rows(self) -> KeptRows | None:
        """The objections, repairs, list events and subjects by key, kept in memory
        (:mod:`features.store.kept_rows`), or ``None``: in a transaction, before this
        process has looked subjects up often enough to pay for keeping them
        (``LOAD_AFTER``), or tables above the row limit. Read once, then after each
        write only the rows appended since (the earlier ones checked unchanged by their
        fingerprint, else all read again)."""
        if self._pinned is not None or not self._keep_on:
            return None
        held = self._kept
        if held is None and self._keep_asks < KEEP_AFTER:
            self._keep_asks += 1
            return None
        version = self.data_version()
        if held is not None and held[0] == version:
            return held[1]
        kept = self._read_kept(held[1] if held is not None else None)
        self._kept = (version, kept)
        return kept

    def _read_kept(self, old: KeptRows | None) -> KeptRows | None:
        counted: dict[str, dict] = {}
        for name in KEPT_TABLES:
            before = old.tables[name] if old is not None else None
            sql = fingerprint_sql(name, TABLES[name].column_names)
            counted[name] = self.query_arrow(sql, {"upto": len(before or ())}).to_pylist()[0]
        if sum(c["n"] for c in counted.values()) > KEEP_MAX_ROWS:
            self._keep_on = False  # the tables only grow: not again in this process
            return None
        tables: dict[str, TableRows] = {}
        tails: dict[str, pa.Table] = {}
        for name, c in counted.items():
            before = old.tables[name] if old is not None else None
            # the rows read before are still rows 0 … len - 1 (none deleted, none changed):
            # add the ones appended after them, else read every row again
            if before is not None and c["n"] == c["ids"] and c["upto"] == before.fingerprint:
                tails[name] = self.query_arrow(
                    f"SELECT * FROM {name} WHERE rowid >= $a AND rowid < $b ORDER BY rowid",
                    {"a": len(before), "b": c["ids"]},
                )
                tables[name] = before.extended(tails[name], c["all"])
            else:
                rows = self.query_arrow(
                    f"SELECT * FROM {name} WHERE rowid < $b ORDER BY rowid", {"b": c["ids"]}
                )
                tables[name] = TableRows.of(rows, KEPT_TABLES[name], c["all"])
        if old is not None and "list_events" in tails:  # the same map, the new rows added
            named = old.named
            name_persons(tails["list_events"], named)
        else:
            named = {}
            name_persons(tables["list_events"].rows, named)
        return KeptRows(tables, named, self._read_subjects(old.subjects if old else None))

    def _read_subjects(self, before: KeyedRows | None) -> KeyedRows | None:
        """Every version of every subject, found by any column (``None`` above
        ``SUBJECT_MAX_ROWS``): ``before`` with the rows appended since when those it holds
        are unchanged (by their fingerprint), else all of them read again."""
        c = self.query_arrow(
            fingerprint_sql("subjects", TABLES["subjects"].column_names),
            {"upto": len(before or ())},
        ).to_pylist()[0]
        if c["n"] > KEEP_MAX_SUBJECTS:
            return None
        if before is not None and c["n"] == c["ids"] and c["upto"] == before.fingerprint:
            tail = self.query_arrow(
                "SELECT * FROM subjects WHERE rowid >= $a AND rowid < $b ORDER BY rowid",
                {"a": len(before), "b": c["ids"]},
            )
            return before.extended(tail, c["all"])
        rows = self.query_arrow(
            "SELECT * FROM subjects WHERE rowid < $b ORDER BY rowid", {"b": c["ids"]}
        )
        return KeyedRows(rows.combine_chunks(), c["all"])

    def close(self) -> None:
        if self._pinned is not None:
            return
        if self._workflow is not None:
            self._workflow.close()
        if self._access is None:
            if self._con is not None:
                self._con.close()
            return
        with self._cond:
            while self._active or self._switching:
                self._cond.wait()
            self._drop()
            self._access.close()
            self._closed = True

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
            Table names (default: :data:`~features.store.lake.LAKE_TABLES`, every
            declared table but the workflow ones; naming one of those is refused).
        progress
            Called as ``progress(table, done, total)`` after every table.

        Returns
        -------
        dict
            Rows written per table.
        """
        names = list(LAKE_TABLES) if tables is None else list(tables)
        unknown = [n for n in names if n not in TABLES]
        if unknown:
            raise KeyError(f"unknown tables {unknown}; known: {', '.join(LAKE_TABLES)}")
        kept = [n for n in names if n not in LAKE_TABLES]
        if kept:
            raise KeyError(
                f"tables {kept} never leave the store (accounts, audit log); "
                f"a lake holds: {', '.join(LAKE_TABLES)}"
            )
        root = Path(folder)
        root.mkdir(parents=True, exist_ok=True)
        for name in TABLES:  # an older export may have left a workflow table behind
            if name not in LAKE_TABLES:
                shutil.rmtree(root / name, ignore_errors=True)
        written: dict[str, int] = {}
        with self._cursor(READ) as cur:
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


def _check_header(path: Path) -> None:
    """Refuse a file that is not a DuckDB database, without waiting for the file's lock."""
    with path.open("rb") as f:
        head = f.read(12)
    if len(head) < 12 or head[8:12] != b"DUCK":
        raise ValueError(f"{path} is not a DuckDB database file")


def _release_when_wanted(ref: weakref.ReferenceType[DuckDBStore]) -> None:
    """Watch one store: close its idle read connection as soon as a writer waits, and
    its kept write connection (``keep_writer``) as soon as anyone else waits for the
    file or it has been idle that long.

    Holds only a weak reference, so a store nobody uses any more is collected
    (and its locks released) as usual; stops when the store closes.
    """
    while True:
        time.sleep(WATCH_SECONDS)
        store = ref()
        if store is None or getattr(store, "_closed", False):
            return
        with store._cond:
            if store._con is None:
                return  # reopened later for reading: that starts a new watcher
            idle = store._active == 0 and not store._switching and store._access is not None
            kept = store._mode == WRITE and store._holding == 0
            if idle and (
                (store._mode == READ and store._access.writer_waiting())
                or (
                    kept
                    and (
                        time.monotonic() - store._idle_since > store.keep_writer
                        or store._access.others_waiting()
                    )
                )
            ):
                store._drop()
                store._cond.notify_all()
                return
        del store
