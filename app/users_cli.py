"""``xinping users``: the app's accounts — list them with their sign-in locks, lift a lock.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli`
imports this module. Reads and writes go through :mod:`app.auth` (the only
owner of the ``users`` and ``signin_events`` tables); password hashes are never
printed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape

from app.cli_root import StoreOption, audit, cli, console, fail, login_name, open_store
from app.settings import settings

users_cli = typer.Typer(
    help="应用账号：查看、解除登录锁定 / app accounts: list, unlock.", no_args_is_help=True
)
cli.add_typer(users_cli, name="users")

UserOption = Annotated[
    str | None, typer.Option("--user", help="Who does it (audit log; default: login name).")
]


@users_cli.command("list")
def list_command(store: StoreOption = None) -> None:
    """List the accounts and any sign-in lock in force. 列出账号及登录锁定。"""
    from rich.table import Table

    from app.auth import ROLES, list_users

    policy, now = settings().app.signin.policy(), dt.datetime.now()
    with open_store(store) as st:
        users = list_users(st, policy, now)
    if not users:
        console.print("没有账号 / no accounts")
        return
    view = Table(title="应用账号 / app accounts")
    for name in ("用户名 User", "姓名 Name", "角色 Role", "锁定至 Locked until"):
        view.add_column(name)
    for user, locked_until in users:
        role = ROLES[user.role].label_zh if user.role in ROLES else user.role
        until = f"{locked_until:%Y-%m-%d %H:%M}" if locked_until else ""
        view.add_row(escape(user.username), escape(user.display_name), role, until)
    console.print(view)


@users_cli.command("unlock")
def unlock_command(
    username: Annotated[str, typer.Argument(help="The locked user name (as typed at sign-in).")],
    user: UserOption = None,
    store: StoreOption = None,
) -> None:
    """Lift a sign-in lock now and forget the name's failures. 解除登录锁定。"""
    from app.auth import unlock_user

    name = username.strip()
    if not name:
        fail("a user name is needed")
    policy, now = settings().app.signin.policy(), dt.datetime.now()
    with open_store(store) as st:
        until = unlock_user(st, name, policy, now)
        audit(
            st,
            user or login_name(),
            "cli",
            "login_unlocked",
            None,
            {"user_name": name, "was_locked_until": until},
        )
    if until is None:
        console.print(
            f"{name}: 未被锁定，已清除失败计数 / was not locked; failures forgotten",
            markup=False,
            highlight=False,
        )
    else:
        console.print(
            f"{name}: 已解除锁定（原锁定至 {until:%Y-%m-%d %H:%M}）/ unlocked "
            f"(was locked until {until:%Y-%m-%d %H:%M})",
            markup=False,
            highlight=False,
        )


@users_cli.command("add")
def add_command(
    username: Annotated[str, typer.Argument(help="The new user name.")],
    role: Annotated[
        str, typer.Option("--role", help="supervisor, bank, rural, modeller, department or admin.")
    ],
    name: Annotated[str, typer.Option("--name", help="姓名 display name.")],
    dept: Annotated[
        str | None,
        typer.Option(
            "--dept", help="所属部门: a department officer's department (its checks carry it)."
        ),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="所辖区划 county code (empty: whole city).")
    ] = None,
    user: UserOption = None,
    store: StoreOption = None,
) -> None:
    """Create an account; the password is asked twice and stored hashed. 新增账号。"""
    from app.auth import add_user

    password = typer.prompt("口令 password", hide_input=True, confirmation_prompt=True)
    with open_store(store) as st:
        try:
            add_user(st, username.strip(), role, name.strip(), password, region, dept)
        except ValueError as exc:
            fail(f"{username}: {exc}")
        audit(
            st,
            user or login_name(),
            "cli",
            "user_added",
            None,
            {"user_name": username.strip(), "role": role, "department": dept},
        )
    console.print(f"{username}: 已新增 / added", markup=False, highlight=False)
