"""A slice's look-ups run together and skip what its scheme never reads; the rows stay the
store's (features/store/sliced.py)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from features.build import slice_attributes, slice_columns, slice_links
from features.schemes import get_scheme
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
        got = _evidence(tiny_city, records)
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
