"""Every objection and repair row in memory, by record: the evidence index.

Rating one subject reads its records' objections and repairs (what suspends a record
or ends its publication early, DESIGN.md §5). As a statement that is a scan of both
tables for the subject's record ids, about 6 ms on the city (291,562 objections,
18,830 repairs) whether the subject has any or not, a fifth of a firm's look-up. Both
tables are small beside the records (0.7 % of the city's rows) and only ever grow —
a correction is a new row, nothing is updated or deleted — so a process that rates
subjects one by one keeps them in memory once and finds a subject's rows by record id
(0.3 ms). After a write the rows appended since are read and added; the rows read
before are checked unchanged by one fingerprint of them, and read again if not.

Reading it costs as much as a few dozen look-ups by statement (city: 0.26 s), so a
process reads it only after :data:`LOAD_AFTER` look-ups (a server, the app, a batch of
re-ratings), never for a command that rates one subject and ends. Above
:data:`MAX_ROWS` rows (a province) the index is not kept: the look-ups go to the store,
as on an engine without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyarrow as pa

#: The tables whose rows follow a record (by ``record_id``).
TABLES = ("objections", "repairs")

#: Look-ups by statement a process makes before it reads the index: about what reading it
#: costs (city: 0.26 s against about 6 ms a look-up; a fingerprint check after a write
#: about 12 ms).
LOAD_AFTER = 40

#: Rows (both tables together) up to which the index is kept in memory: on the city
#: 310,392 rows take 42 MB of Arrow and about 30 MB of look-up keys.
MAX_ROWS = 2_000_000


@dataclass(frozen=True)
class TableRows:
    """One table's rows and where each record's rows are.

    Parameters
    ----------
    rows
        Every row, in row-id order (one chunk).
    positions
        ``record_id`` → the positions of its rows.
    fingerprint
        The store's fingerprint of those rows (:func:`fingerprint_sql`).
    """

    rows: pa.Table
    positions: Mapping[str, tuple[int, ...]]
    fingerprint: int

    @classmethod
    def of(cls, rows: pa.Table, fingerprint: int) -> TableRows:
        """The index of ``rows`` (in row-id order)."""
        positions: dict[str, list[int]] = {}
        for i, rid in enumerate(rows.column("record_id").to_pylist()):
            positions.setdefault(rid, []).append(i)
        return cls(rows.combine_chunks(), {k: tuple(v) for k, v in positions.items()}, fingerprint)

    def __len__(self) -> int:
        return self.rows.num_rows

    def extended(self, tail: pa.Table, fingerprint: int) -> TableRows:
        """These rows and ``tail`` (the rows appended after them, in row-id order)."""
        if not tail.num_rows:
            return (
                self
                if fingerprint == self.fingerprint
                else TableRows(self.rows, self.positions, fingerprint)
            )
        start = len(self)
        positions = {k: list(v) for k, v in self.positions.items()}
        for i, rid in enumerate(tail.column("record_id").to_pylist()):
            positions.setdefault(rid, []).append(start + i)
        rows = pa.concat_tables([self.rows, tail.cast(self.rows.schema)]).combine_chunks()
        return TableRows(rows, {k: tuple(v) for k, v in positions.items()}, fingerprint)

    def of_records(self, record_ids: Iterable[str]) -> pa.Table:
        """The rows of ``record_ids``, in row-id order."""
        found = sorted({i for r in record_ids for i in self.positions.get(r, ())})
        return self.rows.take(pa.array(found, pa.int64()))


@dataclass(frozen=True)
class EvidenceIndex:
    """The rows of :data:`TABLES`, by record."""

    tables: Mapping[str, TableRows]

    def of_records(self, record_ids: Iterable[str]) -> dict[str, pa.Table]:
        """Each table's rows of ``record_ids`` (what ``SELECT * … WHERE record_id IN``
        gives, in row-id order)."""
        ids = list(record_ids)
        return {name: table.of_records(ids) for name, table in self.tables.items()}


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
