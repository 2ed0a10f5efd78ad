"""The record store interface.

Everything above ``features/store`` talks to a :class:`Store`; only the
implementations import duckdb or pyspark. SQL handed to a store is in the
store's dialect (DuckDB's for the embedded default).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    from features.store.kept_rows import KeptRows
    from features.store.row_directory import RowDirectory, RowLayout

Params = Sequence[Any] | dict[str, Any] | None
Frames = Mapping[str, pd.DataFrame | pa.Table] | None


@dataclass(eq=False)  # each block's own: found by identity
class Written:
    """What a block wrote to a store's analytical tables (:meth:`Store.recording`).

    Attributes
    ----------
    rows
        ``(table, rows)`` of every :meth:`Store.append`, in order, as it was given.
    complete
        False when the block may have written rows that are not in ``rows`` (a statement
        run by :meth:`Store.execute`, or a store that does not record): a reader must
        then read the store again instead of adding ``rows`` to what it held.
    """

    rows: list[tuple[str, pd.DataFrame | pa.Table]] = field(default_factory=list)
    complete: bool = True


class Store(abc.ABC):
    """A place that keeps the declared tables (features/records/schema.py)."""

    #: SQL dialect of :meth:`query` (``duckdb`` or ``spark``).
    dialect: str = "duckdb"
    #: The engine's memory limit (e.g. ``"6GB"``) when one was set, else None.
    memory_limit: str | None = None

    @abc.abstractmethod
    def create_schema(self) -> None:
        """Create every declared table that does not exist yet."""

    @abc.abstractmethod
    def append(self, table: str, data: pd.DataFrame | pa.Table) -> int:
        """Append rows to ``table`` (columns matched by name); return the row count.

        Columns the data lacks are null (or their declared default).
        """

    @abc.abstractmethod
    def query(self, sql: str, params: Params = None, frames: Frames = None) -> pd.DataFrame:
        """Run a query and return its result as a pandas frame.

        ``frames`` maps names the SQL may use to in-memory tables (e.g. an
        incoming batch to join against stored rows).
        """

    @abc.abstractmethod
    def query_arrow(self, sql: str, params: Params = None, frames: Frames = None) -> pa.Table:
        """Run a query and return its result as an Arrow table."""

    @abc.abstractmethod
    def execute(self, sql: str, params: Params = None, frames: Frames = None) -> None:
        """Run a statement that returns nothing of interest."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[Store]:
        """A store whose writes commit together at the end of the block or not at all."""

    def writing(self) -> AbstractContextManager[Store]:
        """Keep the store open for writing across the calls of the block.

        A store that other processes share may open and let go of its file for each
        write; a use case of several writes and the reads between them (a change and
        its re-rating) holds it once instead. Stores that hold nothing do nothing.
        """
        return nullcontext(self)

    @contextmanager
    def recording(self) -> Iterator[Written]:
        """Note what is written to the store while the block runs, from any thread
        (:class:`Written`).

        A change and its re-rating read the same few subjects before and after the
        change; knowing the rows the change appended, the re-rating adds them to the rows
        it read before instead of reading them all again
        (:meth:`features.store.sliced.SlicedStore.after`). This default records nothing
        and says so (``complete`` is False).
        """
        yield Written(complete=False)

    def cluster(self, table: str, by: str, near: Sequence[str] = ()) -> None:
        """Store ``table``'s rows in ``by`` order (same rows, nothing lost).

        Look-ups of one subject then read a few blocks instead of the whole
        table. ``near``: columns of ``subjects`` (``by`` names the subject) whose
        values put subjects together, coarsest first (a township's, then a village's
        households): each subject's rows stay together, and the subjects of one value
        lie side by side. Engines that keep no physical order do nothing.
        """
        return None

    def row_layout(self, table: str) -> RowLayout | None:
        """How far ``table`` is sorted by :meth:`cluster` (:mod:`features.store.row_directory`);
        ``None``: not sorted, or an engine that keeps no physical order."""
        return None

    def row_directory(self, table: str) -> RowDirectory | None:
        """Where each key's rows lie in ``table`` since :meth:`cluster` sorted it
        (:mod:`features.store.row_directory`); ``None``: look rows up by key."""
        return None

    def kept_rows(self) -> KeptRows | None:
        """The objections, repairs and list events by key, kept in memory
        (:mod:`features.store.kept_rows`); ``None``: look them up in the store."""
        return None

    @property
    def parallel_reads(self) -> bool:
        """True when :meth:`query_arrow` may run on several threads at once (each its own
        cursor): a look-up then reads rows that do not depend on each other side by side.
        False here: an engine that has not said so runs them one after another."""
        return False

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store's resources."""

    @property
    def workflow(self) -> Store:
        """The store of the workflow tables (users, audit log): this one unless split off."""
        return self

    def data_version(self) -> str:
        """A token that changes whenever a committed write changes the analytical tables.

        Readers key caches on it (the app's shared query caches): the same token
        means the same data. Writes to the workflow tables (``audit_log``,
        ``users``) do not change it. Engines that cannot tell return a token
        that changes on every call.
        """
        import uuid

        return uuid.uuid4().hex

    def secret(self, name: str) -> bytes:
        """A platform key of this store (e.g. ``"audit"``, the audit log's hash key).

        Kept outside the tables (:mod:`features.store.secrets`), so no export or
        copy of the tables carries it. This default lives as long as the process;
        a store with a file keeps its keys beside it.
        """
        from features.store.secrets import process_key

        return process_key(name)

    def count(self, table: str) -> int:
        """Number of rows in ``table``."""
        return int(self.query(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0])

    def scalar(self, sql: str, params: Params = None) -> Any:
        """First column of the first row of a query, or ``None``."""
        frame = self.query(sql, params)
        return None if frame.empty else frame.iloc[0, 0]

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def iter_batches(
        self, sql: str, params: Params = None, rows: int = 100_000
    ) -> Iterator[pd.DataFrame]:
        """Yield a query's result in frames of at most ``rows`` rows."""
        table = self.query_arrow(sql, params)
        for batch in table.to_batches(max_chunksize=rows):
            yield batch.to_pandas()
