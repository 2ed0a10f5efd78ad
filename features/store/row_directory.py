"""Where each key's rows lie in a table sorted by that key: a row directory.

A table sorted by ``subject_id`` (:meth:`DuckDBStore.cluster`) keeps each subject's
rows at consecutive row ids. DuckDB finds them through its per-row-group statistics,
but an equality look-up still reads the key column of a whole row group (about 1 ms
at the city), once per subject: rating a firm reads its own records and those of its
legal representative and his other firms, seven or eight look-ups. Knowing each
key's first and last row id, a reader asks for all of them as row-id ranges in one
scan that touches only the vectors holding them (city, 8 subjects' records: 12.3 ms as
8 look-ups, 3.3 ms by their ranges; the same rows), many ranges as a join on row ids.

The directory covers the rows the sort wrote (``rowid < clustered``); rows appended
after it (ingest, corrections) are read by their key among the later rows only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

#: The tables that hold the directories in a DuckDB file (not data: rebuilt by
#: :meth:`DuckDBStore.cluster`, never exported).
LAYOUT_TABLE = "_xp_layout"
RANGES_TABLE = "_xp_row_ranges"

#: Up to this many row-id ranges are tested one by one (``rowid BETWEEN … OR …``); more
#: are joined as a list of row ids made from the ranges. DuckDB tests every range on each
#: row of the row groups they touch, while the join's row ids filter the scan as it reads
#: (city, records of random subjects, mean of four draws, ms by ranges / joined / by key:
#: 8 subjects 4.7 / 6.4 / 12.8, 16: 8.4 / 8.2 / 16.2, 32: 18.2 / 12.4 / 30.4, 64: 46.7 /
#: 20.0 / 48.4, 256: 355 / 49 / 136; a village's 650 subjects, 9 kinds: 70 ms by key,
#: 32 joined).
ORED_RANGES = 16


@dataclass(frozen=True)
class RowLayout:
    """How far ``table`` is sorted by ``column``: the sort wrote row ids
    ``0 … clustered - 1`` (``token`` names that sort) and the table holds ``rows`` now."""

    table: str
    column: str
    token: str
    clustered: int
    rows: int


@dataclass(frozen=True)
class RowDirectory:
    """The row-id range of every key of ``table`` among its first ``clustered`` rows.

    Parameters
    ----------
    table, column
        The table and the key column it was sorted by.
    token
        Which sort the directory belongs to (a new sort writes a new token).
    clustered
        Rows the sort wrote: row ids ``0 … clustered - 1``.
    rows
        Rows of the table when the directory was last checked (more than
        ``clustered``: rows appended since, the tail).
    keys, first, last
        Sorted keys (bytes) and their first and last row ids.
    """

    table: str
    column: str
    token: str
    clustered: int
    rows: int
    keys: np.ndarray
    first: np.ndarray
    last: np.ndarray

    @classmethod
    def from_arrow(
        cls, table: str, column: str, token: str, clustered: int, rows: int, ranges: pa.Table
    ) -> RowDirectory:
        """A directory from the ``key, first_row, last_row`` rows of :data:`RANGES_TABLE`."""
        keys = np.asarray(ranges.column("key").to_numpy(zero_copy_only=False).astype(bytes))
        order = np.argsort(keys, kind="stable")
        return cls(
            table,
            column,
            token,
            clustered,
            rows,
            keys[order],
            ranges.column("first_row").to_numpy()[order],
            ranges.column("last_row").to_numpy()[order],
        )

    def at(self, rows: int) -> RowDirectory:
        """The same directory with the table's row count now."""
        return self if rows == self.rows else replace(self, rows=rows)

    @property
    def tail(self) -> bool:
        """True when rows were appended after the sort."""
        return self.rows > self.clustered

    def ranges(self, values: Iterable[str]) -> list[tuple[int, int]]:
        """The row-id ranges of ``values``' rows among the sorted rows, in order, adjacent
        ranges merged (a value without rows there has none)."""
        wanted = np.unique(np.asarray([str(v).encode() for v in values], dtype=bytes))
        if not len(wanted) or not len(self.keys):
            return []
        at = np.searchsorted(self.keys, wanted)
        inside = at < len(self.keys)
        at, wanted = at[inside], wanted[inside]
        at = at[self.keys[at] == wanted]
        spans = sorted(zip(self.first[at].tolist(), self.last[at].tolist(), strict=True))
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        return merged


#: Rows not sorted by subject from which ``xinping ingest`` suggests ``xinping cluster``:
#: at least this many, and at least :data:`ADVISE_SHARE` of the table.
ADVISE_ROWS = 100_000
ADVISE_SHARE = 0.1


def unsorted_rows(sort: RowLayout | RowDirectory | None, rows: int) -> int:
    """Rows of a table of ``rows`` rows that a look-up by key reads outside ``sort``
    (all of them without one)."""
    return rows if sort is None else max(rows - sort.clustered, 0)


def should_sort(sort: RowLayout | RowDirectory | None, rows: int) -> bool:
    """True when enough rows lie outside the sort that look-ups by key slow down."""
    loose = unsorted_rows(sort, rows)
    return loose >= ADVISE_ROWS and loose >= ADVISE_SHARE * rows


def quote(value: str) -> str:
    """``value`` as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def rows_sql(
    directory: RowDirectory, values: Iterable[str], where: str | None = None
) -> str | None:
    """SQL for the rows of the directory's table whose key is one of ``values`` (and that
    meet ``where``): the sorted rows by their row-id ranges, the tail by key.

    ``None`` when no row can match (no range and no tail). Up to :data:`ORED_RANGES`
    ranges are tested in the ``WHERE`` clause, more are joined as row ids (the ranges'
    bounds as two list literals: as fast as bound parameters, city, to 1 ms)."""
    vals = sorted({str(v) for v in values if v is not None})
    spans = directory.ranges(vals)
    also = f" AND ({where})" if where else ""
    t = directory.table
    parts = []
    if len(spans) > ORED_RANGES:
        firsts = ", ".join(str(a) for a, _ in spans)
        ends = ", ".join(str(b + 1) for _, b in spans)
        bounds = f"SELECT unnest([{firsts}]) AS a, unnest([{ends}]) AS b"
        ids = f"SELECT unnest(range(a, b)) FROM ({bounds})"
        parts.append(f"SELECT * FROM {t} WHERE rowid IN ({ids}){also}")
    elif spans:
        cond = " OR ".join(
            f"rowid = {a}" if a == b else f"rowid BETWEEN {a} AND {b}" for a, b in spans
        )
        parts.append(f"SELECT * FROM {t} WHERE ({cond}){also}")
    if directory.tail and vals:
        listed = ", ".join(quote(v) for v in vals)
        parts.append(
            f"SELECT * FROM {t} WHERE rowid >= {directory.clustered} "
            f"AND {directory.column} IN ({listed}){also}"
        )
    return " UNION ALL ".join(parts) or None
