"""The ``xinping`` command line: the entry point.

Imports go one way. :mod:`app.cli_root` holds the Typer root, the console and
the options every command shares; each command module (``app/*_cli.py``)
imports it and registers its commands; this module imports the command
modules, in the order ``xinping --help`` lists them, and runs the root.
Commands stay thin: parse options, read settings, call one function below
``app/``, print. Heavy imports happen inside the commands, so ``xinping
--help`` is instant.
"""

from __future__ import annotations

import os
import sys

from app import (  # noqa: F401  (each registers its commands on ``cli``)
    api_cli,
    app_cli,
    audit_cli,
    check_cli,
    data_cli,
    disclosure_cli,
    inspections_cli,
    lake_cli,
    lists_cli,
    measures_cli,
    model_cli,
    monitor_cli,
    policies_cli,
    quality_cli,
    report_cli,
    scoring_cli,
    users_cli,
    watch_cli,
)
from app.cli_root import cli

__all__ = ["cli", "main"]


def settings_problem() -> str | None:
    """Why the settings cannot be read (a missing or broken ``XINPING_SETTINGS`` file, a
    value out of range), in one line; ``None`` when they load."""
    import tomllib

    from pydantic import ValidationError

    from app.settings import settings

    where = os.environ.get("XINPING_SETTINGS") or "app/settings.toml"
    try:
        settings()
    except ValidationError as exc:
        parts = [
            ".".join(str(p) for p in e["loc"]) + f": {e['msg']} (got {e.get('input')!r})"
            for e in exc.errors()
        ]
        return f"settings {where}: " + "; ".join(parts)
    except tomllib.TOMLDecodeError as exc:
        return f"settings {where}: not valid TOML ({exc})"
    except OSError as exc:
        return f"settings {where}: {exc.strerror or exc}"
    return None


def schemes_problem() -> str | None:
    """Activate the configured scheme folders; why they cannot be, in words, or ``None``."""
    from app.settings import settings

    return settings().schemes_problem()


def main() -> None:
    """Console-script entry point."""
    # MLflow draws a progress bar for every artifact it reads (each model load, each
    # report): noise around the CLI's own output. Users may still turn it back on.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    problem = settings_problem() or schemes_problem()
    if problem is not None:  # one line, before any command runs
        from rich.markup import escape

        from app.cli_root import err_console

        err_console.print(
            f"[red]错误 / error:[/red] {escape(problem)}", highlight=False, soft_wrap=True
        )
        sys.exit(2)
    cli(prog_name="xinping")


if __name__ == "__main__":  # pragma: no cover - ``python -m app.cli``
    sys.exit(main())
