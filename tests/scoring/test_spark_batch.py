"""DESIGN.md §11: scoring on Spark gives the ratings the embedded path gives.

The tiny city is exported to a lake (:mod:`features.store.lake`) and a scheme rated
by its published rule alone (construction_credit: no champion) is scored on
local-mode Spark — indicators by the Spark SQL, the rule run in ``mapInArrow``
through the same ``rate_frame`` — and on DuckDB; both batches must have the same
subjects, grades, reasons and overrides, columns and types; the ratings are written
as Parquet partitioned by scheme and as_of and a re-run replaces its batch. The
modelled schemes (enterprise LightGBM, driver scorecard) are compared on every
subject of the small city (scoring/test_spark_small_city.py); the indicators of
every scheme in tests/features/test_engine_parity.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from city_stores import lake_of, writable_copy
from ratings_parity import rating_differences

pytest.importorskip("pyspark")

from features.build import build_features
from scoring.batch import score_scheme
from scoring.loader import rule_model
from scoring.spark_batch import score_scheme_spark

pytestmark = [pytest.mark.spark, pytest.mark.slow]

AS_OF = dt.date(2026, 10, 31)
SCORED_AT = dt.datetime(2026, 11, 2, 3, 4, 5, 678901)
#: a scheme rated by its published rule alone (no champion)
SCHEME = "construction_credit"


@pytest.fixture(scope="module")
def duck(scoring_city_file: Path, tmp_path_factory: pytest.TempPathFactory):
    """A writable copy of the tiny city, scored on DuckDB."""
    with writable_copy(scoring_city_file, tmp_path_factory) as store:
        yield store


@pytest.fixture(scope="module")
def lake(scoring_city_file: Path, tmp_path_factory: pytest.TempPathFactory, spark):
    """The tiny city as a lake, opened as a Spark store."""
    with lake_of(scoring_city_file, tmp_path_factory, spark) as store:
        yield store


def test_spark_scoring_gives_the_embedded_ratings(duck, lake) -> None:
    scheme, model = SCHEME, rule_model(SCHEME)
    ran = score_scheme(duck, model, AS_OF, scored_at=SCORED_AT)
    spark_run = score_scheme_spark(lake, model, AS_OF, scored_at=SCORED_AT)
    assert spark_run.rows == ran.rows == len(build_features(duck, scheme, AS_OF)) > 0
    assert spark_run.grades == ran.grades

    sql = "SELECT * FROM ratings WHERE scheme = ? AND as_of = ? ORDER BY subject_id"
    expected = duck.query(sql, [scheme, AS_OF])
    got = lake.query(sql, [scheme, AS_OF])
    assert list(got.columns) == list(expected.columns)
    assert list(got.dtypes.astype(str)) == list(expected.dtypes.astype(str))
    assert rating_differences(expected, got) == []
    # not vacuous: reasons are there and the grades vary
    assert got["reasons"].str.contains('"raise"').all()
    assert got["final_grade"].nunique() > 1

    # written as Parquet partitioned by scheme and as_of; a re-run replaces its batch
    folder = Path(lake.table_path("ratings")) / f"scheme={scheme}" / f"as_of={AS_OF}"
    assert any(folder.glob("*.parquet"))
    again = score_scheme_spark(lake, model, AS_OF, scored_at=SCORED_AT)
    assert again.rows == spark_run.rows
    assert (
        lake.count("ratings")
        == lake.scalar(
            "SELECT count(*) FROM ratings WHERE NOT (scheme = ? AND as_of = ?)", [scheme, AS_OF]
        )
        + spark_run.rows
    )
