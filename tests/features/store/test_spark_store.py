"""The Spark store over a Parquet lake (local mode, the session of tests/features/conftest.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

pytest.importorskip("pyspark")

from features.records.schema import TABLES, Table
from features.store.base import Store
from features.store.duckdb_store import DuckDBStore
from features.store.lake import LAKE_TABLES
from features.store.spark_store import SparkStore

pytestmark = pytest.mark.spark


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


def sample_rows(tbl: Table, n: int = 4) -> pd.DataFrame:
    """``n`` rows of every column of ``tbl``; nullable columns are null in row 1."""
    values = {
        "string": lambda i: f"v{i}",
        "date": lambda i: dt.date(2024, 1, 1) + dt.timedelta(days=37 * i),
        "timestamp": lambda i: dt.datetime(2024, 1, 1, 8, 30, 15, 123456) + dt.timedelta(hours=i),
        "float": lambda i: 1.5 * i - 0.25,
        "int": lambda i: 10**12 + i,
        "bool": lambda i: i % 2 == 0,
    }
    columns = {}
    for col in tbl.columns:
        cells = [values[col.dtype](i) for i in range(n)]
        if col.nullable:
            cells[1] = None
        columns[col.name] = pd.Series(cells, dtype="object")
    return pd.DataFrame(columns)


def order_by(name: str) -> str:
    return ", ".join(TABLES[name].column_names)


def assert_same_table(duck: Store, spark: Store, name: str) -> int:
    sql = f"SELECT * FROM {name} ORDER BY {order_by(name)}"
    a, b = duck.query(sql), spark.query(sql)
    assert list(a.dtypes.astype(str)) == list(b.dtypes.astype(str)), name
    pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    return len(a)


# -- export round trip ----------------------------------------------------------------


def test_city_round_trip_keeps_every_table(tiny_city: DuckDBStore, spark_city: SparkStore) -> None:
    assert isinstance(spark_city, Store) and spark_city.dialect == "spark"
    rows = {name: assert_same_table(tiny_city, spark_city, name) for name in LAKE_TABLES}
    assert rows["records"] > 100_000 and rows["subjects"] > 5_000
    assert rows == {name: tiny_city.count(name) for name in LAKE_TABLES}


def test_round_trip_of_every_type_with_nulls(tmp_path: Path, spark) -> None:
    with DuckDBStore(":memory:") as duck:
        for tbl in TABLES.values():
            duck.append(tbl.name, sample_rows(tbl))
        written = duck.export_parquet(tmp_path / "lake")
        assert written == dict.fromkeys(LAKE_TABLES, 4)  # no accounts, no audit log
        folders = sorted(p.name for p in (tmp_path / "lake").iterdir() if p.is_dir())
        assert folders == sorted(LAKE_TABLES)
        assert (tmp_path / "lake" / "_lake.json").is_file()
        with SparkStore(tmp_path / "lake", spark=spark) as lake:
            for name in LAKE_TABLES:
                assert_same_table(duck, lake, name)
            # Declared types survive: DATE stays a date, TIMESTAMP a timestamp.
            types = lake.query_arrow("SELECT event_date, recorded_at, ingest_id FROM records")
            assert types.schema.types == [pa.date32(), pa.timestamp("us"), pa.int64()]
            duck_types = duck.query_arrow("SELECT event_date, recorded_at, ingest_id FROM records")
            assert types.schema == duck_types.schema


def test_from_store_temporary_lake_is_removed_on_close(spark) -> None:
    with DuckDBStore(":memory:") as duck:
        duck.append("records", records_frame(5))
        lake = SparkStore.from_store(duck, spark=spark, tables=["records"])
        root = Path(lake.lake)
        assert (root / "records").is_dir() and (root / "subjects").is_dir()
        assert lake.count("records") == 5 and lake.count("subjects") == 0
        lake.close()
        assert not root.exists()
        lake.close()  # closing twice is harmless
    # The shared session was passed in: the store does not stop it.
    assert spark.sql("SELECT 1 AS one").collect()[0]["one"] == 1


# -- append and query -----------------------------------------------------------------


@pytest.fixture
def lake(tmp_path: Path, spark):
    store = SparkStore(tmp_path / "lake", spark=spark)
    yield store
    store.close()


def test_new_lake_has_every_table_empty(lake: SparkStore) -> None:
    for name in TABLES:
        assert lake.count(name) == 0
        assert Path(lake.table_path(name)).is_dir()


def test_append_and_query(lake: SparkStore) -> None:
    assert lake.append("records", records_frame(10)) == 10
    assert lake.append("records", pa.Table.from_pandas(records_frame(5, start=10))) == 5
    assert lake.append("records", records_frame(0)) == 0
    assert lake.count("records") == 15
    assert lake.scalar("SELECT sum(amount) FROM records") == sum(range(15))
    got = lake.query("SELECT record_id FROM records WHERE amount >= ? ORDER BY 1", [13.0])
    assert list(got["record_id"]) == ["R000013", "R000014"]
    named = lake.query("SELECT count(*) AS n FROM records WHERE subject_id = :s", {"s": "S0"})
    assert named["n"].tolist() == [3]
    row = lake.query_arrow("SELECT * FROM records ORDER BY record_id LIMIT 1").to_pylist()[0]
    assert row["severity"] is None and row["ingest_id"] is None
    assert isinstance(row["recorded_at"], dt.datetime)  # the declared default: now
    frame = lake.query("SELECT event_date, amount FROM records ORDER BY amount")
    assert str(frame["event_date"].dtype) == "datetime64[us]"
    assert frame["event_date"].iloc[0] == pd.Timestamp("2024-01-31")


def test_append_checks_columns(lake: SparkStore) -> None:
    with pytest.raises(ValueError, match="colour"):
        lake.append("records", records_frame(2).assign(colour="red"))
    with pytest.raises(ValueError, match="source_dept"):
        lake.append("records", records_frame(2).drop(columns=["source_dept"]))
    with pytest.raises(KeyError, match="recordz"):
        lake.append("recordz", records_frame(1))
    assert lake.count("records") == 0


def test_query_joins_in_memory_frames(lake: SparkStore) -> None:
    lake.append("records", records_frame(6))
    incoming = pd.DataFrame({"record_id": ["R000001", "R000004", "NEW"], "tag": ["a", "b", "c"]})
    joined = lake.query(
        "SELECT i.record_id, i.tag, r.amount FROM incoming i "
        "LEFT JOIN records r USING (record_id) ORDER BY i.tag",
        frames={"incoming": incoming},
    )
    assert list(joined["record_id"]) == ["R000001", "R000004", "NEW"]
    assert list(joined["amount"].iloc[:2]) == [1.0, 4.0] and pd.isna(joined["amount"].iloc[2])
    with pytest.raises(Exception, match=r"(?i)incoming"):
        lake.query("SELECT * FROM incoming")  # the frame is gone afterwards
    with pytest.raises(ValueError, match="records"):
        lake.query("SELECT 1", frames={"records": incoming})


# -- transactions ---------------------------------------------------------------------


def test_transaction_applies_writes_at_the_end(lake: SparkStore) -> None:
    with lake.transaction() as tx:
        assert tx.append("records", records_frame(3)) == 3
        tx.append("records", records_frame(2, start=3))
        assert tx.count("records") == 0  # applied when the block ends
    assert lake.count("records") == 5


def test_transaction_discards_writes_on_exception(lake: SparkStore) -> None:
    lake.append("records", records_frame(2))
    with pytest.raises(RuntimeError, match="boom"), lake.transaction() as tx:
        tx.append("records", records_frame(5, start=100))
        tx.append(
            "subjects",
            pd.DataFrame(
                {
                    "subject_id": ["S1"],
                    "subject_type": ["enterprise"],
                    "name": ["n"],
                    "region_code": ["530302"],
                    "status": ["active"],
                }
            ),
        )
        raise RuntimeError("boom")
    assert lake.count("records") == 2
    assert lake.count("subjects") == 0
    # A write rejected inside the block raises at once; nothing is applied.
    with pytest.raises(ValueError), lake.transaction() as tx:
        tx.append("records", records_frame(4, start=200))
        tx.append("records", records_frame(1).assign(bogus=1))
    assert lake.count("records") == 2
    lake.append("records", records_frame(1, start=50))  # usable afterwards
    assert lake.count("records") == 3


def test_closed_store_refuses_queries(tmp_path: Path, spark) -> None:
    store = SparkStore(tmp_path / "lake", spark=spark)
    store.close()
    with pytest.raises(RuntimeError, match="closed"):
        store.count("records")
