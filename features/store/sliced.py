"""A store narrowed to a few subjects: their rows and their related parties' rows.

Rating one subject reads a few hundred of a city's tens of millions of records.
:func:`slice_store` fetches those rows once — the subjects' own, their legal
parties through every declared link (:mod:`features.links`: legal representative,
employer, firms sharing a legal representative or represented by the person,
``subject_links`` rows, listings naming the person), and the objections and
repairs of all their records — and returns a
:class:`SlicedStore` that answers every query of the rating from them
(indicators, green channel, points rule): a handful of point look-ups instead
of a scan per query.

The slice's tables carry the real tables' names and shadow them, so SQL
written for the whole store runs unchanged on the slice; for the subjects the
slice was taken for, it gives the rows the whole store gives
(tests/features/test_build.py and test_evaluate.py build every scheme both ways).
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.link_lookup import links as declared_links
from features.links import Column, ListPersons, Reverse, SameColumn, Table
from features.records.schema import TABLES
from features.store.base import Frames, Params, Store, Written
from features.store.kept_rows import EVIDENCE, KeptRows, KeyedRows
from features.store.row_directory import quote
from features.store.row_directory import rows_sql as directory_rows_sql

#: the tables a slice holds (the rest are read from the whole store)
SLICED_TABLES = (
    "subjects",
    "subject_attributes",
    "records",
    "objections",
    "repairs",
    "subject_links",
)
#: Up to this many ids are fetched as one equality look-up each (UNION ALL): a
#: table clustered by the column then reads about one row group per id, where an
#: ``IN`` list of scattered ids reads every row group between the smallest and
#: the largest (city enterprise: 3 ids 13 ms as a list, 8 ms as look-ups).
POINT_LOOKUPS = 32


#: Up to this many ids of an indexed column are looked up in its index as one list;
#: more are read as any other column's (city subjects, 1,376 ids: 127 ms as a list, 110 ms
#: by row id; 5,000: 217 and 163 ms).
INDEX_LIST = 1_000


#: Up to this many records, their objections and repairs are fetched by a literal
#: list of record ids (an index look-up each); more are joined (one scan).
RECORD_LIST = 2_000


def _rows_sql(
    table: str, column: str, values: Iterable[str], where: str | None = None, by_row: bool = False
) -> str | None:
    """SQL for the rows of ``table`` whose ``column`` is one of ``values`` (and that meet
    ``where``, an SQL condition on the table's own columns).

    ``by_row`` (DuckDB): more ids than :data:`POINT_LOOKUPS` are matched on ``column``
    alone and the matching rows then read whole by their ``rowid``. Scattered ids make
    DuckDB read every row group between the smallest and the largest; reading only
    ``column`` there and every other column of the matching rows alone is the late
    materialization DuckDB does not do by itself (city, a village's 271 households'
    records of 9 kinds: 126 ms read whole, 56 ms by rowid; the same rows).
    """
    vals = sorted({str(v) for v in values if v is not None})
    if not vals:
        return None
    also = f" AND ({where})" if where else ""
    if column in TABLES[table].lookups and len(vals) <= INDEX_LIST:
        # an indexed column: DuckDB looks a list up in the index (city subjects, 7 ids:
        # 2.3 ms as a list, 5.5 ms as 7 look-ups; 100 ids: 15 ms, 46 ms by row id)
        return f"SELECT * FROM {table} WHERE {column} IN ({', '.join(map(quote, vals))}){also}"
    if len(vals) > POINT_LOOKUPS:
        listed = ", ".join(quote(v) for v in vals)
        match = f"{column} IN ({listed}){also}"
        if by_row:
            return f"SELECT * FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {match})"
        return f"SELECT * FROM {table} WHERE {match}"
    return " UNION ALL ".join(
        f"SELECT * FROM {table} WHERE {column} = {quote(v)}{also}" for v in vals
    )


def _keyed_sql(
    store: Store, table: str, column: str, values: Collection[str], where: str | None = None
) -> str | None:
    """SQL for the rows of ``table`` whose ``column`` is one of ``values`` (and that meet
    ``where``): by their row-id ranges where the store keeps ``table`` sorted by
    ``column`` with a directory of them (:mod:`features.store.row_directory`), else by
    key (:func:`_rows_sql`; on DuckDB many keys by row id)."""
    if values and column not in TABLES[table].lookups:
        directory = store.row_directory(table)
        if directory is not None and directory.column == column:
            return directory_rows_sql(directory, values, where)
    return _rows_sql(table, column, values, where, by_row=store.dialect == "duckdb")


def _ids(table: pa.Table, *columns: str) -> set[str]:
    out: set[str] = set()
    for column in columns:
        out.update(v for v in table.column(column).to_pylist() if v is not None)
    return out


#: each store's tables with no rows (their columns), asked once per process: a slice
#: whose scheme reads no ``subject_links`` or attributes holds them empty without a query
_EMPTY: weakref.WeakKeyDictionary[Store, dict[str, pa.Table]] = weakref.WeakKeyDictionary()


def _empty(store: Store, table: str) -> pa.Table:
    """``table`` of ``store`` with its columns and no rows."""
    known = _EMPTY.setdefault(store, {})
    if table not in known:
        known[table] = store.query_arrow(f"SELECT * FROM {table} WHERE FALSE")
    return known[table]


def _rows(store: Store, table: str, sql: str | None) -> pa.Table:
    """The rows ``sql`` selects from ``table`` (none without a statement)."""
    return _empty(store, table) if sql is None else store.query_arrow(sql)


def _reads(links: Collection[str] | None, kind: type) -> bool:
    """True when one of ``links`` (``None``: every declared link) goes ``via`` a ``kind``."""
    return any(
        isinstance(link.via, kind)
        for key, link in declared_links().items()
        if links is None or key in links
    )


def fetch_slice(
    store: Store,
    ids: Iterable[str],
    columns: tuple[str, ...] = ("subject_id",),
    links: Collection[str] | None = None,
    attributes: bool = True,
    related_kinds: Collection[str] | None = None,
) -> dict[str, pa.Table]:
    """The rows of :data:`SLICED_TABLES` that ratings of ``ids`` can read.

    Parameters
    ----------
    store
        The whole store.
    ids
        Subject ids, or group codes (a village's or township's 统计用区划代码).
    columns
        The subjects' columns ``ids`` are looked up in: ``subject_id``, and for
        an aggregate scheme also the members' group column (``village_code``).
    links
        The declared links whose parties are fetched (a scheme's:
        :func:`features.build.slice_links`); ``None``: every declared link. A
        household reads no village neighbours: its slice need not hold its village.
        Without a link through ``subject_links`` (:class:`~features.links.Table`) the
        slice's ``subject_links`` is empty, without a link through listings
        (:class:`~features.links.ListPersons`) its ``list_events``: nothing reads them.
    attributes
        False: ``subject_attributes`` is left empty (a scheme that reads no declared
        attribute: :func:`features.dsl.declared_attributes`).
    related_kinds
        The record kinds read of the related parties (a scheme's:
        :func:`features.build.slice_kinds`); ``None``: every kind. The chosen subjects'
        records are all fetched.

    Returns
    -------
    dict
        Table name → Arrow table: every version of the chosen subjects and of
        their related parties through every declared link, all their records,
        the objections and repairs of those records, the chosen subjects'
        ``subject_links`` and ``subject_attributes`` rows (every version: the
        value in force at a date is chosen when it is read), and the
        ``list_events`` of the subjects whose listings name a chosen subject
        (read by the in-process evaluator only).
    """
    return _fetch(store, ids, columns, links, attributes, related_kinds)[0]


def _fetch(
    store: Store,
    ids: Iterable[str],
    columns: tuple[str, ...],
    links: Collection[str] | None,
    attributes: bool,
    related_kinds: Collection[str] | None,
) -> tuple[dict[str, pa.Table], frozenset[str]]:
    """:func:`fetch_slice`'s tables and the related parties whose records it holds."""
    wanted = tuple(dict.fromkeys(str(i) for i in ids))
    tables = _reads(links, Table)
    kept = store.kept_rows()
    # every subject kept in memory by the store: no statement for the subjects' rows, their
    # parties sharing a column with them, nor those parties' rows
    subjects = None if kept is None else kept.subjects
    early: dict[str, Future[pa.Table]] = {}
    if columns == ("subject_id",) and wanted and store.parallel_reads:
        # the subjects are named: the rows keyed on their ids are read on other threads
        # while the subjects, then their parties, are read on this one (city, rated one by
        # one, paired against the reads before (d8d833b): firm -2.9 ms, household -1.4 ms,
        # driver -3.0 ms of 15-23 ms)
        early = _submit(
            store,
            {
                "records": _keyed_sql(store, "records", "subject_id", wanted),
                "subject_attributes": (
                    _rows_sql("subject_attributes", "subject_id", wanted) if attributes else None
                ),
                "subject_links": (
                    _rows_sql("subject_links", "subject_id", wanted) if tables else None
                ),
            },
        )
    parts: list[pa.Table] = []
    chosen: set[str] = set()
    for column in columns:
        if subjects is not None:
            rows = subjects.where(column, wanted)
        else:
            sql = _keyed_sql(store, "subjects", column, wanted)
            if sql is None:
                continue
            rows = store.query_arrow(sql)
        if chosen:  # a subject found by two columns is kept once
            rows = rows.filter(
                pc.invert(pc.is_in(rows["subject_id"], pa.array(sorted(chosen), pa.string())))
            )
        chosen |= _ids(rows, "subject_id")
        parts.append(rows)
    # while the subjects' own rows are still being read
    by_key = _key_parties(store, parts, chosen, links, subjects)
    unknown = chosen != set(wanted)  # an id the store does not know has no rows either
    # the parties depend on the links' rows, not on the subjects' own records: those are
    # waited for only once the parties' rows are asked for
    own_links = early.pop("subject_links", None)
    links_rows = _link_rows(
        store, chosen, kept, tables and own_links is None, _reads(links, ListPersons)
    )
    if own_links is not None:
        rows = own_links.result()
        links_rows["subject_links"] = _of(rows, chosen) if unknown else rows
    related = _parties(parts, links_rows, links, by_key) - chosen
    kinds = None if related_kinds is None else sorted(related_kinds)
    of_kinds = None if not kinds else f"kind IN ({', '.join(quote(k) for k in kinds)})"
    party_records = (
        None if kinds == [] else _keyed_sql(store, "records", "subject_id", related, of_kinds)
    )
    got = _together(
        store,
        {
            "related": (
                "subjects",
                None
                if subjects is not None
                else _keyed_sql(store, "subjects", "subject_id", related),
            ),
            "records": (
                "records",
                None if "records" in early else _keyed_sql(store, "records", "subject_id", chosen),
            ),
            "party_records": ("records", party_records),
            # declared attributes are read of the subject itself only
            # (features.dsl.DeclaredAttribute)
            "subject_attributes": (
                "subject_attributes",
                _rows_sql("subject_attributes", "subject_id", chosen)
                if attributes and "subject_attributes" not in early
                else None,
            ),
        },
    )
    for name, pending in early.items():
        rows = pending.result()
        got[name] = _of(rows, chosen) if unknown else rows
    if related:
        parts.append(got["related"] if subjects is None else subjects.where("subject_id", related))
    records = pa.concat_tables([got["records"], got["party_records"]])
    out = {
        "subjects": pa.concat_tables(parts) if parts else _empty(store, "subjects"),
        "subject_attributes": got["subject_attributes"],
        "records": records,
        **links_rows,
    }
    out.update(_evidence(store, records, kept))
    return out, frozenset(related)


def _together(
    store: Store, queries: Mapping[str, tuple[str, str | None]], params: Params = None
) -> dict[str, pa.Table]:
    """The rows of several look-ups, each ``name → (table, SELECT * of that table or None)``.

    On a store that reads on several threads at once (:attr:`Store.parallel_reads`) the
    look-ups run side by side, each its own statement; else one after another.
    (DuckDB 2.0, city: one statement of the look-ups ``UNION ALL BY NAME``, as this read
    them before, cost a firm's look-up 1.2 ms more than the statements one by one,
    paired, subject by subject.) ``params``: the statements' parameter values (the same
    for each)."""
    out = {name: _empty(store, table) for name, (table, sql) in queries.items() if sql is None}
    todo = {name: sql for name, (_, sql) in queries.items() if sql is not None}
    started = _submit(store, todo, params, here=True)
    out.update((name, rows.result()) for name, rows in started.items())
    return out


@functools.cache
def _readers() -> ThreadPoolExecutor:
    """The threads a look-up's independent reads run on (made when first needed; a forked
    child, which has none of its parent's threads, makes its own)."""
    return ThreadPoolExecutor(2, thread_name_prefix="xinping-slice")


os.register_at_fork(after_in_child=_readers.cache_clear)


def _submit(
    store: Store, queries: Mapping[str, str | None], params: Params = None, here: bool = False
) -> dict[str, Future[pa.Table]]:
    """Each of ``queries`` (``name → SQL``; ``None``: nothing to read) started: on
    :func:`_readers`' threads when the store reads on several at once (with ``here``, the
    first on this thread, which would only wait for it); else run here, one after another.
    """
    todo = [(name, sql) for name, sql in queries.items() if sql is not None]
    out: dict[str, Future[pa.Table]] = {}
    if store.parallel_reads and len(todo) > here:
        for name, sql in todo[here:]:
            out[name] = _readers().submit(store.query_arrow, sql, params)
        todo = todo[:here]
    for name, sql in todo:
        done: Future[pa.Table] = Future()
        done.set_result(store.query_arrow(sql, params))
        out[name] = done
    return out


def _of(rows: pa.Table, ids: set[str]) -> pa.Table:
    """The rows of ``rows`` whose ``subject_id`` is one of ``ids``."""
    return rows.filter(pc.is_in(rows["subject_id"], pa.array(sorted(ids), pa.string())))


#: the tables whose appended rows a slice can take in (:meth:`SlicedStore.after`)
_ADDABLE = frozenset({"records", *EVIDENCE})


def _cast(rows: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """``rows`` with ``schema``'s columns and types (missing columns are null)."""
    extra = pd.DataFrame({c: rows.get(c) for c in schema.names}, index=rows.index)
    return pa.Table.from_pandas(extra, schema=schema, preserve_index=False)


def _evidence(store: Store, records: pa.Table, kept: KeptRows | None) -> dict[str, pa.Table]:
    """The objections and repairs of ``records`` (up to :data:`RECORD_LIST` records: their
    ids given to a statement for each table, :func:`_together`). ``kept``: the store's kept
    rows (:meth:`Store.kept_rows`, which a look-up asks once)."""
    rids = records["record_id"].to_pylist()
    if not rids:  # no records, none of their objections or repairs
        return {table: _empty(store, table) for table in EVIDENCE}
    if kept is not None:  # kept in memory by the store: no statement
        return kept.of_records(rids)
    if len(rids) > RECORD_LIST:  # joined to the records (one scan each)
        return {
            table: store.query_arrow(
                f"SELECT * FROM {table} WHERE record_id IN (SELECT record_id FROM _xp_ids)",
                frames={"_xp_ids": records.select(["record_id"])},
            )
            for table in EVIDENCE
        }
    if store.dialect == "duckdb":
        # the ids as one list parameter: DuckDB binds a literal IN list value by value
        # (city enterprise, 150 records: 25 ms CPU as a literal list, 18 ms as a parameter;
        # 320 records: 38 and 22 ms); the rows are the same
        return _together(
            store,
            {t: (t, f"SELECT * FROM {t} WHERE list_contains($rids, record_id)") for t in EVIDENCE},
            {"rids": rids},
        )
    listed = ", ".join(quote(r) for r in rids)
    return _together(
        store, {t: (t, f"SELECT * FROM {t} WHERE record_id IN ({listed})") for t in EVIDENCE}
    )


def _link_rows(
    store: Store,
    chosen: set[str],
    kept: KeptRows | None,
    tables: bool = True,
    listings: bool = True,
) -> dict[str, pa.Table]:
    """``subject_links`` rows of the chosen subjects (with ``tables``), and (with
    ``listings``) the ``list_events`` of the listings naming one of them among their
    persons with every later event of those listings' subjects (what
    :class:`features.links.ListPersons` reads); empty tables without. ``kept``: as for
    :func:`_evidence`."""
    sql = _rows_sql("subject_links", "subject_id", chosen) if tables else None
    out = {"subject_links": _rows(store, "subject_links", sql)}
    ids = sorted(chosen)
    if not ids or not listings:
        out["list_events"] = _empty(store, "list_events")
        return out
    if kept is not None:  # kept in memory by the store: no statement
        out["list_events"] = kept.listings_naming(ids)
        return out
    # a LIKE pre-filter on the comma-joined IDs (scoring.list_reads.listings_naming)
    named = " OR ".join(f"persons LIKE {quote('%' + i.upper() + '%')}" for i in ids)
    out["list_events"] = store.query_arrow(
        "SELECT * FROM list_events WHERE subject_id IN "
        f"(SELECT subject_id FROM list_events WHERE {named})"
    )
    return out


def _parties(
    parts: list[pa.Table],
    links: Mapping[str, pa.Table],
    wanted: Collection[str] | None,
    by_key: set[str],
) -> set[str]:
    """Every party a declared link (of ``wanted``; ``None``: all) gives the chosen
    subjects, at any date: those of the links' rows and ``by_key``
    (:func:`_key_parties`, read before the links' rows)."""
    out: set[str] = set()
    for key, link in declared_links().items():
        if wanted is not None and key not in wanted:
            continue
        via = link.via
        if isinstance(via, Column):
            out |= _ids_of(parts, via.col)
        elif isinstance(via, Table):
            rows = links["subject_links"]
            rows = rows.filter(pc.equal(rows["relation"], via.relation))
            out |= _ids(rows, "party_id")
        elif isinstance(via, ListPersons):  # the listed subjects naming a chosen person
            out |= _ids(links["list_events"], "subject_id")
    return out | by_key


def _key_parties(
    store: Store,
    parts: list[pa.Table],
    chosen: set[str],
    wanted: Collection[str] | None,
    subjects: KeyedRows | None = None,
) -> set[str]:
    """The parties of the links that find them by a column of ``subjects`` (firms
    sharing a legal representative, those a person represents, the village's
    households): one look-up per column, in ``subjects`` when the store keeps them
    (:class:`~features.store.kept_rows.KeyedRows`). They need only the chosen subjects'
    rows, so they are read before the links' rows are."""
    keys: dict[str, set[str]] = {}
    for key, link in declared_links().items():
        via = link.via
        if (wanted is None or key in wanted) and isinstance(via, SameColumn | Reverse):
            mine = _ids_of(parts, via.col) if isinstance(via, SameColumn) else chosen
            keys.setdefault(via.col, set()).update(mine)
    out: set[str] = set()
    for column, values in keys.items():
        if values and subjects is not None:
            out |= subjects.ids_where(column, values)
        elif values:
            listed = ", ".join(quote(k) for k in sorted(values))
            sql = f"SELECT DISTINCT subject_id FROM subjects WHERE {column} IN ({listed})"
            out |= set(store.query_arrow(sql).column(0).to_pylist())
    return out


def _ids_of(parts: list[pa.Table], column: str) -> set[str]:
    out: set[str] = set()
    for part in parts:
        out |= _ids(part, column)
    return out


class SlicedStore(Store):
    """A read-only view of ``store`` in which :data:`SLICED_TABLES` hold ``tables``.

    Queries run on the underlying store's engine with the slice's tables
    registered under the real tables' names (they shadow the stored ones);
    other tables (``ratings``, ``audit_log``…) are read from the store.
    Writing through a slice is refused: it would write to a copy.

    Parameters
    ----------
    store
        The whole store.
    tables
        From :func:`fetch_slice`.
    ids, columns, links, attributes, related_kinds
        What the slice was taken for (see :func:`fetch_slice`; ``links`` ``None``:
        every declared link; ``related_kinds`` ``None``: every kind).
    parties
        The related parties whose records the slice holds (:func:`slice_store` knows
        them); ``None``: not known, and :meth:`after` takes no rows.
    """

    def __init__(
        self,
        store: Store,
        tables: Mapping[str, pa.Table],
        ids: Iterable[str],
        columns: tuple[str, ...] = ("subject_id",),
        links: Collection[str] | None = None,
        attributes: bool = True,
        related_kinds: Collection[str] | None = None,
        parties: Collection[str] | None = None,
    ) -> None:
        self._store = store
        self.tables = dict(tables)
        self.ids = frozenset(str(i) for i in ids)
        self.columns = columns
        self.links = None if links is None else frozenset(links)
        self.attributes = attributes
        self.related_kinds = None if related_kinds is None else frozenset(related_kinds)
        self.parties = None if parties is None else frozenset(parties)
        self.dialect = store.dialect
        #: what readers derive from the slice's rows and keep while it lives
        #: (the records that count at a date: features.evaluate.slice_effective)
        self.memo: dict[object, object] = {}

    def covers(
        self,
        ids: Iterable[str],
        columns: tuple[str, ...] = ("subject_id",),
        links: Collection[str] | None = None,
        attributes: bool = True,
        related_kinds: Collection[str] | None = None,
    ) -> bool:
        """True when the slice was taken for every one of ``ids`` in these columns, with
        the parties of every one of ``links`` (``None``: every declared link), their
        records of every one of ``related_kinds`` (``None``: every kind) and, when
        ``attributes`` are asked for, with the subjects' attributes."""
        linked = self.links is None or (links is not None and set(links) <= self.links)
        kinds = self.related_kinds is None or (
            related_kinds is not None and set(related_kinds) <= self.related_kinds
        )
        return (
            linked
            and kinds
            and (self.attributes or not attributes)
            and set(columns) <= set(self.columns)
            and {str(i) for i in ids} <= self.ids
        )

    def with_rows(self, table: str, rows: pd.DataFrame) -> SlicedStore:
        """A new slice whose ``table`` also holds ``rows`` (a hypothetical change: a repair
        not yet approved, rated as if it were); nothing is written, this slice is unchanged.

        ``rows`` are cast to the table's columns (missing columns are null)."""
        if table not in SLICED_TABLES:
            raise ValueError(f"{table} is not a sliced table: {', '.join(SLICED_TABLES)}")
        have = self.tables[table]
        tables = {**self.tables, table: pa.concat_tables([have, _cast(rows, have.schema)])}
        return self._with(tables)

    def after(self, written: Written) -> SlicedStore | None:
        """This slice as a new one taken now would be, after the writes of ``written``
        (:meth:`~features.store.base.Store.recording`), or ``None`` when only a new slice
        can tell.

        A change from casework appends a record, an objection or a repair: who the
        related parties are is unchanged, so a new slice holds the rows this one holds and
        those of the appended rows that belong to it — a record of a chosen subject, of a
        party (of a kind read of parties), the objections and repairs of the slice's
        records. Any other write (a statement, a subject's version, a link, an attribute,
        a listing, a column left to its declared default) gives ``None``.
        """
        if not written.complete or self.parties is None:
            return None
        added: dict[str, list[pa.Table]] = {}
        for table, data in written.rows:
            if table not in self.tables:  # not held: read from the store as it is now
                continue
            if table not in _ADDABLE:
                return None
            frame = data.to_pandas() if isinstance(data, pa.Table) else data
            missing = set(self.tables[table].schema.names) - set(frame.columns)
            if any(c.default_sql for c in TABLES[table].columns if c.name in missing):
                return None  # the store gave it a value this slice does not know
            added.setdefault(table, []).append(_cast(frame, self.tables[table].schema))
        if not added:
            return self
        tables = dict(self.tables)
        if "records" in added:
            new = pa.concat_tables(added["records"])
            keep = pc.is_in(new["subject_id"], pa.array(sorted(self._chosen()), pa.string()))
            party = pc.is_in(new["subject_id"], pa.array(sorted(self.parties), pa.string()))
            if self.related_kinds is not None:
                kinds = pa.array(sorted(self.related_kinds), pa.string())
                party = pc.and_(party, pc.is_in(new["kind"], kinds))
            new = new.filter(pc.or_(keep, party))
            tables["records"] = pa.concat_tables([tables["records"], new])
        rids = tables["records"]["record_id"].combine_chunks()
        for table in EVIDENCE:
            if table in added:
                new = pa.concat_tables(added[table])
                new = new.filter(pc.is_in(new["record_id"], rids))
                tables[table] = pa.concat_tables([tables[table], new])
        return self._with(tables)

    def _chosen(self) -> set[str]:
        """The subjects the slice was taken for (found by ``ids`` in ``columns``)."""
        subjects = self.tables["subjects"]
        ids = pa.array(sorted(self.ids), pa.string())
        out: set[str] = set()
        for column in self.columns:
            out |= _ids(subjects.filter(pc.is_in(subjects[column], ids)), "subject_id")
        return out

    def _with(self, tables: Mapping[str, pa.Table]) -> SlicedStore:
        """A slice taken for the same subjects holding ``tables``."""
        return SlicedStore(
            self._store,
            tables,
            self.ids,
            self.columns,
            self.links,
            self.attributes,
            self.related_kinds,
            self.parties,
        )

    def _frames(self, frames: Frames) -> dict:
        # only the sliced tables shadow the store's: the list_events rows carried for
        # the in-process evaluator are those of a few listings, not a subject's trail
        mine = {t: v for t, v in self.tables.items() if t in SLICED_TABLES}
        return {**mine, **(frames or {})}

    def query(self, sql: str, params: Params = None, frames: Frames = None) -> pd.DataFrame:
        return self._store.query(sql, params, self._frames(frames))

    def query_arrow(self, sql: str, params: Params = None, frames: Frames = None) -> pa.Table:
        return self._store.query_arrow(sql, params, self._frames(frames))

    def _refuse(self) -> None:
        raise TypeError("a sliced store is read-only: write to the whole store")

    def execute(self, sql: str, params: Params = None, frames: Frames = None) -> None:
        self._refuse()

    def append(self, table: str, data: pd.DataFrame | pa.Table) -> int:
        self._refuse()
        return 0

    def create_schema(self) -> None:
        self._refuse()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        self._refuse()
        yield self

    def close(self) -> None:
        """Nothing to release: the underlying store belongs to the caller."""


def slice_store(
    store: Store,
    ids: Iterable[str],
    columns: tuple[str, ...] = ("subject_id",),
    links: Collection[str] | None = None,
    attributes: bool = True,
    related_kinds: Collection[str] | None = None,
) -> SlicedStore:
    """``store`` narrowed to what ratings of ``ids`` read (see :func:`fetch_slice`).

    A store that is already a slice covering ``ids`` (and ``links``, the related
    parties' ``related_kinds``, and the attributes when asked for) is returned as it is.
    """
    wanted = list(dict.fromkeys(str(i) for i in ids))
    if isinstance(store, SlicedStore):
        if store.covers(wanted, columns, links, attributes, related_kinds):
            return store
        store = store._store  # a slice is fetched from the whole store
    tables, parties = _fetch(store, wanted, columns, links, attributes, related_kinds)
    return SlicedStore(store, tables, wanted, columns, links, attributes, related_kinds, parties)
