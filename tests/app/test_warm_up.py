"""The app's warm-up (``app.state.warm_models``): what a page's first change would read,
read in the background when the app first runs."""

from __future__ import annotations

import threading

import pytest

from app import state


class _Store:
    """Answers the warm-up's one question and notes it."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def row_directory(self, table: str) -> None:
        self.asked.append(table)


class _Closed:
    def row_directory(self, table: str) -> None:
        raise OSError("the store cannot be opened")


@pytest.fixture(autouse=True)
def _fresh(monkeypatch, tmp_path):
    # no champions to load here: the warm-up goes on to the store
    monkeypatch.setattr(state, "champions", lambda home, schemes: ({}, {}))
    state.warm_models.clear()
    yield
    state.warm_models.clear()


def test_the_records_directory_is_read_in_the_background() -> None:
    opened = _Store()
    state.warm_models(lambda: opened).join(timeout=30)
    assert opened.asked == ["records"]


def test_a_store_that_cannot_be_read_is_left_to_the_page(monkeypatch) -> None:
    # no traceback from the background thread: the page that opens the store reports it
    escaped: list = []
    monkeypatch.setattr(threading, "excepthook", escaped.append)
    thread = state.warm_models(lambda: _Closed())
    thread.join(timeout=30)
    assert not thread.is_alive() and escaped == []


def test_without_a_store_only_the_models_are_loaded() -> None:
    thread = state.warm_models()
    thread.join(timeout=30)
    assert not thread.is_alive()
