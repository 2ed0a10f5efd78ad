"""``xinping train``, ``promote`` and ``mlflow-ui``: the models.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli` imports
this module.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli_root import (
    Engine,
    EngineOption,
    LakeOption,
    MasterOption,
    StoreOption,
    cli,
    console,
    err_console,
    fail,
    open_store,
    schemes,
)
from app.settings import settings


def code_version() -> str:
    """The git commit of the working tree (with ``+dirty``), or the package version."""
    import subprocess

    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        return f"xinping {version('xinping')}"


@cli.command()
def train(
    subject: Annotated[str, typer.Option("--subject", help="Scheme key or all.")],
    store: StoreOption = None,
    progress_file: Annotated[
        Path | None,
        typer.Option(
            "--progress-file",
            help="Also append each step as a JSON line here (the app's background jobs).",
        ),
    ] = None,
    engine: EngineOption = Engine.duckdb,
    lake: LakeOption = None,
    master: MasterOption = "local[2]",
) -> None:
    """Train, validate and register a challenger model. 训练并登记挑战者模型。

    The snapshots are built by the engine; above the spec's ``[sample] max_rows`` the
    fitted ones are a weighted sample of the non-defaults drawn in the engine's query.
    With ``--engine spark --lake DIR`` they are drawn on Spark from the lake (the same
    rows as DuckDB draws) and the model is fitted in this process.
    """
    home = Path(settings().mlflow.home)
    keys = schemes(subject)
    spark = engine is Engine.spark
    if spark and lake is None:
        fail("--engine spark needs --lake DIR (`xinping export-lake DIR` writes one)")
    if not spark and lake is not None:
        fail("--lake needs --engine spark")
    _sweep(home)
    try:
        lines = _train(keys, home, store, progress_file, lake if spark else None, master)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM inside a run (tracking.Interrupted)
        _last_line(progress_file, "failed", f"interrupted ({exc or 'SIGINT'})")
        fail(
            f"训练中断 / training interrupted ({exc or 'SIGINT'}): "
            "未完成的 MLflow 运行已标记为失败 / any open MLflow run was ended FAILED"
        )
    except BaseException as exc:
        _last_line(progress_file, "failed", f"{type(exc).__name__}: {exc}")
        raise
    _last_line(progress_file, "done", "\n".join(lines))


def _last_line(path: Path | None, state: str, message: str) -> None:
    """The progress file's last line: how the job ended."""
    if path is not None:
        from app.jobs import write_progress

        write_progress(path, message, state)


def _sweep(home: Path) -> None:
    """Mark FAILED the runs left RUNNING by a killed process of this host, and say so."""
    from training.tracking import mark_dead_runs

    for run_id in mark_dead_runs(home):
        err_console.print(
            f"注意 / note: MLflow run {run_id} 的进程已结束，标记为失败 / its process is gone: "
            "marked FAILED",
            markup=False,
            highlight=False,
        )


def _train(
    keys: tuple[str, ...],
    home: Path,
    store: Path | None,
    progress_file: Path | None = None,
    lake: Path | None = None,
    master: str = "local[2]",
) -> list[str]:
    """Train each scheme of ``keys``, print its line and return the lines (on Spark
    from ``lake`` when given)."""
    import time

    from app.jobs import write_progress
    from training.run import train_scheme
    from training.spec import load_spec

    lines: list[str] = []
    if lake is not None:
        from app.lake_cli import open_lake

        opened = open_lake(lake, master)
    else:
        opened = open_store(store, read_only=True)
    with opened as st:
        for key in keys:
            started = time.perf_counter()
            with err_console.status(f"训练 training {key}…") as status:
                try:
                    result = train_scheme(
                        st,
                        key,
                        load_spec(key),
                        home,
                        code_version(),
                        progress=lambda msg, s=status, k=key: _step(s, k, msg, progress_file),
                        engine="duckdb" if lake is None else "spark",
                    )
                except ValueError as exc:  # e.g. no snapshot covered by the records
                    fail(str(exc))
            for d in (result.report.get("history") or {}).get("dropped", []):
                console.print(
                    f"{key}: 快照 {d['as_of']} 未纳入训练 snapshot left out: the records do not "
                    f"cover {', '.join(d['uncovered'])}",
                    markup=False,
                    highlight=False,
                )
            oot = result.report["discrimination"]["oot"]
            line = (
                f"{key}: {result.family} → xinping-{key} v{result.version} (challenger) · "
                f"OOT AUC {oot['auc']:.3f} Gini {oot['gini']:.3f} KS {oot['ks']:.3f} "
                f"Brier {oot['brier']:.4f}"
            )
            if "oracle" in result.report:
                line += f" · Gini/oracle {result.report['oracle']['ratio']:.2f}"
            failed = [g["gate"] for g in result.report["gates"] if not g["passed"]]
            line += f" · gates {'passed' if not failed else 'FAILED: ' + ', '.join(failed)}"
            line += f" · {time.perf_counter() - started:.0f} s"
            console.print(line, markup=False, highlight=False)
            lines.append(line)
            if progress_file is not None:
                write_progress(progress_file, line)
    return lines


def _step(status, key: str, message: str, progress_file: Path | None) -> None:
    """One training step: on the terminal's status line and in the progress file."""
    status.update(f"训练 {key}: {message}")
    if progress_file is not None:
        from app.jobs import write_progress

        write_progress(progress_file, f"{key}: {message}")


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
        fail("--force needs --reason")
    home = Path(settings().mlflow.home)
    _sweep(home)
    refused = False
    with open_store(store, read_only=True) as st:
        for key in schemes(subject):
            r = do_promote(st, key, load_spec(key), home, force=force, reason=reason)
            aucs = f"challenger AUC {r.challenger_auc:.4f}" if r.challenger_auc else ""
            if r.champion_auc is not None:
                aucs += f" vs champion v{r.champion_before} {r.champion_auc:.4f}"
            aucs += "".join(f" · {note}" for note in r.notes)
            if r.unchanged:
                console.print(
                    f"{key}: v{r.challenger} 已是冠军 is already the champion",
                    markup=False,
                    highlight=False,
                )
            elif r.promoted:
                note = " (forced: " + "; ".join(r.failed) + ")" if r.forced and r.failed else ""
                console.print(
                    f"{key}: v{r.challenger} → champion 冠军 · {aucs}{note}",
                    markup=False,
                    highlight=False,
                )
            else:
                refused = True
                console.print(
                    f"{key}: 未晋升 not promoted · {aucs} · " + "; ".join(r.failed),
                    markup=False,
                    highlight=False,
                )
    if refused:
        raise typer.Exit(code=1)


@cli.command("mlflow-ui")
def mlflow_ui(
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
) -> None:
    """Open the MLflow UI on 127.0.0.1. 打开 MLflow 界面。"""
    from app.serve import serve
    from training.tracking import tracking_uri

    home = Path(settings().mlflow.home)
    home.mkdir(parents=True, exist_ok=True)
    _sweep(home)
    port = port or settings().mlflow.ui_port
    console.print(f"MLflow UI: http://127.0.0.1:{port}  (Ctrl+C to stop)")
    cmd = [
        sys.executable,
        "-m",
        "mlflow",
        "ui",
        "--backend-store-uri",
        tracking_uri(home),
        "--default-artifact-root",
        (home / "artifacts").resolve().as_uri(),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    raise typer.Exit(serve(cmd))
