"""A sorted table's row directory: the rows read by their row-id ranges are the rows read
by key, rows appended after the sort included (features/store/row_directory.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from features.store.duckdb_store import DuckDBStore
from features.store.row_directory import ORED_RANGES, RowDirectory, rows_sql
from features.store.sliced import INDEX_LIST, _keyed_sql, _rows_sql
from tests.features.store.test_duckdb_store import records_frame


def _directory(keys: list[str], spans: list[tuple[int, int]], clustered: int, rows: int):
    table = pa.table(
        {
            "key": keys,
            "first_row": [a for a, _ in spans],
            "last_row": [b for _, b in spans],
        }
    )
    return RowDirectory.from_arrow("records", "subject_id", "t", clustered, rows, table)


def test_ranges_are_found_in_order_and_adjacent_ones_merged() -> None:
    d = _directory(["c", "a", "b", "e"], [(5, 6), (0, 2), (3, 4), (9, 9)], 10, 10)
    assert d.ranges(["b", "a"]) == [(0, 4)]  # a then b: one range
    assert d.ranges(["e", "a", "zz", "0"]) == [(0, 2), (9, 9)]  # unknown keys have none
    assert d.ranges([]) == [] and d.ranges(["x"]) == []
    assert not d.tail and d.at(12).tail and d.at(10) is d


def test_the_sql_reads_the_ranges_and_the_tail_by_key() -> None:
    d = _directory(["a", "b"], [(0, 2), (7, 7)], 10, 12)
    sql = rows_sql(d, ["a", "b", "new"], "kind = 'x'")
    assert "rowid BETWEEN 0 AND 2 OR rowid = 7" in sql
    assert "rowid >= 10 AND subject_id IN ('a', 'b', 'new')" in sql
    assert sql.count("kind = 'x'") == 2
    assert rows_sql(d.at(10), ["new"]) is None  # no range, no tail: no rows
    many = _directory(
        [f"k{i:04d}" for i in range(ORED_RANGES + 1)],
        [(2 * i, 2 * i) for i in range(ORED_RANGES + 1)],
        10**4,
        10**4 + 5,
    )
    few = rows_sql(many, many.keys[:ORED_RANGES].astype(str))
    assert "rowid = 0 OR rowid = 2" in few and "unnest" not in few
    # past ORED_RANGES the ranges are joined as row ids (each range's end one past it)
    joined = rows_sql(many, many.keys.astype(str), "kind = 'x'")
    assert "unnest([0, 2, 4," in joined and "unnest([1, 3, 5," in joined
    assert "rowid >= 10000 AND subject_id IN ('k0000'" in joined and joined.count("kind = 'x'") == 2


@pytest.fixture
def sorted_store(tmp_path: Path):
    """Records of seven subjects appended out of order, then sorted by subject."""
    st = DuckDBStore(tmp_path / "xp.duckdb", threads=1)
    st.append("records", records_frame(40))
    st.append("records", records_frame(30, start=100))
    st.cluster("records", "subject_id")
    yield st
    st.close()


def _by_key(store: DuckDBStore, ids: list[str], where: str | None = None) -> list[str]:
    rows = store.query_arrow(_rows_sql("records", "subject_id", ids, where))
    return sorted(rows["record_id"].to_pylist())


def _keyed(store, ids: list[str], where: str | None = None) -> tuple[str, list[str]]:
    sql = _keyed_sql(store, "records", "subject_id", ids, where)
    return sql, sorted(store.query_arrow(sql)["record_id"].to_pylist())


def test_a_sort_writes_the_directory_and_reads_by_it_give_the_rows_by_key(sorted_store) -> None:
    d = sorted_store.row_directory("records")
    assert d is not None and d.clustered == d.rows == 70 and not d.tail
    assert sorted(d.keys.astype(str)) == [f"S{i}" for i in range(7)]
    # each subject's rows lie at consecutive row ids
    spans = dict(zip(d.keys.astype(str), zip(d.first, d.last, strict=True), strict=True))
    for sid, (a, b) in spans.items():
        rows = sorted_store.query(f"SELECT subject_id FROM records WHERE rowid BETWEEN {a} AND {b}")
        assert set(rows["subject_id"]) == {sid}
        assert len(rows) == sorted_store.scalar(
            f"SELECT count(*) FROM records WHERE subject_id = '{sid}'"
        )
    for ids in (["S1"], ["S0", "S6", "S3"], ["S2", "nobody"]):
        sql, got = _keyed(sorted_store, ids, "amount >= 10")
        assert "rowid" in sql and got == _by_key(sorted_store, ids, "amount >= 10")


def test_many_ranges_joined_as_row_ids_give_the_rows_by_key(tmp_path: Path, monkeypatch) -> None:
    st = DuckDBStore(tmp_path / "many.duckdb", threads=1)
    st.append("records", records_frame(70))
    st.cluster("records", "subject_id")
    st.append("records", records_frame(10, start=200))  # a tail, read by key
    monkeypatch.setattr("features.store.row_directory.ORED_RANGES", 2)
    for ids in (["S0", "S2", "S4"], ["S1", "S3", "S5", "S6", "nobody"], ["S0", "S1", "S2"]):
        sql, got = _keyed(st, ids, "amount >= 10")
        assert got == _by_key(st, ids, "amount >= 10")
        # adjacent subjects' ranges merge: three of them are one range, read by it
        assert ("unnest(range(a, b))" in sql) == (ids != ["S0", "S1", "S2"]), ids
        assert "rowid >= 70" in sql
    st.close()


def test_rows_appended_after_the_sort_are_read_as_the_tail(sorted_store) -> None:
    sorted_store.append("records", records_frame(9, start=500))  # S3… again, and more
    new = records_frame(1, start=900).assign(subject_id="S_new")
    sorted_store.append("records", new)
    d = sorted_store.row_directory("records")
    assert d.tail and d.rows == 80 and d.clustered == 70
    for ids in (["S3"], ["S_new"], ["S0", "S_new", "S5"]):
        sql, got = _keyed(sorted_store, ids)
        assert "rowid >=" in sql and got == _by_key(sorted_store, ids)
    assert "R000900" in _keyed(sorted_store, ["S_new"])[1]


def test_rows_appended_in_a_transaction_are_read_in_it(sorted_store) -> None:
    sorted_store.row_directory("records")  # held for this data version
    with sorted_store.transaction() as tx:
        tx.append("records", records_frame(1, start=700))  # S0
        _, got = _keyed(tx, ["S0"])
        assert "R000700" in got and got == _by_key(tx, ["S0"])
    assert "R000700" in _keyed(sorted_store, ["S0"])[1]


def test_a_directory_is_not_used_once_rows_are_deleted_or_after_a_new_sort(sorted_store) -> None:
    token = sorted_store.row_directory("records").token
    sorted_store.append("records", records_frame(5, start=300))
    sorted_store.cluster("records", "subject_id")
    again = sorted_store.row_directory("records")
    assert again.token != token and again.clustered == again.rows == 75 and not again.tail
    assert _keyed(sorted_store, ["S4"])[1] == _by_key(sorted_store, ["S4"])
    sorted_store.execute("DELETE FROM records WHERE record_id = 'R000000'")
    assert sorted_store.row_directory("records") is None
    sql, got = _keyed(sorted_store, ["S0"])
    assert "rowid" not in sql and got == _by_key(sorted_store, ["S0"])


def test_an_unsorted_table_gets_no_directory(tmp_path: Path) -> None:
    st = DuckDBStore(tmp_path / "u.duckdb", threads=1)
    st.append("records", records_frame(20))  # S0, S1 … S6, S0 …: keys not together
    st._write_directory("records", "subject_id", 20)
    assert st.row_directory("records") is None
    assert np.array_equal(_keyed(st, ["S1", "S2"])[1], _by_key(st, ["S1", "S2"]))
    st.close()


def test_an_indexed_column_is_read_through_its_index_not_a_directory(sorted_store) -> None:
    # subjects.subject_id has an index: a list there, whatever the store keeps
    sql = _keyed_sql(sorted_store, "subjects", "subject_id", ["a", "b"])
    assert sql == "SELECT * FROM subjects WHERE subject_id IN ('a', 'b')"
    # past INDEX_LIST ids, matched first and read by row id like any other column
    many = [f"s{i:05d}" for i in range(INDEX_LIST + 1)]
    assert "rowid IN (SELECT rowid" in _keyed_sql(sorted_store, "subjects", "subject_id", many)


def test_a_sort_is_suggested_once_enough_rows_lie_outside_it() -> None:
    from features.store.row_directory import ADVISE_ROWS, should_sort, unsorted_rows

    assert unsorted_rows(None, 500) == 500 and not should_sort(None, ADVISE_ROWS - 1)
    assert should_sort(None, ADVISE_ROWS)
    sorted_part = _directory(["a"], [(0, 0)], 10 * ADVISE_ROWS, 10 * ADVISE_ROWS)
    assert unsorted_rows(sorted_part, 11 * ADVISE_ROWS) == ADVISE_ROWS
    assert not should_sort(sorted_part, 11 * ADVISE_ROWS)  # 1 in 11: under a tenth
    assert should_sort(sorted_part, 12 * ADVISE_ROWS)
