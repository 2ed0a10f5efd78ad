"""The in-process evaluator gives the compiled SQL's frame, subject for subject.

Every subject of every scheme it supports, on the generated tiny city, at
three dates: one slice of the whole population, evaluated in process, against
the full SQL build. The point-in-time cases (objections, repairs, windows,
related parties) are checked both ways in tests/features/test_point_in_time.py.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from features.build import IN_PROCESS_MAX, build_features, feature_sql, typed_features
from features.compile import BuildConfig
from features.effective import effective_records
from features.evaluate import evaluate, supports
from features.records.windows import WindowPolicy
from features.schemes import SCHEMES, get_scheme, rated
from features.store.sliced import SlicedStore, fetch_slice, slice_store

DATES = (dt.date(2024, 12, 31), dt.date(2025, 9, 30), dt.date(2026, 10, 31))
EVALUATED = [k for k, s in SCHEMES.items() if supports(s)]


@pytest.fixture(scope="module")
def whole(tiny_city):
    """Every subject's rows: a slice of the whole city (every table as it is)."""
    return {
        t: tiny_city.query_arrow(f"SELECT * FROM {t}")
        # subject_links: the co-operatives' member households (a Table link);
        # subject_attributes: the declared attributes some indicators read
        for t in (
            "subjects",
            "subject_attributes",
            "records",
            "objections",
            "repairs",
            "subject_links",
        )
    }


def test_aggregate_schemes_stay_with_sql() -> None:
    assert set(EVALUATED) == set(rated())  # the modelled and the rule-only schemes
    with pytest.raises(ValueError, match="aggregates members"):
        evaluate(get_scheme("village"), {}, DATES[0], [])


@pytest.mark.parametrize("as_of", DATES, ids=str)
@pytest.mark.parametrize("key", EVALUATED)
def test_every_subject_gets_the_sql_row(key: str, as_of: dt.date, tiny_city, whole) -> None:
    full = build_features(tiny_city, key, as_of)
    assert len(full) > 10  # the tiny city has some fifteen travel agencies
    ids = list(tiny_city.query("SELECT DISTINCT subject_id FROM subjects")["subject_id"])
    got = evaluate(get_scheme(key), whole, as_of, ids)
    pd.testing.assert_frame_equal(got, full, check_exact=False, rtol=1e-9, atol=1e-12)


def test_effective_records_are_the_sql_eff_rows(tiny_city, whole) -> None:
    from features.compile import DUCKDB, effective_records_sql

    for as_of in DATES:
        sql = effective_records_sql(DUCKDB, as_of, WindowPolicy())
        expected = set(tiny_city.query(f"WITH {sql} SELECT record_id FROM eff")["record_id"])
        got = effective_records(whole, as_of)
        assert set(got.columns["record_id"]) == expected
        assert len(got) == len(expected)


def test_configuration_reaches_the_evaluator(tiny_city, whole) -> None:
    """Other severity weights and windows change both builds alike."""
    policy = WindowPolicy(
        list_months={"serious_violation_list": 12, "red_list": 6}, legacy_before=dt.date(2020, 1, 1)
    )
    cfg = BuildConfig(
        windows=policy, severity_weights=(("minor", 2.0), ("general", 5.0), ("serious", 20.0))
    )
    as_of = DATES[-1]
    full = typed_features(tiny_city.query(feature_sql("enterprise", as_of, cfg=cfg)), "enterprise")
    ids = full["subject_id"].tolist()
    got = evaluate(get_scheme("enterprise"), whole, as_of, ids, cfg)
    pd.testing.assert_frame_equal(got, full, check_exact=False, rtol=1e-9, atol=1e-12)
    default = build_features(tiny_city, "enterprise", as_of)
    assert not np.allclose(default["penalty_severity_24m"], full["penalty_severity_24m"])


def test_a_slice_holds_the_related_parties(tiny_city) -> None:
    """A firm's slice has its legal representative, the representative's other
    firms, their records and the objections and repairs of those records."""
    shared = tiny_city.query("""
        SELECT legal_rep_id, list(DISTINCT subject_id ORDER BY subject_id) AS firms
        FROM subjects WHERE subject_type = 'enterprise' AND legal_rep_id IS NOT NULL
        GROUP BY legal_rep_id HAVING count(DISTINCT subject_id) > 1 LIMIT 1""")
    rep, firms = shared["legal_rep_id"][0], list(shared["firms"][0])
    tables = fetch_slice(tiny_city, [firms[0]])
    held = set(tables["subjects"]["subject_id"].to_pylist())
    assert set(firms) <= held
    # the representative's records, whether or not the person is a rated subject
    readers = held | {rep}
    expected = tiny_city.query(
        "SELECT count(*) AS n FROM records WHERE subject_id IN "
        f"({', '.join(repr(s) for s in readers)})"
    )["n"][0]
    assert (
        rep in set(tables["records"]["subject_id"].to_pylist())
        or not tiny_city.query(f"SELECT 1 FROM records WHERE subject_id = '{rep}'").shape[0]
    )
    assert tables["records"].num_rows == expected
    rids = set(tables["records"]["record_id"].to_pylist())
    assert set(tables["objections"]["record_id"].to_pylist()) <= rids
    every = tiny_city.query("SELECT record_id FROM objections")["record_id"]
    assert set(tables["objections"]["record_id"].to_pylist()) == set(every) & rids


def test_a_sliced_store_is_read_only_and_reused(tiny_city) -> None:
    ids = tiny_city.query(
        "SELECT subject_id FROM subjects WHERE subject_type = 'driver' ORDER BY subject_id LIMIT 2"
    )["subject_id"].tolist()
    view = slice_store(tiny_city, ids)
    assert isinstance(view, SlicedStore)
    assert slice_store(view, ids[:1]) is view  # covered: the same slice
    other = slice_store(view, ["someone-else"])
    assert other is not view and other._store is tiny_city
    with pytest.raises(TypeError, match="read-only"):
        view.execute("DELETE FROM records")
    with pytest.raises(TypeError, match="read-only"):
        view.append("records", pd.DataFrame())
    # tables outside the slice are read from the whole store
    assert view.count("ratings") == tiny_city.count("ratings")
    assert view.count("records") < tiny_city.count("records")


@pytest.mark.parametrize("key", ["enterprise", "village"])
def test_small_and_large_subsets_agree(key: str, tiny_city) -> None:
    """Up to IN_PROCESS_MAX subjects are evaluated in process, more with SQL on
    the slice: both give the full build's rows."""
    as_of = DATES[-1]
    full = build_features(tiny_city, key, as_of)
    rng = np.random.default_rng(11)
    many = list(
        rng.choice(
            full["subject_id"].to_numpy(), size=min(IN_PROCESS_MAX + 5, len(full)), replace=False
        )
    )
    for ids in (many[:3], many):
        sub = build_features(tiny_city, key, as_of, subjects=ids)
        expected = full[full["subject_id"].isin(ids)].reset_index(drop=True)
        pd.testing.assert_frame_equal(sub, expected, check_exact=False, rtol=1e-9, atol=1e-12)


def test_columns_answer_one_of_as_comparing_each_string() -> None:
    """The effective columns' codes give the rows that comparing the object array with
    each wanted string gives: missing values (None, NaN) never match, absent and repeated
    strings, no string wanted, no rows."""
    from features.effective import Columns
    from features.evaluate import _in

    rng = np.random.default_rng(11)
    pool = np.array(["tax_arrears", "loan_overdue", "court_judgment", None, np.nan, "其他"], object)
    values = pool[rng.integers(0, len(pool), 500)]
    c = Columns({"kind": values, "empty": np.array([], dtype=object)})
    for wanted in (
        ("tax_arrears",),
        ("loan_overdue", "court_judgment", "loan_overdue"),
        ("absent", "其他"),
        (),
        ("None",),
    ):
        np.testing.assert_array_equal(c.one_of("kind", wanted), _in(values, wanted))
        assert c.one_of("empty", wanted).shape == (0,)
    assert c.one_of("kind", ("tax_arrears",)).sum() > 0
