"""Kept rows: the objections, repairs and list events a look-up reads, as the store gives
them, kept in memory and brought up to date after writes (features/store/kept_rows.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import features.store.duckdb_store as duckdb_store
from features.store.duckdb_store import DuckDBStore
from features.store.kept_rows import EVIDENCE as TABLES
from features.store.sliced import _evidence, _link_rows
from tests.features.store.test_duckdb_store import records_frame


def objections(ids: list[int], status: str = "open", start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "objection_id": [f"O{start + k}" for k in range(len(ids))],
            "record_id": [f"R{i:06d}" for i in ids],
            "subject_id": [f"S{i % 7}" for i in ids],
            "status": status,
            "opened_on": dt.date(2024, 3, 1),
            "resolved_on": None if status == "open" else dt.date(2024, 4, 1),
        }
    )


def repairs(ids: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "repair_id": [f"X{i}" for i in ids],
            "record_id": [f"R{i:06d}" for i in ids],
            "subject_id": [f"S{i % 7}" for i in ids],
            "status": "approved",
            "applied_on": dt.date(2024, 3, 1),
            "approved_on": dt.date(2024, 5, 1),
        }
    )


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(duckdb_store, "KEEP_AFTER", 0)  # read at the first look-up
    st = DuckDBStore(tmp_path / "xp.duckdb", threads=1)
    st.append("records", records_frame(40))
    st.append("objections", objections([1, 3, 3, 8]))
    st.append("repairs", repairs([3, 9]))
    yield st
    st.close()


def _queried(store: DuckDBStore, rids: list[str]) -> dict[str, list[dict]]:
    """Each table's rows of ``rids`` by a statement, in a comparable order."""
    listed = ", ".join(f"'{r}'" for r in rids)
    return {
        t: store.query_arrow(
            f"SELECT * FROM {t} WHERE record_id IN ({listed}) ORDER BY rowid"
        ).to_pylist()
        for t in TABLES
    }


def _indexed(store: DuckDBStore, rids: list[str]) -> dict[str, list[dict]]:
    index = store.kept_rows()
    assert index is not None
    return {t: rows.to_pylist() for t, rows in index.of_records(rids).items()}


RIDS = ["R000003", "R000001", "R000009", "R000020", "R000008"]


def test_the_index_gives_the_rows_a_statement_gives(store: DuckDBStore) -> None:
    got = _indexed(store, RIDS)
    assert got == _queried(store, RIDS)
    assert len(got["objections"]) == 4 and len(got["repairs"]) == 2
    assert _indexed(store, ["R000020"]) == {"objections": [], "repairs": []}
    # the schema is the table's: a slice without evidence looks like one with
    index = store.kept_rows()
    assert (
        index.of_records([])["objections"].schema
        == store.query_arrow("SELECT * FROM objections LIMIT 0").schema
    )
    assert store.kept_rows() is index  # read once per data version


def test_rows_appended_later_are_added_without_reading_the_rest(store: DuckDBStore) -> None:
    first = store.kept_rows()
    store.append("objections", objections([3, 20], status="rejected", start=10))
    second = store.kept_rows()
    assert second is not first
    assert second.tables["repairs"].rows is first.tables["repairs"].rows  # not read again
    rows = second.tables["objections"]
    assert len(rows) == 6 and rows.rows.column("record_id")[4:].to_pylist() == [
        "R000003",
        "R000020",
    ]
    assert _indexed(store, RIDS) == _queried(store, RIDS)


def test_a_changed_or_deleted_row_is_read_again(store: DuckDBStore) -> None:
    store.kept_rows()
    store.execute("UPDATE objections SET status = 'upheld' WHERE objection_id = 'O1'")
    assert _indexed(store, RIDS) == _queried(store, RIDS)
    assert {r["status"] for r in _indexed(store, ["R000003"])["objections"]} == {"open", "upheld"}
    store.execute("DELETE FROM repairs WHERE record_id = 'R000003'")
    store.append("repairs", repairs([1]))
    assert _indexed(store, RIDS) == _queried(store, RIDS)
    assert [r["record_id"] for r in _indexed(store, RIDS)["repairs"]] == ["R000009", "R000001"]


def test_no_index_in_a_transaction_and_none_above_the_row_limit(
    store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.transaction() as tx:
        tx.append("objections", objections([5], start=20))
        assert tx.kept_rows() is None
        # a slice inside the transaction reads its own new objection from the store
        got = _evidence(tx, pa.table({"record_id": ["R000005"]}), tx.kept_rows())
        assert got["objections"]["objection_id"].to_pylist() == ["O20"]
    assert _indexed(store, ["R000005"])["objections"][0]["objection_id"] == "O20"
    monkeypatch.setattr(duckdb_store, "KEEP_MAX_ROWS", 6)
    store.append("repairs", repairs([2]))
    assert store.kept_rows() is None
    # the statements instead
    got = _evidence(store, pa.table({"record_id": RIDS}), store.kept_rows())
    assert {t: rows.to_pylist() for t, rows in got.items()} == _queried(store, RIDS)


def test_a_process_reads_the_index_only_after_enough_look_ups(
    store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(duckdb_store, "KEEP_AFTER", 3)
    fresh = DuckDBStore(store.path, threads=1)
    try:
        records = pa.table({"record_id": RIDS})
        for _ in range(3):  # a command rating a subject or two: by statement
            got = _evidence(fresh, records, fresh.kept_rows())
            assert fresh._kept is None
            assert {t: rows.to_pylist() for t, rows in got.items()} == _queried(store, RIDS)
        assert fresh.kept_rows() is not None  # then kept
        assert {
            t: rows.to_pylist() for t, rows in _evidence(fresh, records, fresh.kept_rows()).items()
        } == _queried(store, RIDS)
    finally:
        fresh.close()


def events(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    """List events ``(event_id, subject_id, event, persons)`` of one listing per subject."""
    return pd.DataFrame(
        {
            "event_id": [r[0] for r in rows],
            "listing_id": [f"L-{r[1]}" for r in rows],
            "list_key": "black",
            "subject_id": [r[1] for r in rows],
            "event": [r[2] for r in rows],
            "persons": [r[3] for r in rows],
            "effective_on": dt.date(2024, 3, 1),
        }
    )


def _listed(store: DuckDBStore, ids: list[str]) -> list[str]:
    return sorted(
        _link_rows(store, set(ids), store.kept_rows(), tables=False)["list_events"][
            "event_id"
        ].to_pylist()
    )


def test_the_listings_naming_a_person_are_the_ones_the_statement_finds(
    store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.append(
        "list_events",
        events(
            [
                ("E1", "F1", "enter", "P1,P2"),
                ("E2", "F2", "enter", " P2 "),
                ("E3", "F3", "enter", "P3"),
                ("E4", "F1", "exit", None),
            ]
        ),
    )
    cases = [["P1"], ["P2"], ["P2", "P3"], ["P9"], []]
    kept = [_listed(store, ids) for ids in cases]
    assert store.kept_rows() is not None
    assert kept == [["E1", "E4"], ["E1", "E2", "E4"], ["E1", "E2", "E3", "E4"], [], []]
    monkeypatch.setattr(store, "_keep_on", False)  # the statements give the same events
    assert [_listed(store, ids) for ids in cases] == kept
    monkeypatch.setattr(store, "_keep_on", True)
    before = store.kept_rows()
    store.append("list_events", events([("E5", "F4", "enter", "P1"), ("E6", "F3", "resume", None)]))
    assert store.kept_rows().named is before.named  # the new rows added to the same map
    assert _listed(store, ["P1"]) == ["E1", "E4", "E5"]
    assert _listed(store, ["P3"]) == ["E3", "E6"]
    assert before.listings_naming(["P1"])["event_id"].to_pylist() == ["E1", "E4"]  # as it was


def firms(rows: list[tuple[str, str | None, str | None]], stamp: int = 0) -> pd.DataFrame:
    """Subjects ``(subject_id, legal_rep_id, village_code)``, one version each."""
    return pd.DataFrame(
        {
            "subject_id": [r[0] for r in rows],
            "subject_type": "enterprise",
            "name": [f"{r[0]} 有限公司" for r in rows],
            "region_code": "530302",
            "village_code": [r[2] for r in rows],
            "legal_rep_id": [r[1] for r in rows],
            "status": "active",
            "recorded_at": pd.Timestamp("2024-01-01") + pd.Timedelta(days=stamp),
        }
    )


def _by_statement(store: DuckDBStore, column: str, values: list[str]) -> list[dict]:
    if not values:
        return []
    listed = ", ".join(f"'{v}'" for v in values)
    return store.query_arrow(
        f"SELECT * FROM subjects WHERE {column} IN ({listed}) ORDER BY rowid"
    ).to_pylist()


SUBJECT_CASES = [
    ("subject_id", ["F2", "F1", "F9"]),
    ("subject_id", ["F3"]),  # two versions
    ("legal_rep_id", ["P1"]),  # three firms of one representative
    ("legal_rep_id", ["P1", "P2", "P8"]),
    ("village_code", ["V1"]),
    ("village_code", []),
]


def test_kept_subjects_are_the_rows_a_statement_finds_by_any_column(store: DuckDBStore) -> None:
    store.append(
        "subjects",
        firms(
            [
                ("F1", "P1", "V1"),
                ("F2", "P1", None),
                ("F3", "P2", "V1"),
                ("F4", None, "V2"),
                ("F5", "P1", None),
            ]
        ),
    )
    store.append("subjects", firms([("F3", "P1", "V2")], stamp=30))  # a later version
    kept = store.kept_rows()
    assert kept is not None and kept.subjects is not None
    for column, values in SUBJECT_CASES:
        got = kept.subjects.where(column, values)
        assert got.schema == store.query_arrow("SELECT * FROM subjects LIMIT 0").schema
        assert got.to_pylist() == _by_statement(store, column, values), (column, values)
    assert kept.subjects.ids_where("legal_rep_id", ["P1"]) == {"F1", "F2", "F3", "F5"}
    # a new version appended: only it is read, and found by its new values
    store.append("subjects", firms([("F4", "P2", "V1")], stamp=60))
    again = store.kept_rows()
    assert again.subjects is not kept.subjects and len(again.subjects) == 7
    for column, values in SUBJECT_CASES:
        got = again.subjects.where(column, values).to_pylist()
        assert got == _by_statement(store, column, values), (column, values)
    # a changed row: every subject read again
    store.execute("UPDATE subjects SET village_code = 'V9' WHERE subject_id = 'F1'")
    changed = store.kept_rows().subjects
    assert changed.where("village_code", ["V9"]).column("subject_id").to_pylist() == ["F1"]


def test_subjects_above_their_row_limit_are_looked_up_in_the_store(
    store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(duckdb_store, "KEEP_MAX_SUBJECTS", 2)
    store.append("subjects", firms([("F1", "P1", "V1"), ("F2", "P1", None), ("F3", None, None)]))
    kept = store.kept_rows()
    assert kept is not None and kept.subjects is None  # the small tables are still kept
    assert kept.of_records(RIDS)["objections"].num_rows == 4
