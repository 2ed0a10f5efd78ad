"""``xinping app`` serves Streamlit headless on 127.0.0.1 at the configured port."""

from __future__ import annotations

from typer.testing import CliRunner

from app import app_cli
from app.cli import cli


def test_app_command_starts_streamlit_on_localhost(monkeypatch) -> None:
    seen = {}

    def fake_call(cmd, env=None):
        seen["cmd"], seen["env"] = cmd, env
        return 0

    monkeypatch.setattr(app_cli.subprocess, "call", fake_call)
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
    monkeypatch.setattr(app_cli.subprocess, "call", lambda cmd, env=None: 0)
    result = CliRunner().invoke(cli, ["app"])
    assert "http://127.0.0.1:8501" in result.output
