"""The trend and recurrence aggregations (growth_*, distinct_months, distinct_years) on a
hand-built store: values computed by hand, the SQL build equal to the in-process one
(:func:`test_point_in_time.frame`), and nothing after the as-of date leaking in."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from test_point_in_time import DAY, NEW, SUBJECTS, A, B, C, T, firm, frame, ind, make_store, rec

from features.build import build_features, typed_features
from features.dsl import Match, Population, Records, Scheme
from features.evaluate import evaluate
from features.records.schema import TABLES
from features.store.duckdb_store import DuckDBStore
from features.store.sliced import SLICED_TABLES

D = dt.date
HC = Match(("social_insurance_headcount",))
TAX = Match(("tax_paid",))
PEN = Match(("administrative_penalty",))
SLOT = 5  # a store of its own in test_point_in_time's pool

TRENDS = Scheme(
    key="trends",
    label_zh="趋势测试",
    label_en="Trend test",
    population=Population("enterprise"),
    indicators=(
        ind("hc_growth_12m", Records(HC, "growth_value", 12)),
        ind("tax_growth_12m", Records(TAX, "growth_amount", 12)),
        ind("pen_months_12m", Records(PEN, "distinct_months", 12)),
        ind("pen_years_36m", Records(PEN, "distinct_years", 36)),
    ),
)


def _pen(rid: str, subject: str, day: dt.date, **kw) -> dict:
    return rec(rid, subject, "administrative_penalty", day, severity="minor", **kw)


RECORDS = [
    # A: headcount 10 → 20 half a year later; the one on the window's lower bound is out
    rec("hc0", A, "social_insurance_headcount", D(2025, 6, 30), value_num=1000.0),
    rec("hc1", A, "social_insurance_headcount", D(2025, 9, 30), value_num=10.0),
    rec("hc2", A, "social_insurance_headcount", D(2026, 3, 31), value_num=20.0),
    # A: tax 100, 200, 400 on three quarter ends
    rec("tp1", A, "tax_paid", D(2025, 9, 30), amount=100.0),
    rec("tp2", A, "tax_paid", D(2025, 12, 31), amount=200.0),
    rec("tp3", A, "tax_paid", D(2026, 3, 31), amount=400.0),
    # B: one positive amount and a zero return (no logarithm): no slope to fit
    rec("tp4", B, "tax_paid", D(2025, 12, 31), amount=100.0),
    rec("tp5", B, "tax_paid", D(2026, 3, 31), amount=0.0),
    # A: penalties in January (twice) and March 2026, and one in May 2025
    _pen("p1", A, D(2026, 1, 5)),
    _pen("p2", A, D(2026, 1, 20)),
    _pen("p3", A, D(2026, 3, 1)),
    _pen("p4", A, D(2025, 5, 1)),
    # C: a single headcount: no slope
    rec("hc3", C, "social_insurance_headcount", D(2026, 3, 31), value_num=7.0),
]

# published the day after T (dated before it) or dated after it: none may count at T
FUTURE = [
    rec(
        "f-hc", A, "social_insurance_headcount", T - 10 * DAY, value_num=500.0, published_on=T + DAY
    ),
    rec(
        "f-hc-C",
        C,
        "social_insurance_headcount",
        T - 10 * DAY,
        value_num=70.0,
        published_on=T + DAY,
    ),
    rec("f-tp", B, "tax_paid", T - 10 * DAY, amount=900.0, published_on=T + DAY),
    _pen("f-p1", A, T - 5 * DAY, published_on=T + DAY),
    _pen("f-p2", B, T + DAY),
]


@pytest.fixture(scope="module", autouse=True)
def _close_store() -> Iterator[None]:
    from test_point_in_time import _POOL

    yield
    store = _POOL.pop(SLOT, None)
    if store is not None:
        store.close()


def _years(*days: dt.date) -> np.ndarray:
    return np.array([(d - D(2000, 1, 1)).days / 365.25 for d in days])


def _row(fr, subject: str) -> dict:
    rows = fr[fr["subject_id"] == subject].to_dict("records")
    assert len(rows) == 1
    return rows[0]


def test_hand_computed_values() -> None:
    fr = frame(make_store(RECORDS, SUBJECTS, slot=SLOT), T, TRENDS)
    a, b, c = _row(fr, A), _row(fr, B), _row(fr, C)
    # two points: the slope of ln(headcount) is ln 2 over the 182 days between them
    assert a["hc_growth_12m"] == pytest.approx(math.log(2) / (182 / 365.25), rel=1e-9)
    x = _years(D(2025, 9, 30), D(2025, 12, 31), D(2026, 3, 31))
    y = np.log([100.0, 200.0, 400.0])
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    assert a["tax_growth_12m"] == pytest.approx(slope, rel=1e-9)
    assert 2.5 < slope < 3.0  # doubling every quarter: about ln 2 × 4 a year
    assert math.isnan(b["tax_growth_12m"])  # the zero return has no logarithm
    assert math.isnan(c["hc_growth_12m"])  # one point
    assert math.isnan(b["hc_growth_12m"])  # none
    assert a["pen_months_12m"] == 2  # January and March 2026; May 2025 is out
    assert a["pen_years_36m"] == 2  # 2025 and 2026
    assert b["pen_months_12m"] == 0 and b["pen_years_36m"] == 0  # none: zero, not missing


def test_nothing_after_as_of_changes_them() -> None:
    before = frame(make_store(RECORDS, SUBJECTS, slot=SLOT), T, TRENDS)
    # a firm founded the day after T, with a record of its own, is not there either
    store = make_store(
        [*RECORDS, *FUTURE, _pen("f-new", NEW, T + DAY)],
        [*SUBJECTS, firm(NEW, None, established=T + DAY)],
        slot=SLOT,
    )
    pd.testing.assert_frame_equal(frame(store, T, TRENDS), before)
    # ...and they are seen once published
    later = frame(make_store(RECORDS + FUTURE, SUBJECTS, slot=SLOT), T + DAY, TRENDS)
    assert _row(later, A)["pen_months_12m"] == 3  # June 2026 joins
    assert not math.isnan(_row(later, C)["hc_growth_12m"])


UTIL = Match(("utility_consumption",), values=("electricity",))
SPREADS = Scheme(
    key="spreads",
    label_zh="精确汇总测试",
    label_en="Exact aggregate test",
    population=Population("enterprise"),
    indicators=(
        ind("use_growth", Records(UTIL, "growth_value", 12)),
        ind("tax_growth", Records(TAX, "growth_amount", 12)),
        ind("tax_cv", Records(TAX, "cv_amount", 12)),
        ind("use_cv", Records(UTIL, "cv_value", 12)),
        ind("use_avg", Records(UTIL, "avg_value", 12)),
    ),
)


def _random_series(n: int, seed: int) -> tuple[list[dict], list[dict]]:
    """``n`` firms with six tax payments and six meter readings each in the year before T:
    five- and six-figure amounts in cents, readings to two decimals, random days."""
    rng = np.random.default_rng(seed)
    firms, rows = [], []
    for i in range(n):
        sid = f"F{i:05d}"
        firms.append(firm(sid, None))
        for k in range(6):
            day = T - int(rng.integers(1, 360)) * DAY
            amount = round(float(rng.lognormal(10, 1)), 2)
            rows.append(rec(f"t{i}-{k}", sid, "tax_paid", day, amount=amount))
            use = round(float(rng.lognormal(8, 2)), 2)
            rows.append(
                rec(
                    f"u{i}-{k}",
                    sid,
                    "utility_consumption",
                    day,
                    value_num=use,
                    value_text="electricity",
                )
            )
    return firms, rows


def test_averages_spreads_and_growth_are_the_same_bits_in_any_order_and_engine(
    tmp_path,
) -> None:
    """Averages, coefficients of variation and growth slopes are summed in exact whole
    units (features.compile.AMOUNT_UNITS): the same records stored in another order and read
    on two threads give the same bits, and the in-process evaluator (a look-up) gives them
    too. Float aggregates rounded to 12 decimals did not: on these 3,000 firms DuckDB's
    ``avg``, ``regr_slope`` and the evaluator's numpy disagreed in the last bits."""
    firms, rows = _random_series(3_000, seed=11)
    shuffled = [rows[i] for i in np.random.default_rng(12).permutation(len(rows))]
    frames = []
    for name, records in (("a", rows), ("b", shuffled)):
        store = DuckDBStore(tmp_path / f"{name}.duckdb", threads=2)
        store.append("subjects", pd.DataFrame(firms))
        cols = [c for c in TABLES["records"].column_names if c in records[0]]
        store.append("records", pd.DataFrame(records, columns=cols))
        frames.append(build_features(store, SPREADS, T))
        tables = {t: store.query_arrow(f"SELECT * FROM {t}") for t in SLICED_TABLES}
        store.close()
    in_process = evaluate(SPREADS, tables, T, [f["subject_id"] for f in firms])
    in_process = typed_features(in_process, SPREADS)
    assert len(frames[0]) == 3_000 and frames[0]["use_growth"].notna().all()
    assert frames[0]["tax_cv"].gt(0).all() and frames[0]["use_avg"].gt(0).all()
    pd.testing.assert_frame_equal(frames[1], frames[0], check_exact=True)
    pd.testing.assert_frame_equal(in_process, frames[0], check_exact=True)
