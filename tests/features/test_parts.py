"""Builds in parts (features/parts.py): the same frame as one query, held a part at a time."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pandas as pd
import pytest

from features.build import build_features, feature_sql, iter_features, typed_features
from features.compile import Part
from features.parts import cut, population_ids_sql, rows_per_part, size_bytes
from features.schemes import get_scheme
from features.store.duckdb_store import DuckDBStore

AS_OF = dt.date(2026, 10, 31)


def _whole(store: DuckDBStore, key: str, with_rules: bool) -> pd.DataFrame:
    """The population's frame from one query (the build before parts existed)."""
    return typed_features(store.query(feature_sql(key, AS_OF, with_rules=with_rules)), key)


@pytest.mark.parametrize(
    ("key", "with_rules", "rows"),
    [
        ("enterprise", True, 400),  # related parties, points rules and flags
        ("household", False, 700),
        ("driver", True, 300),  # a published points rule
        ("village", False, 7),  # an aggregate: its members follow their village's part
    ],
)
def test_parts_put_together_are_the_whole_build(
    tiny_city: DuckDBStore, key: str, with_rules: bool, rows: int
) -> None:
    whole = _whole(tiny_city, key, with_rules)
    parts = list(iter_features(tiny_city, key, AS_OF, with_rules=with_rules, rows_per_part=rows))
    # built in k parts of about `rows` subjects, none empty, each sorted and after the last
    assert len(parts) == math.ceil(len(whole) / rows) > 1
    assert all(len(p) > 0 and p["subject_id"].is_monotonic_increasing for p in parts)
    assert all(
        a["subject_id"].iloc[-1] < b["subject_id"].iloc[0] for a, b in itertools.pairwise(parts)
    )
    # no part holds much more than its share (peak rows held at once)
    assert max(len(p) for p in parts) <= math.ceil(len(whole) / len(parts)) + 1
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)


def test_build_features_of_a_population_is_the_one_query_frame(tiny_city: DuckDBStore) -> None:
    # build_features cuts the population itself (PART_ROWS by default): same frame
    pd.testing.assert_frame_equal(
        build_features(tiny_city, "household", AS_OF), _whole(tiny_city, "household", False)
    )


def test_a_small_population_is_one_part_with_the_whole_query(tiny_city: DuckDBStore) -> None:
    parts = list(iter_features(tiny_city, "sme", AS_OF, rows_per_part=10**6))
    assert len(parts) == 1
    pd.testing.assert_frame_equal(parts[0], _whole(tiny_city, "sme", False))


def test_population_ids_are_the_builds_subjects(tiny_city: DuckDBStore) -> None:
    ids = tiny_city.query(population_ids_sql(get_scheme("enterprise"), AS_OF))["subject_id"]
    assert ids.tolist() == _whole(tiny_city, "enterprise", False)["subject_id"].tolist()


def test_cut_covers_every_id_once_in_equal_parts() -> None:
    ids = [f"{i:04d}" for i in range(10)]
    parts = cut(ids, 3)
    assert len(parts) == 4
    assert parts[0].lo is None and parts[-1].hi is None
    held = [
        [i for i in ids if (p.lo is None or i >= p.lo) and (p.hi is None or i < p.hi)]
        for p in parts
    ]
    assert [i for h in held for i in h] == ids
    assert sorted(len(h) for h in held) == [2, 2, 3, 3]
    assert cut([], 5) == [Part()] and cut(ids, 10) == [Part()]
    with pytest.raises(ValueError):
        cut(ids, 0)


def test_part_sql_quotes_its_bounds() -> None:
    assert Part("a'b", None).sql() == "subject_id >= 'a''b'"
    assert Part(None, "9", "village_code").sql() == "village_code < '9'"
    assert Part().sql() == "TRUE"


def test_rows_per_part_follow_the_memory_limit() -> None:
    assert size_bytes("6GB") == 6 * 10**9 and size_bytes("512MiB") == 512 * 2**20
    assert rows_per_part(None) == rows_per_part("4GB") == rows_per_part("24GB")
    assert rows_per_part("2GB") == rows_per_part(None) // 2
    assert rows_per_part("10MB") == 10_000
    with pytest.raises(ValueError):
        size_bytes("lots")
