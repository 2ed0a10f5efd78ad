"""``xinping watch …``: early warning (信用监测预警) — alerts, the watch list, the monthly report.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli` imports
this module. Thin: parse options, read the ``[watch]`` settings, call one use case of
:mod:`scoring.watch_store` or :mod:`scoring.risk_report`, print. Personal IDs are shown
masked; every look-up and change is written to the audit log by the use case.
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

watch_cli = typer.Typer(
    help="信用预警 early warning: run, alerts, ack, list, add, remove, report.",
    no_args_is_help=True,
)
cli.add_typer(watch_cli, name="watch")

ByOption = Annotated[str | None, typer.Option("--by", help="Who (default: login name).")]
AsOfOption = Annotated[
    dt.date | None,
    day_option("--as-of", "Date (default and latest: the settings' latest date)."),
]
ROLE = "cli"


def _shown(code: str | None) -> str:
    from features.records.personal import mask_code, mask_text

    return escape(mask_text(mask_code(code) or "") or "") if code else "—"


def _viewer(by: str | None):
    from scoring.watch_store import Viewer

    return Viewer(by or login_name(), ROLE)


def _day(st, as_of: dt.date | None) -> dt.date:
    limit = latest_day(st)
    return limit.day if as_of is None else within_limit(limit, as_of, "--as-of")


def _run(use_case, *args, **kwargs):
    """Run a watch use case; its refusal is one error line in Chinese and English."""
    from scoring.watch_store import WatchError

    try:
        return use_case(*args, **kwargs)
    except WatchError as exc:
        fail(f"{exc.zh} / {exc}")


@watch_cli.command("run")
def run(as_of: AsOfOption = None, by: ByOption = None, store: StoreOption = None) -> None:
    """Compute and store the alerts of a date; prints new alerts by type. 生成预警。"""
    from scoring.watch import ALERT_TYPES
    from scoring.watch_store import run_watch

    cfg = settings()
    with open_store(store) as st:
        day = _day(st, as_of)
        result = run_watch(
            st,
            day,
            cfg.watch.config(),
            _viewer(by),
            cfg.objections.rules(),
            cfg.windows.policy(),
        )
    console.print(
        f"预警 alerts {result.since} – {result.as_of}: 新增 {sum(result.counts.values())} "
        f"new (触发 {result.found} found, 已有的不重复 / stored ones are not added twice)",
        highlight=False,
        markup=False,
    )
    for key, n in result.counts.items():
        zh, en = ALERT_TYPES[key]
        console.print(f"  {zh} / {en}: {n}", highlight=False, markup=False)


@watch_cli.command("list")
def list_(
    as_of: AsOfOption = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only my hand-kept entries.")] = False,
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """The watch list: by rule (class D, serious list, PD) and by hand. 重点关注名单。"""
    from scoring.watch_list import watch_list

    cfg = settings()
    with open_store(store) as st:
        day = _day(st, as_of)
        frame = watch_list(st, day, cfg.watch.config(), cfg.lists.config(), _viewer(by), mine)
    console.print(f"重点关注 watch list {day}: {frame['subject_id'].nunique()} 个主体 subjects")
    for r in frame.to_dict("records"):
        who = f"（{r['user_name']}）" if r.get("user_name") else ""
        console.print(
            f"{_shown(r['subject_id'])} {escape(str(r.get('name') or ''))}  "
            f"{r['rule_zh']}{escape(who)}：{escape(str(r['cause_zh']))}",
            highlight=False,
        )


@watch_cli.command("add")
def add(
    subject_id: Annotated[str, typer.Argument(help="统一社会信用代码 or 居民身份证号码.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")],
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """Put a subject on your own watch list. 加入人工关注。"""
    from scoring.watch_list import add_watch

    with open_store(store) as st:
        entry = _run(add_watch, st, subject_id, reason, _viewer(by))
    console.print(f"已加入关注 / added {_shown(subject_id.strip().upper())} ({entry})")


@watch_cli.command("remove")
def remove(
    subject_id: Annotated[str, typer.Argument(help="统一社会信用代码 or 居民身份证号码.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")],
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """Take a subject off your watch list (a new row; nothing is deleted). 取消人工关注。"""
    from scoring.watch_list import remove_watch

    with open_store(store) as st:
        entry = _run(remove_watch, st, subject_id, reason, _viewer(by))
    console.print(f"已取消关注 / removed {_shown(subject_id.strip().upper())} ({entry})")


@watch_cli.command("alerts")
def alerts_(
    open_only: Annotated[
        bool, typer.Option("--open", help="Only alerts not acknowledged.")
    ] = False,
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """The stored alerts with their cause and records. 预警列表。"""
    import json

    from features.records.personal import mask_text
    from scoring.watch_store import alerts

    with open_store(store) as st:
        frame = alerts(st, _viewer(by), open_only)
    console.print(f"预警 alerts: {len(frame)}（未确认 open {int(frame['open'].sum())}）")
    for r in frame.to_dict("records"):
        state = "未确认 open" if r["open"] else f"已确认 acknowledged by {r['acked_by']}"
        cause = escape(mask_text(str(r["cause_zh"])) or "")  # a cause may quote a record ID
        console.print(
            f"{r['alert_id']} {r['as_of']} {r['type_zh']} {_shown(r['subject_id'])} "
            f"{escape(str(r.get('name') or ''))} — {cause} [{state}]",
            highlight=False,
        )
        for rec in json.loads(r["records"] or "[]"):
            rid = mask_text(str(rec["record_id"]))  # a department may put an ID in a record ID
            console.print(
                f"    记录 {rid} {rec['kind_zh']} {rec.get('record_date') or ''}"
                f" 公示 {rec.get('published_on') or '—'}",
                highlight=False,
                markup=False,
            )


@watch_cli.command("ack")
def ack(
    alert_id: Annotated[str, typer.Argument(help="Alert ID (AL-…).")],
    note: Annotated[str, typer.Option("--note", help="What was done (required).")],
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """Acknowledge an alert with a note (audited). 确认预警。"""
    from scoring.watch_store import ack_alert

    with open_store(store) as st:
        ack_id = _run(ack_alert, st, alert_id, note, _viewer(by))
    console.print(f"已确认 / acknowledged {alert_id.strip().upper()} ({ack_id})")


@watch_cli.command("report")
def report(
    month: Annotated[str, typer.Option("--month", help="YYYY-MM.")],
    out: Annotated[Path, typer.Option("--out", help="Excel file to write (FILE.xlsx).")],
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """The monthly region × industry risk report as Excel (inert cells). 月度信用风险报告。"""
    from features.exports import write_excel
    from scoring.audit import write_audit
    from scoring.risk_report import report_sheets, risk_report

    if out.suffix.lower() != ".xlsx":
        fail(f"--out {out}: use a .xlsx file")
    checked(output_file, out, "--out")
    with open_store(store) as st:
        try:
            found = risk_report(st, month, settings().watch.top_movers)
        except ValueError as exc:
            fail(f"--month: {exc}")
        write_audit(st, by or login_name(), ROLE, "watch_report", None, {"month": month})
    with writing(out, "--out"):
        write_excel(report_sheets(found), out)
    console.print(
        f"月度信用风险报告 {month}（{found.previous} → {found.as_of}）: "
        f"{int(found.shares['n'].sum()) if len(found.shares) else 0} 户企业 firms → {out}",
        highlight=False,
        markup=False,
    )
