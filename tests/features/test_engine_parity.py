"""DESIGN.md §6 and §11: the same declarations give identical frames on DuckDB and Spark.

Every scheme is built on the tiny city at an earlier as-of date by both engines
(local-mode Spark over the city exported to Parquet) and compared: same rows
and columns, counts exactly equal, other numbers within 1e-9 relative, NaN in
the same places, categories equal. The last month end is compared for every scheme
on the small city (scoring/test_spark_small_city.py) and, with the points rules and
flags, for the schemes that have them below. A hand-made table pins down the edge cases
where the engines' SQL differs (``max_by`` with ties and NULLs, logarithms,
decimal literals).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")

from frame_parity import assert_same_frame

from features.build import build_features
from features.dsl import (
    Attribute,
    Derived,
    Indicator,
    Match,
    Population,
    Records,
    Scheme,
)
from features.schemes import SCHEMES
from features.store.duckdb_store import DuckDBStore
from features.store.spark_store import SparkStore

pytestmark = pytest.mark.spark

AS_OF_DATES = ("2026-10-31", "2024-12-31")


@pytest.mark.parametrize("as_of", AS_OF_DATES[1:])
@pytest.mark.parametrize("key", list(SCHEMES))
def test_scheme_is_identical_on_both_engines(
    key: str, as_of: str, tiny_city: DuckDBStore, spark_city: SparkStore
) -> None:
    scheme = SCHEMES[key]
    duck = build_features(tiny_city, scheme, as_of, engine="duckdb")
    spark = build_features(spark_city, scheme, as_of, engine="spark")
    assert len(duck) > 0
    assert_same_frame(duck, spark, scheme)
    # The comparison is not vacuous: most indicators have values somewhere.
    filled = sum(duck[i.name].notna().any() for i in scheme.indicators)
    assert filled >= len(scheme.indicators) // 2


# -- edge cases on a hand-made table -----------------------------------------------------

AS_OF = dt.date(2024, 6, 30)


def _ind(name: str, source) -> Indicator:
    return Indicator(name, name, name, "test", source)


EDGE = Scheme(
    key="edge",
    label_zh="边界",
    label_en="Edge cases",
    population=Population("enterprise"),
    indicators=(
        _ind("latest_num", Records(Match(("score",)), "latest_value", 24)),
        _ind("latest_txt", Records(Match(("level",)), "latest_text", 24)),
        _ind("level_count", Records(Match(("level",)), "count", 24)),
        _ind("debt", Records(Match(("debt",)), "sum_value", 24)),
        # distinct counts (Spark: size(collect_set), no Expand): nulls are not a value
        _ind("kinds", Records(Match(("score", "level")), "distinct_kinds", 24)),
        _ind("levels", Records(Match(("level",)), "distinct_values", 24)),
        _ind("log_capital", Attribute("registered_capital", "log1p")),
        _ind("age", Attribute("established_on", "years_since")),
        _ind("log_debt_ratio", Derived("log_ratio", "level_count", "debt")),
    ),
)


def _subjects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject_id": ["A", "B", "C", "D"],
            "subject_type": "enterprise",
            "name": ["a", "b", "c", "d"],
            "region_code": "530302",
            "status": "active",
            "registered_capital": [-1.0, 0.0, np.e - 1, -5.0],
            "established_on": [
                dt.date(2001, 2, 3),
                dt.date(2020, 2, 29),
                None,
                dt.date(2024, 6, 30),
            ],
        }
    )


def _records() -> pd.DataFrame:
    rows = [
        # A: a tie on the date (record_id decides), a later match without a value
        # (skipped), and a later record of another kind (not matching: skipped).
        ("A1", "A", "score", 1.0, "low", dt.date(2024, 1, 10)),
        ("A2", "A", "score", 5.0, "high", dt.date(2024, 2, 1)),
        ("A3", "A", "score", 2.0, "mid", dt.date(2024, 2, 1)),
        ("A4", "A", "score", None, None, dt.date(2024, 3, 1)),
        ("A5", "A", "other", 9.0, "top", dt.date(2024, 4, 1)),
        ("A6", "A", "level", None, "B", dt.date(2024, 1, 1)),
        ("A7", "A", "level", None, "A", dt.date(2024, 1, 1)),  # same date: A7 > A6
        ("A8", "A", "level", None, None, dt.date(2024, 5, 1)),  # latest, no text
        ("A9", "A", "debt", -1.0, None, dt.date(2024, 1, 1)),  # 1 + debt = 0
        # B: only records that do not match, dated later than anything of A.
        ("B1", "B", "other", 7.0, "x", dt.date(2024, 6, 1)),
        # C: matches without values only.
        ("C1", "C", "score", None, None, dt.date(2024, 2, 1)),
        ("C2", "C", "level", None, None, dt.date(2024, 2, 1)),
        ("C3", "C", "debt", -3.0, None, dt.date(2024, 2, 1)),  # (1 + 1) / (1 - 3) < 0
        # D: a match after the as-of date does not count.
        ("D1", "D", "score", 4.0, "z", dt.date(2024, 7, 1)),
    ]
    frame = pd.DataFrame(
        rows, columns=["record_id", "subject_id", "kind", "value_num", "value_text", "event_date"]
    )
    return frame.assign(
        domain="test", polarity="neutral", source_dept="test", published_on=frame["event_date"]
    )


@pytest.fixture(scope="module")
def edge_stores(tmp_path_factory: pytest.TempPathFactory, spark):
    duck = DuckDBStore(":memory:")
    lake = SparkStore(Path(tmp_path_factory.mktemp("edge")) / "lake", spark=spark)
    for store in (duck, lake):
        store.append("subjects", _subjects())
        store.append("records", _records())
    yield duck, lake
    duck.close()
    lake.close()


def test_edge_cases_agree_and_mean_what_they_say(edge_stores) -> None:
    duck_store, spark_store = edge_stores
    duck = build_features(duck_store, EDGE, AS_OF, engine="duckdb").set_index("subject_id")
    spark = build_features(spark_store, EDGE, AS_OF, engine="spark").set_index("subject_id")
    assert_same_frame(duck.reset_index(), spark.reset_index(), EDGE)
    for frame in (duck, spark):
        # max_by: latest matching row with a value; ties broken by record_id;
        # non-matching rows and rows without a value are ignored.
        assert frame.loc["A", "latest_num"] == 2.0
        assert frame.loc["A", "latest_txt"] == "A"
        assert pd.isna(frame.loc["B", "latest_num"]) and frame.loc["B", "latest_txt"] is None
        assert pd.isna(frame.loc["C", "latest_num"]) and frame.loc["C", "latest_txt"] is None
        assert pd.isna(frame.loc["D", "latest_num"])
        assert frame["kinds"].to_dict() == {"A": 2, "B": 0, "C": 2, "D": 0}
        assert frame["levels"].to_dict() == {"A": 2, "B": 0, "C": 0, "D": 0}
        # Logarithms of non-positive numbers are missing, not -inf or NaN by accident.
        assert pd.isna(frame.loc["A", "log_capital"]) and pd.isna(frame.loc["D", "log_capital"])
        assert frame.loc["B", "log_capital"] == 0.0
        assert frame.loc["C", "log_capital"] == pytest.approx(1.0, rel=1e-12)
        assert pd.isna(frame.loc["A", "log_debt_ratio"])  # division by 1 + (-1) = 0
        assert pd.isna(frame.loc["C", "log_debt_ratio"])  # ln of a negative ratio
        assert frame.loc["B", "log_debt_ratio"] == 0.0  # ln((1 + 0) / (1 + 0))
        # Fractional literals are doubles: full precision, no decimal rounding.
        days = (AS_OF - dt.date(2001, 2, 3)).days
        assert frame.loc["A", "age"] == pytest.approx(days / 365.25, rel=1e-15)
        assert frame.loc["D", "age"] == 0.0 and pd.isna(frame.loc["C", "age"])


def test_spark_engine_on_a_duckdb_store_exports_it(tiny_city: DuckDBStore, spark) -> None:
    # build_features(engine="spark") on the DuckDB store goes through
    # SparkStore.from_store (a temporary lake) and the active session.
    scheme = SCHEMES["township"]
    duck = build_features(tiny_city, scheme, AS_OF_DATES[0])
    spark_frame = build_features(tiny_city, scheme, AS_OF_DATES[0], engine="spark")
    assert_same_frame(duck, spark_frame, scheme)
    assert spark.sql("SELECT 1 AS one").collect()[0]["one"] == 1  # the session lives on


# -- published points rules and flags (features/rules.py) ---------------------------------


@pytest.mark.parametrize("key", ["driver", "enterprise", "household"])
def test_rules_and_flags_are_identical_on_both_engines(
    key: str, tiny_city: DuckDBStore, spark_city: SparkStore
) -> None:
    """The rule columns (points, events, the records that scored, in order) and the
    flags are the same on Spark as on DuckDB, to the character."""
    from features.common_flags import flags_of
    from features.rules import rule_columns

    scheme = SCHEMES[key]
    duck = build_features(tiny_city, scheme, AS_OF_DATES[0], with_rules=True)
    spark = build_features(spark_city, scheme, AS_OF_DATES[0], engine="spark", with_rules=True)
    assert_same_frame(duck, spark, scheme)
    columns = list(rule_columns(scheme.rules, flags_of(scheme)))
    assert columns and set(columns) <= set(duck.columns)
    pd.testing.assert_frame_equal(duck[columns], spark[columns])
    for rule in scheme.rules:  # not vacuous: some subjects scored, with their records
        assert duck[rule.detail_column].notna().sum() > 10
    assert 0 < duck["flag__green_channel"].mean() < 1
