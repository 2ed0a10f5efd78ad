"""Session fixtures built once per test run, whichever xdist worker asks first.

A session fixture is built once per worker process: under ``make test`` (two workers)
the tiny city, its champions and the rated cities were generated and trained twice
when tests of both workers used them. :func:`built_once` runs the build in a folder of
the run's shared temporary root under a file lock (pytest-xdist's documented recipe for
session fixtures): the first worker builds, the other waits for it. Each worker then
works on its own copy of the files, as it did on its own build: a test that opens a
store read-write, or moves a champion's alias and back, is seen by its worker only.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from filelock import FileLock

T = TypeVar("T")


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]) -> T:
    """``build(folder)`` once per run; for each worker a copy of the folder and the result
    with its paths moved into that copy.

    Parameters
    ----------
    factory
        The session's ``tmp_path_factory``.
    name
        The build's name: its folder and lock under the run's temporary root.
    build
        Makes its files in the (empty) folder it is given and returns what the tests need
        to find them: paths inside that folder, in a dict, list or tuple, and plain values.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # one process: built where it is used
        return build(factory.mktemp(name))
    # under xdist each worker's base is <run>/popen-gwN: <run> belongs to this run
    root = factory.getbasetemp().parent / "built-once"
    root.mkdir(exist_ok=True)
    shared, done = root / name, root / f"{name}.pickle"
    with FileLock(str(root / f"{name}.lock")):
        if not done.exists():
            shutil.rmtree(shared, ignore_errors=True)  # what a failed build left
            shared.mkdir()
            result = build(shared)
            done.write_bytes(pickle.dumps(result))
    mine = factory.mktemp(name)
    shutil.copytree(shared, mine, dirs_exist_ok=True)
    return _moved(pickle.loads(done.read_bytes()), shared, mine)


def _moved(value: Any, old: Path, new: Path) -> Any:
    """``value`` with every path under ``old`` pointing to the same place under ``new``."""
    if isinstance(value, Path):
        return new / value.relative_to(old) if value.is_relative_to(old) else value
    if isinstance(value, dict):
        return {k: _moved(v, old, new) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_moved(v, old, new) for v in value)
    return value
