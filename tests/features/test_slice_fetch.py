"""A slice's look-ups run together and skip what its scheme never reads; the rows stay the
store's (features/store/sliced.py)."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import threading

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.build import slice_attributes, slice_columns, slice_kinds, slice_links
from features.schemes import get_scheme
from features.store.duckdb_store import DuckDBStore
from features.store.sliced import (
    EVIDENCE,
    POINT_LOOKUPS,
    _evidence,
    _rows_sql,
    _together,
    fetch_slice,
    slice_store,
)


def _sorted(table: pa.Table) -> list[str]:
    return sorted(map(str, table.to_pylist()))


def _quoted(ids: list[str]) -> str:
    return ", ".join(f"'{i}'" for i in ids)


def test_lookups_together_give_each_tables_rows_and_columns(tiny_city) -> None:
    # records with objections and with repairs, and firms with their records
    rids = tiny_city.query(
        "SELECT record_id FROM (SELECT record_id FROM objections LIMIT 5) "
        "UNION SELECT record_id FROM (SELECT record_id FROM repairs LIMIT 5)"
    )["record_id"].tolist()
    firms = tiny_city.query(
        "SELECT subject_id FROM subjects WHERE subject_type = 'enterprise' "
        "ORDER BY subject_id LIMIT 3"
    )["subject_id"].tolist()
    queries = {
        **{t: (t, f"SELECT * FROM {t} WHERE record_id IN ({_quoted(rids)})") for t in EVIDENCE},
        "firms": ("subjects", f"SELECT * FROM subjects WHERE subject_id IN ({_quoted(firms)})"),
        "records": ("records", f"SELECT * FROM records WHERE subject_id IN ({_quoted(firms)})"),
        "none": ("subject_attributes", None),
    }
    got = _together(tiny_city, queries)
    assert got["objections"].num_rows and got["repairs"].num_rows and got["records"].num_rows
    for name, (table, sql) in queries.items():
        alone = tiny_city.query_arrow(sql or f"SELECT * FROM {table} WHERE FALSE")
        assert got[name].schema == alone.schema, name
        assert _sorted(got[name]) == _sorted(alone), name


def test_a_slice_skips_the_tables_its_scheme_never_reads(tiny_city) -> None:
    sch = get_scheme("enterprise")
    ids = tiny_city.query(
        "SELECT subject_id FROM subjects WHERE subject_type = 'enterprise' "
        "ORDER BY subject_id LIMIT 4"
    )["subject_id"].tolist()
    narrow = fetch_slice(
        tiny_city, ids, slice_columns(sch), slice_links(sch), slice_attributes(sch)
    )
    wide = fetch_slice(tiny_city, ids)  # every link, the attributes
    assert not slice_attributes(sch)  # no declared attribute: none read
    for table in ("subject_links", "subject_attributes"):
        assert narrow[table].num_rows == 0
        assert narrow[table].schema == wide[table].schema
    # the tables it reads hold what the wide slice holds of the same subjects
    for table in ("records", "objections", "repairs"):
        mine = set(narrow["records"]["subject_id"].to_pylist())
        rows = wide[table]
        if table == "records":
            rows = rows.filter(pc.is_in(rows["subject_id"], pa.array(sorted(mine))))
        else:
            held = pa.array(narrow["records"]["record_id"].to_pylist())
            rows = rows.filter(pc.is_in(rows["record_id"], held))
        assert _sorted(narrow[table]) == _sorted(rows), table


def test_a_slice_without_attributes_does_not_stand_for_one_with(tiny_city) -> None:
    ids = tiny_city.query(
        "SELECT subject_id FROM subjects WHERE subject_type = 'driver' ORDER BY subject_id LIMIT 2"
    )["subject_id"].tolist()
    bare = slice_store(tiny_city, ids, attributes=False)
    assert slice_store(bare, ids, attributes=False) is bare
    assert slice_store(bare, ids) is not bare
    full = slice_store(tiny_city, ids)
    assert slice_store(full, ids, attributes=False) is full


def test_evidence_by_a_list_parameter_is_the_literal_lists_rows(tiny_city) -> None:
    """The objections and repairs of a slice's records, looked up with their ids as one
    list parameter, are the rows (in the order) of a literal ``IN`` list of the ids."""
    rids = tiny_city.query(
        "SELECT record_id FROM (SELECT record_id FROM objections LIMIT 40) "
        "UNION SELECT record_id FROM (SELECT record_id FROM repairs LIMIT 40) "
        "UNION SELECT record_id FROM (SELECT record_id FROM records LIMIT 300)"
    )["record_id"].tolist()
    for ids in (rids[:1], rids[:7], rids):
        records = pa.table({"record_id": pa.array(ids, pa.string())})
        got = _evidence(tiny_city, records, tiny_city.kept_rows())
        assert sum(got[t].num_rows for t in EVIDENCE) or ids is not rids
        for table in EVIDENCE:
            listed = tiny_city.query_arrow(
                f"SELECT * FROM {table} WHERE record_id IN ({_quoted(ids)})"
            )
            assert got[table].schema == listed.schema
            assert got[table].to_pylist() == listed.to_pylist(), table


def test_many_ids_read_by_rowid_give_the_rows_of_a_plain_list(tiny_city) -> None:
    """More ids than the point look-ups are matched on their column first and the rows
    then read whole by ``rowid`` (DuckDB's late materialization done by hand): the same
    rows, of the chosen kinds only, as a plain ``IN`` list and as look-ups one by one."""
    people = tiny_city.query(
        "SELECT DISTINCT subject_id FROM records ORDER BY subject_id LIMIT ?",
        [POINT_LOOKUPS * 3],
    )["subject_id"].tolist()
    assert len(people) > POINT_LOOKUPS
    kinds = "kind IN ('loan_overdue', 'administrative_penalty', 'village_assessment')"
    by_row = _rows_sql("records", "subject_id", people, kinds, by_row=True)
    plain = _rows_sql("records", "subject_id", people, kinds)
    assert "rowid" in by_row and "rowid" not in plain
    rows = tiny_city.query_arrow(by_row)
    assert rows.num_rows and set(rows["kind"].to_pylist()) <= {
        "loan_overdue",
        "administrative_penalty",
        "village_assessment",
    }
    assert _sorted(rows) == _sorted(tiny_city.query_arrow(plain))
    one_by_one = [
        tiny_city.query_arrow(_rows_sql("records", "subject_id", [p], kinds)) for p in people
    ]
    assert _sorted(rows) == _sorted(pa.concat_tables(one_by_one))


def _tables_sorted(tables: dict[str, pa.Table]) -> dict[str, list[str]]:
    return {name: _sorted(rows) for name, rows in tables.items()}


def test_reads_side_by_side_give_the_rows_read_one_by_one(tiny_city, monkeypatch) -> None:
    """A slice of named subjects reads their own rows on other threads while it reads the
    subjects and their parties: the same tables (rows and columns) as read one after
    another, for every scheme's links and kinds; an id the store does not know adds no
    row."""
    threads: set[str] = set()
    query_arrow = tiny_city.query_arrow

    def spy(sql, *args, **kwargs):
        threads.add(threading.current_thread().name)
        return query_arrow(sql, *args, **kwargs)

    monkeypatch.setattr(tiny_city, "query_arrow", spy)
    for scheme in ("enterprise", "household", "driver", "practitioner", "agri_business"):
        sch = get_scheme(scheme)
        ids = tiny_city.query(
            "SELECT subject_id FROM subjects WHERE subject_type = ? ORDER BY subject_id LIMIT 3",
            [sch.population.subject_type],
        )["subject_id"].tolist()
        args = (("subject_id",), slice_links(sch), slice_attributes(sch), slice_kinds(sch))
        assert tiny_city.parallel_reads
        side_by_side = fetch_slice(tiny_city, [*ids, "NOT-A-SUBJECT"], *args)
        with monkeypatch.context() as one_by_one:
            one_by_one.setattr(DuckDBStore, "parallel_reads", property(lambda self: False))
            alone = fetch_slice(tiny_city, ids, *args)
        assert side_by_side.keys() == alone.keys()
        assert side_by_side["records"].num_rows, scheme
        assert _tables_sorted(side_by_side) == _tables_sorted(alone), scheme
        for table in alone:
            assert side_by_side[table].schema == alone[table].schema, (scheme, table)
    assert any(name.startswith("xinping-slice") for name in threads)
    assert threading.current_thread().name in threads


def test_a_transaction_reads_one_statement_at_a_time() -> None:
    """A transaction's reads share its one cursor: its store does not read side by side."""
    store = DuckDBStore(":memory:")
    assert store.parallel_reads
    with store.transaction() as tx:
        assert not tx.parallel_reads
    store.close()


def test_records_of_an_id_with_no_subject_row_stay_out_of_the_slice() -> None:
    """Records filed under an id the subjects table does not hold (yet) are read with the
    named subject's own rows, then left out: the slice holds what it would hold read one
    look-up after another."""
    store = DuckDBStore(":memory:")
    now = dt.datetime(2026, 1, 1)
    store.append(
        "subjects",
        pd.DataFrame(
            {
                "subject_id": ["P1"],
                "subject_type": ["household"],
                "name": ["张三"],
                "region_code": ["530302"],
                "status": ["active"],
                "recorded_at": [now],
            }
        ),
    )
    store.append(
        "records",
        pd.DataFrame(
            {
                "record_id": ["R1", "R2"],
                "subject_id": ["P1", "P2"],
                "kind": ["loan_overdue", "loan_overdue"],
                "domain": ["finance", "finance"],
                "polarity": ["negative", "negative"],
                "event_date": [dt.date(2025, 1, 1)] * 2,
                "published_on": [dt.date(2025, 1, 2)] * 2,
                "source_dept": ["bank", "bank"],
                "recorded_at": [now, now],
            }
        ),
    )
    assert store.parallel_reads
    tables = fetch_slice(store, ["P1", "P2"])
    assert tables["records"]["record_id"].to_pylist() == ["R1"]
    assert tables["subjects"]["subject_id"].to_pylist() == ["P1"]
    store.close()


def _slice_in_child() -> None:
    store = DuckDBStore(":memory:")
    assert fetch_slice(store, ["P1", "P2"])["records"].num_rows == 0
    store.close()


def test_a_forked_child_reads_on_threads_of_its_own() -> None:
    """The reading threads are made per process: a child forked after its parent read
    side by side reads too, instead of waiting on threads it does not have."""
    _slice_in_child()  # the parent's threads exist now
    child = mp.get_context("fork").Process(target=_slice_in_child)
    child.start()
    child.join(60)
    stuck = child.is_alive()
    if stuck:
        child.kill()
    assert not stuck and child.exitcode == 0
