"""MLflow plumbing: SQLite tracking and registry under ``mlruns/``, artifacts beside it.

The file tracking backend is refused by MLflow 3 (STACK.md), so the home folder
holds ``mlflow.db`` and ``artifacts/``; experiments get absolute artifact
locations under it. mlflow is imported lazily: it costs a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlflow import MlflowClient

from models.registry import (  # noqa: F401 (re-exported: training's MLflow API)
    CHALLENGER,
    CHAMPION,
    connect,
    model_name,
    tracking_uri,
    version_by_alias,
)


def experiment_id(client: MlflowClient, home: Path, scheme: str) -> str:
    """The scheme's experiment, created with its artifact folder under ``home``."""
    name = model_name(scheme)
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    location = (home / "artifacts" / scheme).resolve().as_uri()
    return client.create_experiment(name, artifact_location=location)


# --- runs whose process died -------------------------------------------------------------
# A run is tagged with the host and process that own it. A process stopped by SIGTERM or
# Ctrl-C ends its run FAILED itself (:func:`failing_on_signals`); one killed outright
# (kill -9, a power cut) cannot, so the next command that looks at the runs marks every
# RUNNING run of this host whose process is gone as FAILED, with a note
# (:func:`mark_dead_runs`).

HOST_TAG, PID_TAG, PROCESS_TAG = "xinping.host", "xinping.pid", "xinping.process"
NOTE_TAG = "xinping.note"


def _process_token(pid: int) -> str:
    """What tells this process from a later one given the same pid: the boot and the
    process's start time (Linux ``/proc``), or ``""`` where there is no ``/proc``."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat = Path(f"/proc/{pid}/stat").read_text()
        # the fields after the command name (which may hold spaces) in parentheses
        start = stat.rsplit(")", 1)[1].split()[19]
        return f"{boot}:{start}"
    except (OSError, IndexError):
        return ""


def owner_tags() -> dict[str, str]:
    """Tags naming the host and process that own a run (set when it starts)."""
    import os
    import socket

    pid = os.getpid()
    return {
        HOST_TAG: socket.gethostname(),
        PID_TAG: str(pid),
        PROCESS_TAG: _process_token(pid),
    }


def process_alive(pid: int, token: str = "") -> bool:
    """Whether process ``pid`` still runs (and is the one of ``token``, when given)."""
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        pass
    return not token or _process_token(pid) in ("", token)


def mark_dead_runs(home: Path | str) -> list[str]:
    """Mark FAILED every RUNNING run of this host whose process is gone; return their IDs.

    Runs of other hosts (their processes cannot be seen from here) and runs
    without owner tags are left as they are.
    """
    import datetime as dt
    import socket

    from mlflow.entities import ViewType

    client = connect(home)
    host = socket.gethostname()
    experiments = [
        e.experiment_id
        for e in client.search_experiments(view_type=ViewType.ALL)
        if e.name.startswith("xinping-")
    ]
    if not experiments:
        return []
    marked = []
    for run in client.search_runs(experiments, "attributes.status = 'RUNNING'"):
        tags = run.data.tags
        if tags.get(HOST_TAG) != host or not tags.get(PID_TAG, "").isdigit():
            continue
        pid = int(tags[PID_TAG])
        if process_alive(pid, tags.get(PROCESS_TAG, "")):
            continue
        client.set_tag(
            run.info.run_id,
            NOTE_TAG,
            f"进程 {pid}（{host}）已结束而运行未关闭，标记为失败 / process {pid} on {host} "
            f"ended without closing the run; marked FAILED at {dt.datetime.now():%Y-%m-%d %H:%M}",
        )
        client.set_terminated(run.info.run_id, "FAILED")
        marked.append(run.info.run_id)
    return marked


@contextmanager
def owned_run(experiment: str, run_name: str) -> Iterator:
    """``mlflow.start_run`` tagged with its host and process, ended FAILED on SIGTERM or
    Ctrl-C (:func:`failing_on_signals`); yields the active run."""
    import mlflow

    with (
        failing_on_signals(),
        mlflow.start_run(experiment_id=experiment, run_name=run_name, tags=owner_tags()) as run,
    ):
        yield run


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGINT arrived while a run was open (the run is ended FAILED)."""


@contextmanager
def failing_on_signals() -> Iterator[None]:
    """Inside, SIGTERM (like Ctrl-C) raises :class:`Interrupted`, so the open MLflow run
    ends FAILED on the way out instead of staying RUNNING. The handlers before are
    restored after; outside the main thread nothing changes (signals go there only)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Interrupted(signal.Signals(signum).name)

    before = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
