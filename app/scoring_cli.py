"""``xinping score``, ``xinping objection …`` and ``xinping repair …``.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli`
imports this module. Like every command they stay thin: parse options, read
settings, call one use case below ``app/`` (:mod:`scoring.population`,
:mod:`scoring.casework`, :mod:`scoring.objections`), print.
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
    login_name,
    not_after_today,
    open_store,
    schemes,
    stage_progress,
    within_limit,
)
from app.paths import output_folder
from app.settings import settings

objection_cli = typer.Typer(
    help="异议 objections: open, resolve, list deadlines.", no_args_is_help=True
)
repair_cli = typer.Typer(help="信用修复 credit repair.", no_args_is_help=True)
cli.add_typer(objection_cli, name="objection")
cli.add_typer(repair_cli, name="repair")

ByOption = Annotated[str | None, typer.Option("--by", help="Who (default: login name).")]
OnOption = Annotated[
    dt.date | None,
    day_option(
        "--on",
        "Date of the change (default and latest: the store's data date or today, whichever "
        "is earlier; settings [dates] latest).",
    ),
]


@cli.command()
def score(
    subject: Annotated[str, typer.Option("--subject", help="Scheme key or all.")],
    as_of: Annotated[
        list[dt.date] | None,
        day_option("--as-of", "As-of date (repeatable; default: last month end of data)."),
    ] = None,
    store: StoreOption = None,
    engine: EngineOption = Engine.duckdb,
    lake: LakeOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="With --engine spark: ratings dataset folder, partitioned "
            "by scheme and as_of (default: LAKE/ratings).",
        ),
    ] = None,
    master: MasterOption = "local[2]",
) -> None:
    """Score with the champion model and write ratings with reasons. 批量评分。

    A scheme rated by a published rule alone (a sector evaluation) needs no
    champion: the rule's band is the grade, its points the score.

    With ``--engine spark --lake DIR`` the indicators are built and the
    champion (loaded once, broadcast) rates every partition on Spark; ratings
    are written as Parquet partitioned by scheme and as_of.
    """

    from scoring.loader import champions
    from scoring.population import default_as_of, rate_population

    spark = engine is Engine.spark
    if spark and lake is None:
        fail("--engine spark needs --lake DIR (`xinping export-lake DIR` writes one)")
    if not spark and (lake is not None or out is not None):
        fail("--lake and --out need --engine spark")
    if out is not None:
        checked(output_folder, out, "--out")
    keys = schemes(subject, rated=True)
    if spark:
        from app.lake_cli import open_lake

        opened = open_lake(lake, master)  # type: ignore[arg-type]
    else:
        opened = open_store(store)
    with opened as st:
        # the dates first: a future one is refused before any model is loaded
        limit = latest_day(st)
        dates = [within_limit(limit, d, "--as-of") for d in as_of or [default_as_of(st)]]
        models, missing = champions(Path(settings().mlflow.home), keys)
        for message in missing:
            err_console.print(f"跳过 / skipped: {message}", markup=False, highlight=False)
        if not models:
            fail("no scheme has a champion model: train and promote first")
        with stage_progress() as (progress, report):
            for run in rate_population(
                st,
                models,
                dates,
                settings().build_config(),
                settings().rating_policies(),
                engine=engine.value,
                out=out,
                progress=report,
            ):
                progress.console.print(run.summary(), markup=False, highlight=False)
            if spark:
                where = out or Path(st.table_path("ratings"))
                progress.console.print(
                    f"评级 ratings → {where} (Parquet, scheme=…/as_of=…)",
                    markup=False,
                    highlight=False,
                )


def _share(value: float | None) -> str:
    """A PD as a percentage; "—" where there is none (before the first rating, or a
    scheme rated by its published points alone, which has no PD)."""
    return "—" if value is None or value != value else f"{value:.2%}"


def print_outcome(outcome) -> None:
    """Schemes skipped for want of a champion, then every re-rated subject before → after."""
    from features.records.ids import mask_id

    for message in outcome.skipped:
        err_console.print(f"跳过 / skipped: {message}", markup=False, highlight=False)
    if not outcome.changes:
        # in words, as the page says it (app.i18n "obj.no_rerate"), not an empty table
        console.print(
            "没有需要重新评价的主体（无冠军模型或不在评价范围内）/ no subject to re-rate "
            "(no champion, or outside every population)",
            markup=False,
            highlight=False,
        )
        return
    table = Table(
        title=f"重新评价 re-rated in {outcome.seconds * 1000:.0f} ms · 变更前 = "
        "同日未变更 before = the same day without the change"
    )
    for col in (
        "方案 scheme",
        "主体 subject",
        "在用 in force",
        "变更前 before",
        "变更后 after",
        "违约概率 PD before → after",
    ):
        table.add_column(col)
    for c in outcome.changes:
        pd_text = f"{_share(c.before_pd)} → {_share(c.after_pd)}"
        mark = " *" if c.moved else ""
        in_force = "—" if c.in_force_grade is None else f"{c.in_force_grade} ({c.in_force_as_of})"
        table.add_row(
            c.scheme,
            escape(str(mask_id(c.subject_id))),
            in_force,
            str(c.before_grade or "—"),
            c.after_grade + mark,
            pd_text,
        )
    console.print(table)
    for c in outcome.changes:
        if c.reasons_before == c.reasons_after:
            continue
        console.print(
            f"{c.scheme} {mask_id(c.subject_id)} 主要风险因素 top risk factors:",
            markup=False,
            highlight=False,
        )
        for label, reasons in (
            ("  变更前 before", c.reasons_before),
            ("  变更后 after ", c.reasons_after),
        ):
            text = "；".join(zh for zh, _ in reasons) or "—"
            console.print(f"{label}: {text}", markup=False, highlight=False)


def _change_day(st, on: dt.date | None) -> dt.date:
    """The day of a change: ``--on`` within the limit, by default the limit itself."""
    limit = latest_day(st)
    return limit.day if on is None else within_limit(limit, on, "--on")


def _casework(use_case, *args, **options):
    """Run a casework use case with the settings in force; its refusal is one error line."""
    from scoring.objections import ObjectionError

    cfg = settings()
    try:
        return use_case(*args, *cfg.casework(), **options)
    except ObjectionError as exc:
        fail(str(exc))


def _subject_id(value: str | None) -> str | None:
    """The ``--subject-id`` given, as stored (trimmed, upper case), or ``None``."""
    return value.strip().upper() if value and value.strip() else None


#: the record's subject: its records alone are read (no search of every record)
SubjectIdOption = Annotated[
    str | None,
    typer.Option(
        "--subject-id",
        help="主体标识 the record's subject (USCC or ID number): finds the record among its "
        "records alone, fast on a city store; without it every record is searched once.",
    ),
]


@objection_cli.command("open")
def objection_open(
    record_id: Annotated[str, typer.Argument(help="Record ID (记录编号).")],
    reason: Annotated[str, typer.Option("--reason", help="异议理由 / why the record is wrong.")],
    subject_id: SubjectIdOption = None,
    by: ByOption = None,
    on: OnOption = None,
    store: StoreOption = None,
) -> None:
    """Open an objection: the record is suspended at once and its subjects re-rated. 提出异议。"""
    from scoring.casework import object_to

    with open_store(store) as st:
        day = _change_day(st, on)
        out = _casework(
            object_to,
            st,
            record_id.strip(),
            reason,
            by or login_name(),
            "cli",
            day,
            subject_id=_subject_id(subject_id),
        )
    console.print(
        f"异议 objection {out.ident} 已受理 opened {day}; 记录 {record_id} 暂停使用 suspended",
        markup=False,
        highlight=False,
    )
    print_outcome(out)


@objection_cli.command("resolve")
def objection_resolve(
    objection_id: Annotated[str, typer.Argument(help="Objection ID (异议编号).")],
    upheld: Annotated[
        bool,
        typer.Option(
            "--upheld/--rejected", help="Upheld: the record stays out; rejected: it counts again."
        ),
    ],
    by: ByOption = None,
    on: OnOption = None,
    store: StoreOption = None,
) -> None:
    """Resolve an objection as upheld or rejected and re-rate. 异议办结。"""
    from scoring.casework import resolve

    with open_store(store) as st:
        day = _change_day(st, on)
        out = _casework(resolve, st, objection_id.strip(), upheld, by or login_name(), "cli", day)
    word = "成立 upheld" if out.status == "upheld" else "不成立 rejected"
    console.print(f"异议 objection {out.ident}: {word} ({day})", markup=False, highlight=False)
    print_outcome(out)


@objection_cli.command("list")
def objection_list(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
    today: Annotated[
        dt.date | None, day_option("--today", "Reference date (default: today).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Open objections with their deadlines; overdue ones flagged. 异议时限。"""
    from features.records.ids import mask_id
    from scoring.objections import deadlines

    day = dt.date.today() if today is None else not_after_today(today, "--today")
    with open_store(store, read_only=True) as st:
        frame = deadlines(st, day, settings().objections.rules())
    if overdue:
        frame = frame[frame["overdue"]]
    table = Table(title=f"未办结异议 open objections ({len(frame)}) · {day}")
    for col in (
        "异议编号",
        "记录",
        "主体",
        "提出",
        "受理时限",
        "核查时限",
        "部门核实时限",
        "办结上限",
        "剩余天数",
    ):
        table.add_column(col)
    for _, r in frame.iterrows():
        left = f"[red]{r['days_left']} 逾期[/red]" if r["overdue"] else str(r["days_left"])
        table.add_row(  # record IDs come from department files: shown literally
            escape(str(r["objection_id"])),
            escape(str(r["record_id"])),
            escape(str(mask_id(r["subject_id"]))),
            str(r["opened_on"]),
            str(r["accept_by"]),
            str(r["check_by"]),
            str(r["department_by"]),
            str(r["cap_by"]),
            left,
        )
    console.print(table)


@repair_cli.command("approve")
def repair_approve(
    record_id: Annotated[str, typer.Argument(help="Record ID (记录编号).")],
    subject_id: SubjectIdOption = None,
    by: ByOption = None,
    on: OnOption = None,
    store: StoreOption = None,
) -> None:
    """Approve a credit repair: publication ends (not before the tier minimum). 修复审核通过。"""
    from scoring.casework import repair

    with open_store(store) as st:
        day = _change_day(st, on)
        out = _casework(
            repair,
            st,
            record_id.strip(),
            by or login_name(),
            "cli",
            day,
            subject_id=_subject_id(subject_id),
        )
    effective = out.effective_on or day
    note = (
        ""
        if effective <= day
        else f"；最短公示期至 {effective} 届满，届时停止公示 (the tier minimum runs to {effective})"
    )
    console.print(
        f"修复 repair {out.ident} 已批准 approved {day}{note}", markup=False, highlight=False
    )
    print_outcome(out)


@repair_cli.command("plan")
def repair_plan_command(
    subject_id: Annotated[str, typer.Argument(help="USCC or ID number (主体标识).")],
    as_of: Annotated[
        dt.date | None,
        day_option(
            "--as-of",
            "The plan's day (default and latest: the store's data date or today, whichever "
            "is earlier; settings [dates] latest).",
        ),
    ] = None,
    months: Annotated[
        int | None,
        typer.Option("--months", min=1, max=120, help="Month-ends projected (default 36)."),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh (default) or en.")] = "zh",
    store: StoreOption = None,
) -> None:
    """Repair guidance: when each negative record stops counting, the earliest repair and
    what it requires, the projected grade per month (预测, never stored) and the repairs that
    lift it most. 信用修复指引。"""
    from features.records.ids import mask_id
    from scoring.repair_plan import RepairPlanError, guidance
    from scoring.repair_plan_view import (
        option_rows,
        projection_rows,
        record_rows,
        related_rows,
        word,
    )

    if lang not in ("zh", "en"):
        fail(f"--lang {lang!r}: use zh or en")
    cfg = settings()
    home, build, policies = cfg.casework()
    code = subject_id.strip().upper()
    with open_store(store, read_only=True) as st:
        limit = latest_day(st)
        day = limit.day if as_of is None else within_limit(limit, as_of, "--as-of")
        try:
            plan = guidance(
                st,
                code,
                day,
                home,
                build,
                policies,
                cfg.repair_plan.load(),
                months or cfg.repair_plan.months,
                cfg.repair_plan.pair_of_best,
            )
        except RepairPlanError as exc:
            fail(exc.zh if lang == "zh" else str(exc))
    zh = lang == "zh"
    for message in plan.skipped:
        err_console.print(
            f"{'跳过' if zh else 'skipped'}: {message}", markup=False, highlight=False
        )
    shown = mask_id(plan.subject_id) or plan.subject_id
    console.print(
        f"信用修复指引 主体 {shown} · 评定日 {plan.on} · 预测 {plan.months} 个月 · "
        f"用时 {plan.seconds:.2f} 秒"
        if zh
        else f"Repair guidance for {shown} · on {plan.on} · {plan.months}-month projection · "
        f"{plan.seconds:.2f} s",
        markup=False,
        highlight=False,
    )
    for title, frame, empty in (
        ("计入的失信记录" if zh else "Negative records that count", record_rows(plan, lang),
         "no_records"),
        ("修复方案排名（单项与组合，精确重评）" if zh else "Repairs ranked (single and pairs, "
         "exact re-rating)", option_rows(plan, lang), "no_option"),
        ("等级预测（每月末）" if zh else "Projected grades (month-ends)",
         projection_rows(plan, lang), "none"),
        ("决定等级规则的关联方记录" if zh else "Related parties' records behind a rule",
         related_rows(plan, lang), ""),
    ):  # fmt: skip
        if frame.empty:
            if empty:
                console.print(f"{title}: {word(empty, lang)}", markup=False, highlight=False)
            continue
        table = Table(title=title, show_lines=False)
        for col in frame.columns:
            table.add_column(escape(str(col)), overflow="fold")
        for row in frame.itertuples(index=False):
            table.add_row(*(escape(str(v)) for v in row))
        console.print(table)
    console.print(word("note", lang), markup=False, highlight=False)
