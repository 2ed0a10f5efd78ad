"""A look-up's slice holds the parties of the links its scheme reads, and no others."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from features.build import build_features, slice_columns, slice_kinds, slice_links
from features.schemes import get_scheme
from features.store.sliced import SlicedStore, slice_store

AS_OF = dt.date(2026, 10, 31)


def test_schemes_read_their_declared_links() -> None:
    # the household reads its represented firms (an indicator and the green channel's
    # related parties), never its village's other households
    assert "represented_firms" in slice_links("household")
    assert "village_households" not in slice_links("household")
    assert {"legal_rep", "rep_firms"} <= slice_links("enterprise")


def test_a_household_slice_leaves_the_village_out_and_rates_the_same(tiny_city) -> None:
    sch = get_scheme("household")
    hh = tiny_city.query(
        """SELECT subject_id, village_code FROM subjects WHERE subject_type = 'household'
           AND village_code IN (SELECT village_code FROM subjects GROUP BY 1
                                HAVING count(*) > 3)
           ORDER BY subject_id LIMIT 3"""
    )
    ids = hh["subject_id"].tolist()
    narrow = slice_store(tiny_city, ids, slice_columns(sch), slice_links(sch))
    wide = slice_store(tiny_city, ids, slice_columns(sch))
    held = set(narrow.tables["subjects"]["subject_id"].to_pylist())
    assert held < set(wide.tables["subjects"]["subject_id"].to_pylist())  # fewer parties
    assert narrow.tables["records"].num_rows < wide.tables["records"].num_rows
    # a slice taken for some links does not stand for every link; one for all does
    assert not narrow.covers(ids, slice_columns(sch))
    assert wide.covers(ids, slice_columns(sch), slice_links(sch))
    assert slice_store(narrow, ids, slice_columns(sch)) is not narrow
    assert isinstance(narrow, SlicedStore)
    # the same indicator rows from either slice and from the whole store
    whole = build_features(tiny_city, sch, AS_OF)
    whole = whole[whole["subject_id"].isin(ids)].reset_index(drop=True)
    for view in (narrow, wide):
        rows = build_features(view, sch, AS_OF, subjects=ids).reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, whole, check_exact=False, rtol=1e-12)


def test_schemes_read_only_some_kinds_of_their_parties() -> None:
    kinds = slice_kinds("agri_business")
    assert kinds is not None and "village_assessment" in kinds
    assert "tax_level" not in kinds  # nothing reads a village household's tax level


def test_a_cooperative_slice_holds_only_the_kinds_read_of_its_village(tiny_city) -> None:
    sch = get_scheme("agri_business")
    whole = build_features(tiny_city, sch, AS_OF)  # the rated co-operatives
    with_village = tiny_city.query(
        "SELECT DISTINCT subject_id FROM subjects WHERE village_code IS NOT NULL"
    )["subject_id"]
    ids = sorted(set(whole["subject_id"]) & set(with_village))[:3]
    args = (tiny_city, ids, slice_columns(sch), slice_links(sch), True)
    narrow = slice_store(*args, related_kinds=slice_kinds(sch))
    wide = slice_store(*args)
    records = narrow.tables["records"].to_pandas()
    parties = records[~records["subject_id"].isin(ids)]
    assert len(parties) and set(parties["kind"]) <= slice_kinds(sch)
    own = wide.tables["records"].to_pandas()
    assert len(records) < len(own)  # the parties' other kinds left out
    mine = own[own["subject_id"].isin(ids)]
    assert sorted(records.loc[records["subject_id"].isin(ids), "record_id"]) == sorted(
        mine["record_id"]
    )  # the co-operatives' own records all held
    # a slice of some kinds does not stand for every kind; one of every kind does
    assert not narrow.covers(ids, slice_columns(sch), slice_links(sch))
    assert wide.covers(ids, slice_columns(sch), slice_links(sch), True, slice_kinds(sch))
    whole = whole[whole["subject_id"].isin(ids)].reset_index(drop=True)
    assert len(whole) == len(ids) == 3
    for view in (narrow, wide):
        rows = build_features(view, sch, AS_OF, subjects=ids).reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, whole, check_exact=False, rtol=1e-12)
