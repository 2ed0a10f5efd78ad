"""The app's shared caches (:mod:`app.cache`): one computation per data version for every
session, and current data after a write through another store handle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import app.data.overview as overview_data
import app.data.supervision as supervision_data
from features.store.duckdb_store import DuckDBStore

PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"


def page(name: str, role: str) -> AppTest:
    """A fresh session (its own session state) on ``name`` as a user of ``role``."""
    at = AppTest.from_file(str(PAGES / f"{name}_page.py"), default_timeout=180)
    at.session_state["lang"] = "zh"
    at.session_state["user"] = {
        "username": f"cache-{role}",
        "role": role,
        "display_name": f"测试{role}",
        "region_code": None,
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture()
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Calls of the shared queries behind 总览 and 分级分类监管, from an empty cache."""
    calls = {"batch_ratings": 0, "classified": 0}

    def counting(module, name: str):
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(overview_data, "batch_ratings")
    counting(supervision_data, "classified")
    st.cache_data.clear()
    yield calls
    st.cache_data.clear()


def rated(at: AppTest) -> int:
    """The overview's count of enterprises rated on the date shown."""
    metrics = {m.label: m.value for m in at.metric}
    return int(metrics["企业信用风险分类"].replace(",", ""))


def test_two_sessions_share_one_computation_until_a_write_changes_the_data(
    app_env: dict, counted: dict[str, int]
) -> None:
    first = page("overview", "supervisor")
    second = page("overview", "bank")  # another session, another role: the same numbers
    assert counted["batch_ratings"] == 1
    assert rated(first) == rated(second)
    before = rated(first)

    # a write through another handle of the same file (as `xinping score` in another
    # process would): the next view computes again and shows it
    other = DuckDBStore(app_env["store"])
    try:
        row = other.query(
            "SELECT * FROM ratings WHERE scheme = 'enterprise' AND as_of = ? LIMIT 1",
            [app_env["as_of"]],
        )
        other.append("ratings", row.assign(subject_id=pd.Series(["91CACHETEST0000001"])))
    finally:
        other.close()
    third = page("overview", "supervisor")
    assert counted["batch_ratings"] == 2
    assert rated(third) == before + 1
    page("overview", "admin")
    assert counted["batch_ratings"] == 2  # and shares that again


def test_supervision_classes_are_computed_once_for_every_session(
    app_env: dict, counted: dict[str, int]
) -> None:
    a = page("supervision", "supervisor")
    b = page("supervision", "admin")
    assert counted["classified"] == 1
    assert a.dataframe[1].value.shape == b.dataframe[1].value.shape


def test_the_model_registry_is_read_once_until_it_changes(
    app_env: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.data.modelling as modelling_data
    from models.registry import connect, model_name

    calls = []
    real = modelling_data.versions
    monkeypatch.setattr(
        modelling_data, "versions", lambda *a, **k: calls.append(a) or real(*a, **k)
    )
    st.cache_data.clear()
    page("models", "modeller")
    page("models", "admin")
    assert len(calls) == 1
    # a write to the registry (a tag, as promotion writes) reads it again
    connect(app_env["home"]).set_registered_model_tag(model_name("enterprise"), "note", "x")
    page("models", "modeller")
    assert len(calls) == 2
    st.cache_data.clear()


def test_a_shared_frame_is_masked_per_user_not_per_cache(
    app_env: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    import app.state
    import scoring.rural_rating
    from features.records.ids import is_personal_id

    # only the admin sees full personal IDs here: the rural officer's view must be masked
    # although both read the one shared assessment of the households
    monkeypatch.setattr(app.state, "sees_full_ids", lambda user: user.role == "admin")
    calls = []
    real = scoring.rural_rating.rural_assessment
    monkeypatch.setattr(
        scoring.rural_rating,
        "rural_assessment",
        lambda *a, **k: calls.append(1) or real(*a, **k),
    )
    st.cache_data.clear()
    # a personal ID as the masking sees one: an all-digit USCC (a co-operative's 93…) is not
    full_id = re.compile(r"^\d{17}[\dX]$")
    personal = is_personal_id

    def ids(at: AppTest) -> list[str]:
        return [
            str(v)
            for frame in (d.value for d in at.dataframe)
            for col in frame.columns
            for v in frame[col]
            if isinstance(v, str) and (personal(v) or "**********" in v)
        ]

    masked = ids(page("rural", "rural"))
    full = ids(page("rural", "admin"))
    assert len(calls) == 1
    assert masked and full
    assert not [v for v in masked if personal(v)]
    assert [v for v in full if personal(v)]
    assert [v for v in full if full_id.match(v)]
    st.cache_data.clear()


def test_names_are_read_again_only_when_the_subjects_change(
    app_env: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Village and township names are shared until a subject row is added (a correction is
    a new version row), not read again after every record or rating written."""
    import shutil

    from app import cache
    from app.data import rural as rural_data

    copy = tmp_path / "store.duckdb"
    shutil.copy(app_env["store"], copy)
    calls: list[str] = []
    real, real_people = rural_data.names, rural_data.village_people
    monkeypatch.setattr(rural_data, "names", lambda s, t: calls.append(t) or real(s, t))
    monkeypatch.setattr(
        rural_data,
        "village_people",
        lambda s, v: calls.append(f"people {v}") or real_people(s, v),
    )
    st.cache_data.clear()
    store = DuckDBStore(copy)
    try:
        first = cache.names(store, "village")
        record = store.query("SELECT * FROM records ORDER BY record_id LIMIT 1")
        store.append("records", record.assign(record_id="CACHE-TEST-1"))
        assert cache.names(store, "village") == first and calls == ["village"]
        # a village's households (their names) likewise
        code = next(iter(first))
        people = cache.village_people(store, code)
        store.append("records", record.assign(record_id="CACHE-TEST-2"))
        assert cache.village_people(store, code).equals(people) and len(people) > 0
        assert calls == ["village", f"people {code}"]
        village = store.query(
            "SELECT * FROM subjects WHERE subject_type = 'village' ORDER BY subject_id LIMIT 1"
        )
        renamed = village.assign(name="新名村委会", recorded_at=pd.Timestamp("2099-01-01"))
        store.append("subjects", renamed)
        now = cache.names(store, "village")
        assert calls == ["village", f"people {code}", "village"]
        assert now[village["subject_id"].iloc[0]] == "新名村委会"
    finally:
        store.close()
        st.cache_data.clear()


@pytest.fixture()
def dated(
    app_env: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[DuckDBStore, list]]:
    """A copy of the app's store, and every read of its data date made meanwhile."""
    import shutil

    from features import date_limit

    copy = tmp_path / "store.duckdb"
    shutil.copy(app_env["store"], copy)
    reads: list = []
    real = date_limit.data_date
    monkeypatch.setattr(date_limit, "data_date", lambda s: reads.append(real(s)) or reads[-1])
    st.cache_data.clear()
    store = DuckDBStore(copy)
    try:
        yield store, reads
    finally:
        store.close()
        st.cache_data.clear()


def test_the_data_date_is_read_once_per_data_version(dated) -> None:
    """The pages' date limit reads the data date once per data version (it asked for it up
    to three times a run), and a record published later moves it at once."""
    import datetime as dt

    from app import cache

    store, reads = dated
    first = cache.data_date(store)
    assert first is not None and cache.data_date(store) == first and len(reads) == 1
    record = store.query("SELECT * FROM records ORDER BY record_id LIMIT 1")
    later = first + dt.timedelta(days=3)
    store.append("records", record.assign(record_id="CACHE-TEST-3", published_on=later))
    assert cache.data_date(store) == later and len(reads) == 2
    assert cache.data_date(store) == later and len(reads) == 2


def test_a_change_made_here_carries_the_data_date_without_a_read(dated) -> None:
    """After a change made from a page, the data date of the version after it comes from
    the one before and the days of the records the change appended (on a store just
    written to, DuckDB reads every record for it); a date never read is not carried."""
    import datetime as dt

    from app import cache
    from features import date_limit

    store, reads = dated
    first = cache.data_date(store)
    assert first is not None and len(reads) == 1
    record = store.query("SELECT * FROM records ORDER BY record_id LIMIT 1")
    before = store.data_version()
    later = first + dt.timedelta(days=2)
    store.append("records", record.assign(record_id="CACHE-TEST-4", published_on=later))
    after = store.data_version()
    cache.carry_data_date(store, (before, after), [later])
    assert cache.data_date(store) == later and len(reads) == 1
    assert date_limit.data_date(store) == later and len(reads) == 2  # what a read gives
    # an objection (nothing appended to the records) keeps the date
    ratings = store.query("SELECT * FROM ratings LIMIT 1")
    store.append("ratings", ratings)
    cache.carry_data_date(store, (after, store.data_version()), [])
    assert cache.data_date(store) == later and len(reads) == 2
    # from a version whose date was never read, nothing is carried: the next view reads
    store.append("ratings", ratings)
    unknown = store.data_version()
    store.append("ratings", ratings)
    cache.carry_data_date(store, (unknown, store.data_version()), [])
    assert cache.data_date(store) == later and len(reads) == 3
