"""features/records/lookup.py: records by ID for a subject's page, its own records first."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from features.records.lookup import records_by_id
from features.store.duckdb_store import DuckDBStore

DAY = dt.date(2026, 3, 1)


def _row(record_id: str, subject: str, recorded: str, detail: str) -> dict:
    return dict(
        record_id=record_id,
        subject_id=subject,
        kind="administrative_penalty",
        domain="market",
        polarity="negative",
        severity="general",
        source_dept="市场监管局",
        event_date=DAY,
        published_on=DAY,
        detail=detail,
        recorded_at=pd.Timestamp(recorded),
    )


@pytest.fixture(scope="module")
def store():
    st = DuckDBStore(":memory:", threads=1)
    st.append(
        "records",
        pd.DataFrame(
            [
                _row("R1", "A", "2026-03-02 10:00", "A 的处罚（更正后）"),  # its latest version
                _row("R1", "A", "2026-03-01 10:00", "A 的处罚"),
                _row("R2", "A", "2026-03-01 10:00", "A 的另一处罚"),
                _row("R3", "B", "2026-03-01 10:00", "关联方 B 的处罚"),
            ]
        ),
    )
    yield st
    st.close()


class Counting:
    """The store, counting the statements it is asked to run."""

    def __init__(self, store) -> None:
        self.store, self.sql = store, []

    def query(self, sql, params=None, frames=None):
        self.sql.append(sql)
        return self.store.query(sql, params, frames)


def test_the_subjects_records_take_one_read_oldest_version_first(store) -> None:
    counting = Counting(store)
    got = records_by_id(counting, ["R1", "R2", "R1"], ["detail"], "A")
    assert len(counting.sql) == 1 and "subject_id = ?" in counting.sql[0]
    assert list(got.columns) == ["record_id", "detail"]
    assert got.groupby("record_id").size().to_dict() == {"R1": 2, "R2": 1}  # every version
    latest = {r["record_id"]: r["detail"] for r in got.to_dict("records")}  # last wins
    assert latest == {"R1": "A 的处罚（更正后）", "R2": "A 的另一处罚"}


def test_another_subjects_record_is_then_read_among_all(store) -> None:
    counting = Counting(store)
    got = records_by_id(counting, ["R1", "R3", "R9"], ["subject_id", "detail"], "A")
    assert len(counting.sql) == 2 and "subject_id = ?" not in counting.sql[1]
    assert sorted(set(got["record_id"])) == ["R1", "R3"]  # R9 is nowhere: no row
    assert got.loc[got["record_id"] == "R3", "subject_id"].tolist() == ["B"]
    # the same rows as a read by ID alone
    alone = records_by_id(store, ["R1", "R3", "R9"], ["subject_id", "detail"])
    key = ["record_id", "detail"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True), alone.sort_values(key).reset_index(drop=True)
    )


def test_no_ids_read_nothing(store) -> None:
    counting = Counting(store)
    got = records_by_id(counting, [], ["detail"], "A")
    assert got.empty and list(got.columns) == ["record_id", "detail"] and counting.sql == []
