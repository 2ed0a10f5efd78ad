"""What saving a village assessment reads first, read while the officer fills it in.

Storing an assessment re-rates the household and its village's co-operatives before and
after the record (:func:`scoring.casework.assess_household`). The "before" — the
subjects it reaches, their slice of the store, their ratings — does not depend on the
score typed: the page reads it in the background once the form shows a household
(:func:`start`), and the save takes it (:func:`take`) instead of reading it again, when
nothing was written since (the re-rating checks that under the store's write hold). At
the city this is ~0.35 s of the ~0.9 s a save took.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

from features.compile import BuildConfig
from features.store.base import Store
from scoring.batch import RatingPolicies
from scoring.casework import prepare_assessment
from scoring.rerating import Before

log = logging.getLogger("xinping.app")

#: started after the page is drawn: its reads would otherwise slow the page's last steps
START_AFTER_SECONDS = 0.3
#: how long a save waits for a reading still under way (it reads itself after that)
WAIT_SECONDS = 5.0
#: readings kept (a few officers on a few households each)
KEPT = 8

# one reading at a time: they share the store and the machine with the sessions
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xinping-assess-ahead")
_STARTED: OrderedDict[tuple[str, str, dt.date], tuple[str, Future]] = OrderedDict()
_LOCK = threading.Lock()


def _key(store: Store, household: str, day: dt.date) -> tuple[str, str, dt.date]:
    return str(getattr(store, "path", None) or f"object:{id(store)}"), str(household), day


def start(
    store: Store,
    household: str,
    day: dt.date,
    home: Path,
    build: BuildConfig,
    policies: RatingPolicies,
) -> None:
    """Read in the background what an assessment of ``household`` on ``day`` reads first,
    unless it is read (or being read) for the store's data as it is now."""
    key = _key(store, household, day)
    version = store.data_version()
    with _LOCK:
        got = _STARTED.get(key)
        if got is not None and got[0] == version:
            return
        future = _POOL.submit(_read, store, household, day, home, build, policies)
        _STARTED[key] = (version, future)
        _STARTED.move_to_end(key)
        while len(_STARTED) > KEPT:
            _STARTED.popitem(last=False)


def _read(
    store: Store,
    household: str,
    day: dt.date,
    home: Path,
    build: BuildConfig,
    policies: RatingPolicies,
) -> Before | None:
    time.sleep(START_AFTER_SECONDS)
    # read on the store opened for writing: the save then finds it open (opening a city's
    # file for writing after reading took 0.2 s of the first save); the app keeps it open
    # for a while after, and lets it go as soon as another process asks for the file
    hold = nullcontext(store) if getattr(store, "read_only", False) else store.writing()
    try:
        with hold:
            return prepare_assessment(store, household, day, home, build, policies)
    except Exception as exc:  # the save reads it itself
        # the type only: a message may quote a household head's ID
        log.warning("reading ahead of an assessment failed: %s", type(exc).__name__)
        return None


def take(store: Store, household: str, day: dt.date) -> Before | None:
    """The reading :func:`start` made for ``household`` on ``day`` (waiting for it while
    under way), or ``None``; whether it still holds is the save's to check."""
    with _LOCK:
        got = _STARTED.pop(_key(store, household, day), None)
    if got is None or got[0] != store.data_version():  # none, or of data since changed
        return None
    try:
        return got[1].result(timeout=WAIT_SECONDS)
    except Exception:  # still under way, or failed: the save reads itself
        return None
