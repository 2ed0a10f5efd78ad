"""Retraining started from the app: ``xinping train`` as a detached background job.

The app must stay responsive while a scheme trains (minutes on the city scale), and a
training run must not die with the page or the session that started it. So the page
starts the command line's own ``xinping train --subject S --progress-file F`` as a
separate process in its own process group (a new session: a Streamlit restart or a
closed tab does not stop it), with its output in a log, and reads its progress from
the file the command writes. Everything lives in ``<store folder>/jobs/``:

* ``train-<scheme>.json``: who started it, when, the process and its command;
* ``train-<scheme>.progress``: one JSON line per step (``{"at", "message"}``), the last
  one with ``"state": "done"`` or ``"failed"`` (written by ``xinping train``);
* ``train-<scheme>.log``: the command's output.

One job per scheme at a time: a second start while one runs is refused
(:class:`JobRunning`). A job whose process is gone without a last line (killed) reads
as failed. Starting a process is an edge of the app, like reading settings: the use
case (training) stays in :func:`training.run.train_scheme`, which the command runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from training.tracking import _process_token, process_alive

RUNNING, DONE, FAILED = "running", "done", "failed"


class JobRunning(RuntimeError):
    """A job of this scheme is running already."""


@dataclass(frozen=True)
class JobStatus:
    """What a page shows of a training job."""

    scheme: str
    state: str  # running, done or failed
    user: str
    started: dt.datetime
    pid: int
    steps: list[str] = field(default_factory=list)  # progress messages, oldest first
    finished: dt.datetime | None = None
    message: str = ""  # the last line: the result, or why it failed
    log: Path | None = None
    display: str = ""  # the starter's name as people read it

    @property
    def running(self) -> bool:
        """Whether the job is still at work."""
        return self.state == RUNNING


def jobs_folder(store_path: Path) -> Path:
    """Where the jobs of the store at ``store_path`` keep their files."""
    return Path(store_path).resolve().parent / "jobs"


def _paths(folder: Path, scheme: str) -> tuple[Path, Path, Path]:
    base = folder / f"train-{scheme}"
    return base.with_suffix(".json"), base.with_suffix(".progress"), base.with_suffix(".log")


def train_command(scheme: str, store_path: Path, progress: Path) -> list[str]:
    """``xinping train`` of one scheme on ``store_path``, writing progress to ``progress``."""
    return [
        sys.executable,
        "-m",
        "app.cli",
        "train",
        "--subject",
        scheme,
        "--store",
        str(store_path),
        "--progress-file",
        str(progress),
    ]


def _reap(pid: int) -> None:
    """Collect the exit of our own child, so it does not linger as a zombie (which
    would still read as alive)."""
    # not our child (another app process started it): nothing to collect
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _read_progress(path: Path) -> list[dict]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:  # a line being written right now
            continue
    return out


def job_status(folder: Path, scheme: str) -> JobStatus | None:
    """The latest training job of ``scheme`` in ``folder``, or ``None`` if none was started."""
    state_path, progress_path, log_path = _paths(folder, scheme)
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    pid = int(state["pid"])
    _reap(pid)
    lines = _read_progress(progress_path)
    steps = [str(r.get("message", "")) for r in lines if "state" not in r]
    last = next((r for r in reversed(lines) if "state" in r), None)
    alive = process_alive(pid, state.get("token", ""))
    if last is not None:
        done, message = last["state"], str(last.get("message", ""))
        finished = dt.datetime.fromisoformat(last["at"]) if last.get("at") else None
    elif alive:
        done, message, finished = RUNNING, steps[-1] if steps else "", None
    else:  # gone without its last line: killed, or failed before it could write
        done, message, finished = FAILED, _tail(log_path), None
    return JobStatus(
        scheme=scheme,
        state=done,
        user=str(state.get("user", "")),
        started=dt.datetime.fromisoformat(state["started"]),
        pid=pid,
        steps=steps,
        finished=finished,
        message=message,
        log=log_path,
        display=str(state.get("display", "")),
    )


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except FileNotFoundError:
        return ""
    return "\n".join(text[-lines:])


def start_job(
    folder: Path,
    scheme: str,
    user: str,
    store_path: Path,
    command: Sequence[str] | None = None,
    env: dict[str, str] | None = None,
    display: str = "",
) -> JobStatus:
    """Start ``xinping train --subject scheme`` in the background and return its status.

    Parameters
    ----------
    folder
        The jobs folder (:func:`jobs_folder` of the store).
    scheme, user
        The scheme to train and who asked (kept with the job; the page audit-logs it).
    display
        The asker's name as people read it (shown with the job).
    store_path
        The store the job trains on.
    command
        The command to run instead of :func:`train_command` (tests); it must write the
        progress file given as its last argument in the same form.
    env
        The process environment (default: the app's, so the job reads the same settings).

    Raises
    ------
    JobRunning
        When a job of ``scheme`` is still running.
    """
    folder.mkdir(parents=True, exist_ok=True)
    state_path, progress_path, log_path = _paths(folder, scheme)
    with (folder / f"train-{scheme}.lock").open("w") as lock:
        # two sessions pressing the button at once: one starts, the other is refused
        fcntl.flock(lock, fcntl.LOCK_EX)
        before = job_status(folder, scheme)
        if before is not None and before.running:
            raise JobRunning(
                f"{scheme}: training started by {before.user} at {before.started:%H:%M:%S} "
                "is still running"
            )
        progress_path.unlink(missing_ok=True)
        argv = (
            list(command)
            if command is not None
            else train_command(scheme, store_path, progress_path)
        )
        with log_path.open("w", encoding="utf-8") as log:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=os.getcwd(),
                env=env if env is not None else dict(os.environ),
                start_new_session=True,  # its own process group: outlives the page
            )
        state = {
            "scheme": scheme,
            "user": user,
            "display": display,
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "pid": proc.pid,
            "token": _process_token(proc.pid),
            "command": argv,
        }
        tmp = state_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        tmp.replace(state_path)
    status = job_status(folder, scheme)
    assert status is not None  # just written
    return status


def write_progress(path: Path, message: str, state: str | None = None) -> None:
    """Append one progress line (``state``: ``done`` or ``failed`` on the last one)."""
    record: dict[str, str] = {"at": dt.datetime.now().isoformat(timespec="seconds")}
    record["message"] = message
    if state is not None:
        record["state"] = state
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
