"""``xinping monitor``: each rating batch against the training population, and the
back-test once outcomes mature.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli` imports
this module. Thin: parse options, read settings and the spec's ``min_auc``, call
:func:`training.monitor.monitor` per scheme, print.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from app.cli_root import (
    Engine,
    EngineOption,
    LakeOption,
    MasterOption,
    StoreOption,
    checked,
    cli,
    console,
    day_option,
    err_console,
    fail,
    latest_day,
    open_store,
    schemes,
    within_limit,
)
from app.paths import output_folder
from app.settings import settings

#: a traffic light in words and colour
LIGHTS = {
    "green": "[green]绿 green[/green]",
    "amber": "[yellow]黄 amber[/yellow]",
    "red": "[bold red]红 red[/bold red]",
}
RESULTS = {"pass": "通过 pass", "fail": "[bold red]未通过 FAIL[/bold red]"}


def _light(value: float | None, light: str | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f} {LIGHTS.get(light or '', '')}"


def _maturity(report: dict) -> str:
    m = report["maturity"]
    if m["matured"]:
        return f"{m['horizon']}/{m['horizon']} 已满"
    return f"{m['months_observed']}/{m['horizon']} 未满"


def _backtest(report: dict) -> str:
    back = report.get("backtest")
    if not back:
        return "—"
    auc = "AUC —" if back["auc"] is None else f"AUC {back['auc']:.3f}"
    if back["auc"] is not None and back["auc"] < back["min_auc"]:
        auc = f"[bold red]{auc}[/bold red]"
    tested = sum(g["result"] != "empty" for g in back["grades"])
    failed = len(back["failed"])
    word = (
        f"[bold red]{failed}/{tested} 等级未通过 failed[/bold red]"
        if failed
        else f"{tested}/{tested} 等级通过 passed"
    )
    return f"{auc} · {word}"


def _print(result) -> None:
    """The scheme's batches as a table, then the back-tests, every alert and the notes."""
    table = Table(
        title=f"{escape(result.scheme)} 模型监测 monitoring · 监测基准日 as of {result.as_of}",
        caption=f"PSI：绿 < {result.reports[0]['thresholds']['psi_amber']:g} ≤ 黄 ≤ "
        f"{result.reports[0]['thresholds']['psi_red']:g} < 红 · 表现期：已观察月数，满后回测 "
        f"(outcome months observed; back-test once matured; outcomes known to {result.cutoff})",
    )
    for col, right in (
        ("批次\nbatch", False),
        ("主体\nrated", True),
        ("评分PSI\nscore", False),
        ("最大指标PSI\nmax indicator", False),
        ("表现期\nmonths", False),
        ("回测\nback-test", False),
        ("预警\nalerts", True),
    ):
        # fold, never cut: a date or an indicator's name is read whole
        table.add_column(
            col,
            justify="right" if right else "left",
            overflow="fold",
            min_width=10 if col.startswith("批次") else None,
        )
    for r in result.reports:
        top = r["features"][0] if r["features"] else None
        feature = f"{_light(top['psi'], top['light'])} {escape(top['label_zh'])}" if top else "—"
        table.add_row(
            f"{r['batch_as_of']} v{r['model_version']}",
            f"{r['rows']:,}",
            _light(r["score"]["psi"], r["score"]["light"]),
            feature,
            _maturity(r),
            _backtest(r),
            f"[bold red]{len(r['alerts'])}[/bold red]" if r["alerts"] else "0",
        )
    console.print(table)
    for r in result.reports:
        back = r.get("backtest")
        if back:
            grades = Table(
                title=f"回测 back-test {r['batch_as_of']} v{r['model_version']}: 实际 realised "
                f"{back['realised_rate']:.2%} vs 预测 predicted {back['predicted_pd']:.2%} "
                f"({back['defaults']:,}/{back['n']:,})"
            )
            for col in (
                "等级 grade",
                "主体 n",
                "违约 defaults",
                "实际 realised",
                "预测 PD",
                "Jeffreys 区间 interval",
                "p",
                "结果 result",
            ):
                grades.add_column(
                    col, justify="left" if col.startswith(("等级", "结果")) else "right"
                )
            for g in back["grades"]:
                # the key and its name (NR alone reads as a code)
                name = f"{g['grade']} {g.get('label_zh', '')}".strip()
                if g["result"] == "empty":
                    grades.add_row(name, "0", "0", "—", "—", "—", "—", "无主体 empty")
                    continue
                grades.add_row(
                    name,
                    f"{g['count']:,}",
                    f"{g['defaults']:,}",
                    f"{g['realised_rate']:.2%}",
                    f"{g['predicted_pd']:.2%}",
                    f"{g['lower']:.2%}–{g['upper']:.2%}",
                    f"{g['p_value']:.3f}",
                    RESULTS[g["result"]],
                )
            console.print(grades)
    for r in result.reports:
        for a in r["alerts"]:
            console.print(
                f"[bold red]预警 alert[/bold red] {r['batch_as_of']} v{r['model_version']}: "
                f"{escape(a['message_zh'])} / {escape(a['message_en'])}",
                highlight=False,
            )
    for r in result.reports:
        console.print(
            f"MLflow 监测运行 monitoring run {r['batch_as_of']} v{r['model_version']}: "
            f"{r['mlflow_run_id']} ← 训练运行 training run {r['run_id']}",
            markup=False,
            highlight=False,
        )
    for note in result.notes:
        console.print(f"说明 / note: {note}", markup=False, highlight=False)


@cli.command()
def monitor(
    subject: Annotated[str, typer.Option("--subject", help="Scheme key or all.")],
    as_of: Annotated[
        dt.date | None,
        day_option(
            "--as-of",
            "Monitoring date: batches up to it, outcomes known up to it (default: the "
            "store's data date or today, whichever is earlier).",
        ),
    ] = None,
    store: StoreOption = None,
    engine: EngineOption = Engine.duckdb,
    lake: LakeOption = None,
    ratings: Annotated[
        Path | None,
        typer.Option(
            "--ratings",
            help="With --engine spark: the ratings dataset `xinping score --engine spark "
            "--out` wrote (default: LAKE/ratings).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="With --engine spark: folder of the monitoring and monitor_alerts "
            "datasets, partitioned by scheme and monitored_as_of (default: the lake's).",
        ),
    ] = None,
    master: MasterOption = "local[2]",
) -> None:
    """Monitor rating batches: PSI, back-test, alerts. 模型监测：稳定性、回测与预警。

    With ``--engine spark --lake DIR`` every batch is aggregated on Spark (counts per
    bin and grade come back, never rows) and the rows are written as Parquet.
    """
    from features.store.access import StoreBusy
    from training.monitor import monitor as run_monitor
    from training.spec import load_spec
    from training.tracking import mark_dead_runs

    spark = engine is Engine.spark
    if spark and lake is None:
        fail("--engine spark needs --lake DIR (`xinping export-lake DIR` writes one)")
    if not spark and (lake is not None or ratings is not None or out is not None):
        fail("--lake, --ratings and --out need --engine spark")
    if out is not None:
        checked(output_folder, out, "--out")
    keys = schemes(subject)
    home = Path(settings().mlflow.home)
    if spark:
        from app.lake_cli import open_lake

        opened = open_lake(lake, master, ratings)  # type: ignore[arg-type]
    else:
        opened = open_store(store)
    with opened as st:
        limit = latest_day(st)
        day = within_limit(limit, as_of, "--as-of") if as_of else limit.day
        mark_dead_runs(home)
        for key in keys:
            cfg = settings().monitor.config(load_spec(key).gates.min_auc)
            with err_console.status(f"监测 monitoring {key}…") as status:
                try:
                    result = run_monitor(
                        st,
                        key,
                        home,
                        day,
                        cfg,
                        settings().build_config(),
                        progress=lambda msg, s=status, k=key: s.update(f"监测 {k}: {msg}"),
                        out=out,
                    )
                except StoreBusy:
                    raise  # the root says who holds the store
                except Exception as exc:  # a missing run or artifact: one line, no traceback
                    fail(f"{key}: {type(exc).__name__}: {exc}")
            if not result.reports:
                console.print(
                    f"{key}: {day} 及以前没有评级批次，请先运行 xinping score / no rating batch "
                    f"up to {day}: run `xinping score` first",
                    markup=False,
                    highlight=False,
                )
                continue
            _print(result)
            for table, where in result.written.items():
                console.print(
                    f"{table} → {where} (Parquet, scheme=…/monitored_as_of=…)",
                    markup=False,
                    highlight=False,
                )
