"""``xinping disclosure late``: 双公示 records published after the deadline, per department
and month (决定后 7 个工作日内公示).

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli` imports
this module. Thin: parse options, read the ``[disclosure]``, ``[objections]`` (holidays)
and ``[windows]`` settings, call :func:`scoring.disclosure_deadline.late_disclosures`,
print (Chinese by default, English with ``--lang en``). Subject IDs of persons are shown
masked; the look-up is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from app.cli_root import StoreOption, audit, cli, console, day_option, fail, login_name, open_store
from app.measures_cli import Lang, LangOption, _say
from app.settings import settings

disclosure_cli = typer.Typer(
    help="信用公示 public disclosure: late 双公示 (licences and penalties) per department.",
    no_args_is_help=True,
)
cli.add_typer(disclosure_cli, name="disclosure")

FromOption = Annotated[
    dt.date | None, day_option("--from", "First decision date (default: a year before --to).")
]
ToOption = Annotated[
    dt.date | None, day_option("--to", "Last decision date (default: the store's data date).")
]


@disclosure_cli.command("late")
def late(
    start: FromOption = None,
    end: ToOption = None,
    store: StoreOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Licences and penalties published later than the deadline after their decision."""
    from app.data.public import late_rows
    from features.records.personal import mask_code
    from scoring.disclosure_deadline import late_disclosures

    cfg = settings().disclosure_config()
    st = open_store(store, read_only=False)
    try:
        to = end or settings().dates.limit(st).day
        since = start or to.replace(year=to.year - 1) + dt.timedelta(days=1)
        try:
            detail, summary = late_disclosures(st, since, to, cfg)
        except ValueError as exc:
            fail(str(exc))
        audit(
            st,
            login_name(),
            "cli",
            "disclosure_late",
            None,
            {"from": since, "to": to, "late": len(detail)},
        )
    finally:
        st.close()
    n = cfg.deadline_workdays
    title = _say(
        lang,
        f"双公示超期公示（决定后 {n} 个工作日内公示）：{since} 至 {to}",
        f"Licences and penalties published late (due within {n} working days): {since} to {to}",
    )
    table = Table(title=title)
    view = late_rows(summary, lang.value)
    headers = {
        "pub_dept": ("决定部门", "Department"),
        "pub_month": ("决定月份", "Month decided"),
        "pub_decided_n": ("决定数", "Decided"),
        "pub_late_n": ("超期数", "Late"),
        "pub_share": ("超期比例", "Late share"),
        "pub_max_late": ("最长超期（工作日）", "Most working days late"),
    }
    i = 0 if lang is Lang.zh else 1
    for col in view.columns:
        table.add_column(headers[col][i])
    for row in view.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    console.print(table)
    if detail.empty:
        console.print(_say(lang, "该期间没有超期公示的信息。", "Nothing was published late."))
        return
    rows = Table(title=_say(lang, "超期记录", "Late records"))
    for zh, en in (
        ("记录编号", "Record"),
        ("主体代码", "Subject"),
        ("决定日期", "Decided"),
        ("应公示截止", "Due by"),
        ("公示日期", "Published"),
        ("超期工作日", "Working days late"),
    ):
        rows.add_column(zh if i == 0 else en, no_wrap=True)
    for r in detail.itertuples(index=False):
        rows.add_row(
            r.record_id,
            mask_code(r.subject_id) or "",
            str(r.decided_on),
            str(r.due_by),
            str(r.published_on),
            str(r.workdays_late),
        )
    console.print(rows)
