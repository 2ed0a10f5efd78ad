"""The pages' date pickers: default and maximum are the limit (the store's data date or
today, whichever is earlier), and a later day is refused with one message, nothing stored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"
FUTURE = dt.date(2099, 1, 1)


def page(name: str, role: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}_page.py"), default_timeout=240)
    at.session_state["lang"] = "zh"
    at.session_state["user"] = {
        "username": f"test-{role}",
        "role": role,
        "display_name": f"测试{role}",
        "region_code": None,
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _limit(query) -> dt.date:
    end = query("SELECT max(published_on) AS d FROM records")["d"].iloc[0]
    return min(pd.Timestamp(end).date(), dt.date.today())


def test_objections_page_dates_changes_on_the_limit_and_refuses_later(app_env, query) -> None:
    limit = _limit(query)
    assert limit < dt.date.today()  # the tiny city ends before today: not today's date
    at = page("objections", "admin")
    picker = at.date_input(key="on")
    assert picker.value == limit and picker.max == limit
    sid, rid = query(
        "SELECT subject_id, record_id FROM records WHERE polarity = 'negative' "
        "ORDER BY record_id LIMIT 1"
    ).iloc[0]
    # a later day typed in is not taken: the picker keeps the limit, the repair is dated on it
    at.date_input(key="on").set_value(FUTURE)
    at.text_input(key="plan_subject").input(sid).run()
    at.selectbox(key="repair_record").set_value(rid)
    at.button(key="repair_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.date_input(key="on").value == limit
    approved = query(
        "SELECT approved_on FROM repairs WHERE record_id = ? AND approved_on IS NOT NULL", [rid]
    )
    assert [pd.Timestamp(d).date() for d in approved["approved_on"]] == [limit]
    later = query("SELECT count(*) AS n FROM ratings WHERE as_of > ?", [limit])["n"].iloc[0]
    assert later == 0


def test_rural_page_assessment_date_defaults_to_the_limit_and_refuses_later(app_env, query) -> None:
    limit = _limit(query)
    at = page("rural", "rural")
    assert at.date_input(key="on").max == limit
    assert at.date_input(key="on").value <= limit
    assert at.date_input(key="assess_on").value == limit
    assert at.date_input(key="assess_on").max == limit
    household = at.selectbox(key="household").value
    at.date_input(key="assess_on").set_value(FUTURE)
    at.button(key="save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    days = query(
        "SELECT published_on FROM records WHERE kind = 'village_assessment' AND subject_id = ? "
        "ORDER BY recorded_at DESC LIMIT 1",
        [household],
    )["published_on"]
    assert [pd.Timestamp(d).date() for d in days] == [limit]


def test_lending_page_reads_ratings_in_force_up_to_the_limit(app_env, query) -> None:
    limit = _limit(query)
    at = page("lending", "admin")
    picker = at.date_input(key="on")
    assert picker.max == limit and picker.value <= limit


def test_a_day_after_the_limit_is_refused_on_the_page(app_env, query, monkeypatch) -> None:
    """Should a later day reach the page (a picker bypassed), the change is refused with
    the limit named, in the session's language, and nothing is written."""
    import streamlit as st

    from app import state

    limit = _limit(query)
    shown: list[str] = []
    monkeypatch.setattr(st, "error", lambda text, *a, **k: shown.append(text))
    monkeypatch.setattr(state, "store", lambda: _Open(app_env["store"]))
    assert state.after_limit(FUTURE, "办理日期") is True
    assert len(shown) == 1 and "办理日期 2099-01-01" in shown[0] and str(limit) in shown[0]
    assert "\n" not in shown[0] and " / " not in shown[0]  # one language, one line
    assert state.after_limit(limit, "办理日期") is False and len(shown) == 1


class _Open:
    """A read-only store on the app's file for the limit's one query."""

    def __init__(self, path) -> None:
        from features.store.duckdb_store import DuckDBStore

        self._st = DuckDBStore(path)
        self.path = self._st.path  # the app keeps the data date per file and data version

    def data_version(self) -> str:
        return self._st.data_version()

    def scalar(self, sql, params=None):
        try:
            return self._st.scalar(sql, params)
        finally:
            self._st.close()
