"""The small append-only tables a look-up reads, kept in memory by key: kept rows.

Rating one subject reads its records' objections and repairs (what suspends a record
or ends its publication early, DESIGN.md §5) and the list events of the listings that
name it among their persons (seed 002 #12). As statements these are scans of the three
tables, about 6 ms and 2 ms on the city (291,562 objections, 18,830 repairs) whether the
subject has any or not: a third of a firm's look-up. The tables are small beside the
records (0.7 % of the city's rows) and only ever grow — a correction is a new row,
nothing is updated or deleted — so a process that rates subjects one by one keeps them
in memory once and finds a subject's rows by key (0.3 ms). After a write the rows
appended since are read and added; the rows read before are checked unchanged by one
fingerprint of them, and read again if not.

Reading them costs as much as a few dozen look-ups by statement (city: 0.26–0.86 s), so a
process reads them only after :data:`LOAD_AFTER` look-ups (a server, the app,
a batch of re-ratings), never for a command that rates one subject and ends. Above
:data:`MAX_ROWS` rows (a province) they are not kept: the look-ups go to the store, as
on an engine without them.

``subjects`` is kept with them up to :data:`SUBJECT_MAX_ROWS` versions (:class:`KeyedRows`,
found by any column): it too only grows — a correction or a move is a new version. It is
the largest of them (city: 318 MB of Arrow, 1.9 s to read with the rest, about 1 GB more
resident memory in all), so it is what a serving process pays for a firm's look-up without
its three statements on the subjects (city, 200 firms, warm, paired against the code before:
p50 15.1 → 11.8 ms, p95 23.7 → 16.4 ms; bench/RESULTS-scoring.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: The tables kept, each with the column its rows are found by.
TABLES = {"objections": "record_id", "repairs": "record_id", "list_events": "subject_id"}
#: The tables whose rows follow a record (by ``record_id``).
EVIDENCE = ("objections", "repairs")

#: Look-ups (a slice asks once, :func:`features.store.sliced.fetch_slice`) a process makes
#: before it keeps the rows: a server, the app or a batch of re-ratings, never a command that
#: rates a subject or two — as before for a firm, whose look-up asked twice of 40 reads. Keeping
#: them costs a few hundred look-ups' worth of statements (city: 1.86 s to read them with the
#: subjects, against 5-10 ms a look-up saves; a fingerprint check after a write about 12 ms,
#: 80 ms with the subjects).
LOAD_AFTER = 20

#: Rows (the tables together) up to which they are kept in memory: on the city 310,392
#: rows take 42 MB of Arrow and about 30 MB of look-up keys.
MAX_ROWS = 2_000_000

#: Subjects (every version) up to which ``subjects`` is kept too, found by any column
#: (:class:`KeyedRows`). A look-up reads a subject's row, the parties sharing a column with
#: it (firms of the same legal representative, a village's households) and those parties'
#: rows: three statements one after another, 5-12 ms of a city firm's 14-21 ms. On the
#: city 1,599,631 rows take 318 MB of Arrow and 0.35 s to read, each column's sorted keys
#: 6-29 MB and 0.1-0.5 s when first asked; a province's subjects are looked up in the store.
SUBJECT_MAX_ROWS = 2_000_000


@dataclass(frozen=True)
class TableRows:
    """One table's rows and where each key's rows are.

    Parameters
    ----------
    rows
        Every row, in row-id order (one chunk).
    key
        The column the rows are found by.
    positions
        Key value → the positions of its rows. Shared with the rows' later extensions,
        which add to it (replacing a value, never changing one): a position past
        ``rows`` belongs to an extension and is not read here.
    fingerprint
        The store's fingerprint of those rows (:func:`fingerprint_sql`).
    """

    rows: pa.Table
    key: str
    positions: dict[str, tuple[int, ...]]
    fingerprint: int

    @classmethod
    def of(cls, rows: pa.Table, key: str, fingerprint: int) -> TableRows:
        """The rows (in row-id order) found by ``key``."""
        found: dict[str, list[int]] = {}
        for i, value in enumerate(rows.column(key).to_pylist()):
            found.setdefault(value, []).append(i)
        positions = {k: tuple(v) for k, v in found.items()}
        return cls(rows.combine_chunks(), key, positions, fingerprint)

    def __len__(self) -> int:
        return self.rows.num_rows

    def extended(self, tail: pa.Table, fingerprint: int) -> TableRows:
        """These rows and ``tail`` (the rows appended after them, in row-id order)."""
        if not tail.num_rows:
            return TableRows(self.rows, self.key, self.positions, fingerprint)
        rows = pa.concat_tables([self.rows, tail.cast(self.rows.schema)]).combine_chunks()
        for i, value in enumerate(tail.column(self.key).to_pylist(), len(self)):
            self.positions[value] = (*self.positions.get(value, ()), i)
        return TableRows(rows, self.key, self.positions, fingerprint)

    def of_keys(self, values: Iterable[str]) -> pa.Table:
        """The rows of ``values``, in row-id order."""
        n = len(self)
        found = sorted({i for v in values for i in self.positions.get(v, ()) if i < n})
        return self.rows.take(pa.array(found, pa.int64()))


@dataclass(frozen=True)
class KeyIndex:
    """One column's values sorted (as bytes), each with its row's position."""

    keys: np.ndarray
    positions: np.ndarray

    @classmethod
    def of(cls, column: pa.ChunkedArray | pa.Array) -> KeyIndex:
        """The index of ``column`` (nulls left out: a null matches no value)."""
        present = pc.is_valid(column).to_numpy(zero_copy_only=False)
        at = np.flatnonzero(present)
        values = pc.filter(column, present).to_numpy(zero_copy_only=False).astype(bytes)
        order = np.argsort(values, kind="stable")  # equal keys stay in row order
        return cls(values[order], at[order])

    def find(self, values: Iterable[str]) -> np.ndarray:
        """The positions of the rows holding one of ``values`` (unsorted, no repeats)."""
        wanted = np.unique(np.asarray([str(v).encode() for v in values], dtype=bytes))
        if not len(wanted) or not len(self.keys):
            return np.empty(0, dtype=np.int64)
        lo = np.searchsorted(self.keys, wanted, side="left")
        hi = np.searchsorted(self.keys, wanted, side="right")
        spans = [
            self.positions[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b > a
        ]
        return np.concatenate(spans) if spans else np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class KeyedRows:
    """A table's rows found by any of its columns (``subjects``: by ``subject_id``, a legal
    representative, a village code…); each column's :class:`KeyIndex` is made the first
    time it is asked for.

    Parameters
    ----------
    rows
        Every row, in row-id order (one chunk).
    fingerprint
        The store's fingerprint of those rows (:func:`fingerprint_sql`).
    """

    rows: pa.Table
    fingerprint: int
    #: column → its index, made when first asked (two threads may both make one: the
    #: same index, the second replaces the first)
    indexes: dict[str, KeyIndex] = field(default_factory=dict, compare=False)

    def __len__(self) -> int:
        return self.rows.num_rows

    def where(self, column: str, values: Iterable[str]) -> pa.Table:
        """The rows whose ``column`` is one of ``values``, in row-id order (what
        ``SELECT * … WHERE column IN (values)`` gives)."""
        index = self.indexes.get(column)
        if index is None:
            index = KeyIndex.of(self.rows.column(column))
            self.indexes[column] = index
        found = np.sort(index.find(values))
        return self.rows.take(pa.array(found, pa.int64()))

    def ids_where(self, column: str, values: Iterable[str]) -> set[str]:
        """The ``subject_id`` of the rows whose ``column`` is one of ``values``."""
        return set(self.where(column, values).column("subject_id").to_pylist())

    def extended(self, tail: pa.Table, fingerprint: int) -> KeyedRows:
        """These rows and ``tail`` (the rows appended after them, in row-id order)."""
        if not tail.num_rows:
            return KeyedRows(self.rows, fingerprint, self.indexes)
        rows = pa.concat_tables([self.rows, tail.cast(self.rows.schema)]).combine_chunks()
        return KeyedRows(rows, fingerprint)  # the indexes are made again when asked for


def name_persons(events: pa.Table, named: dict[str, frozenset[str]]) -> None:
    """Add to ``named`` (person → the subjects whose list events name them) the persons of
    ``events``, read as :func:`features.links._named` reads them (a value is replaced,
    never changed: a reader of the map sees the old or the new one)."""
    subjects = events.column("subject_id").to_pylist()
    for subject, persons in zip(subjects, events.column("persons").to_pylist(), strict=True):
        for person in (persons or "").split(","):
            if person.strip():
                code = person.strip().upper()
                named[code] = named.get(code, frozenset()) | {subject}


@dataclass(frozen=True)
class KeptRows:
    """The rows of :data:`TABLES` by key, and who the list events name."""

    tables: Mapping[str, TableRows]
    #: person → the subjects whose list events name them (:func:`name_persons`)
    named: dict[str, frozenset[str]]
    #: every version of every subject, or ``None`` above :data:`SUBJECT_MAX_ROWS`
    subjects: KeyedRows | None = None

    def of_records(self, record_ids: Iterable[str]) -> dict[str, pa.Table]:
        """The objections and repairs of ``record_ids`` (what ``SELECT * … WHERE
        record_id IN`` gives, in row-id order)."""
        ids = list(record_ids)
        return {name: self.tables[name].of_keys(ids) for name in EVIDENCE}

    def listings_naming(self, persons: Iterable[str]) -> pa.Table:
        """Every list event of the subjects whose list events name one of ``persons``."""
        subjects = {s for p in persons for s in self.named.get(str(p).strip().upper(), ())}
        return self.tables["list_events"].of_keys(subjects)


def fingerprint_sql(table: str, columns: Iterable[str]) -> str:
    """One row: ``n`` (rows), ``ids`` (largest row id + 1: ``n`` when no row was ever
    deleted), ``upto`` (the fingerprint of the rows with ``rowid < $upto``) and ``all``
    (of every row). A fingerprint is the XOR of a hash of each row, so the rows read
    earlier can be checked unchanged in the same scan that counts the new ones."""
    row = f"hash({', '.join(columns)})"
    return (
        f"SELECT count(*) AS n, coalesce(max(rowid) + 1, 0) AS ids, "
        f"coalesce(bit_xor({row}) FILTER (WHERE rowid < $upto), 0) AS upto, "
        f"coalesce(bit_xor({row}), 0) AS all FROM {table}"
    )
