"""The 应查必查 chart: coverage and feedback rate per matter, per department for the steward."""

from __future__ import annotations

import math

import pandas as pd

from app.components.check_charts import rates_chart


def _stats(departments: list[str], coverage: float, rate: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department": departments,
            "matter": ["procurement"] * len(departments),
            "matter_label": ["政府采购"] * len(departments),
            "coverage": [coverage] * len(departments),
            "feedback_rate": [rate] * len(departments),
        }
    )


def test_one_department_is_drawn_by_matter_and_several_by_department_and_matter() -> None:
    one = rates_chart(_stats(["市财政局"], 0.25, 1.0), "zh").to_dict()
    rows = one["datasets"][next(iter(one["datasets"]))]
    assert {r["row_label"] for r in rows} == {"政府采购"} and len(rows) == 2
    two = rates_chart(_stats(["市财政局", "市发展改革委"], 0.5, 0.5), "zh").to_dict()
    labels = {r["row_label"] for r in two["datasets"][next(iter(two["datasets"]))]}
    assert labels == {"市财政局 · 政府采购", "市发展改革委 · 政府采购"}


def test_no_rate_no_chart() -> None:
    assert rates_chart(_stats(["市财政局"], math.nan, math.nan), "zh") is None
