"""A training run whose process dies does not stay RUNNING: SIGTERM and Ctrl-C end it
FAILED on the way out; after kill -9 the next look at the runs marks it FAILED with a note.

Each case starts a real Python process that opens a run the way training does
(``tracking.owned_run``) and waits; the test stops it and reads the registry."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from training import tracking

ROOT = Path(__file__).resolve().parents[2]
HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from training import tracking

    home = Path(sys.argv[1])
    client = tracking.connect(home)
    exp = tracking.experiment_id(client, home, "driver")
    with tracking.owned_run(exp, "driver-held") as run:
        print(run.info.run_id, flush=True)
        time.sleep(120)
    """
)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    return tmp_path / "mlruns"


def _hold(home: Path) -> tuple[subprocess.Popen, str]:
    """A process holding an open run; returns it and the run ID once the run is open."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    run_id = proc.stdout.readline().strip()  # type: ignore[union-attr]
    assert run_id, "the holder died before opening its run"
    return proc, run_id


def _run(home: Path, run_id: str):
    return tracking.connect(home).get_run(run_id)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_process_ends_its_run_failed(home: Path, sig) -> None:
    proc, run_id = _hold(home)
    assert _run(home, run_id).info.status == "RUNNING"
    proc.send_signal(sig)
    assert proc.wait(timeout=60) != 0
    assert _run(home, run_id).info.status == "FAILED"


def test_a_killed_process_s_run_is_marked_failed_by_the_next_look(home: Path) -> None:
    proc, run_id = _hold(home)
    tags = _run(home, run_id).data.tags
    assert tags[tracking.PID_TAG] == str(proc.pid) and tags[tracking.HOST_TAG]
    proc.kill()  # SIGKILL: nothing of the process runs any more
    proc.wait(timeout=60)
    assert _run(home, run_id).info.status == "RUNNING"  # what MLflow alone leaves behind

    # a run whose process lives (this one) is left alone
    import mlflow

    client = tracking.connect(home)
    exp = tracking.experiment_id(client, home, "driver")
    with tracking.owned_run(exp, "alive") as alive:
        assert tracking.mark_dead_runs(home) == [run_id]
        assert _run(home, alive.info.run_id).info.status == "RUNNING"
    mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
    mlflow.set_registry_uri(None)  # type: ignore[arg-type]

    dead = _run(home, run_id)
    assert dead.info.status == "FAILED" and dead.info.end_time is not None
    assert f"process {proc.pid}" in dead.data.tags[tracking.NOTE_TAG]
    assert tracking.mark_dead_runs(home) == []  # once


def test_a_reused_pid_is_not_taken_for_the_run_s_process() -> None:
    import os

    mine = tracking.owner_tags()
    assert tracking.process_alive(os.getpid(), mine[tracking.PROCESS_TAG])
    if mine[tracking.PROCESS_TAG]:  # Linux: another process start under the same pid
        assert not tracking.process_alive(os.getpid(), "another-boot:1")
