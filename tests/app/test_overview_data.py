"""总览's shapes (:mod:`app.data.overview`): grade counts read like the rows they count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt

from app.data.overview import distribution, grade_counts


def _ratings(seed: int = 3, n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    regions = np.array(["530302", "530303", None], dtype=object)
    industries = np.array(["C", "F", None], dtype=object)
    return pd.DataFrame(
        {
            "subject_id": [f"S{i:04d}" for i in range(n)],
            "scheme": rng.choice(["enterprise", "driver"], n),
            "final_grade": rng.choice(["A", "B", "C", "D"], n),
            "region_code": regions[rng.integers(0, 3, n)],
            "industry": industries[rng.integers(0, 3, n)],
        }
    )


def test_distributions_of_the_counts_equal_those_of_the_rows() -> None:
    rows = _ratings()
    counts = grade_counts(rows)
    assert int(counts["n"].sum()) == len(rows)
    assert len(counts) < len(rows)
    for by in (None, "region_code", "industry"):
        pdt.assert_frame_equal(
            distribution(counts, by, weight="n"), distribution(rows, by), check_dtype=False
        )
    for scheme in ("enterprise", "driver"):
        pdt.assert_frame_equal(
            distribution(counts[counts["scheme"] == scheme], "region_code", weight="n"),
            distribution(rows[rows["scheme"] == scheme], "region_code"),
            check_dtype=False,
        )
