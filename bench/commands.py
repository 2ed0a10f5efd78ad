"""What users run, at a scale: each command exactly as typed, its time and peak memory.

``bench/suite.py`` calls :func:`measure_commands` once per scale. Each command is the
``xinping`` command line a user types (default settings, the shipped ``settings.toml``),
run as its own process on a writable copy of the scale's generated city, with an MLflow
home holding a copy of the champions (``xinping score`` needs them; ``xinping train``
registers its challenger there). Time is the wall clock of the process; peak memory is
the largest resident size of the process and its children (sampled every 0.2 s),
checked against the store's configured memory limit with headroom: the issue asks for
a peak of at most 6 GB at default settings.

Nothing here re-implements a command: a benchmark that called a function the command
does not call would time something users never run.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parents[1]
XINPING = pathlib.Path(sys.executable).with_name("xinping")
#: the ceiling the issue sets for every command at default settings (MB)
PEAK_LIMIT_MB = 6 * 1024


@dataclass
class CommandRun:
    """One command's run."""

    name: str
    argv: tuple[str, ...]
    ok: bool
    seconds: float
    peak_mb: float
    load: float
    tail: str = ""

    @property
    def within_limit(self) -> bool:
        """Whether the peak stayed at or under :data:`PEAK_LIMIT_MB`."""
        return self.peak_mb <= PEAK_LIMIT_MB


def commands(as_of: str, schemes_trained: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    """The commands measured, in the order a city runs them after a month's data.

    ``score`` first (the others read its ratings), then the lists, early warning,
    monitoring, rural ratings, data quality and an inspection draw; then training of
    each of ``schemes_trained`` (a challenger each, into the run's MLflow home).
    """
    month = as_of[:7]
    out = [
        ("score", ("score", "--subject", "all", "--as-of", as_of)),
        ("lists apply-rules", ("lists", "apply-rules", "--as-of", as_of, "--by", "bench")),
        ("watch run", ("watch", "run", "--as-of", as_of, "--by", "bench")),
        ("monitor", ("monitor", "--subject", "all", "--as-of", as_of)),
        ("rural", ("rural", "--on", as_of)),
        ("quality score", ("quality", "score", "--month", month)),
        ("inspections draw", ("inspections", "draw", "--as-of", as_of, "--seed", "7")),
    ]
    out += [(f"train {s}", ("train", "--subject", s)) for s in schemes_trained]
    return out


def tree_rss_mb(pid: int) -> float:
    """Resident size of ``pid`` and all its descendants, in MB (0 when gone; Spark's JVM
    is a child)."""
    total, todo, seen = 0.0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in pathlib.Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
            for task in pathlib.Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(k) for k in (task / "children").read_text().split())
        except OSError:
            continue
    return total


def run_command(
    name: str, argv: tuple[str, ...], env: dict[str, str], cwd: pathlib.Path, timeout_s: float
) -> CommandRun:
    """Run ``xinping *argv``; wall time and the peak resident size of its process tree."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(XINPING), *argv], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, tree_rss_mb(proc.pid))
            if time.perf_counter() - started > timeout_s:
                proc.kill()
                proc.wait()
                return CommandRun(name, argv, False, timeout_s, peak, load, f"over {timeout_s} s")
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        log.seek(0)
        tail = " ".join(log.read().strip().splitlines()[-2:])[-300:]
    return CommandRun(name, argv, proc.returncode == 0, seconds, peak, load, tail)


def measure_commands(
    db: pathlib.Path,
    mlflow_home: pathlib.Path,
    as_of: str,
    schemes_trained: tuple[str, ...] = (),
    timeout_s: float = 3600,
    report=print,
) -> list[CommandRun]:
    """Run every command of :func:`commands` on a writable copy of ``db``.

    Parameters
    ----------
    db
        The scale's generated city (not written: copied first).
    mlflow_home
        The champions to score with (copied first).
    as_of
        The rating date (``YYYY-MM-DD``).
    schemes_trained
        The schemes whose ``xinping train`` is measured too.
    report
        Called with each finished :class:`CommandRun`.
    """
    runs: list[CommandRun] = []
    with tempfile.TemporaryDirectory(prefix="xp-commands-", dir=db.parent) as tmp:
        work = pathlib.Path(tmp)
        store = work / "store.duckdb"
        shutil.copyfile(db, store)
        home = work / "mlruns"
        shutil.copytree(mlflow_home, home)
        settings = work / "settings.toml"
        settings.write_text(f'[store]\npath = "{store}"\n\n[mlflow]\nhome = "{home}"\n')
        env = {**os.environ, "XINPING_SETTINGS": str(settings), "OMP_WAIT_POLICY": "passive"}
        env.pop("XINPING_STORE", None)
        for name, argv in commands(as_of, schemes_trained):
            r = run_command(name, argv, env, ROOT, timeout_s)
            runs.append(r)
            report(r)
    return runs
