"""Shared query results of the app: computed once per data version, read by every session.

Twenty supervisors opening 总览 ask the same questions of the same data; each answer is
computed once and kept by Streamlit's ``st.cache_data`` (one cache per server process,
shared by all sessions) under a key that holds the store's identity and
:meth:`~features.store.base.Store.data_version`. Any analytical write — a ``xinping score``
in another process, an objection's re-rating in the app — changes the version, so the
next view recomputes and shows the new data without a restart; old entries age out
(``max_entries``).

What is cached here is the same for every user: nothing masked, nothing audited. Pages
mask personal IDs per user after reading a shared frame
(:func:`app.state.mask_frame`) and write their audit rows themselves. ``st.cache_data``
hands each caller its own copy, so a page may change what it gets.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import streamlit as st

from app.data import overview as overview_data
from app.data import supervision as supervision_data
from features import date_limit
from features.store.base import Store
from scoring import history

# app.data.rural and app.data.modelling are imported where they are used: they bring
# MLflow, which 总览 and 分级分类监管 do not need on their first view after a start

#: entries kept per cached function (dates × schemes × languages of a few data versions);
#: entries of an old version are never read again and go first
ENTRIES = 64
#: entries of a frame with a row per subject (a copy per date and language of each version)
LARGE_ENTRIES = 8


def store_key(store: Store) -> tuple[str, str]:
    """The cache key of ``store``'s data: where it is and its data version.

    Two stores (a test's copy, another city) never share entries; a write through any
    handle of the same file changes the version.
    """
    return _where(store), store.data_version()


def _where(store: Store) -> str:
    """Where ``store`` is: its file, else the object (two stores never share entries)."""
    return str(getattr(store, "path", None) or f"object:{id(store)}")


#: the data date per (where a store is, data version), newest last: read once per
#: version, carried across a change this process made (:func:`carry_data_date`)
_DATA_DATES: OrderedDict[tuple[str, str], dt.date | None] = OrderedDict()
_DATA_DATES_LOCK = threading.Lock()


def data_date(store: Store) -> dt.date | None:
    """:func:`features.date_limit.data_date`, shared: read once per data version.

    The pages' date limit asks for it up to three times a run. On a store this process
    has just written to, DuckDB reads every record for it (city: 30-120 ms a read; on a
    store as opened it answers from its statistics), so a change made from a page
    carries it to the version after (:func:`carry_data_date`) instead.
    """
    key = store_key(store)
    with _DATA_DATES_LOCK:
        if key in _DATA_DATES:
            _DATA_DATES.move_to_end(key)
            return _DATA_DATES[key]
    value = date_limit.data_date(store)
    _keep_data_date(key, value)
    return value


def carry_data_date(
    store: Store, versions: tuple[str, str] | None, published: Iterable[dt.date]
) -> None:
    """After a change made from a page: the data date of the version after it, from the
    one before and the publication days of the records it appended (``published``;
    none for an objection or a repair).

    ``versions``: :attr:`scoring.casework.Outcome.versions`, read while the change held
    the store for writing (nothing else was written between them). Nothing is carried
    when the date before was not read; the next view then reads it.
    """
    if versions is None:
        return
    where = _where(store)
    with _DATA_DATES_LOCK:
        if (where, versions[0]) not in _DATA_DATES:
            return
        before = _DATA_DATES[(where, versions[0])]
    days = [d for d in (before, *published) if d is not None]
    _keep_data_date((where, versions[1]), max(days) if days else None)


def _keep_data_date(key: tuple[str, str], value: dt.date | None) -> None:
    with _DATA_DATES_LOCK:
        _DATA_DATES[key] = value
        _DATA_DATES.move_to_end(key)
        while len(_DATA_DATES) > ENTRIES:
            _DATA_DATES.popitem(last=False)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _batch_dates(_store: Store, key: tuple[str, str], scheme: str | None) -> list[dt.date]:
    return history.batch_dates(_store, scheme)


def batch_dates(store: Store, scheme: str | None = None) -> list[dt.date]:
    """:func:`scoring.history.batch_dates`, shared."""
    return _batch_dates(store, store_key(store), scheme)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _latest_as_of(_store: Store, key: tuple[str, str], scheme: str) -> dt.date | None:
    return history.latest_as_of(_store, scheme)


def latest_as_of(store: Store, scheme: str) -> dt.date | None:
    """:func:`scoring.history.latest_as_of`, shared."""
    return _latest_as_of(store, store_key(store), scheme)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _grade_counts(_store: Store, key: tuple[str, str], as_of: dt.date) -> pd.DataFrame:
    return overview_data.grade_counts(overview_data.batch_ratings(_store, as_of))


def grade_counts(store: Store, as_of: dt.date) -> pd.DataFrame:
    """Subjects per scheme, region, industry and grade on ``as_of``, shared
    (:func:`app.data.overview.grade_counts` of :func:`app.data.overview.batch_ratings`):
    what a view copies out of the cache does not grow with the city."""
    return _grade_counts(store, store_key(store), as_of)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _movements(
    _store: Store, key: tuple[str, str], scheme: str, as_of: dt.date, previous: dt.date
) -> tuple[pd.DataFrame, dict[str, int]]:
    return overview_data.movements(_store, scheme, as_of, previous)


def movements(
    store: Store, scheme: str, as_of: dt.date, previous: dt.date
) -> tuple[pd.DataFrame, dict[str, int]]:
    """:func:`app.data.overview.movements`, shared."""
    return _movements(store, store_key(store), scheme, as_of, previous)


@st.cache_data(show_spinner=False, max_entries=LARGE_ENTRIES)
def _classified(
    _store: Store, key: tuple[str, str], as_of: dt.date, lang: str
) -> tuple[pd.DataFrame, dict]:
    return supervision_data.classified(_store, as_of, lang)


def classified(store: Store, as_of: dt.date, lang: str) -> tuple[pd.DataFrame, dict]:
    """:func:`app.data.supervision.classified`, shared: full IDs — mask before showing."""
    return _classified(store, store_key(store), as_of, lang)


def subjects_key(store: Store) -> tuple[str, str]:
    """The cache key of what is read of the subjects alone: where the store is, and how
    many subject rows it holds with the latest recording time among them.

    Subjects are never updated or deleted (a correction is a new version row), so the key
    moves with every change to them, and not with a record, a rating or an assessment
    written (:func:`store_key` does: names read again after each save on 农村信用 cost
    0.1 s at the city).
    """
    row = store.query("SELECT count(*) AS n, max(recorded_at) AS t FROM subjects").iloc[0]
    return _where(store), f"{row['n']}:{row['t']}"


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _names(_store: Store, key: tuple[str, str], subject_type: str) -> dict[str, str]:
    from app.data import rural as rural_data

    return rural_data.names(_store, subject_type)


def names(store: Store, subject_type: str) -> dict[str, str]:
    """:func:`app.data.rural.names` (villages, townships), shared until the subjects change."""
    return _names(store, subjects_key(store), subject_type)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _village_people(_store: Store, key: tuple[str, str], village: str) -> pd.DataFrame:
    from app.data import rural as rural_data

    return rural_data.village_people(_store, village)


def village_people(store: Store, village: str) -> pd.DataFrame:
    """:func:`app.data.rural.village_people`, shared until the subjects change: full
    names — mask before showing."""
    return _village_people(store, subjects_key(store), village)


# -- the model registry (模型管理): keyed on the registry database's file ----------------
def registry_key(home: Path) -> str:
    """A token that changes whenever the MLflow registry in ``home`` is written.

    The SQLite file's (and its write-ahead log's) modification time and size; a
    registry behind a URI (a tracking server) cannot be watched, so its token changes
    on every call and nothing is reused.
    """
    from models.registry import is_uri

    if is_uri(home):
        return uuid.uuid4().hex
    parts = []
    for name in ("mlflow.db", "mlflow.db-wal"):
        try:
            stat = (Path(home) / name).stat()
        except FileNotFoundError:
            parts.append("-")
        else:
            parts.append(f"{stat.st_mtime_ns}:{stat.st_size}")
    return "|".join(parts)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _registry(home: str, key: str, scheme: str, what: str):
    from app.data import modelling as modelling_data

    read = {
        "alias_runs": modelling_data.alias_runs,
        "versions": modelling_data.versions,
        "runs": modelling_data.runs,
        "side_by_side": modelling_data.side_by_side,
    }[what]
    return read(Path(home), scheme)


def alias_runs(home: Path, scheme: str) -> dict[str, tuple[str, str]]:
    """:func:`app.data.modelling.alias_runs`, shared until the registry changes."""
    return _registry(str(home), registry_key(home), scheme, "alias_runs")


def versions(home: Path, scheme: str) -> pd.DataFrame:
    """:func:`app.data.modelling.versions`, shared until the registry changes."""
    return _registry(str(home), registry_key(home), scheme, "versions")


def runs(home: Path, scheme: str) -> pd.DataFrame:
    """:func:`app.data.modelling.runs`, shared until the registry changes."""
    return _registry(str(home), registry_key(home), scheme, "runs")


def side_by_side(home: Path, scheme: str) -> pd.DataFrame:
    """:func:`app.data.modelling.side_by_side`, shared until the registry changes."""
    return _registry(str(home), registry_key(home), scheme, "side_by_side")


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _report(home: str, run_id: str) -> dict | None:
    from app.data import modelling as modelling_data

    return modelling_data.report_json(Path(home), run_id)


def report(home: Path, run_id: str) -> dict | None:
    """:func:`app.data.modelling.report_json`, shared (a run's report never changes)."""
    return _report(str(home), run_id)


@st.cache_data(show_spinner=False, max_entries=LARGE_ENTRIES)
def _oot_frame(_store: Store, key: tuple[str, str], scheme: str) -> pd.DataFrame:
    from app.data import modelling as modelling_data

    return modelling_data.oot_frame(_store, scheme)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _evidence(
    _store: Store, key: tuple[str, str], home: str, scheme: str, version: str, run_id: str
) -> dict:
    from app.data import modelling as modelling_data

    pipeline = modelling_data.load_version(Path(home), scheme, version)
    return modelling_data.oot_evidence(pipeline, _oot_frame(_store, key, scheme))


def evidence(store: Store, home: Path, scheme: str, version: str, run_id: str) -> dict:
    """:func:`app.data.modelling.oot_evidence` of one version on today's out-of-time
    snapshots, shared until the store's data changes (a version never changes; its run
    is in the key so a registry rebuilt under the same numbers is not mistaken for it)."""
    return _evidence(store, store_key(store), str(home), scheme, version, run_id)
