"""The store's layout for reads (features/layout.py): sorted by subject, a village's
households' records side by side, the same rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from features.layout import CLUSTERED, cluster_store, coarsest_first, group_columns
from features.records.schema import TABLES
from features.store.duckdb_store import DuckDBStore
from features.subjects import current_subjects_sql
from tests.features.store.test_duckdb_store import records_frame


def test_the_group_columns_are_the_aggregate_schemes_members_columns() -> None:
    assert set(group_columns()) == {"village_code", "township_code"}
    assert group_columns(()) == ()


@pytest.fixture(scope="module")
def grouped(tmp_path_factory: pytest.TempPathFactory, scoring_city_file: Path):
    """The tiny city sorted by :func:`cluster_store` (a copy), and its rows before."""
    path = tmp_path_factory.mktemp("layout") / "tiny.duckdb"
    shutil.copy(scoring_city_file, path)
    store = DuckDBStore(path, threads=2)
    before = {t: store.query(f"SELECT * FROM {t}") for t in CLUSTERED}
    # the generated city is already sorted this way: undo it, so the sort is seen to work
    store.cluster("records", "record_id")
    cluster_store(store)
    yield store, before
    store.close()


def _sorted(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    return frame.sort_values(key).reset_index(drop=True)


def test_sorting_keeps_every_row_of_every_table(grouped) -> None:
    store, before = grouped
    for table, rows in before.items():
        key = ["record_id"] if table == "records" else ["subject_id", "recorded_at"]
        after = store.query(f"SELECT * FROM {table}")
        pd.testing.assert_frame_equal(_sorted(after, key), _sorted(rows, key))


def test_each_subjects_records_and_each_villages_households_are_one_run(grouped) -> None:
    store, _ = grouped
    rows = store.query(
        "SELECT r.rowid AS row, r.subject_id, g.village_code, g.township_code "
        f"FROM records r LEFT JOIN ({current_subjects_sql()}) g USING (subject_id) "
        "ORDER BY r.rowid"
    )
    assert rows["village_code"].notna().sum() > 1000  # the tiny city has households

    def runs(column: str) -> pd.Series:
        """Per value of ``column``: how many separate runs of rows it has."""
        known = rows[rows[column].notna()]
        starts = known[column].ne(known[column].shift()) | known["row"].diff().ne(1)
        return starts.groupby(known[column]).sum()

    assert (runs("subject_id") == 1).all()
    assert (runs("village_code") == 1).all()
    assert (runs("township_code") == 1).all()  # townships first: villages inside them
    # the subjects without a group come first, sorted by id
    plain = rows[rows["village_code"].isna() & rows["township_code"].isna()]
    assert plain["row"].max() < rows.loc[rows["township_code"].notna(), "row"].min()
    assert plain["subject_id"].is_monotonic_increasing


def test_a_villages_households_records_are_read_as_one_range(grouped) -> None:
    store, _ = grouped
    directory = store.row_directory("records")
    assert directory is not None and not directory.tail
    village = store.query(
        "SELECT village_code, count(*) AS n FROM subjects WHERE subject_type = 'household' "
        "GROUP BY 1 ORDER BY n DESC LIMIT 1"
    )["village_code"].iloc[0]
    ids = store.query(
        f"SELECT subject_id FROM ({current_subjects_sql()}) WHERE village_code = ?", [village]
    )["subject_id"].tolist()
    assert len(ids) > 20 and len(directory.ranges(ids)) == 1


def test_the_current_version_places_a_subject_that_moved(tmp_path: Path) -> None:
    with DuckDBStore(tmp_path / "xp.duckdb", threads=1) as store:
        store.append("records", records_frame(21))  # subjects S0…S6, three records each
        at = pd.Timestamp("2024-01-01")
        subjects = pd.DataFrame(
            {
                "subject_id": ["S1", "S2", "S3", "S3"],
                "subject_type": "household",
                "name": "户",
                "region_code": "530302",
                "status": "active",
                "village_code": ["530302001201", "530302001202", "530302001202", "530302001201"],
                "township_code": "530302001",
                "recorded_at": [at, at, at, at + pd.Timedelta(days=30)],
            }
        )
        store.append("subjects", subjects)
        store.cluster("records", "subject_id", ("township_code", "village_code"))
        order = store.query("SELECT subject_id FROM records ORDER BY rowid")["subject_id"]
        # no group first (S0, S4, S5, S6), then village …201 (S1, S3 moved there), then …202
        seen = list(dict.fromkeys(order))
        assert seen == ["S0", "S4", "S5", "S6", "S1", "S3", "S2"]
        assert store.row_directory("records") is not None
        with pytest.raises(KeyError, match="subjects has no column 'nope'"):
            store.cluster("records", "subject_id", ("nope",))


def test_the_coarsest_column_comes_first(tiny_city: DuckDBStore) -> None:
    assert coarsest_first(tiny_city, ("village_code", "township_code")) == (
        "township_code",
        "village_code",
    )
    assert coarsest_first(tiny_city, ()) == ()
    assert all(c in TABLES["subjects"].column_names for c in group_columns())
