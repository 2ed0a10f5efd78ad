"""农村信用 reads what saving an assessment reads first while the officer fills it in
(app/data/assess_ahead.py); the save takes it only for the data it was read from."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.data import assess_ahead
from app.settings import settings
from features.schemes import rated
from features.store.duckdb_store import DuckDBStore
from scoring.loader import champions


def _household(store: DuckDBStore) -> str:
    return store.query(
        "SELECT subject_id FROM ratings WHERE scheme = 'household' ORDER BY subject_id LIMIT 1"
    )["subject_id"].iloc[0]


def test_a_reading_ahead_is_taken_for_the_data_it_was_read_from(
    app_env: dict, tmp_path: Path
) -> None:
    copy = tmp_path / "store.duckdb"
    shutil.copy(app_env["store"], copy)
    cfg = settings()
    home, build, policies = cfg.casework()
    store = DuckDBStore(copy, keep_writer=30)
    try:
        household = _household(store)
        day = store.query("SELECT max(as_of) AS d FROM ratings")["d"].iloc[0].date()
        assess_ahead.start(store, household, day, home, build, policies)
        ahead = assess_ahead.take(store, household, day)
        assert ahead is not None and household in ahead.subjects and ahead.ratings
        models, _ = champions(home, rated())
        assert ahead.holds(store, ahead.subjects, day, models, build, policies)
        assert assess_ahead.take(store, household, day) is None  # taken once
        # read, then something written: not taken (the save reads the store itself)
        assess_ahead.start(store, household, day, home, build, policies)
        assess_ahead._STARTED[assess_ahead._key(store, household, day)][1].result(timeout=60)
        store.append("ratings", store.query("SELECT * FROM ratings LIMIT 1"))
        assert assess_ahead.take(store, household, day) is None
    finally:
        store.close()
