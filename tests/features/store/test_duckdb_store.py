"""The embedded DuckDB store."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from features.records.schema import TABLES, WORKFLOW_TABLES
from features.store.base import Store
from features.store.duckdb_store import DuckDBStore


def records_frame(n: int, start: int = 0) -> pd.DataFrame:
    """``n`` minimal records rows (only the NOT NULL columns and a value)."""
    ids = range(start, start + n)
    return pd.DataFrame(
        {
            "record_id": [f"R{i:06d}" for i in ids],
            "subject_id": [f"S{i % 7}" for i in ids],
            "kind": "tax_paid",
            "domain": "tax",
            "polarity": "neutral",
            "amount": [float(i) for i in ids],
            "event_date": dt.date(2024, 1, 31),
            "published_on": dt.date(2024, 2, 5),
            "source_dept": "tax",
        }
    )


@pytest.fixture
def store(tmp_path: Path):
    st = DuckDBStore(tmp_path / "db" / "xp.duckdb", threads=1)
    yield st
    st.close()


def test_file_store_creates_file_folder_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "xp.duckdb"
    with DuckDBStore(path) as st:
        assert isinstance(st, Store)
        assert path.exists()
        names = set(st.query("SELECT table_name FROM information_schema.tables")["table_name"])
        assert names == set(TABLES) - WORKFLOW_TABLES
    # Opening again keeps what is there.
    with DuckDBStore(path) as st:
        assert st.count("records") == 0


def test_append_and_count(store: DuckDBStore) -> None:
    assert store.count("records") == 0
    assert store.append("records", records_frame(10)) == 10
    assert store.append("records", pa.Table.from_pandas(records_frame(5, start=10))) == 5
    assert store.count("records") == 15
    assert store.append("records", records_frame(0)) == 0
    assert store.count("records") == 15
    assert store.scalar("SELECT sum(amount) FROM records") == sum(range(15))
    got = store.query("SELECT record_id FROM records WHERE amount >= ? ORDER BY 1", [13.0])
    assert list(got["record_id"]) == ["R000013", "R000014"]


def test_append_fills_missing_columns_with_null_and_defaults(store: DuckDBStore) -> None:
    store.append("records", records_frame(1))
    row = store.query_arrow("SELECT * FROM records").to_pylist()[0]
    assert row["severity"] is None and row["ingest_id"] is None
    assert isinstance(row["recorded_at"], dt.datetime)


def test_append_matches_columns_by_name(store: DuckDBStore) -> None:
    frame = records_frame(3)
    store.append("records", frame[list(reversed(frame.columns))])
    back = store.query("SELECT record_id, amount FROM records ORDER BY record_id")
    assert list(back["record_id"]) == ["R000000", "R000001", "R000002"]
    assert list(back["amount"]) == [0.0, 1.0, 2.0]


def test_append_rejects_unknown_columns(store: DuckDBStore) -> None:
    frame = records_frame(2).assign(colour="red", size=1)
    with pytest.raises(ValueError, match="colour") as info:
        store.append("records", frame)
    assert "size" in str(info.value)
    assert store.count("records") == 0


def test_append_rejects_unknown_table(store: DuckDBStore) -> None:
    with pytest.raises(KeyError, match="recordz"):
        store.append("recordz", records_frame(1))


def test_append_rejects_missing_required_value(store: DuckDBStore) -> None:
    with pytest.raises(Exception, match=r"(?i)not null|constraint"):
        store.append("records", records_frame(2).drop(columns=["source_dept"]))
    assert store.count("records") == 0


def test_transaction_commits_together(store: DuckDBStore) -> None:
    with store.transaction() as tx:
        tx.append("records", records_frame(3))
        tx.append(
            "objections",
            pd.DataFrame(
                {
                    "objection_id": ["O1"],
                    "record_id": ["R000000"],
                    "subject_id": ["S0"],
                    "status": ["open"],
                    "opened_on": [dt.date(2024, 3, 1)],
                }
            ),
        )
        assert tx.count("records") == 3  # visible inside the transaction
    assert store.count("records") == 3
    assert store.count("objections") == 1


def test_transaction_rolls_back_on_exception(store: DuckDBStore) -> None:
    store.append("records", records_frame(2))
    with pytest.raises(RuntimeError, match="boom"), store.transaction() as tx:
        tx.append("records", records_frame(5, start=100))
        tx.execute("DELETE FROM records WHERE record_id = 'R000000'")
        tx.append(
            "ingest_log",
            pd.DataFrame(
                {
                    "ingest_id": [1],
                    "file_name": ["f.csv"],
                    "file_sha256": ["0" * 64],
                    "target_table": ["records"],
                    "file_format": ["csv"],
                    "rows_read": [5],
                    "rows_stored": [5],
                    "rows_unchanged": [0],
                    "rows_quarantined": [0],
                    "started_at": [dt.datetime(2024, 1, 1)],
                    "finished_at": [dt.datetime(2024, 1, 1)],
                }
            ),
        )
        raise RuntimeError("boom")
    assert store.count("records") == 2
    assert store.count("ingest_log") == 0
    assert list(store.query("SELECT record_id FROM records ORDER BY 1")["record_id"]) == [
        "R000000",
        "R000001",
    ]
    # The store is usable afterwards.
    store.append("records", records_frame(1, start=50))
    assert store.count("records") == 3


def test_transaction_rollback_is_invisible_to_a_reopened_file(tmp_path: Path) -> None:
    path = tmp_path / "xp.duckdb"
    with DuckDBStore(path) as st:
        with pytest.raises(ValueError), st.transaction() as tx:
            tx.append("records", records_frame(4))
            tx.append("records", records_frame(1).assign(bogus=1))  # rejected: rolls back
        with st.transaction() as tx:
            tx.append("records", records_frame(2, start=10))
    with DuckDBStore(path, read_only=True) as st:
        assert list(st.query("SELECT record_id FROM records ORDER BY 1")["record_id"]) == [
            "R000010",
            "R000011",
        ]


def test_query_joins_in_memory_frames(store: DuckDBStore) -> None:
    store.append("records", records_frame(6))
    incoming = pd.DataFrame({"record_id": ["R000001", "R000004", "NEW"], "tag": ["a", "b", "c"]})
    joined = store.query(
        "SELECT i.record_id, i.tag, r.amount FROM incoming i "
        "LEFT JOIN records r USING (record_id) ORDER BY i.tag",
        frames={"incoming": incoming},
    )
    assert list(joined["record_id"]) == ["R000001", "R000004", "NEW"]
    assert list(joined["amount"].iloc[:2]) == [1.0, 4.0]
    assert pd.isna(joined["amount"].iloc[2])
    arrow = store.query_arrow(
        "SELECT count(*) AS n FROM records WHERE record_id IN (SELECT record_id FROM inc)",
        frames={"inc": pa.Table.from_pandas(incoming)},
    )
    assert arrow.column("n").to_pylist() == [2]
    # The frame is unregistered afterwards.
    with pytest.raises(Exception, match=r"(?i)incoming"):
        store.query("SELECT * FROM incoming")


def test_iter_batches(store: DuckDBStore) -> None:
    store.append("records", records_frame(25))
    sizes = [len(b) for b in store.iter_batches("SELECT * FROM records", rows=10)]
    assert sum(sizes) == 25 and max(sizes) <= 10


def test_concurrent_reads_from_threads(store: DuckDBStore) -> None:
    store.append("records", records_frame(100))

    def work(worker: int) -> list[int]:
        out = []
        for i in range(50):
            k = (worker * 50 + i) % 100
            frame = store.query("SELECT count(*) AS n FROM records WHERE amount >= ?", [float(k)])
            out.append(int(frame["n"].iloc[0]) + k)
            if i % 10 == 0:
                tbl = store.query_arrow("SELECT count(*) AS n FROM records")
                assert tbl.column("n").to_pylist() == [100]
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    assert results == [[100] * 50] * 8


def test_concurrent_frame_queries_do_not_see_each_other(store: DuckDBStore) -> None:
    def work(worker: int) -> list[int]:
        frame = pd.DataFrame({"x": [worker] * (worker + 1)})
        return [
            int(store.query("SELECT sum(x) AS s FROM mine", frames={"mine": frame})["s"].iloc[0])
            for _ in range(10)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    assert results == [[w * (w + 1)] * 10 for w in range(8)]


def test_read_only_store_reads_after_the_writer_closed(tmp_path: Path) -> None:
    path = tmp_path / "xp.duckdb"
    writer = DuckDBStore(path)
    writer.append("records", records_frame(12))
    writer.close()
    reader = DuckDBStore(path, read_only=True)
    try:
        assert reader.count("records") == 12
        assert reader.query_arrow("SELECT max(amount) AS m FROM records").to_pylist() == [
            {"m": 11.0}
        ]
        with pytest.raises(Exception, match=r"(?i)read.only"):
            reader.append("records", records_frame(1, start=99))
    finally:
        reader.close()
    # Two read-only stores may be open on one file at once.
    with DuckDBStore(path, read_only=True) as a, DuckDBStore(path, read_only=True) as b:
        assert a.count("records") == b.count("records") == 12


def _indexes(store: DuckDBStore) -> set[tuple[str, str]]:
    rows = store.query("SELECT table_name, expressions FROM duckdb_indexes()")
    return {
        (t, e.strip("[]'\"")) for t, e in zip(rows["table_name"], rows["expressions"], strict=True)
    }


def test_lookup_columns_are_indexed_and_stay_indexed_after_clustering(tmp_path: Path) -> None:
    """One-subject reads look subjects up by id and legal representative, and
    objections and repairs by record: each has an index, also after the table is
    rewritten in subject order."""
    declared = {
        (t.name, c) for t in TABLES.values() for c in t.lookups if t.name not in WORKFLOW_TABLES
    }
    assert {
        ("subjects", "subject_id"),
        ("subjects", "legal_rep_id"),
        ("objections", "record_id"),
        ("repairs", "record_id"),
    } <= declared
    store = DuckDBStore(tmp_path / "x.duckdb")
    assert declared <= _indexes(store)
    store.append(
        "subjects",
        pd.DataFrame(
            {
                "subject_id": ["b", "a"],
                "subject_type": "enterprise",
                "name": ["B", "A"],
                "region_code": "530302",
                "legal_rep_id": ["p", "p"],
                "status": "active",
            }
        ),
    )
    store.cluster("subjects", "subject_id")
    assert declared <= _indexes(store)
    got = store.query(
        "SELECT subject_id FROM subjects WHERE legal_rep_id = 'p' ORDER BY subject_id"
    )
    assert got["subject_id"].tolist() == ["a", "b"]
    store.close()
    # a store opened again (a file made before the indexes existed gets them too)
    again = DuckDBStore(tmp_path / "x.duckdb")
    assert declared <= _indexes(again)
    again.close()


def test_data_version_counts_analytical_writes_across_handles(tmp_path: Path) -> None:
    """Another process's handle sees the count change; audit rows do not change it."""
    path = tmp_path / "v.duckdb"
    store = DuckDBStore(path)
    start = store.data_version()
    store.append("audit_log", pd.DataFrame([_audit_row()]))
    assert store.data_version() == start
    with store.transaction() as tx:
        tx.execute("DELETE FROM ratings WHERE scheme = 'none'")
        tx.execute("DELETE FROM ratings WHERE scheme = 'none'")
    after_tx = store.data_version()
    assert after_tx != start
    store.close()
    reopened = DuckDBStore(path, read_only=True)
    assert reopened.data_version() == after_tx
    reopened.close()


def _audit_row() -> dict:
    return {
        "logged_at": dt.datetime(2026, 1, 1),
        "user_name": "u",
        "role": "admin",
        "action": "x",
        "subject_id": None,
        "detail": "{}",
    }


def test_recording_notes_every_append_and_knows_when_it_cannot(store: DuckDBStore) -> None:
    """A change's re-rating adds what the change appended to what it read before
    (:meth:`features.store.sliced.SlicedStore.after`): the store must note every append
    while a block records — from any thread, inside a transaction — and say when rows
    were written that it cannot know (a statement, a rolled-back transaction)."""
    import threading

    store.append("records", records_frame(1))  # before the block: not noted
    with store.recording() as written:
        store.append("records", records_frame(2, start=10))
        with store.transaction() as tx:
            tx.append("records", records_frame(1, start=20))
        other = threading.Thread(target=store.append, args=("records", records_frame(1, 30)))
        other.start()
        other.join()
        store.append("audit_log", pd.DataFrame())  # nothing appended: nothing noted
    assert written.complete
    assert [(t, len(rows)) for t, rows in written.rows] == [("records", n) for n in (2, 1, 1)]
    noted = sorted(r for _, rows in written.rows for r in rows["record_id"])
    assert noted == ["R000010", "R000011", "R000020", "R000030"]
    store.append("records", records_frame(1, start=40))  # after the block: not noted
    assert len(written.rows) == 3

    with store.recording() as stated:
        store.execute("INSERT INTO records SELECT * FROM records WHERE FALSE")
    assert not stated.complete
    with store.recording() as undone, pytest.raises(ValueError), store.transaction() as tx:
        tx.append("records", records_frame(1, start=50))
        raise ValueError("refused")
    assert not undone.complete
