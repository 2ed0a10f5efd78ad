"""The compiler's grouped CTEs: distinct counts apart, the same values as one query."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from features.build import build_features
from features.compile import DISTINCT_AGGS, DUCKDB, Aggregate, grouped_ctes, shared_column
from features.dsl import ZERO_WHEN_NONE
from features.schemes import get_scheme

AS_OF = dt.date(2026, 10, 31)
ROWS = [
    # group, kind, value: a counts two kinds and one value; b only has rows neither
    # distinct count reads; c only rows the second count reads (one with a null value);
    # d a counted row whose value is null
    ("a", "x", "v1"),
    ("a", "x", "v1"),
    ("a", "y", "v2"),
    ("a", "z", "v2"),
    ("b", "z", "v3"),
    ("c", "w", "v4"),
    ("c", "w", None),
    ("d", "y", None),
]
KINDS_COND = "e.kind IN ('x', 'y')"
VALUES_COND = "e.kind IN ('w', 'z')"
AGGS = [
    Aggregate("n", "count(*)"),
    Aggregate(
        "kinds", DUCKDB.count_distinct(f"CASE WHEN {KINDS_COND} THEN e.kind END"), KINDS_COND
    ),
    Aggregate(
        "values",
        DUCKDB.count_distinct(f"CASE WHEN {VALUES_COND} THEN e.value END"),
        VALUES_COND,
    ),
]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (subject_id VARCHAR, kind VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", ROWS)
    con.execute("CREATE TABLE pop AS SELECT DISTINCT subject_id FROM t")
    return con


def _frame(con: duckdb.DuckDBPyConnection, aggs: list[Aggregate]) -> dict[str, tuple]:
    grouped = grouped_ctes("g", "e.subject_id", "t e", aggs)
    joins = " ".join(f"LEFT JOIN {c} ON {c}.subject_id = p.subject_id" for c in grouped.names)
    # the build's zero for a group without a counted row (features.compile._zero)
    cols = ", ".join(f"coalesce({grouped.column[a.name]}, 0)" for a in aggs)
    sql = f"WITH {', '.join(grouped.ctes)} SELECT p.subject_id, {cols} FROM pop p {joins}"
    return {r[0]: r[1:] for r in con.execute(sql).fetchall()}


def test_distinct_counts_apart_equal_one_query(con: duckdb.DuckDBPyConnection) -> None:
    one = con.execute(
        "SELECT e.subject_id, " + ", ".join(a.sql for a in AGGS) + " FROM t e GROUP BY e.subject_id"
    ).fetchall()
    want = {r[0]: r[1:] for r in one}
    assert want == {"a": (4, 2, 1), "b": (1, 0, 1), "c": (2, 0, 1), "d": (1, 1, 0)}
    assert _frame(con, AGGS) == want


def test_distinct_counts_go_to_their_own_filtered_cte() -> None:
    grouped = grouped_ctes("own", "e.subject_id", "eff e", AGGS)
    assert grouped.names == ["own", "own_d"]
    assert grouped.column == {"n": "own.n", "kinds": "own_d.kinds", "values": "own_d.values"}
    plain, distinct = grouped.ctes
    assert "DISTINCT" not in plain and "WHERE" not in plain
    assert f"WHERE ({KINDS_COND}) OR ({VALUES_COND})" in distinct
    # only plain or only distinct aggregates: one CTE
    assert grouped_ctes("r", "p.subject_id", "x", AGGS[1:]).names == ["r_d"]
    assert grouped_ctes("r", "p.subject_id", "x", AGGS[:1]).names == ["r"]


def test_only_distinct_counts(con: duckdb.DuckDBPyConnection) -> None:
    """A relation whose indicators all count distinct values: every group still gets 0."""
    got = _frame(con, AGGS[1:])
    assert got == {"a": (2, 1), "b": (0, 1), "c": (0, 1), "d": (1, 0)}


def test_a_missing_distinct_count_reads_zero_in_the_build() -> None:
    """A group without a counted row has no ``_d`` row; the build reads 0 only because
    every distinct aggregation is one it zeroes."""
    assert DISTINCT_AGGS <= ZERO_WHEN_NONE


def test_a_shared_column_link_reads_a_group_once() -> None:
    """agri_business's village households: the same for every business of the village,
    and a business is never a household, so they are aggregated per village."""
    assert shared_column(get_scheme("agri_business"), "village_households") == "village_code"
    # a subject of a party type could be its own party: read through the pairs
    assert (
        shared_column(
            replace(
                get_scheme("agri_business"),
                population=replace(
                    get_scheme("agri_business").population, subject_type="household"
                ),
            ),
            "village_households",
        )
        is None
    )
    # a link that is not a shared column
    assert shared_column(get_scheme("agri_business"), "legal_rep") is None


def test_per_group_equals_per_pair(tiny_city, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-village aggregation gives every business the frame the pairs give."""
    from features import compile as compile_module

    by_group = build_features(tiny_city, "agri_business", AS_OF, with_rules=True)
    columns = ["village_households_on_record", "village_households_overdue_24m"]
    assert (by_group[columns] > 0).any().all(), "the tiny city exercises both counts"
    monkeypatch.setattr(compile_module, "shared_column", lambda scheme, relation: None)
    by_pair = build_features(tiny_city, "agri_business", AS_OF, with_rules=True)
    pd.testing.assert_frame_equal(by_group, by_pair)
