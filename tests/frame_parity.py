"""Comparing indicator frames from two engines: counts and the aggregates summed in exact
whole units exactly, other numbers to 1e-9.

Used by the engine parity tests on the tiny city (features/test_engine_parity.py)
and on the small city (scoring/test_spark_small_city.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.dsl import Indicator, Members, Records, Related, Scheme

#: Aggregations whose values are whole numbers (or exact sums of decimal weights), and those
#: computed from exact sums of whole units (features.compile.AMOUNT_UNITS): the same bits on
#: every engine.
EXACT_AGGS = frozenset(
    {
        "count",
        "distinct_values",
        "days_since",
        "weighted",
        "avg_value",
        "cv_amount",
        "cv_value",
        "growth_amount",
        "growth_value",
    }
)


def is_exact(ind: Indicator) -> bool:
    """True when both engines must give exactly the same value (counts, exact sums)."""
    src = ind.source
    if isinstance(src, Members):
        return src.fn == "count"
    if isinstance(src, Related):
        src = src.inner
    return isinstance(src, Records) and src.agg in EXACT_AGGS


def assert_same_frame(duck: pd.DataFrame, spark: pd.DataFrame, scheme: Scheme) -> None:
    assert list(duck.columns) == list(spark.columns)
    assert list(duck.dtypes.astype(str)) == list(spark.dtypes.astype(str))
    assert len(duck) == len(spark)
    assert duck["subject_id"].tolist() == spark["subject_id"].tolist()
    assert (duck["as_of"] == spark["as_of"]).all()
    problems = []
    for ind in scheme.indicators:
        a, b = duck[ind.name], spark[ind.name]
        if ind.categorical:
            same = (a.isna() & b.isna()) | (a == b).fillna(False)
            if not same.all():
                problems.append(f"{ind.name}: {int((~same).sum())} categories differ")
            continue
        x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
        if not np.array_equal(np.isnan(x), np.isnan(y)):
            problems.append(f"{ind.name}: NaN in different rows")
            continue
        ok = np.isnan(x) | (x == y if is_exact(ind) else np.isclose(x, y, rtol=1e-9, atol=0))
        if not ok.all():
            bad = np.flatnonzero(~ok)[:3]
            problems.append(
                f"{ind.name}: {int((~ok).sum())} values differ, e.g. "
                f"{x[bad].tolist()} vs {y[bad].tolist()}"
            )
    assert not problems, f"{scheme.key}: " + "; ".join(problems)
