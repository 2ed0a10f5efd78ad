"""Sector generators (``[existing]``): a sector's licences and events on the city's own firms.

The construction and travel-agency evaluations add no subjects: their generators
file the sector's licence and records for the city's firms of section E and L, on
the scheme's own random stream. Checked here: the built-in city's rows keep their
pinned hashes, the records fall on the sector's firms between registration and
closure, every sector firm holds the licence, and the file refuses a mix of new
subjects and ``[existing]``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_declared import BUILT_IN, DECLARED_ROWS, SCHEMES, _digest

from features.records.synthetic.city import generate_city
from features.records.synthetic.declared import registered_schemes, stream_of
from features.records.synthetic.generator_spec import GeneratorSpecError, load_generator_spec
from features.store.duckdb_store import DuckDBStore

SECTORS = {
    "construction_credit": ("E", "construction_qualification"),
    "travel_agency_credit": ("L", "travel_agency_licence"),
}


def test_sector_files_are_the_sector_schemes() -> None:
    found = {p.stem for p in SCHEMES.glob("*.toml") if load_generator_spec(p).existing}
    assert found == set(SECTORS)
    for key, (section, licence) in SECTORS.items():
        spec = load_generator_spec(SCHEMES / f"{key}.toml")
        assert spec.existing.industries == [section] and spec.existing.licence.kind == licence
        assert spec.target is None and spec.size("city") == 0


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory):
    items = tuple(d for d in registered_schemes() if d.key in SECTORS)
    assert len(items) == 2
    path = tmp_path_factory.mktemp("sectors") / "c.duckdb"
    with DuckDBStore(path, threads=2) as store:
        generate_city(store, scale="tiny", seed=3, declared=items)
        yield store


def test_the_built_in_city_is_unchanged(city) -> None:
    store = city
    kept = {t: _digest(store, t, f"NOT ({DECLARED_ROWS[t].format(key='-')})") for t in BUILT_IN}
    assert kept == BUILT_IN
    assert (
        store.scalar(
            "SELECT count(*) FROM subjects WHERE subject_type <> 'enterprise' "
            "AND subject_type NOT IN ('household', 'driver', 'village', 'township')"
        )
        == 0
    )


@pytest.mark.parametrize("key", sorted(SECTORS))
def test_records_fall_on_the_sector_firms(city, key: str) -> None:
    store = city
    section, licence = SECTORS[key]
    prefix = f"X{stream_of(key)}"
    rows = store.query(
        """
        WITH cur AS (SELECT * FROM subjects QUALIFY row_number() OVER (
            PARTITION BY subject_id ORDER BY recorded_at DESC, ingest_id DESC) = 1)
        SELECT r.record_id, r.kind, r.event_date, r.published_on, r.source_dept,
               s.industry, s.established_on, s.closed_on
        FROM records r JOIN cur s USING (subject_id)
        WHERE starts_with(r.record_id, ?)
        """,
        [prefix],
    )
    assert len(rows) > 0
    assert (rows["industry"] == section).all()
    # from the month of the firm's registration (or the platform's start) to its closure
    est = pd.to_datetime(rows["established_on"]).fillna(pd.Timestamp("2000-01-01"))
    first = est.clip(lower=pd.Timestamp("2021-01-01")).dt.to_period("M")
    assert (pd.to_datetime(rows["event_date"]).dt.to_period("M") >= first).all()
    closed = pd.to_datetime(rows["closed_on"])
    late = closed.notna() & (pd.to_datetime(rows["event_date"]) > closed + pd.offsets.MonthEnd(0))
    assert not late.any()
    dept = {"E": "housing_construction", "L": "culture_tourism"}[section]
    assert (rows["source_dept"] == dept).all()
    holders = set(
        store.query("SELECT subject_id FROM records WHERE kind = ?", [licence])["subject_id"]
    )
    with_events = set(
        store.query(
            "SELECT subject_id FROM records WHERE starts_with(record_id, ?) AND kind <> ?",
            [prefix, licence],
        )["subject_id"]
    )
    assert with_events and with_events <= holders  # events only for the licence holders
    kinds = set(rows["kind"])
    assert licence in kinds and len(kinds) >= 3


def test_existing_refuses_new_subject_keys(tmp_path: Path) -> None:
    text = (SCHEMES / "construction_credit.toml").read_text(encoding="utf-8")
    bad = tmp_path / "generator.toml"
    bad.write_text(text + "\n[sizes]\ntiny = 5\nsmall = 6\ncity = 7\n", encoding="utf-8")
    with pytest.raises(GeneratorSpecError, match="existing"):
        load_generator_spec(bad)
    bad.write_text(text.replace("[existing]\n", "[nothing]\n"), encoding="utf-8")
    with pytest.raises(GeneratorSpecError):
        load_generator_spec(bad)
