"""``xinping app`` serves Streamlit headless on 127.0.0.1 at the configured port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import app_cli
from app.cli import cli


def test_app_command_starts_streamlit_on_localhost(monkeypatch) -> None:
    seen = {}

    def fake_serve(cmd, env):
        seen["cmd"], seen["env"] = cmd, env
        return 0

    monkeypatch.setattr(app_cli, "serve", fake_serve)
    result = CliRunner().invoke(cli, ["app", "--port", "8765"])
    assert result.exit_code == 0, result.output
    cmd = seen["cmd"]
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("streamlit_app.py")
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.port") + 1] == "8765"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
    # the grid's own CSV download writes cells as they are: off (pages offer inert ones)
    assert cmd[cmd.index("--client.disableDataExport") + 1] == "true"
    assert "http://127.0.0.1:8765" in result.output
    assert "supervisor" in result.output and "admin" in result.output


def test_default_port_is_8501(monkeypatch) -> None:
    monkeypatch.setattr(app_cli, "serve", lambda cmd, env: 0)
    result = CliRunner().invoke(cli, ["app"])
    assert "http://127.0.0.1:8501" in result.output


@pytest.mark.skipif(os.name != "posix", reason="the server replaces the command on POSIX")
def test_a_signal_to_the_app_stops_the_server(tmp_path: Path) -> None:
    """SIGTERM to the ``xinping app`` process (a service manager stopping it, ``kill``
    PID) stops the server: nothing is left serving, or holding the store."""
    from tests.app.app_server import ROOT, free_port

    port = free_port()
    env = {**os.environ, "XINPING_STORE": str(tmp_path / "store.duckdb")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "app", "--port", str(port)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/_stcore/health"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)  # the process alone, not its group
        proc.wait(timeout=15)
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
            pass
    finally:
        with contextlib.suppress(ProcessLookupError):  # anything of its group left behind
            os.killpg(proc.pid, signal.SIGKILL)
