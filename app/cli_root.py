"""The root of the ``xinping`` command line and what every command module shares.

Imports go one way: the command modules (``app/*_cli.py``) import this module
and register their commands on :data:`cli`; the entry module :mod:`app.cli`
imports them all. Nothing here imports a command module. Heavy imports happen
inside the commands, so ``xinping --help`` stays instant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import click
import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from app.dates import FORM, parse_day
from app.paths import input_file, output_file
from app.settings import settings
from features.schemes import modelled
from features.store.access import StoreBusy


class _Root(TyperGroup):
    """The root group: a store another process kept too long is one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoreBusy as exc:
            fail(str(exc))


cli = typer.Typer(
    cls=_Root,
    name="xinping",
    help="信评 xinping — 公共信用信息共享平台的信用评分与评级模型平台 / credit rating platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="DuckDB file (default: settings store.path / $XINPING_STORE)."),
]


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


# the options of every command that runs on either engine (score, train, monitor)
EngineOption = Annotated[Engine, typer.Option(help="duckdb (default) or spark.")]
LakeOption = Annotated[
    Path | None,
    typer.Option(
        "--lake", help="With --engine spark: the Parquet lake to read (`xinping export-lake`)."
    ),
]
MasterOption = Annotated[str, typer.Option("--master", help="Spark master for --engine spark.")]


def _day(text: Any) -> dt.date:
    """:func:`app.dates.parse_day` for an option: a bad date is a usage error naming it."""
    try:
        return parse_day(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def day_option(flag: str, help: str) -> Any:
    """A date option (``YYYY-MM-DD``) that reaches the command as :class:`datetime.date`.

    A bad value stops the command before it runs with one message naming the
    option, the value and the expected form (exit code 2).
    """
    return typer.Option(flag, parser=_day, metavar=FORM, help=help)


@contextmanager
def stage_progress() -> Iterator[tuple[Any, Callable[[str, int, int], None]]]:
    """A progress bar per stage on stderr: yields the bar (print through its
    ``console`` while it runs) and ``report(stage, done, total)``."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
        TimeElapsedColumn(),
        console=err_console,
    ) as progress:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield progress, report


def open_store(path: Path | None = None, *, read_only: bool = False, create: bool = False):
    """Open the embedded store at ``path`` or the configured one.

    Only ``create`` (``demo-data``, ``ingest``) makes a new store; every other
    command needs an existing one and says so, with nothing created.
    """
    from features.store.duckdb_store import DuckDBStore

    cfg = settings().store
    where = Path(path or cfg.path)
    if create:
        checked(output_file, where, "--store")
    elif not where.exists():
        fail(
            f"--store {where}: no store there; run `xinping demo-data` or "
            "`xinping ingest FILE` first"
        )
    else:
        checked(input_file, where, "--store")
    try:
        return DuckDBStore(
            where,
            read_only=read_only,
            memory_limit=cfg.memory_limit or None,
            wait_seconds=cfg.wait_seconds,
            on_wait=_tell_waiting,
            user=login_name(),
            command=command_name(),
        )
    except StoreBusy as exc:
        fail(str(exc))
    except Exception as exc:  # not a DuckDB file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fail(f"--store {where}: cannot open it as a store ({first})")


def command_name() -> str:
    """``xinping`` and its sub-command words (never the arguments: they may name a person)."""
    ctx = click.get_current_context(silent=True)
    return ctx.command_path if ctx is not None else "xinping"


def _tell_waiting(holders: list, waited: float, done: bool) -> None:
    """One line on stderr while a command waits for the store, and one when it goes on."""
    if done:
        err_console.print(f"继续 / going on after {waited:.0f} s", highlight=False, markup=False)
        return
    who = "; ".join(h.describe() for h in holders) or "另一进程 / another process"
    err_console.print(
        f"等待数据库 / waiting for the store ({waited:.0f} s): {who}", highlight=False, markup=False
    )


def checked(check: Callable[..., Path], path: Path, what: str, *args: Any) -> Path:
    """``check(path, what, *args)`` from :mod:`app.paths`; its refusal is one error line."""
    from app.paths import PathError

    try:
        return check(path, what, *args)
    except PathError as exc:
        fail(str(exc))


@contextmanager
def writing(path: Path, what: str) -> Iterator[None]:
    """Write ``path`` inside; an :class:`OSError` is one error line (exit 2)."""
    from app.paths import PathError, written

    try:
        with written(path, what):
            yield
    except PathError as exc:
        fail(str(exc))


def fail(message: str) -> NoReturn:
    """Print one error line (the message is shown literally) and exit with code 2."""
    # soft_wrap: one line however long, whatever the terminal's width
    err_console.print(
        f"[red]错误 / error:[/red] {escape(message)}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(code=2)


def latest_day(st) -> Any:
    """The latest day anything may be dated on ``st`` (:class:`features.date_limit.DateLimit`,
    settings ``[dates] latest``): the default of every date option that changes the store."""
    return settings().dates.limit(st)


def within_limit(limit: Any, day: dt.date, what: str) -> dt.date:
    """``day`` when ``limit`` allows it; else one error line naming the limit (exit 2)."""
    from features.date_limit import FutureDateError

    try:
        return limit.check(day, what)
    except FutureDateError as exc:
        fail(str(exc))


def not_after_today(day: dt.date, what: str) -> dt.date:
    """``day`` unless it is after today (a reference date that writes nothing)."""
    today = dt.date.today()
    if day > today:
        fail(f"{what} {day} 晚于今天 {today} / {what} {day} is after today {today}")
    return day


def schemes(subject: str, rated: bool = False) -> tuple[str, ...]:
    """The modelled schemes ``--subject`` names (``all``: every one), or a clear error.

    ``rated``: the rated schemes instead (``xinping score``: those rated by a
    published rule alone too, which have no model to train, promote or monitor).
    """
    from features.schemes import rated as rated_schemes

    known = rated_schemes() if rated else modelled()
    what = "rated" if rated else "modelled"
    if subject == "all":
        return known
    if subject not in known:
        fail(f"{subject!r} is not a {what} scheme; use one of {', '.join(known)} or all")
    return (subject,)


def login_name() -> str:
    """The operating-system login name (the default ``--user``)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER
        return "unknown"


def audit(st, user: str, role: str, action: str, subject_id: str | None, detail: dict) -> None:
    """Append one row to ``audit_log`` (who looked up or changed what, and how):
    :func:`scoring.audit.write_audit`, which keeps personal IDs as keyed hashes."""
    from scoring.audit import write_audit

    write_audit(st, user, role, action, subject_id, detail)
