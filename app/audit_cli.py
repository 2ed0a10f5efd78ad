"""``xinping audit views ID``: who looked at a subject (查询留痕).

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli`
imports this module. The audit log keeps a personal ID only as its keyed hash
(:mod:`scoring.audit`); this command takes the full ID, recomputes the hash with
the store's key and lists the rows. It is a steward's command on the platform's
server (whoever runs it can read the store and its key anyway).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape

from app.cli_root import StoreOption, cli, console, day_option, fail, open_store

audit_cli = typer.Typer(help="查询留痕 / the audit log.", no_args_is_help=True)
cli.add_typer(audit_cli, name="audit")


@audit_cli.command("views")
def views(
    subject_id: Annotated[
        str, typer.Argument(help="The full ID: 居民身份证号码, 统一社会信用代码 or division code.")
    ],
    since: Annotated[
        dt.date | None, day_option("--since", "Only rows logged on or after this day.")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Who looked at or changed this subject, oldest first. 谁查询过该主体。"""
    from rich.table import Table

    from scoring.audit import views_of

    code = subject_id.strip().upper()
    if not code:
        fail("give the subject's full ID")
    with open_store(store, read_only=True) as st:
        rows = views_of(st, code, since)
    if rows.empty:
        console.print("没有查询记录 / no audit rows for this subject", highlight=False)
        return
    table = Table(title=f"查询留痕 / audit rows ({len(rows):,})")
    for name in ("时间 At", "用户 User", "角色 Role", "操作 Action", "详情 Detail"):
        table.add_column(name)
    for r in rows.itertuples():
        table.add_row(
            f"{r.logged_at:%Y-%m-%d %H:%M:%S}",
            escape(str(r.user_name)),
            escape(str(r.role)),
            escape(str(r.action)),
            escape(str(r.detail or "")),
        )
    console.print(table)
