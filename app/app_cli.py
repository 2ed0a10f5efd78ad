"""``xinping app``: start the Streamlit app on 127.0.0.1.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli`
imports this module. The app opens the store for writing (audit log, objections,
re-ratings) and holds DuckDB's file lock
while it runs: stop it before running other ``xinping`` commands on the same
store file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.auth import DEMO_ACCOUNTS, ROLES
from app.cli_root import cli, console
from app.serve import serve
from app.settings import settings

SCRIPT = Path(__file__).with_name("streamlit_app.py")


def streamlit_command(port: int, host: str) -> list[str]:
    """The command line that serves the app headless on ``host:port``."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(SCRIPT),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "minimal",
        # the grid's CSV download and copy write cells as they are (a department's
        # "=HYPERLINK(...)" stays a formula); pages offer inert downloads (features.exports)
        "--client.disableDataExport",
        "true",
        # Streamlit runs a full garbage collection after every script run by default; with
        # the app's heap (pandas, DuckDB, MLflow, the shared caches) that was ~70% of the
        # server's Python CPU under 20 sessions (py-spy, bench/app_load.py). Python's own
        # generational collector still runs.
        "--runner.postScriptGC",
        "false",
    ]


@cli.command("app")
def app_command(
    port: Annotated[int | None, typer.Option(help="Port (default from settings: 8501).")] = None,
) -> None:
    """Start the Streamlit app on 127.0.0.1. 启动信用评价应用。"""
    cfg = settings().app
    port = port or cfg.port
    console.print(
        f"信评 xinping app: http://{cfg.host}:{port}  (Ctrl+C 停止 / to stop)",
        markup=False,
        highlight=False,
    )
    console.print(
        f"store: {Path(settings().store.path).resolve()} — 运行期间请勿对同一数据文件"
        "执行其他 xinping 命令 / do not run other xinping commands on this file "
        "while the app runs",
        markup=False,
        highlight=False,
    )
    if cfg.seed_demo_users:
        accounts = ", ".join(f"{u} ({ROLES[r].label_zh})" for u, r, _n, _a in DEMO_ACCOUNTS)
        console.print(
            f"演示账号 demo accounts: {accounts}; 口令 password: {cfg.demo_password}",
            markup=False,
            highlight=False,
        )
    # the project root first on the path: the app imports this checkout's packages
    root = str(SCRIPT.parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    raise typer.Exit(serve(streamlit_command(port, cfg.host), env))
