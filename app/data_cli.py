"""``xinping schema``, ``demo-data``, ``ingest`` and ``features catalog|build``: the data.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli` imports
this module.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from app.cli_root import (
    Engine,
    StoreOption,
    checked,
    cli,
    console,
    day_option,
    err_console,
    fail,
    latest_day,
    open_store,
    stage_progress,
    within_limit,
    writing,
)
from app.paths import input_file, input_folder, output_file
from app.settings import settings


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

    from features.records.synthetic.city import generate_city, summary_markdown

    path = checked(output_file, Path(store or settings().store.path), "--store")
    if replace:
        for suffix in ("", ".wal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    with open_store(path, create=True) as st, stage_progress() as (_, report):
        result = generate_city(
            st, scale=scale.value, seed=seed, windows=settings().windows.policy(), progress=report
        )
    console.print(summary_markdown(result))
    console.print(f"[green]写入 / written:[/green] {escape(str(path))}")


@cli.command()
def ingest(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV (UTF-8, GBK or UTF-16 with a BOM), Parquet or Excel file (every data sheet)."
        ),
    ],
    table: Annotated[TargetTable, typer.Option(help="Target table.")] = TargetTable.records,
    dept: Annotated[
        str | None, typer.Option(help="Source department key (fills source_dept when empty).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Validate a department file and store it; bad rows go to quarantine. 数据入库。"""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from features.records.ingest import UnreadableFileError, ingest_file
    from features.store.row_directory import should_sort, unsorted_rows

    checked(input_file, file, "FILE")
    with (
        open_store(store, create=True) as st,
        Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task(f"入库 {escape(file.name)}", total=None)

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
        # the sort's row count is enough here: the directory itself is not read
        layout, rows = st.row_layout("records"), st.count("records")
    # department values may look like rich markup ([abc], [/x]): print them literally
    console.print(result.summary(), markup=False, highlight=False)
    if table.value == "records" and should_sort(layout, rows):
        loose = unsorted_rows(layout, rows)
        err_console.print(
            f"[yellow]提示 / note:[/yellow] {loose:,} 条记录尚未按主体整理（共 {rows:,} 条），"
            "查询单个主体会变慢；请在空闲时运行 `xinping cluster`。 "
            f"{loose:,} of {rows:,} records are not sorted by subject: one-subject look-ups "
            "slow down; run `xinping cluster` when the store is quiet.",
            highlight=False,
        )


@cli.command()
def cluster(store: StoreOption = None) -> None:
    """Sort records and subjects by subject: one subject's rows together. 整理存储。

    Ingest appends each department file as it comes, so one subject's records end
    up spread over every block the files touched. Run this after large ingests (a
    nightly job): rating or looking up one subject then reads its rows as one run,
    records through a row directory (rows ingested later are read by subject until
    the next run), and a village's households' records lie side by side (a 信用村's
    or a co-operative's look-up reads them as one run). The same rows, nothing lost;
    the store is held for writing while it runs (city, 45 M records: 88 s, peak 4.4 GB).
    """
    import time

    from features.layout import CLUSTERED, cluster_store

    started = time.perf_counter()
    with open_store(store) as st:
        with err_console.status("整理 sorting records and subjects by subject…"):
            cluster_store(st)
        for table in CLUSTERED:
            console.print(
                f"{table}: {st.count(table):,} 行 rows sorted by subject_id", highlight=False
            )
        directory = st.row_directory("records")
    where = (
        f"行目录 row directory: {len(directory.keys):,} subjects"
        if directory is not None
        else "无行目录 no row directory"
    )
    console.print(
        f"整理完成 done in {time.perf_counter() - started:.1f} s; {where}", highlight=False
    )


features_cli = typer.Typer(
    help="指标：目录与计算 / indicators: catalogue and builds.", no_args_is_help=True
)
cli.add_typer(features_cli, name="features")


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
        fail(str(exc.args[0]) if exc.args else str(exc))


@features_cli.command("build")
def features_build(
    subject: Annotated[str, typer.Option("--subject", help="Scheme key, e.g. enterprise.")],
    as_of: Annotated[dt.date, day_option("--as-of", "As-of date.")],
    engine: Annotated[Engine, typer.Option(help="duckdb (default) or spark.")] = Engine.duckdb,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the frame to this Parquet file.")
    ] = None,
    store: StoreOption = None,
    lake: Annotated[
        Path | None,
        typer.Option(
            "--lake",
            help="With --engine spark: read this Parquet lake "
            "(`xinping export-lake`), not the DuckDB file.",
        ),
    ] = None,
) -> None:
    """Build a scheme's indicators as of a date. 计算指定基准日的指标。"""
    import time

    from features.build import build_features
    from features.schemes import SCHEMES

    if subject not in SCHEMES:
        fail(f"unknown scheme {subject!r}; known: {', '.join(SCHEMES)}")
    day = as_of
    if lake is not None and engine is not Engine.spark:
        fail("--lake needs --engine spark")
    if lake is not None:
        checked(input_folder, lake, "--lake")
    if out is not None:
        out = checked(output_file, out, "--out")
    if engine is Engine.spark:
        from app.lake_cli import local_spark_environment

        local_spark_environment()
    started = time.perf_counter()
    if lake is not None:
        from app.lake_cli import open_lake

        opened = open_lake(lake)
    else:
        opened = open_store(store, read_only=True)
    with opened as st:
        within_limit(latest_day(st), day, "--as-of")
        with err_console.status(f"计算指标 building {subject} @ {day} on {engine.value}…"):
            frame = build_features(
                st, subject, day, engine=engine.value, cfg=settings().build_config()
            )
    seconds = time.perf_counter() - started
    if out:
        with writing(out, "--out"):
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
