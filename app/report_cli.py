"""``xinping report``: a subject's credit report (信用报告) as HTML.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli` imports
this module.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from app.cli_root import (
    StoreOption,
    audit,
    checked,
    cli,
    console,
    day_option,
    err_console,
    latest_day,
    login_name,
    open_store,
    within_limit,
    writing,
)
from app.paths import output_file
from app.settings import settings


class Lang(StrEnum):
    zh = "zh"
    en = "en"


@cli.command()
def report(
    subject_id: Annotated[str, typer.Argument(help="USCC, ID number or division code.")],
    as_of: Annotated[
        dt.date | None,
        day_option("--as-of", "Report the ratings in force on this date (default: the latest)."),
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
    auth_ref: Annotated[
        str | None,
        typer.Option(
            "--auth-ref",
            help="授权编号: the subject's authorisation "
            "reference (a bank asking; written to the audit log).",
        ),
    ] = None,
    repair_plan: Annotated[
        bool,
        typer.Option(
            "--repair-plan",
            help="Add the repair guidance (信用修复指引, as `xinping repair plan`; needs the "
            "champions).",
        ),
    ] = False,
    store: StoreOption = None,
) -> None:
    """Write a subject's credit report as HTML (no PDF: no CJK font). 生成信用报告。"""
    from features.records.ids import mask_id
    from scoring.report import ReportError, credit_report

    shown = mask_id(subject_id) or subject_id
    # only letters, digits, - and _ in the file name: no masked digit, no path, no markup
    name = re.sub(r"[^0-9A-Za-z_-]", "_", shown) + ".html"
    # --out DIR: the report goes inside it under its usual name
    target = checked(output_file, out or Path("reports") / name, "--out", name)
    detail = {
        "as_of": None if as_of is None else as_of.isoformat(),
        "lang": lang.value,
        "scheme": scheme,
    }
    if auth_ref and auth_ref.strip():
        detail["authorisation"] = auth_ref.strip()
    with open_store(store) as st:
        if as_of is not None:
            within_limit(latest_day(st), as_of, "--as-of")
        cfg = settings()
        plan = _plan(st, subject_id, as_of, cfg) if repair_plan else None
        try:
            html = credit_report(
                st,
                subject_id,
                cfg.windows.policy(),
                as_of=as_of,
                lang=lang.value,
                scheme=scheme,
                lists=cfg.lists.config(),
                checks=cfg.checks.config(cfg.windows.policy()),
                rules=cfg.rating_policies(),
                repair_plan=plan,
            )
        except ReportError as exc:
            audit(
                st, user or login_name(), "cli", "report", subject_id, {**detail, "error": str(exc)}
            )
            err_console.print(f"[red]错误 / error:[/red] {escape(str(exc))}")
            raise typer.Exit(code=2) from None
        with writing(target, "--out"):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")
        audit(st, user or login_name(), "cli", "report", subject_id, {**detail, "out": str(target)})
    console.print(
        f"信用报告 credit report {escape(shown)} → {escape(str(target))}", highlight=False
    )


def _plan(st, subject_id: str, as_of: dt.date | None, cfg):
    """The repair guidance on ``as_of`` (default: the latest allowed day), or None with a
    warning when no champion rates the subject."""
    from scoring.repair_plan import RepairPlanError, guidance

    home, build, policies = cfg.casework()
    day = as_of or latest_day(st).day
    try:
        return guidance(
            st,
            subject_id.strip().upper(),
            day,
            home,
            build,
            policies,
            cfg.repair_plan.load(),
            cfg.repair_plan.months,
            cfg.repair_plan.pair_of_best,
        )
    except RepairPlanError as exc:
        err_console.print(f"信用修复指引 repair guidance: {escape(exc.zh)} / {escape(str(exc))}")
        return None
