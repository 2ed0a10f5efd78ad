"""The lake layout (features/store/lake.py): partitions, manifest, types restored by Spark."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from features.records.schema import TABLES
from features.store.duckdb_store import DuckDBStore
from features.store.lake import LAKE_TABLES, MANIFEST, PARTITIONS, read_manifest, schema_version


def _ratings(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject_id": [f"S{i}" for i in range(n)],
            "scheme": ["enterprise", "driver", "enterprise"][:n],
            "as_of": [dt.date(2026, 10, 31), dt.date(2026, 10, 31), dt.date(2025, 12, 31)][:n],
            "model_name": "m",
            "model_version": "1",
            "final_grade": "A",
            "pd": [0.01, 0.02, 0.03][:n],
            "green_channel": [True, None, False][:n],
            "scored_at": dt.datetime(2026, 11, 1, 12, 0, 0, 123456),
        }
    )


def _records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": ["R1", "R2", "R3"],
            "subject_id": ["S0", "S1", "S0"],
            "kind": ["tax_paid", "tax_paid", "administrative_penalty"],
            "domain": "tax",
            "polarity": "neutral",
            "source_dept": "tax",
            "event_date": [dt.date(2024, 12, 20), dt.date(2025, 1, 5), dt.date(2025, 3, 1)],
            "published_on": [dt.date(2024, 12, 31), dt.date(2025, 1, 10), dt.date(2025, 3, 2)],
        }
    )


def test_export_writes_partitions_and_a_manifest(tmp_path: Path) -> None:
    with DuckDBStore(":memory:") as duck:
        duck.append("records", _records())
        duck.append("ratings", _ratings())
        seen: list[str] = []
        written = duck.export_parquet(tmp_path, progress=lambda t, d, n: seen.append(t))
    assert seen == list(LAKE_TABLES) and "users" not in seen and "audit_log" not in seen
    assert written["records"] == 3 and written["ratings"] == 3 and written["subjects"] == 0
    root = tmp_path / "records"
    assert sorted(p.relative_to(root).as_posix() for p in root.glob("*/*")) == [
        "kind=administrative_penalty/year=2025",
        "kind=tax_paid/year=2024",
        "kind=tax_paid/year=2025",
    ]
    assert (tmp_path / "ratings" / "scheme=enterprise" / "as_of=2025-12-31").is_dir()
    assert (tmp_path / "subjects").is_dir()  # empty and partitioned: an empty folder
    assert list((tmp_path / "objections").glob("*.parquet"))  # empty and flat: a file
    manifest = read_manifest(tmp_path)
    assert manifest == json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["schema_version"] == schema_version()
    assert manifest["tables"]["records"] == {
        "rows": 3,
        "partition_by": ["kind", "year"],
        "derived": ["year"],
    }
    assert {k: v["rows"] for k, v in manifest["tables"].items()} == written
    assert dt.datetime.fromisoformat(manifest["exported_at"]).tzinfo is not None


def test_partitioned_tables_are_declared_columns() -> None:
    for table, parts in PARTITIONS.items():
        for p in parts:
            assert p.derived != (p.name in TABLES[table].column_names), (table, p.name)


@pytest.mark.spark
def test_spark_reads_and_appends_the_layout_with_declared_types(tmp_path: Path, spark) -> None:
    from features.store.spark_store import SparkStore

    with DuckDBStore(":memory:") as duck:
        duck.append("records", _records())
        duck.append("ratings", _ratings())
        duck.export_parquet(tmp_path)
        with SparkStore(tmp_path, spark=spark) as lake:
            for table in ("records", "ratings"):
                sql = f"SELECT * FROM {table} ORDER BY 1, 2"
                got, expected = lake.query(sql), duck.query(sql)
                assert list(got.columns) == list(TABLES[table].column_names)  # no `year`
                pd.testing.assert_frame_equal(got, expected)
            types = lake.query_arrow("SELECT as_of, scheme FROM ratings").schema.types
            assert [str(t) for t in types] == ["date32[day]", "string"]
            # appends go to the same layout
            lake.append(
                "records",
                _records().assign(record_id=["R4", "R5", "R6"], published_on=dt.date(2026, 1, 2)),
            )
            assert (tmp_path / "records" / "kind=tax_paid" / "year=2026").is_dir()
            assert lake.count("records") == 6
            assert (
                lake.scalar(
                    "SELECT count(*) FROM records WHERE kind = 'tax_paid' "
                    "AND published_on >= DATE'2026-01-01'"
                )
                == 2
            )


@pytest.mark.spark
def test_map_hooks_run_a_pandas_function_on_the_executors(tmp_path: Path, spark) -> None:
    from features.store.spark_store import SparkStore

    at = dt.datetime(2026, 11, 1, 8, 0, 0, 250000)

    # the function gets pandas batches (dtypes as query() gives) and the broadcast value
    def audit(frame, when):
        return pd.DataFrame(
            {
                "logged_at": when,
                "user_name": "job",
                "role": str(frame["published_on"].dtype),
                "action": frame["kind"],
                "subject_id": frame["subject_id"],
            }
        )

    with SparkStore(tmp_path, spark=spark) as lake:
        lake.append("records", _records())
        sql = "SELECT * FROM records WHERE kind = ?"
        got = lake.map_frames(sql, audit, "audit_log", shared=at, params=["tax_paid"])
        assert list(got.columns) == list(TABLES["audit_log"].column_names)
        assert sorted(got["subject_id"]) == ["S0", "S1"]
        assert (got["logged_at"] == pd.Timestamp(at)).all()
        assert set(got["role"]) == {"datetime64[us]"}
        out = tmp_path / "mapped"
        counts = lake.map_to_parquet(
            "SELECT * FROM records", audit, "audit_log", out, shared=at, count_by="action"
        )
        assert counts == {"tax_paid": 2, "administrative_penalty": 1}
        assert len(pd.read_parquet(out)) == 3


def test_accounts_and_the_audit_log_never_reach_the_lake(tmp_path: Path) -> None:
    """Password hashes and who-looked-at-whom stay in the store (issue 15): not
    exported by default, refused by name, and a stale folder of an older export is
    removed."""
    stale = tmp_path / "users"
    stale.mkdir()
    (stale / "part-0.parquet").write_bytes(b"old")
    with DuckDBStore(":memory:") as duck:
        duck.append(
            "users",
            pd.DataFrame(
                [
                    {
                        "username": "li",
                        "role": "bank",
                        "display_name": "李",
                        "password_hash": "pbkdf2_sha256$1$00$secret-hash",
                        "created_at": dt.datetime(2026, 1, 1),
                    }
                ]
            ),
        )
        duck.append(
            "audit_log",
            pd.DataFrame(
                [
                    {
                        "logged_at": dt.datetime(2026, 1, 2),
                        "user_name": "li",
                        "role": "bank",
                        "action": "view_subject",
                        "subject_id": "pid:0123456789abcdef0123456789abcdef",
                    }
                ]
            ),
        )
        written = duck.export_parquet(tmp_path)
        for name in ("users", "audit_log"):
            with pytest.raises(KeyError, match="never leave the store"):
                duck.export_parquet(tmp_path / "again", [name])
    assert "users" not in written and "audit_log" not in written
    assert not (tmp_path / "users").exists() and not (tmp_path / "audit_log").exists()
    blob = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"secret-hash" not in blob and b"pid:" not in blob
    assert set(json.loads((tmp_path / "_lake.json").read_text())["tables"]) == set(LAKE_TABLES)
