"""``xinping score``, ``xinping objection …`` and ``xinping repair …``.

Registered on the root command line by :mod:`app.cli`. Like every command they
stay thin: read options and settings, call one function of ``scoring``, print.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli import MODELLED, Engine, StoreOption, _schemes, cli, console, err_console, open_store
from app.settings import settings

objection_cli = typer.Typer(help="异议 objections: open, resolve, list deadlines.",
                            no_args_is_help=True)
repair_cli = typer.Typer(help="信用修复 credit repair.", no_args_is_help=True)
cli.add_typer(objection_cli, name="objection")
cli.add_typer(repair_cli, name="repair")

ByOption = Annotated[str | None, typer.Option("--by", help="Who (default: login name).")]
OnOption = Annotated[
    str | None, typer.Option("--on", help="Date of the change, YYYY-MM-DD (default: today).")
]


def _date(value: str | None, what: str) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        err_console.print(f"[red]错误 / error:[/red] {what} {value!r} is not a date YYYY-MM-DD")
        raise typer.Exit(code=2) from None


def _by(by: str | None) -> str:
    return by or getpass.getuser()


def _fail(message: str) -> None:
    err_console.print(f"[red]错误 / error:[/red] {message}", markup=True, highlight=False)
    raise typer.Exit(code=2)


def _models(keys: tuple[str, ...] = MODELLED) -> dict:
    from scoring.loader import NoModelError, load_model

    home = Path(settings().mlflow.home)
    out = {}
    for key in keys:
        try:
            out[key] = load_model(key, home)
        except NoModelError as exc:
            err_console.print(f"[yellow]跳过 / skipped:[/yellow] {exc}")
    return out


def _default_as_of(store) -> dt.date:
    from features.build import data_end

    end = data_end(store)
    first = end.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    # the last month end the data covers in full
    return end if nxt - dt.timedelta(days=1) == end else first - dt.timedelta(days=1)


@cli.command()
def score(
    subject: Annotated[str, typer.Option("--subject", help="Scheme key or all.")],
    as_of: Annotated[
        list[str] | None,
        typer.Option("--as-of", help="As-of date (repeatable; default: last month end of data)."),
    ] = None,
    store: StoreOption = None,
    engine: Annotated[Engine, typer.Option(help="duckdb (default) or spark.")] = Engine.duckdb,
    lake: Annotated[
        Path | None,
        typer.Option("--lake", help="With --engine spark: the Parquet lake to read "
                     "(`xinping export-lake`)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="With --engine spark: ratings dataset folder, partitioned "
                     "by scheme and as_of (default: LAKE/ratings)."),
    ] = None,
    master: Annotated[
        str, typer.Option("--master", help="Spark master for --engine spark.")
    ] = "local[2]",
) -> None:
    """Score with the champion model and write ratings with reasons. 批量评分。

    With ``--engine spark --lake DIR`` the indicators are built and the
    champion (loaded once, broadcast) rates every partition on Spark; ratings
    are written as Parquet partitioned by scheme and as_of.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from scoring.batch import score_scheme

    spark = engine is Engine.spark
    if spark and lake is None:
        _fail("--engine spark needs --lake DIR (`xinping export-lake DIR` writes one)")
    if not spark and (lake is not None or out is not None):
        _fail("--lake and --out need --engine spark")
    keys = _schemes(subject)
    models = _models(keys)
    if not models:
        _fail("no scheme has a champion model: train and promote first")
    cfg, policies = settings().build_config(), settings().rating_policies()
    if spark:
        from app.lake_cli import open_lake
        from scoring.spark_batch import score_scheme_spark

        opened = open_lake(lake, master)  # type: ignore[arg-type]

        def run_one(st, model, day, report):
            return score_scheme_spark(st, model, day, cfg=cfg, policies=policies, out=out,
                                      progress=report)
    else:
        opened = open_store(store)

        def run_one(st, model, day, report):
            return score_scheme(st, model, day, cfg=cfg, policies=policies, progress=report)
    with opened as st, Progress(
        TextColumn("[bold]{task.description}"), BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f}"), TimeElapsedColumn(),
        console=err_console,
    ) as progress:
        dates = [_date(d, "--as-of") for d in as_of] if as_of else [_default_as_of(st)]
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        for day in dates:
            for model in models.values():
                run = run_one(st, model, day, report)
                progress.console.print(run.summary(), markup=False, highlight=False)
        if spark:
            where = out or Path(st.table_path("ratings"))
            progress.console.print(f"评级 ratings → {where} (Parquet, scheme=…/as_of=…)",
                                   markup=False, highlight=False)


def _print_changes(changes, seconds: float) -> None:
    from features.records.ids import mask_id

    table = Table(title=f"重新评价 re-rated in {seconds * 1000:.0f} ms · 变更前 = 同日未变更 "
                  "before = the same day without the change")
    for col in ("方案 scheme", "主体 subject", "在用 in force", "变更前 before",
                "变更后 after", "PD before → after"):
        table.add_column(col)
    for c in changes:
        pd_text = ("—" if c.before_pd is None else f"{c.before_pd:.4f}") + f" → {c.after_pd:.4f}"
        mark = " *" if c.moved else ""
        in_force = "—" if c.in_force_grade is None else f"{c.in_force_grade} ({c.in_force_as_of})"
        table.add_row(c.scheme, mask_id(c.subject_id), in_force, str(c.before_grade or "—"),
                      c.after_grade + mark, pd_text)
    console.print(table)
    for c in changes:
        if c.reasons_before == c.reasons_after:
            continue
        console.print(f"{c.scheme} {mask_id(c.subject_id)} 主要风险因素 top risk factors:",
                      markup=False, highlight=False)
        for label, reasons in (("  变更前 before", c.reasons_before),
                               ("  变更后 after ", c.reasons_after)):
            text = "；".join(zh for zh, _ in reasons) or "—"
            console.print(f"{label}: {text}", markup=False, highlight=False)


def _record_change(st, record_id: str | None, day: dt.date, change):
    """Rate the record's subjects as of ``day``, record ``change()`` → (result, cause),
    re-rate them and print before → after; return the result."""
    from scoring.objections import ObjectionError
    from scoring.rerating import affected_subjects, rerate_change

    subject_id = None if record_id is None else st.scalar(
        "SELECT subject_id FROM records WHERE record_id = ? LIMIT 1", [record_id])
    subjects = [] if subject_id is None else affected_subjects(st, subject_id)
    try:
        result, changes, seconds = rerate_change(
            st, subjects, day, _models(), change, settings().build_config(),
            settings().rating_policies())
    except ObjectionError as exc:
        _fail(str(exc))
    return result, changes, seconds


@objection_cli.command("open")
def objection_open(
    record_id: Annotated[str, typer.Argument(help="Record ID (记录编号).")],
    reason: Annotated[str, typer.Option("--reason", help="异议理由 / why the record is wrong.")],
    by: ByOption = None,
    on: OnOption = None,
    store: StoreOption = None,
) -> None:
    """Open an objection: the record is suspended at once and its subjects re-rated. 提出异议。"""
    from scoring.objections import open_objection

    day = _date(on, "--on")
    with open_store(store) as st:
        def change():
            oid = open_objection(st, record_id, reason, _by(by), day)
            return oid, {"kind": "objection_open", "id": oid, "record_id": record_id,
                         "on": str(day)}

        oid, changes, seconds = _record_change(st, record_id, day, change)
        console.print(f"异议 objection {oid} 已受理 opened {day}; 记录 {record_id} 暂停使用 "
                      "suspended", markup=False, highlight=False)
        _print_changes(changes, seconds)


@objection_cli.command("resolve")
def objection_resolve(
    objection_id: Annotated[str, typer.Argument(help="Objection ID (异议编号).")],
    upheld: Annotated[
        bool, typer.Option("--upheld/--rejected", help="Upheld: the record stays out; "
                           "rejected: it counts again.")
    ],
    by: ByOption = None,
    on: OnOption = None,
    store: StoreOption = None,
) -> None:
    """Resolve an objection as upheld or rejected and re-rate. 异议办结。"""
    from scoring.objections import resolve_objection

    day = _date(on, "--on")
    with open_store(store) as st:
        record_id = st.scalar("SELECT record_id FROM objections WHERE objection_id = ? "
                              "LIMIT 1", [objection_id])

        def change():
            row = resolve_objection(st, objection_id, upheld, _by(by), day)
            return row, {"kind": f"objection_{row['status']}", "id": objection_id,
                         "record_id": row["record_id"], "on": str(day)}

        _, changes, seconds = _record_change(st, record_id, day, change)
        word = "成立 upheld" if upheld else "不成立 rejected"
        console.print(f"异议 objection {objection_id}: {word} ({day})", markup=False,
                      highlight=False)
        _print_changes(changes, seconds)


@objection_cli.command("list")
def objection_list(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
    today: Annotated[str | None, typer.Option("--today", help="Reference date.")] = None,
    store: StoreOption = None,
) -> None:
    """Open objections with their deadlines; overdue ones flagged. 异议时限。"""
    from features.records.ids import mask_id
    from scoring.objections import deadlines

    day = _date(today, "--today")
    with open_store(store, read_only=True) as st:
        frame = deadlines(st, day, settings().objections.rules())
    if overdue:
        frame = frame[frame["overdue"]]
    table = Table(title=f"未办结异议 open objections ({len(frame)}) · {day}")
    for col in ("异议编号", "记录", "主体", "提出", "受理时限", "核查时限", "部门核实时限",
                "办结上限", "剩余天数"):
        table.add_column(col)
    for _, r in frame.iterrows():
        left = f"[red]{r['days_left']} 逾期[/red]" if r["overdue"] else str(r["days_left"])
        table.add_row(r["objection_id"], r["record_id"], mask_id(r["subject_id"]),
                      str(r["opened_on"]), str(r["accept_by"]), str(r["check_by"]),
                      str(r["department_by"]), str(r["cap_by"]), left)
    console.print(table)


@repair_cli.command("approve")
def repair_approve(
    record_id: Annotated[str, typer.Argument(help="Record ID (记录编号).")],
    by: ByOption = None,
    on: OnOption = None,
    store: StoreOption = None,
) -> None:
    """Approve a credit repair: publication ends (not before the tier minimum). 修复审核通过。"""
    from scoring.objections import approve_repair

    day = _date(on, "--on")
    with open_store(store) as st:
        def change():
            res = approve_repair(st, record_id, _by(by), day, settings().windows.policy())
            return res, {"kind": "repair", "id": res.repair_id, "record_id": record_id,
                         "on": str(day), "effective_on": str(res.effective_on)}

        res, changes, seconds = _record_change(st, record_id, day, change)
        note = ("" if res.effective_on <= day else
                f"；最短公示期至 {res.effective_on} 届满，届时停止公示 "
                f"(the tier minimum runs to {res.effective_on})")
        console.print(f"修复 repair {res.repair_id} 已批准 approved {day}{note}",
                      markup=False, highlight=False)
        _print_changes(changes, seconds)
