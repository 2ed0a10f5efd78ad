"""Issue 7 on the small city (the size ``make demo`` serves): Spark and DuckDB give the
same indicators for every scheme and the same grades and reasons for every subject.

The small city (10,000 enterprises, 20,000 households, 5,000 drivers) is generated
once, exported to a Parquet lake and read by local-mode Spark. Every scheme's
indicator frame is built by both engines and compared (counts exactly, other
numbers to 1e-9, NaN in the same places). The champions of tests/conftest.py
(enterprise LightGBM, driver scorecard: both units of reasons) then rate every
subject on both paths; the ratings must be the same row for row, columns and types
included (a scheme rated by its published rule alone: scoring/test_spark_batch.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from city_stores import lake_of, writable_copy
from frame_parity import assert_same_frame
from ratings_parity import rating_differences

pytest.importorskip("pyspark")

from features.build import build_features
from features.schemes import SCHEMES
from scoring.batch import score_scheme
from scoring.spark_batch import score_scheme_spark

pytestmark = [pytest.mark.spark, pytest.mark.slow]

AS_OF = dt.date(2026, 10, 31)
SCORED_AT = dt.datetime(2026, 11, 2, 3, 4, 5, 678901)  # microseconds kept


@pytest.fixture(scope="module")
def small_file(small_city_7: dict) -> Path:
    """The small city of seed 7, generated once per run (tests/conftest.py)."""
    return small_city_7["path"]


@pytest.fixture(scope="module")
def duck(small_file: Path, tmp_path_factory: pytest.TempPathFactory):
    """A writable copy of the small city (scoring writes ratings)."""
    with writable_copy(small_file, tmp_path_factory) as store:
        yield store


@pytest.fixture(scope="module")
def lake(small_file: Path, tmp_path_factory: pytest.TempPathFactory, spark):
    with lake_of(small_file, tmp_path_factory, spark) as store:
        yield store


def test_the_small_city_is_the_demo_size(duck) -> None:
    counts = dict(
        duck.query("SELECT subject_type, count(*) AS n FROM subjects GROUP BY 1").itertuples(
            index=False
        )
    )
    assert counts["enterprise"] == 10_000 and counts["household"] == 20_000
    assert counts["driver"] == 5_000


@pytest.mark.parametrize("key", list(SCHEMES))
def test_every_scheme_has_the_same_indicators_on_both_engines(key, duck, lake) -> None:
    scheme = SCHEMES[key]
    a = build_features(duck, scheme, AS_OF, engine="duckdb")
    b = build_features(lake, scheme, AS_OF, engine="spark")
    assert len(a) > 0
    assert_same_frame(a, b, scheme)


@pytest.mark.parametrize("scheme", ["enterprise", "driver"])
def test_every_subject_gets_the_same_rating_on_both_engines(scheme, duck, lake, champions) -> None:
    model = champions[scheme]
    ran = score_scheme(duck, model, AS_OF, scored_at=SCORED_AT)
    spark_run = score_scheme_spark(lake, model, AS_OF, scored_at=SCORED_AT)
    assert spark_run.rows == ran.rows == len(build_features(duck, scheme, AS_OF)) > 1000
    assert spark_run.grades == ran.grades
    sql = "SELECT * FROM ratings WHERE scheme = ? AND as_of = ? ORDER BY subject_id"
    expected, got = duck.query(sql, [scheme, AS_OF]), lake.query(sql, [scheme, AS_OF])
    assert list(got.columns) == list(expected.columns)
    assert list(got.dtypes.astype(str)) == list(expected.dtypes.astype(str))
    assert rating_differences(expected, got) == []
    # not vacuous: reasons are there and the grades vary
    assert got["final_grade"].nunique() > 1 and got["reasons"].str.contains('"raise"').all()
    if scheme == "driver":
        assert got["reasons"].str.contains("points_rule").all()
        # the points rule capped some drivers on both engines (the overrides are compared)
        assert got["overrides"].str.contains("points_rule").any()
