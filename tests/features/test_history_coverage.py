"""Observed history (features/history.py): which windows the records cover at a date."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from features.dsl import (
    NEUTRAL,
    Attribute,
    Derived,
    Indicator,
    Match,
    Population,
    Records,
    Related,
    Scheme,
)
from features.history import history_start, uncovered

D = dt.date
PEN = Match(("administrative_penalty",))
LEVEL = Match(("tax_credit_level",))


def ind(name: str, source, short_history: bool = False) -> Indicator:
    return Indicator(name, name, name, "测试", source, NEUTRAL, short_history=short_history)


SCHEME = Scheme(
    key="hist",
    label_zh="历史测试",
    label_en="History test",
    population=Population("enterprise"),
    indicators=(
        ind("penalties_12m", Records(PEN, "count", 12)),
        ind("penalties_24m", Records(PEN, "count", 24)),
        ind("penalties_prev_12m", Records(PEN, "count", 12, offset=12)),
        ind("penalty_change", Derived("diff", "penalties_12m", "penalties_prev_12m")),
        ind("listed_now", Records(Match(("abnormal_operations_list",)), "count")),
        ind("tax_level", Records(LEVEL, "latest_text", 24), short_history=True),
        ind("rep_penalties_24m", Related("legal_rep", Records(PEN, "count", 24))),
        ind("age_years", Attribute("established_on", "years_since")),
    ),
)
STARTS = {"administrative_penalty": D(2021, 1, 1), "tax_credit_level": D(2022, 4, 1)}


def test_a_window_is_covered_once_it_lies_inside_the_records() -> None:
    gaps = uncovered(SCHEME, STARTS, [D(2021, 12, 31), D(2022, 12, 31), D(2023, 12, 31)])
    # a year of records: the 24-month windows, the year before and what derives from it
    # are short; the tax level is not published yet (tolerant, but there is none)
    assert gaps[D(2021, 12, 31)] == (
        "penalties_24m",
        "penalties_prev_12m",
        "penalty_change",
        "tax_level",
        "rep_penalties_24m",
    )
    # two years: every window of up to 24 months, the (lo, hi] window starting 2021-01-01;
    # the tax level's window reaches before its first publication, but it is tolerant
    assert gaps[D(2022, 12, 31)] == ()
    assert gaps[D(2023, 12, 31)] == ()
    # one day earlier, the 24-month window starts 2020-12-31: not covered
    assert "penalties_24m" in uncovered(SCHEME, STARTS, [D(2022, 12, 30)])[D(2022, 12, 30)]


def test_without_the_flag_a_late_kind_is_short_until_its_window_fits() -> None:
    strict = Scheme(
        key="strict",
        label_zh="严格",
        label_en="Strict",
        population=Population("enterprise"),
        indicators=(ind("tax_level", Records(LEVEL, "latest_text", 24)),),
    )
    gaps = uncovered(strict, STARTS, [D(2023, 12, 31), D(2024, 3, 31)])
    assert gaps == {D(2023, 12, 31): ("tax_level",), D(2024, 3, 31): ()}
    # a kind with no record at all never covers a window
    assert uncovered(strict, {}, [D(2030, 1, 1)])[D(2030, 1, 1)] == ("tax_level",)


def test_history_start_is_the_quarter_of_the_first_record_of_each_kind() -> None:
    class FakeStore:
        def query(self, sql: str, params=None) -> pd.DataFrame:
            assert params == ["administrative_penalty", "tax_paid"]
            return pd.DataFrame(
                {
                    "kind": ["administrative_penalty", "tax_paid"],
                    "first": [pd.Timestamp("2021-02-23"), pd.Timestamp("2021-03-31")],
                }
            )

    starts = history_start(FakeStore(), ["tax_paid", "administrative_penalty", "tax_paid"])
    assert starts == {"administrative_penalty": D(2021, 1, 1), "tax_paid": D(2021, 1, 1)}
