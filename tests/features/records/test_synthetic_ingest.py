"""Cross-check: what the synthetic city generates, ingestion accepts and stores unchanged.

The generator (features/records/synthetic/) and the validator
(features/records/validate.py) are written from the same rules (DOMAIN.md, kinds.py,
ids.py) but independently. Records of every kind and the city's subjects are exported
the way a department would send them (strings, dates ``YYYY-MM-DD``, empty for
missing) and ingested into a fresh store: none may be quarantined, and the stored
rows must equal the generated ones column by column.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.records.ingest import ingest_file
from features.records.kinds import KINDS
from features.records.synthetic.city import generate_city
from features.records.validate import business_columns
from features.store.duckdb_store import DuckDBStore

TODAY = dt.date(2026, 11, 22)  # after the city's last month (October 2026)
N_RECORDS = 3_000
PER_KIND = 5  # at least this many of every kind (all of a rarer one)
RECORD_COLUMNS = list(business_columns("records"))
SUBJECT_COLUMNS = list(business_columns("subjects"))


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tiny city's subjects and a seeded sample of its records, as generated."""
    path = tmp_path_factory.mktemp("city") / "tiny.duckdb"
    with DuckDBStore(path, threads=2) as store:
        generate_city(store, scale="tiny", seed=5)
        records = store.query(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records")
        subjects = store.query(f"SELECT {', '.join(SUBJECT_COLUMNS)} FROM subjects")
    sample = sample_records(records, np.random.default_rng(20261122))
    sample.attrs["available"] = records["kind"].value_counts().to_dict()  # per kind, all
    return subjects, sample


def sample_records(records: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``N_RECORDS`` records: ``PER_KIND`` of every kind, of revoked records and of
    records with a detail text (both rare), the rest drawn at random."""
    strata = [*records.groupby("kind").indices.values()]
    strata += [np.flatnonzero(records[col].notna()) for col in ("revoked_on", "detail")]
    chosen = np.unique(
        np.concatenate(
            [rng.choice(rows, min(PER_KIND, len(rows)), replace=False) for rows in strata]
        )
    )
    rest = np.setdiff1d(np.arange(len(records)), chosen)
    chosen = np.concatenate([chosen, rng.choice(rest, N_RECORDS - len(chosen), replace=False)])
    return records.iloc[rng.permutation(chosen)].reset_index(drop=True)


def as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a department exports it: strings, ``YYYY-MM-DD``, empty for missing."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d").fillna("")
        elif pd.api.types.is_float_dtype(s):
            out[col] = [("" if pd.isna(v) else repr(float(v))) for v in s]  # repr round-trips
        elif pd.api.types.is_integer_dtype(s):
            out[col] = [("" if pd.isna(v) else str(int(v))) for v in s]
        else:
            out[col] = [("" if pd.isna(v) else str(v)) for v in s]
    return pd.DataFrame(out, index=frame.index, dtype=object)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    as_strings(frame).to_csv(path, index=False)
    return path


def ingest_cleanly(store: DuckDBStore, path: Path, table: str, rows: int) -> None:
    """Ingest ``path``; every row must be stored (the quarantine's reasons otherwise)."""
    result = ingest_file(store, path, table, today=TODAY)
    quarantined = store.query("SELECT row_number, key, reasons FROM quarantine LIMIT 10")
    reasons = [
        (int(r.row_number), r.key, [(p["column"], p["value"], p["problem"]) for p in problems])
        for r in quarantined.itertuples()
        for problems in [json.loads(r.reasons)]
    ]
    assert result.rows_quarantined == 0, f"{table}: generated rows quarantined: {reasons}"
    assert (result.rows_read, result.rows_stored, result.rows_unchanged) == (rows, rows, 0)


def stored(store: DuckDBStore, table: str, columns: list[str], key: str) -> pd.DataFrame:
    return store.query(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}")


def test_the_sample_covers_every_kind(city) -> None:
    _, records = city
    assert len(records) == N_RECORDS
    assert records["record_id"].is_unique
    counts = records["kind"].value_counts()
    assert set(counts.index) == set(KINDS)
    # PER_KIND of every kind, all of a rarer one (a sector's serious list: a few entries)
    available = pd.Series(records.attrs["available"])[counts.index]
    assert (counts >= np.minimum(PER_KIND, available)).all()
    assert (available < PER_KIND).sum() <= 2  # only the rarest declared kinds
    # every optional column is exercised
    for col in RECORD_COLUMNS:
        assert records[col].notna().sum() >= PER_KIND, col


def test_generated_subjects_and_records_are_ingested_unchanged(city, tmp_path) -> None:
    subjects, records = city
    subjects_csv = write_csv(subjects, tmp_path / "subjects.csv")
    records_csv = write_csv(records, tmp_path / "records.csv")
    with DuckDBStore(tmp_path / "fresh.duckdb", threads=2) as store:
        ingest_cleanly(store, subjects_csv, "subjects", len(subjects))
        ingest_cleanly(store, records_csv, "records", len(records))
        assert store.count("quarantine") == 0
        got_subjects = stored(store, "subjects", SUBJECT_COLUMNS, "subject_id")
        got_records = stored(store, "records", RECORD_COLUMNS, "record_id")
    expected_subjects = subjects.sort_values("subject_id", ignore_index=True)
    expected_records = records.sort_values("record_id", ignore_index=True)
    # both come from the same schema, so the dtypes must match too; floats exactly
    pd.testing.assert_frame_equal(got_subjects, expected_subjects, check_exact=True)
    pd.testing.assert_frame_equal(got_records, expected_records, check_exact=True)


def test_domain_and_polarity_derived_from_the_kind_match_the_generator(city, tmp_path) -> None:
    # the validator fills them from kinds.py (polarity by value where a kind declares it)
    _, records = city
    blank = records.assign(domain=None, polarity=None)
    path = write_csv(blank, tmp_path / "records.csv")
    with DuckDBStore(tmp_path / "fresh.duckdb", threads=2) as store:
        ingest_cleanly(store, path, "records", len(records))
        got = stored(store, "records", ["record_id", "domain", "polarity"], "record_id")
    expected = records.sort_values("record_id", ignore_index=True)[got.columns]
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
