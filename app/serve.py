"""Serve from the command line: ``xinping app`` and ``xinping mlflow-ui`` become their server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping


def serve(cmd: list[str], env: Mapping[str, str] | None = None) -> int:
    """Run the server ``cmd`` (with ``env``, else this environment): on POSIX this process
    becomes it (``exec``, the same PID).

    A signal to the command — Ctrl+C, ``kill``, a service manager's SIGTERM — then reaches
    the server itself, which stops at once (Streamlit: 0.4 s). As a child it was left
    serving, and holding the store, when only its parent was told to stop (SIGTERM ended
    the parent alone; SIGINT to the parent stopped neither in 10 s). Elsewhere the server
    runs as a child; returns its exit code.
    """
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(cmd[0], cmd, dict(os.environ if env is None else env))  # does not return
    return subprocess.call(cmd, env=None if env is None else dict(env))
