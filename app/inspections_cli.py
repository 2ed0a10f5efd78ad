"""``xinping inspections draw`` and ``xinping inspections list``: routine inspection draws.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli`
imports this module; the draw is :func:`scoring.inspection_draw.draw_inspections`,
as on the 分级分类监管 page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from app.cli_root import (
    StoreOption,
    checked,
    cli,
    console,
    day_option,
    fail,
    latest_day,
    login_name,
    open_store,
    within_limit,
    writing,
)
from app.paths import output_file
from app.settings import settings

inspections_cli = typer.Typer(
    help="双随机抽查：按信用风险分类抽取检查名单 / routine inspection draws by credit class.",
    no_args_is_help=True,
)
cli.add_typer(inspections_cli, name="inspections")

EXPORT_SUFFIXES = (".csv", ".xlsx")


def _print_summary(result) -> None:
    """A compact per-class table (the full one goes to the Excel export)."""
    from rich.table import Table

    view = Table(title="抽查汇总 / draw summary")
    for name in (
        "分类 Class",
        "企业数 N",
        "达上限 Capped",
        "比例 Ratio",
        "抽取 Drawn",
        "其中保底 Top-up",
        "实际 Share",
    ):
        first = name.startswith("分类")
        view.add_column(name, justify="left" if first else "right", no_wrap=first)
    s = result.summary
    for row in s.itertuples():
        share = "" if row.population == 0 else f"{row.drawn_share:.1%}"
        view.add_row(
            f"{row.credit_class} {row.label_zh}",
            f"{row.population:,}",
            f"{row.capped:,}",
            f"{row.ratio:.0%}",
            f"{row.drawn:,}",
            f"{row.drawn_floor:,}",
            share,
        )
    total_share = len(result.drawn) / result.population if result.population else 0.0
    view.add_row(
        "合计 Total",
        f"{result.population:,}",
        f"{s['capped'].sum():,}",
        "",
        f"{len(result.drawn):,}",
        f"{s['drawn_floor'].sum():,}",
        f"{total_share:.1%}",
    )
    console.print(view)
    floor = "达到 met" if result.floor_met else "[red]未达到 NOT met[/red]"
    console.print(
        f"保底比例 floor {result.config.floor:.0%}: 需抽 required "
        f"{result.floor_required:,}, 实抽 drawn {len(result.drawn):,} — {floor}"
    )


def _export(frame, summary, out: Path) -> None:
    """The list (and summary) as an inert CSV or workbook: :mod:`features.exports`."""
    with writing(out, "--out"):
        _write(frame, summary, out)


def _write(frame, summary, out: Path) -> None:
    from features.exports import write_csv, write_excel

    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        write_csv(frame, out)  # UTF-8 with BOM: Excel opens the Chinese text correctly
    else:
        sheets = {"抽查名单": frame}
        if summary is not None:
            sheets["抽查汇总"] = summary
        write_excel(sheets, out)


@inspections_cli.command("draw")
def inspections_draw(
    as_of: Annotated[
        dt.date, day_option("--as-of", "Classification date: the classes in force on it.")
    ],
    region: Annotated[
        str | None, typer.Option("--region", help="6-digit 行政区划代码 (530300: the whole city).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Seed (default: a fresh one, printed).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Export the list to FILE.csv or FILE.xlsx.")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who draws (default: login name).")] = (
        None
    ),
    store: StoreOption = None,
) -> None:
    """Draw the random inspection list per credit-risk class. 按分类抽取双随机检查名单。"""
    import secrets

    from scoring.inspection_draw import EmptyDrawError, draw_inspections
    from scoring.policies.inspection import region_prefix
    from scoring.policies.inspection_store import NoRatingsError

    if out is not None and out.suffix.lower() not in EXPORT_SUFFIXES:
        fail(f"--out {out}: use a .csv or .xlsx file")
    if out is not None:
        checked(output_file, out, "--out")
    if region is not None:
        try:
            region_prefix(region)
        except ValueError as exc:
            fail(f"--region: {exc}")
    if seed is None:
        seed = secrets.randbelow(2**31)
    with open_store(store) as st:
        within_limit(latest_day(st), as_of, "--as-of")
        try:
            outcome = draw_inspections(
                st, as_of, seed, region, settings().inspection.config(), by or login_name()
            )
        except (NoRatingsError, EmptyDrawError) as exc:
            fail(str(exc))
    batch = outcome.batch
    console.print(
        f"抽查批次 draw [bold]{outcome.draw_id}[/bold] · 基准日 as of {as_of} · "
        f"区划 region {escape(region or '全部 all')} · 随机种子 seed {seed} · "
        f"模型 model {escape(batch['model_name'])} v{escape(batch['model_version'])}"
    )
    _print_summary(outcome.result)
    if out is not None:
        _export(outcome.listing, outcome.summary, out)
        console.print(f"[green]导出 / exported:[/green] {escape(str(out))}")


@inspections_cli.command("list")
def inspections_list(
    draw_id: Annotated[
        str | None, typer.Option("--draw", help="Show this draw's enterprises.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Export the draw to FILE.csv or FILE.xlsx.")
    ] = None,
    store: StoreOption = None,
) -> None:
    """List stored draws, or the enterprises of one draw. 查看抽查批次与名单。"""
    from scoring.policies.inspection import CLASS_LABELS
    from scoring.policies.inspection_store import list_draws, load_draw

    if out is not None:
        if out.suffix.lower() not in EXPORT_SUFFIXES:
            fail(f"--out {out}: use a .csv or .xlsx file")
        checked(output_file, out, "--out")
    with open_store(store, read_only=True) as st:
        frame = load_draw(st, draw_id) if draw_id else list_draws(st)
    if draw_id and frame.empty:
        fail(f"no draw {draw_id}")
    if not draw_id:
        frame = frame.rename(
            columns={
                "draw_id": "抽查批次",
                "as_of": "分类基准日",
                "seed": "随机种子",
                "drawn_by": "抽取人",
                "drawn_at": "抽取时间",
                "enterprises": "企业数",
            }
        )
        typer.echo(frame.to_string(index=False) if not frame.empty else "没有抽查批次 / no draws")
        return
    view = frame.drop(columns=["parameters"]).assign(
        风险等级=frame["credit_class"].map(lambda k: CLASS_LABELS.get(k, (k, k))[0])
    )
    view = view.rename(
        columns={
            "draw_id": "抽查批次",
            "as_of": "分类基准日",
            "subject_id": "统一社会信用代码",
            "name": "企业名称",
            "region_code": "行政区划代码",
            "credit_class": "信用风险分类",
            "seed": "随机种子",
            "drawn_by": "抽取人",
            "drawn_at": "抽取时间",
        }
    )
    if out is not None:
        _export(view, None, out)
        console.print(f"[green]导出 / exported:[/green] {escape(str(out))}")
    else:
        typer.echo(view.to_string(index=False))
