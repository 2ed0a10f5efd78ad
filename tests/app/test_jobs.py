"""Retraining as a background job (app.jobs): progress, completion, one job per scheme."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from app.jobs import DONE, FAILED, RUNNING, JobRunning, job_status, jobs_folder, start_job

#: a stand-in for ``xinping train``: one step, then waits for ``go`` and ends as the
#: command does (last argument: the progress file)
FAKE = """
import sys, time
from pathlib import Path
from app.jobs import write_progress
progress = Path(sys.argv[-1])
write_progress(progress, "building snapshots")
while not (progress.parent / "go").exists():
    time.sleep(0.05)
write_progress(progress, "driver: scorecard -> v2", "done")
"""


def wait_for(check, what: str, seconds: float = 120):
    """Poll ``check`` until it returns something true (the job runs in another process)."""
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def fake(folder: Path) -> list[str]:
    return [sys.executable, "-c", FAKE, str(folder / "train-driver.progress")]


def test_a_job_reports_progress_and_completion_and_runs_once(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    started = start_job(tmp_path, "driver", "modeller", tmp_path / "x.duckdb", fake(tmp_path), env)
    assert started.state == RUNNING and started.user == "modeller"
    status = wait_for(
        lambda: (s := job_status(tmp_path, "driver")) and s.steps and s, "the first step"
    )
    assert status.running and status.steps == ["building snapshots"]
    # a second start of the same scheme while the first runs is refused
    with pytest.raises(JobRunning):
        start_job(tmp_path, "driver", "someone", tmp_path / "x.duckdb", fake(tmp_path), env)
    assert job_status(tmp_path, "driver").user == "modeller"
    # another scheme is not held up
    assert job_status(tmp_path, "sme") is None
    (tmp_path / "go").touch()
    done = wait_for(
        lambda: (s := job_status(tmp_path, "driver")) and not s.running and s, "the end"
    )
    assert done.state == DONE and done.message == "driver: scorecard -> v2"
    assert done.finished is not None
    # once it is over, the scheme may be trained again
    again = start_job(tmp_path, "driver", "modeller", tmp_path / "x.duckdb", fake(tmp_path), env)
    assert again.running and again.steps == [] and again.pid != started.pid
    wait_for(lambda: not job_status(tmp_path, "driver").running, "the second end")


def test_a_killed_job_reads_failed(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    job = start_job(tmp_path, "driver", "modeller", tmp_path / "x.duckdb", fake(tmp_path), env)
    wait_for(lambda: job_status(tmp_path, "driver").steps, "the first step")
    os.killpg(job.pid, signal.SIGKILL)  # its own process group: the job and nothing else
    status = wait_for(
        lambda: (s := job_status(tmp_path, "driver")) and not s.running and s, "the kill"
    )
    assert status.state == FAILED


def test_xinping_train_runs_as_a_job_and_registers_a_challenger(
    scoring_city_file: Path, make_settings, tmp_path: Path
) -> None:
    """The real command on the tiny city: steps in the progress file, a new version."""
    from models.registry import CHALLENGER, connect, version_by_alias

    store = tmp_path / "city.duckdb"
    shutil.copy(scoring_city_file, store)
    home = tmp_path / "mlruns"
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "XINPING_SETTINGS": str(make_settings(tmp_path, home)),
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    folder = jobs_folder(store)
    assert folder == tmp_path / "jobs"
    start_job(folder, "driver", "modeller", store, env=env)
    status = wait_for(
        lambda: (s := job_status(folder, "driver")) and not s.running and s, "training", 600
    )
    assert status.state == DONE, status.log.read_text(encoding="utf-8")
    assert "building snapshots" in " ".join(status.steps)
    assert any("cross-validated AUC" in s for s in status.steps)
    assert "xinping-driver v1 (challenger)" in status.message
    assert str(version_by_alias(connect(home), "driver", CHALLENGER).version) == "1"
