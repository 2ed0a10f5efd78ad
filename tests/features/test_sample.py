"""The training sample (features/sample.py): every default, a seeded hash-drawn share of
the non-defaults, the same rows on DuckDB, Spark and in Python, each row its full build's."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from features.build import build_training_frame, snapshot_counts
from features.sample import NonDefaultSample, fraction_for
from features.store.duckdb_store import DuckDBStore

SCHEME = "household"
DATES = (dt.date(2024, 6, 30), dt.date(2025, 6, 30))


def test_threshold_weight_and_bounds() -> None:
    s = NonDefaultSample(0.25, seed=7)
    assert s.threshold == 16**8 // 4
    assert s.kept_share == 0.25 and s.weight == 4.0
    assert NonDefaultSample(1.0, 7).everything
    assert NonDefaultSample(1.0, 7).keep_sql(DATES[0]) == "TRUE"
    with pytest.raises(ValueError, match="fraction"):
        NonDefaultSample(0.0, 7)
    with pytest.raises(ValueError, match="fraction"):
        NonDefaultSample(1.5, 7)


def test_fraction_for_holds_the_bound() -> None:
    assert fraction_for(1_000, 900, 10) == 1.0  # everything fits
    f = fraction_for(1_000, 10_000, 100)
    # the defaults plus the expected non-defaults kept stay within the bound
    assert 100 + f * 9_900 <= 1_000
    assert 100 + f * 9_900 > 999  # and use it (floored to the hash's grid only)
    with pytest.raises(ValueError, match="max_rows"):
        fraction_for(50, 10_000, 100)


def test_draw_is_per_subject_and_seeded() -> None:
    ids = [f"{i:018d}" for i in range(20_000)]
    s = NonDefaultSample(0.1, seed=7)
    kept = s.kept(ids, DATES[0])
    # a subject's draw does not depend on who else is drawn, nor on the order
    assert (s.kept(ids[::-1], DATES[0])[::-1] == kept).all()
    assert (s.kept(ids[:100], DATES[0]) == kept[:100]).all()
    # about the share asked for (binomial: sd 0.2 % here)
    assert abs(kept.mean() - 0.1) < 0.01
    # another seed or another date draws other subjects
    assert (NonDefaultSample(0.1, seed=8).kept(ids, DATES[0]) != kept).sum() > 1_000
    assert (s.kept(ids, DATES[1]) != kept).sum() > 1_000


def test_sampled_build_is_the_full_build_filtered(tiny_city: DuckDBStore) -> None:
    full = build_training_frame(tiny_city, SCHEME, DATES)
    sample = NonDefaultSample(0.2, seed=7)
    part = build_training_frame(tiny_city, SCHEME, DATES, sample=sample)
    keep = np.zeros(len(full), dtype=bool)
    for day in DATES:
        at = (full["as_of"] == pd.Timestamp(day)).to_numpy()
        keep[at] = (full.loc[at, "label"] == 1).to_numpy() | sample.kept(
            full.loc[at, "subject_id"], day
        )
    expected = full[keep].reset_index(drop=True)
    pd.testing.assert_frame_equal(part.drop(columns="weight"), expected)
    assert full["label"].sum() == part["label"].sum() > 0  # every default kept
    assert len(part) < 0.4 * len(full)
    w = part["weight"].to_numpy()
    assert (w[part["label"] == 1] == 1.0).all()
    assert (w[part["label"] == 0] == sample.weight).all()
    # the weighted rows stand for the full snapshots (within the draw's noise)
    assert abs(w.sum() / len(full) - 1) < 0.05


def test_everything_kept_is_the_plain_build(tiny_city: DuckDBStore) -> None:
    full = build_training_frame(tiny_city, SCHEME, DATES[:1])
    same = build_training_frame(tiny_city, SCHEME, DATES[:1], sample=NonDefaultSample(1.0, 7))
    pd.testing.assert_frame_equal(full, same)  # no weight column, no filter


def test_snapshot_counts_are_the_full_build(tiny_city: DuckDBStore) -> None:
    counts = snapshot_counts(tiny_city, SCHEME, DATES)
    full = build_training_frame(tiny_city, SCHEME, DATES)
    by_date = full.groupby("as_of")["label"].agg(["size", "sum"])
    assert counts["subjects"].tolist() == by_date["size"].tolist()
    assert counts["defaults"].tolist() == by_date["sum"].tolist()


@pytest.mark.spark
def test_spark_draws_the_same_sample(tiny_city: DuckDBStore, spark_city) -> None:
    pytest.importorskip("pyspark")
    from frame_parity import assert_same_frame

    from features.schemes import get_scheme

    sample = NonDefaultSample(0.2, seed=7)
    duck = build_training_frame(tiny_city, SCHEME, DATES, sample=sample)
    spark = build_training_frame(spark_city, SCHEME, DATES, engine="spark", sample=sample)
    assert spark["subject_id"].tolist() == duck["subject_id"].tolist()
    assert_same_frame(
        duck.drop(columns=["label", "weight"]),
        spark.drop(columns=["label", "weight"]),
        get_scheme(SCHEME),
    )
    assert spark["label"].tolist() == duck["label"].tolist()
    assert spark["weight"].tolist() == duck["weight"].tolist()
    counts = snapshot_counts(spark_city, SCHEME, DATES, engine="spark")
    pd.testing.assert_frame_equal(counts, snapshot_counts(tiny_city, SCHEME, DATES))
