"""The latest day anything may be dated: the data date, today, or the earlier of the two."""

from __future__ import annotations

import datetime as dt

import pytest

from features.date_limit import FutureDateError, data_date, date_limit
from features.store.duckdb_store import DuckDBStore

D = dt.date


@pytest.fixture()
def store(tmp_path):
    with DuckDBStore(tmp_path / "s.duckdb") as st:
        yield st


def _publish(st, *days: dt.date) -> None:
    for i, day in enumerate(days):
        st.execute(
            "INSERT INTO records (record_id, subject_id, kind, domain, polarity, event_date, "
            "published_on, source_dept, recorded_at) "
            "VALUES (?, 'S', 'tax_paid', 'tax', 'neutral', ?, ?, 'tax', ?)",
            [f"R{i}", day, day, dt.datetime(2030, 1, 1)],  # entry times do not count
        )


def test_the_data_date_is_the_latest_publication(store) -> None:
    assert data_date(store) is None
    _publish(store, D(2026, 9, 1), D(2026, 10, 31), D(2026, 10, 2))
    assert data_date(store) == D(2026, 10, 31)


@pytest.mark.parametrize(
    ("rule", "today", "expected"),
    [
        ("earliest", D(2026, 12, 3), D(2026, 10, 31)),  # data end before today
        ("earliest", D(2026, 10, 15), D(2026, 10, 15)),  # data run ahead of the clock
        ("data", D(2026, 10, 15), D(2026, 10, 31)),
        ("data", D(2026, 12, 3), D(2026, 10, 31)),
        ("today", D(2026, 12, 3), D(2026, 12, 3)),
        ("today", D(2026, 10, 15), D(2026, 10, 15)),
    ],
)
def test_the_rule_picks_the_limit(store, rule, today, expected) -> None:
    _publish(store, D(2026, 10, 31))
    limit = date_limit(store, rule, today)
    assert limit.day == expected
    assert limit.check(expected) == expected
    with pytest.raises(FutureDateError):
        limit.check(expected + dt.timedelta(days=1))


def test_an_empty_store_is_limited_by_today(store) -> None:
    assert date_limit(store, "data", D(2026, 12, 3)).day == D(2026, 12, 3)


def test_the_refusal_names_the_day_the_limit_and_its_source(store) -> None:
    _publish(store, D(2026, 10, 31))
    with pytest.raises(FutureDateError) as caught:
        date_limit(store, "earliest", D(2026, 12, 3)).check(D(2099, 1, 1), "--on")
    exc = caught.value
    assert "\n" not in str(exc)
    assert "--on 2099-01-01" in exc.zh and "2026-10-31" in exc.zh and "2026-12-03" in exc.zh
    assert "is after the latest allowed date 2026-10-31" in exc.en
    assert "[dates] latest" in exc.en and str(exc) == f"{exc.zh} / {exc.en}"


def test_an_unknown_rule_is_refused(store) -> None:
    with pytest.raises(ValueError, match="unknown date rule"):
        date_limit(store, "tomorrow", D(2026, 12, 3))  # type: ignore[arg-type]
