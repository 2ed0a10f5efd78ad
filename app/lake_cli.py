"""``xinping export-lake`` and opening a lake for ``--engine spark --lake DIR``.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli`
imports this module. The lake layout is documented in :mod:`features.store.lake`
and docs/spark-runbook.md.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from app.cli_root import StoreOption, checked, cli, console, err_console, fail, open_store
from app.paths import output_folder

LakeOption = Annotated[
    Path | None,
    typer.Option(
        "--lake",
        help="Parquet lake folder (from `xinping export-lake`); "
        "with --engine spark the store is read from it, not from the DuckDB file.",
    ),
]
MasterOption = Annotated[
    str,
    typer.Option(
        "--master",
        help="Spark master for --engine spark (local mode by "
        "default; use spark-submit and app/spark_job.py on a cluster).",
    ),
]


def local_spark_environment() -> None:
    """Environment of a local Spark session started by the CLI (only app/ touches it).

    The driver binds to loopback, and Python workers (the scoring ``mapInArrow``)
    run this interpreter with its packages, not the ``python3`` on the PATH.
    """
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def open_lake(lake: Path, master: str = "local[2]", ratings: Path | None = None):
    """A Spark store on the lake at ``lake`` (local session bound to loopback);
    ``ratings``: the ratings dataset when it is not the lake's own."""
    from features.store.lake import read_manifest, schema_version
    from features.store.spark_store import SparkStore

    if not lake.is_dir():
        fail(f"no lake at {lake}: run `xinping export-lake DIR` first")
    manifest = read_manifest(lake)
    if manifest is None:
        err_console.print(
            f"[yellow]注意 / note:[/yellow] {escape(str(lake))} has no _lake.json "
            "manifest; reading its folders as tables"
        )
    elif manifest.get("schema_version") != schema_version():
        err_console.print(
            f"[yellow]注意 / note:[/yellow] the lake was written under schema "
            f"{manifest.get('schema_version')}, this code has {schema_version()}"
        )
    if ratings is not None and not ratings.is_dir():
        fail(f"--ratings {ratings}: no ratings dataset there (xinping score --engine spark --out)")
    local_spark_environment()
    return SparkStore(lake, master=master, paths={"ratings": ratings} if ratings else None)


@cli.command("export-lake")
def export_lake(
    folder: Annotated[Path, typer.Argument(help="Lake folder (created; tables replaced).")],
    table: Annotated[
        list[str] | None, typer.Option("--table", help="Only this table (repeatable).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Write the store's tables as a Parquet lake for Spark. 导出 Parquet 数据湖。

    Accounts (users) and the audit log are never exported.

    records are partitioned by kind and year of published_on, subjects by
    subject_type, ratings by scheme and as_of; the others are flat.
    ``_lake.json`` lists tables, rows, partitions, schema version and time.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from features.store.lake import LAKE_TABLES, MANIFEST

    unknown = [t for t in table or () if t not in LAKE_TABLES]
    if unknown:
        err_console.print(
            f"[red]错误 / error:[/red] {escape(', '.join(unknown))}: not a lake table "
            f"(accounts and the audit log never leave the store); "
            f"lake tables: {', '.join(LAKE_TABLES)}",
            highlight=False,
        )
        raise typer.Exit(code=2)
    checked(output_folder, folder, "export-lake")
    started = time.perf_counter()
    with (
        open_store(store, read_only=True) as st,
        Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
            TimeElapsedColumn(),
            console=err_console,
        ) as progress,
    ):
        names = list(table or LAKE_TABLES)
        task = progress.add_task(f"导出 exporting {names[0]}", total=len(names))

        def report(name: str, done: int, total: int) -> None:
            following = names[done] if done < total else "manifest"
            progress.update(
                task, completed=done, total=total, description=f"导出 exporting {following}"
            )

        written = st.export_parquet(folder, names, progress=report)
    seconds = time.perf_counter() - started
    for name, rows in written.items():
        console.print(f"{name}: {rows:,}", markup=False, highlight=False)
    console.print(
        f"数据湖 lake → {escape(str(folder))} ({sum(written.values()):,} rows, "
        f"{seconds:.1f} s; manifest {MANIFEST})",
        highlight=False,
    )
