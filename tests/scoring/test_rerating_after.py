"""The slice after a change is the slice before it with the rows the change appended
(:meth:`features.store.sliced.SlicedStore.after`), for every kind of casework change.

On a copy of the generated tiny city with the test champions: a village committee
assessment, an objection opened and resolved, a repair approved. Each time the slice taken
before the change, with the rows the store recorded (:meth:`Store.recording`), must equal a
slice taken afresh after it, table by table and row by row; a write the slice cannot take in
(a listing, a statement) gives ``None`` and the re-rating takes a new slice.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from features.compile import BuildConfig
from features.store.duckdb_store import DuckDBStore
from scoring.batch import RatingPolicies
from scoring.casework import record_assessment
from scoring.list_decisions import enter_by_decision
from scoring.lists import ListsConfig
from scoring.loader import load_model
from scoring.objections import approve_repair, open_objection, resolve_objection
from scoring.rerating import affected_subjects, models_of_types, rerate_change, shared_slice

ON = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def models(tiny_champion, mlflow_home: Path) -> dict:
    """Champions of the tiny city for households, co-operatives, enterprises and drivers."""
    return {
        "household": load_model("household", tiny_champion("household")),
        "agri_business": load_model(
            "agri_business", tiny_champion("agri_business", family="scorecard")
        ),
        **{k: load_model(k, mlflow_home) for k in ("enterprise", "driver")},
    }


def _rows(table: pa.Table) -> pd.DataFrame:
    """A table's rows in a fixed order (a slice keeps no order)."""
    frame = table.to_pandas()
    key = pd.Series(["|".join(map(str, row)) for row in frame.itertuples(index=False)])
    return frame.iloc[key.sort_values().index].reset_index(drop=True)


def _assert_same(derived, fresh) -> None:
    assert derived is not None, "the change's rows could not be taken in"
    assert set(derived.tables) == set(fresh.tables)
    for name in fresh.tables:
        a, b = derived.tables[name], fresh.tables[name]
        assert a.schema == b.schema, name
        pd.testing.assert_frame_equal(_rows(a), _rows(b), obj=name)


def _village_household(store) -> str:
    """A household whose records co-operatives of its village read."""
    for hh in store.query(
        "SELECT DISTINCT subject_id FROM subjects WHERE subject_type = 'household' "
        "ORDER BY subject_id LIMIT 40"
    )["subject_id"]:
        if len(affected_subjects(store, hh)) > 1:
            return hh
    raise AssertionError("no household with co-operatives in its village")


def _negative(store) -> tuple[str, str]:
    rec = store.query(
        """SELECT r.subject_id, r.record_id FROM records r JOIN subjects s USING (subject_id)
           WHERE s.subject_type = 'enterprise' AND r.polarity = 'negative'
             AND r.severity = 'serious' AND r.revoked_on IS NULL AND r.published_on <= ?
             AND r.record_id NOT IN (SELECT record_id FROM objections)
             AND r.record_id NOT IN (SELECT record_id FROM repairs)
           ORDER BY r.record_id LIMIT 1""",
        [ON],
    ).iloc[0]
    return rec["subject_id"], rec["record_id"]


def _slice(store, subject: str, models: dict):
    ids = affected_subjects(store, subject)
    mine = models_of_types(store, ids, models)
    policies = RatingPolicies()
    return (lambda: shared_slice(store, ids, mine, policies)), ids


def test_an_assessment_adds_its_record_to_the_slice(tiny, models: dict) -> None:
    household = _village_household(tiny)
    take, ids = _slice(tiny, household, models)
    before = take()
    assert len(ids) > 1 and before.parties  # the village's households are read as parties
    with tiny.recording() as written:
        rid = record_assessment(tiny, household, 73.0, ON, "officer", "年度评议")
    assert [t for t, _ in written.rows] == ["records"] and written.complete
    derived = before.after(written)
    _assert_same(derived, take())
    assert rid in derived.tables["records"]["record_id"].to_pylist()
    assert before.tables["records"].num_rows + 1 == derived.tables["records"].num_rows


def test_objections_and_repairs_add_their_rows_to_the_slice(tiny, models: dict) -> None:
    firm, record = _negative(tiny)
    take, _ = _slice(tiny, firm, models)
    before = take()
    with tiny.recording() as opened:
        oid = open_objection(tiny, record, "复议撤销", "steward", ON, role="steward")
    middle = before.after(opened)
    _assert_same(middle, take())
    assert middle.tables["objections"].num_rows > before.tables["objections"].num_rows
    with tiny.recording() as resolved:
        resolve_objection(tiny, oid, False, "steward", ON, role="steward")
    _assert_same(middle.after(resolved), take())

    other_firm, other = _negative(tiny)  # the objected record is no longer the first
    take, _ = _slice(tiny, other_firm, models)
    before = take()
    with tiny.recording() as repaired:
        approve_repair(tiny, other, "steward", ON, BuildConfig().windows, role="steward")
    derived = before.after(repaired)
    _assert_same(derived, take())
    assert derived.tables["repairs"].num_rows > before.tables["repairs"].num_rows


def test_rows_of_subjects_outside_the_slice_are_left_out(tiny, models: dict) -> None:
    household = _village_household(tiny)
    take, ids = _slice(tiny, household, models)
    before = take()
    stranger = tiny.scalar(
        "SELECT min(subject_id) FROM subjects WHERE subject_type = 'household' "
        "AND village_code <> (SELECT max(village_code) FROM subjects WHERE subject_id = ?)",
        [household],
    )
    assert stranger not in before.parties and stranger not in ids
    with tiny.recording() as written:
        record_assessment(tiny, stranger, 55.0, ON, "officer")
    derived = before.after(written)
    _assert_same(derived, take())
    assert derived.tables["records"].num_rows == before.tables["records"].num_rows


def test_a_listing_or_a_statement_asks_for_a_new_slice(tiny, models: dict) -> None:
    firm, record = tiny.query(
        """SELECT r.subject_id, r.record_id FROM records r JOIN subjects s USING (subject_id)
           WHERE s.subject_type = 'enterprise' AND r.severity = 'serious'
             AND r.kind = 'administrative_penalty' AND r.revoked_on IS NULL
             AND r.published_on <= DATE '2026-10-31' AND r.event_date >= DATE '2025-06-01'
           ORDER BY r.record_id LIMIT 1"""
    ).iloc[0]
    take, _ = _slice(tiny, firm, models)
    before = take()
    with tiny.recording() as listed:
        enter_by_decision(
            tiny,
            firm,
            "black",
            "市市场监督管理局",
            "曲市监黑〔2026〕9号",
            [record],
            "严重违法失信",
            ON,
            ListsConfig(),
            "steward",
            "steward",
            policy=BuildConfig().windows,
        )
    assert listed.complete and before.after(listed) is None
    with tiny.recording() as stated:
        tiny.execute("INSERT INTO records SELECT * FROM records WHERE FALSE")
    assert not stated.complete and before.after(stated) is None


def test_an_assessment_re_rates_as_with_a_new_slice(
    tiny, models: dict, scoring_city_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole change gives the same before → after with the derived slice as with a
    new one (``after`` made to answer ``None``), on two copies of the store."""
    from features.store.sliced import SlicedStore

    household = _village_household(tiny)
    ids = affected_subjects(tiny, household)
    build, policies = BuildConfig(), RatingPolicies()

    def assess(store):
        def change():
            rid = record_assessment(store, household, 41.0, ON, "officer")
            return rid, {"kind": "village_assessment", "id": rid, "on": str(ON)}

        changes = rerate_change(store, ids, ON, models, change, build, policies)[1]
        return sorted(
            (c.scheme, c.subject_id, c.before_grade, c.before_pd, c.after_grade, c.after_pd)
            for c in changes
        )

    quick = assess(tiny)
    copy = tmp_path / "again.duckdb"
    shutil.copy(scoring_city_file, copy)
    monkeypatch.setattr(SlicedStore, "after", lambda self, written: None)
    with DuckDBStore(copy, threads=2) as again:
        slow = assess(again)
    assert {c[0] for c in quick} == {"household", "agri_business"}
    assert quick == slow
    # the assessment moved the household's PD (41 of 100: a poor assessment)
    assert any(c[3] != c[5] for c in quick if c[0] == "household")
