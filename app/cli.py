"""The ``xinping`` command line.

Commands stay thin: parse options, read settings, call one function of the
lower layers, print. Heavy imports happen inside the commands so that
``xinping --help`` is instant.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from app.settings import settings

cli = typer.Typer(
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


def open_store(path: Path | None = None, *, read_only: bool = False):
    """Open the embedded store at ``path`` or the configured one."""
    from features.store.duckdb_store import DuckDBStore

    cfg = settings().store
    return DuckDBStore(
        path or cfg.path, read_only=read_only, memory_limit=cfg.memory_limit or None
    )


class Scale(StrEnum):
    small = "small"
    city = "city"


class TargetTable(StrEnum):
    records = "records"
    subjects = "subjects"


@cli.command()
def schema() -> None:
    """Print every table and column as a bilingual markdown table. 打印数据表结构。"""
    from features.records.schema import schema_markdown

    typer.echo(schema_markdown())


@cli.command("demo-data")
def demo_data(
    scale: Annotated[Scale, typer.Option(help="small (~10k enterprises) or city (~300k).")] = (
        Scale.small
    ),
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives identical tables.")] = 7,
    store: StoreOption = None,
    replace: Annotated[
        bool, typer.Option("--replace/--keep", help="Start from an empty store file.")
    ] = True,
) -> None:
    """Generate the demo city (modelled on 曲靖) into the store. 生成模拟城市数据。"""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from features.records.synthetic.city import generate_city, summary_markdown

    path = Path(store or settings().store.path)
    if replace:
        for suffix in ("", ".wal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    with open_store(path) as st, Progress(
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

        result = generate_city(
            st, scale=scale.value, seed=seed, windows=settings().windows.policy(), progress=report
        )
    console.print(summary_markdown(result))
    console.print(f"[green]写入 / written:[/green] {escape(str(path))}")


@cli.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GBK), Parquet or Excel file.")],
    table: Annotated[TargetTable, typer.Option(help="Target table.")] = TargetTable.records,
    dept: Annotated[
        str | None, typer.Option(help="Source department key (fills source_dept when empty).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Validate a department file and store it; bad rows go to quarantine. 数据入库。"""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from features.records.ingest import UnreadableFileError, ingest_file

    with open_store(store) as st, Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"入库 {file.name}", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = ingest_file(
                st,
                file,
                table.value,
                dept=dept,
                chunk_rows=settings().ingest.chunk_rows,
                progress=report,
            )
        except UnreadableFileError as exc:
            progress.stop()
            err_console.print(f"[red]错误 / error:[/red] {escape(str(exc))}")
            raise typer.Exit(code=2) from None
    # department values may look like rich markup ([abc], [/x]): print them literally
    console.print(result.summary(), markup=False, highlight=False)


features_cli = typer.Typer(
    help="指标：目录与计算 / indicators: catalogue and builds.", no_args_is_help=True
)
cli.add_typer(features_cli, name="features")


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


@features_cli.command("catalog")
def features_catalog(
    subject: Annotated[
        str | None, typer.Option("--subject", help="Scheme key (default: every scheme).")
    ] = None,
) -> None:
    """Print the indicator catalogue as bilingual markdown. 打印指标目录。"""
    from features.catalog import catalog_markdown

    try:
        typer.echo(catalog_markdown(subject))
    except KeyError as exc:
        err_console.print(f"[red]错误 / error:[/red] {escape(str(exc))}")
        raise typer.Exit(code=2) from None


@features_cli.command("build")
def features_build(
    subject: Annotated[str, typer.Option("--subject", help="Scheme key, e.g. enterprise.")],
    as_of: Annotated[str, typer.Option("--as-of", help="As-of date YYYY-MM-DD.")],
    engine: Annotated[Engine, typer.Option(help="duckdb (default) or spark.")] = Engine.duckdb,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the frame to this Parquet file.")
    ] = None,
    store: StoreOption = None,
    lake: Annotated[
        Path | None,
        typer.Option("--lake", help="With --engine spark: read this Parquet lake "
                     "(`xinping export-lake`), not the DuckDB file."),
    ] = None,
) -> None:
    """Build a scheme's indicators as of a date. 计算指定基准日的指标。"""
    import datetime as dt
    import time

    from features.build import build_features
    from features.schemes import SCHEMES

    if subject not in SCHEMES:
        err_console.print(f"[red]错误 / error:[/red] unknown scheme {subject!r}; "
                          f"known: {', '.join(SCHEMES)}")
        raise typer.Exit(code=2)
    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError:
        err_console.print(f"[red]错误 / error:[/red] --as-of {as_of!r} is not a date (YYYY-MM-DD)")
        raise typer.Exit(code=2) from None
    if lake is not None and engine is not Engine.spark:
        err_console.print("[red]错误 / error:[/red] --lake needs --engine spark")
        raise typer.Exit(code=2)
    if engine is Engine.spark:
        from app.lake_cli import local_spark_environment

        local_spark_environment()
    started = time.perf_counter()
    if lake is not None:
        from app.lake_cli import open_lake

        opened = open_lake(lake)
    else:
        opened = open_store(store, read_only=True)
    with opened as st, err_console.status(
        f"计算指标 building {subject} @ {day} on {engine.value}…"
    ):
        frame = build_features(st, subject, day, engine=engine.value,
                               cfg=settings().build_config())
    seconds = time.perf_counter() - started
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(out, index=False)
    console.print(
        f"{subject} @ {day}: {len(frame):,} 个主体 subjects × {frame.shape[1] - 2} 个指标 "
        f"indicators, {seconds:.1f} s" + (f" → {escape(str(out))}" if out else "")
    )
    if not out:
        # a summary per indicator; write --out for the full frame
        summary = frame.drop(columns=["subject_id", "as_of"]).describe(include="all").T
        cols = [c for c in ("count", "unique", "top", "mean", "min", "50%", "max") if c in summary]
        typer.echo(summary[cols].to_string())


MODELLED = ("enterprise", "sme", "household", "driver")


def code_version() -> str:
    """The git commit of the working tree (with ``+dirty``), or the package version."""
    import subprocess

    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        return f"xinping {version('xinping')}"


def _schemes(subject: str) -> tuple[str, ...]:
    if subject == "all":
        return MODELLED
    if subject not in MODELLED:
        err_console.print(f"[red]错误 / error:[/red] {subject!r} is not a modelled scheme; "
                          f"use one of {', '.join(MODELLED)} or all")
        raise typer.Exit(code=2)
    return (subject,)


@cli.command()
def train(
    subject: Annotated[str, typer.Option("--subject", help="Scheme key or all.")],
    store: StoreOption = None,
) -> None:
    """Train, validate and register a challenger model. 训练并登记挑战者模型。"""
    import time

    from training.run import train_scheme
    from training.spec import load_spec

    home = Path(settings().mlflow.home)
    with open_store(store, read_only=True) as st:
        for key in _schemes(subject):
            started = time.perf_counter()
            with err_console.status(f"训练 training {key}…") as status:
                result = train_scheme(
                    st, key, load_spec(key), home, code_version(),
                    progress=lambda msg, s=status, k=key: s.update(f"训练 {k}: {msg}"),
                )
            oot = result.report["discrimination"]["oot"]
            line = (f"{key}: {result.family} → xinping-{key} v{result.version} (challenger) · "
                    f"OOT AUC {oot['auc']:.3f} Gini {oot['gini']:.3f} KS {oot['ks']:.3f} "
                    f"Brier {oot['brier']:.4f}")
            if "oracle" in result.report:
                line += f" · Gini/oracle {result.report['oracle']['ratio']:.2f}"
            failed = [g["gate"] for g in result.report["gates"] if not g["passed"]]
            line += f" · gates {'passed' if not failed else 'FAILED: ' + ', '.join(failed)}"
            console.print(line + f" · {time.perf_counter() - started:.0f} s",
                          markup=False, highlight=False)


@cli.command()
def promote(
    subject: Annotated[str, typer.Option("--subject", help="Scheme key or all.")],
    force: Annotated[bool, typer.Option("--force", help="Promote despite failed gates.")] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (required with --force).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Move the champion alias to the challenger through the gates. 晋升冠军模型。"""
    from training.promote import promote as do_promote
    from training.spec import load_spec

    if force and not reason:
        err_console.print("[red]错误 / error:[/red] --force needs --reason")
        raise typer.Exit(code=2)
    home = Path(settings().mlflow.home)
    refused = False
    with open_store(store, read_only=True) as st:
        for key in _schemes(subject):
            r = do_promote(st, key, load_spec(key), home, force=force, reason=reason)
            aucs = f"challenger AUC {r.challenger_auc:.4f}" if r.challenger_auc else ""
            if r.champion_auc is not None:
                aucs += f" vs champion v{r.champion_before} {r.champion_auc:.4f}"
            aucs += "".join(f" · {note}" for note in r.notes)
            if r.unchanged:
                console.print(f"{key}: v{r.challenger} 已是冠军 is already the champion",
                              markup=False, highlight=False)
            elif r.promoted:
                note = " (forced: " + "; ".join(r.failed) + ")" if r.forced and r.failed else ""
                console.print(f"{key}: v{r.challenger} → champion 冠军 · {aucs}{note}",
                              markup=False, highlight=False)
            else:
                refused = True
                console.print(f"{key}: 未晋升 not promoted · {aucs} · " + "; ".join(r.failed),
                              markup=False, highlight=False)
    if refused:
        raise typer.Exit(code=1)


@cli.command("mlflow-ui")
def mlflow_ui(
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
) -> None:
    """Open the MLflow UI on 127.0.0.1. 打开 MLflow 界面。"""
    import subprocess

    from training.tracking import tracking_uri

    home = Path(settings().mlflow.home)
    home.mkdir(parents=True, exist_ok=True)
    port = port or settings().mlflow.ui_port
    console.print(f"MLflow UI: http://127.0.0.1:{port}  (Ctrl+C to stop)")
    cmd = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", tracking_uri(home),
           "--default-artifact-root", (home / "artifacts").resolve().as_uri(),
           "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    raise typer.Exit(subprocess.call(cmd))


class Lang(StrEnum):
    zh = "zh"
    en = "en"


def login_name() -> str:
    """The operating-system login name (the default ``--user``)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER
        return "unknown"


def audit(st, user: str, role: str, action: str, subject_id: str | None, detail: dict) -> None:
    """Append one row to ``audit_log`` (who looked up or changed what, and how)."""
    import datetime as dt
    import json

    import pandas as pd

    st.append("audit_log", pd.DataFrame([{
        "logged_at": dt.datetime.now(), "user_name": user, "role": role, "action": action,
        "subject_id": subject_id, "detail": json.dumps(detail, ensure_ascii=False),
    }]))


@cli.command()
def report(
    subject_id: Annotated[str, typer.Argument(help="USCC, ID number or division code.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As-of date YYYY-MM-DD (default: latest).")
    ] = None,
    lang: Annotated[Lang, typer.Option(help="zh (Chinese with English) or en.")] = Lang.zh,
    scheme: Annotated[
        str | None, typer.Option("--scheme", help="Only this scheme (default: every one).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="HTML file (default: reports/<ID, masked if personal>.html)."),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Who asks (audit log; default: login name).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Write a subject's credit report as HTML (no PDF: no CJK font). 生成信用报告。"""
    import datetime as dt

    from features.records.ids import mask_id
    from scoring.report import ReportError, credit_report

    if as_of is not None:
        try:
            dt.date.fromisoformat(as_of)
        except ValueError:
            err_console.print(f"[red]错误 / error:[/red] --as-of {escape(as_of)!r} is not a date "
                              "(YYYY-MM-DD)")
            raise typer.Exit(code=2) from None
    shown = mask_id(subject_id) or subject_id
    target = out or Path("reports") / f"{shown.replace('*', '_')}.html"
    with open_store(store) as st:
        try:
            html = credit_report(st, subject_id, as_of=as_of, lang=lang.value, scheme=scheme,
                                 policy=settings().windows.policy())
        except ReportError as exc:
            audit(st, user or login_name(), "cli", "report", subject_id,
                  {"as_of": as_of, "lang": lang.value, "scheme": scheme, "error": str(exc)})
            err_console.print(f"[red]错误 / error:[/red] {escape(str(exc))}")
            raise typer.Exit(code=2) from None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        audit(st, user or login_name(), "cli", "report", subject_id,
              {"as_of": as_of, "lang": lang.value, "scheme": scheme, "out": str(target)})
    console.print(f"信用报告 credit report {escape(shown)} → {escape(str(target))}",
                  highlight=False)


def main() -> None:
    """Console-script entry point."""
    # MLflow draws a progress bar for every artifact it reads (each model load, each
    # report): noise around the CLI's own output. Users may still turn it back on.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    cli(prog_name="xinping")


# commands kept in their own modules register themselves on ``cli``
from app import app_cli, inspections_cli, lake_cli, policies_cli, scoring_cli  # noqa: E402,F401

if __name__ == "__main__":  # pragma: no cover
    # ``python -m app.cli``: run the imported module's app, where every command registered
    from app.cli import main as _main

    sys.exit(_main())
