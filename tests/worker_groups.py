"""Which tests run together under ``pytest -n 2 --dist loadgroup`` (``make test``).

Two cores run the suite in two pytest-xdist workers. A session fixture is built once per
worker that uses it, so the tests of the costly ones that cannot be shared between
processes (``BUILT_ONCE``: the Spark JVM) are sent to one worker as one unit; the cities
and champions are built once per run and copied to each worker (tests/built_once.py).
Every other test goes with its module, so module fixtures are built once too (xdist's
``loadscope``).

xdist's own ``loadgroup`` reads ``xdist_group`` marks by appending the group to the test's
node id, which pytest 9.2 no longer lets a plugin change (the id is ``Node._id``): the
marks reached the workers and the controller never saw them, so a module's tests were
spread over both workers. Here the workers write each test's group to a file the
controller's scheduler reads instead; ``xdist_group`` marks written in a test still count.

A worker also gets the controller's terminal size variables: workers started with
``COLUMNS=80``/``LINES=24`` in their environment though the controller had none, and rich's
console (``app.cli_root``) fixes its width from ``COLUMNS`` when it is created, so the CLI
tests' ``COLUMNS=200`` no longer widened its tables (4 CLI tests failed under ``-n 2``).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

#: Session fixtures that take long to build; a test using several goes with the first.
BUILT_ONCE = ("spark",)

_KEY = "xinping_groups"
_TERMINAL = ("COLUMNS", "LINES")
_TERMINAL_KEY = "xinping_terminal"
_FOLDER = pytest.StashKey[Path]()


def _grouping(config: pytest.Config) -> bool:
    """Whether this run distributes by group (the controller's or a worker's view)."""
    if hasattr(config, "workerinput"):
        return _KEY in config.workerinput  # type: ignore[attr-defined]
    return config.pluginmanager.hasplugin("xdist") and config.getvalue("dist") == "loadgroup"


def group_of(item: pytest.Item) -> str:
    """The unit ``item`` is scheduled with: its ``xdist_group`` mark, else the first costly
    session fixture it uses, else its module."""
    mark = item.get_closest_marker("xdist_group")
    if mark is not None:
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    shared = [name for name in BUILT_ONCE if name in item.fixturenames]
    return shared[0] if shared else item.nodeid.split("::")[0]


def pytest_configure(config: pytest.Config) -> None:
    worker = getattr(config, "workerinput", None)
    if worker is not None and _TERMINAL_KEY in worker:
        for name, value in worker[_TERMINAL_KEY].items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if _grouping(config) and worker is None:
        config.stash[_FOLDER] = Path(tempfile.mkdtemp(prefix="xinping-groups-"))


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_FOLDER, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """Tell each worker where to write the groups and the controller's terminal size
    variables (controller side)."""
    node.workerinput[_TERMINAL_KEY] = {name: os.environ.get(name) for name in _TERMINAL}
    folder = node.config.stash.get(_FOLDER, None)
    if folder is not None:
        node.workerinput[_KEY] = str(folder)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Write every collected test's group (worker side) before the controller schedules."""
    if not hasattr(config, "workerinput") or _KEY not in config.workerinput:  # type: ignore[attr-defined]
        return
    worker = config.workerinput  # type: ignore[attr-defined]
    target = Path(worker[_KEY]) / f"{worker['workerid']}.json"
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps({item.nodeid: group_of(item) for item in items}))
    os.replace(partial, target)  # the controller never reads half a file


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """xdist's scope scheduling with the scopes read from the workers' files."""
    folder = config.stash.get(_FOLDER, None)
    if folder is None:
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            # called once every worker has collected, so each has written its file
            if self.groups is None:
                self.groups = json.loads(next(iter(sorted(folder.glob("*.json")))).read_text())
            return self.groups.get(nodeid, nodeid.split("::")[0])

    return GroupScheduling(config, log)
