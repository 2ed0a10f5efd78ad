"""``xinping lists …``: the platform's red, black and watch lists (红名单、黑名单、重点关注名单).

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli`
imports this module. Thin: parse options, read the ``[lists]`` settings, call
one function of :mod:`scoring.lists`, :mod:`scoring.list_rules` or
:mod:`scoring.list_decisions`, print. Personal IDs (the subject when it is a
person, the persons a listing reaches) are always shown masked; every look-up
and change is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from app.cli_root import (
    StoreOption,
    audit,
    cli,
    console,
    day_option,
    fail,
    latest_day,
    login_name,
    open_store,
    within_limit,
)
from app.settings import settings

lists_cli = typer.Typer(
    help="名单管理 red, black and watch lists: show, history, apply-rules, enter, exit, revoke.",
    no_args_is_help=True,
)
cli.add_typer(lists_cli, name="lists")

ByOption = Annotated[str | None, typer.Option("--by", help="Who (default: login name).")]
OnOption = Annotated[
    dt.date | None,
    day_option("--on", "Date of the change (default and latest: the settings' latest date)."),
]


def _shown(code: str | None) -> str:
    from features.records.personal import mask_code

    return escape(mask_code(code) or "") if code else "—"


def _day(st, on: dt.date | None, what: str = "--on") -> dt.date:
    limit = latest_day(st)
    return limit.day if on is None else within_limit(limit, on, what)


def _run(use_case, *args, **kwargs):
    """Run a list use case; its refusal is one error line in Chinese and English."""
    from scoring.lists import ListError

    try:
        return use_case(*args, **kwargs)
    except ListError as exc:
        fail(f"{exc.zh} / {exc}")


def _subject(st, subject_id: str) -> str:
    from features.subjects import current_subject

    code = subject_id.strip().upper()
    if not code or current_subject(st, code) is None:
        fail(f"没有该主体 / no subject {_shown(code)} in the store")
    return code


@lists_cli.command("show")
def show(
    subject_id: Annotated[str, typer.Argument(help="统一社会信用代码 or 居民身份证号码.")],
    as_of: Annotated[
        dt.date | None, day_option("--as-of", "Date (default: the settings' latest date).")
    ] = None,
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """A subject's membership of every list on a date. 查看主体名单状态。"""
    from scoring.list_reads import listing_rows, subject_lists
    from scoring.lists import LIST_LABELS

    with open_store(store) as st:
        code = _subject(st, subject_id)
        day = _day(st, as_of, "--as-of")
        states = subject_lists(st, code, day, settings().lists.config())
        audit(st, by or login_name(), "cli", "view_lists", code, {"as_of": day})
    console.print(f"主体 subject {_shown(code)} — {day}", highlight=False)
    for key, state in states.items():
        zh = LIST_LABELS[key][0]
        if not state.member:
            word = "不在名单 / not listed"
        elif state.suspended:
            word = "在名单，异议核查中暂停实施措施 / listed, suspended"
        else:
            word = f"在名单 / listed {state.since} – {state.until or '—'}"
        console.print(f"{zh}：{word}", highlight=False, markup=False)
        for r in listing_rows({key: state}):
            line = (
                f"  {r['listing_id']} {r['status']}；{r['basis']}；列入 {r['entered_on']}，"
                f"届满 {r['expires_on']}；证据记录 {r['evidence']}；责任人员 {r['persons']}"
            )
            if r["ended"] != "—":
                line += f"；{r['ended']}"
            console.print(line, highlight=False, markup=False)


@lists_cli.command("history")
def history(
    subject_id: Annotated[str, typer.Argument(help="统一社会信用代码 or 居民身份证号码.")],
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """Every list event of a subject, oldest first (persons masked). 名单变动记录。"""
    from scoring.list_reads import subject_list_history

    with open_store(store) as st:
        code = _subject(st, subject_id)
        rows = subject_list_history(st, code, masked=True)
        audit(st, by or login_name(), "cli", "view_list_history", code, {})
    if rows.empty:
        console.print("没有名单记录 / no list events", highlight=False)
        return
    table = Table(title=f"名单变动 / list events ({len(rows)})")
    for name in ("生效 On", "名单 List", "事件 Event", "编号 ID", "列入 Listing", "理由 Reason"):
        table.add_column(name, overflow="fold")
    for r in rows.itertuples():
        table.add_row(
            str(r.effective_on),
            escape(r.list_zh),
            escape(r.event_zh),
            escape(r.event_id),
            escape(r.listing_id),
            escape(str(r.reason or "")),
        )
    console.print(table)


@lists_cli.command("apply-rules")
def apply_rules_cmd(
    as_of: Annotated[
        dt.date | None, day_option("--as-of", "Date (default: the settings' latest date).")
    ] = None,
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """Run the settings' list rules as of a date; writes only what is missing. 按规则认定名单。"""
    from scoring.list_rules import apply_rules

    cfg = settings()
    with open_store(store) as st:
        day = _day(st, as_of, "--as-of")
        out = _run(
            apply_rules, st, day, cfg.lists.config(), cfg.windows.policy(), by or login_name()
        )
    console.print(
        f"名单规则 list rules {day}: 列入 entered {out.count('enter')}，"
        f"移出 exited {out.count('exit_rule') + out.count('exit_repair')}，"
        f"暂停 suspended {out.count('suspend')}，恢复 resumed {out.count('resume')}，"
        f"撤销 revoked {out.count('revoke_wrongful')}",
        highlight=False,
        markup=False,
    )


@lists_cli.command("enter")
def enter(
    subject_id: Annotated[str, typer.Argument(help="统一社会信用代码 or 居民身份证号码.")],
    list_key: Annotated[str, typer.Option("--list", help="red, black or watch.")],
    decision: Annotated[str, typer.Option("--decision", help="决定文书编号 document number.")],
    dept: Annotated[str, typer.Option("--dept", help="认定部门 deciding department.")],
    evidence: Annotated[
        list[str], typer.Option("--evidence", help="证据记录编号 record ID (repeatable).")
    ],
    reason: Annotated[str, typer.Option("--reason", help="列入理由.")],
    person: Annotated[
        list[str] | None,
        typer.Option("--person", help="责任人员居民身份证号码 (repeatable)."),
    ] = None,
    until: Annotated[
        dt.date | None, day_option("--until", "届满日期 (default: the list's validity).")
    ] = None,
    by: ByOption = None,
    on: OnOption = None,
    store: StoreOption = None,
) -> None:
    """List a subject by a department's decision with its evidence. 部门决定列入名单。"""
    from app.scoring_cli import print_outcome
    from scoring.casework import list_by_decision

    cfg = settings()
    with open_store(store) as st:
        code = _subject(st, subject_id)
        day = _day(st, on)
        out = _run(
            list_by_decision,
            st,
            code,
            list_key.strip().lower(),
            dept,
            decision,
            evidence,
            reason,
            day,
            cfg.lists.config(),
            by or login_name(),
            "cli",
            *cfg.casework(),
            persons=person or [],
            expires_on=until,
        )
    console.print(f"已列入 entered {out.ident} ({day})", highlight=False, markup=False)
    print_outcome(out)


@lists_cli.command("exit")
def exit_cmd(
    event_id: Annotated[str, typer.Argument(help="列入编号 listing (or any of its event) ID.")],
    reason: Annotated[str, typer.Option("--reason", help="移出理由 (the repair approved).")],
    by: ByOption = None,
    on: OnOption = None,
    store: StoreOption = None,
) -> None:
    """Early exit after an approved credit repair (not before the minimum). 信用修复提前移出。"""
    _end(event_id, reason, by, on, store, "已移出 exited", revoke=False)


@lists_cli.command("revoke")
def revoke(
    event_id: Annotated[str, typer.Argument(help="列入编号 listing (or any of its event) ID.")],
    reason: Annotated[str, typer.Option("--reason", help="撤销理由: why the listing was wrong.")],
    by: ByOption = None,
    on: OnOption = None,
    store: StoreOption = None,
) -> None:
    """Revoke a wrongful listing: it never counted; the history keeps why. 错误列入撤销。"""
    _end(event_id, reason, by, on, store, "已撤销 revoked", revoke=True)


def _end(event_id: str, reason: str, by, on, store, said: str, *, revoke: bool) -> None:
    """Run a steward's closing use case (exit on repair, revocation), say what it did and
    who it re-rated."""
    from app.scoring_cli import print_outcome
    from scoring.casework import end_listing

    cfg = settings()
    with open_store(store) as st:
        day = _day(st, on)
        out = _run(
            end_listing,
            st,
            event_id.strip(),
            day,
            reason,
            cfg.lists.config(),
            by or login_name(),
            "cli",
            *cfg.casework(),
            revoke=revoke,
        )
    console.print(f"{said} {out.ident} ({day})", highlight=False, markup=False)
    print_outcome(out)
