"""``xinping serve`` and ``xinping api-keys``: the departments' HTTP API and its keys.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli`
imports this module. Thin: parse options, read the ``[api]`` settings, call
:mod:`app.api.keys` or run :func:`app.api.server.serve`, print (Chinese by
default, English with ``--lang en``). A refusal is one error line.
"""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli_root import StoreOption, cli, fail, login_name, open_store
from app.measures_cli import Lang, LangOption, _choice, _print, _say
from app.settings import settings

keys_cli = typer.Typer(
    help="接口密钥：签发、列出、吊销 / API keys of the departments: issue, list, revoke.",
    no_args_is_help=True,
)
cli.add_typer(keys_cli, name="api-keys")

ByOption = Annotated[str | None, typer.Option("--by", help="Who (default: login name).")]


def _run(use_case, *args, **kwargs):
    from app.api.keys import ApiKeyError

    try:
        return use_case(*args, **kwargs)
    except ApiKeyError as exc:
        fail(f"{exc.zh} / {exc}")


def _scope_text(scopes: tuple[str, ...], lang: Lang) -> str:
    from scoring.measures.vocabulary import MATTERS, label

    if scopes == ("*",):
        return _say(lang, "全部事项", "every matter")
    return ("、" if lang is Lang.zh else ", ").join(
        label(MATTERS, s, lang.value) if s in MATTERS else s for s in scopes
    )


@keys_cli.command("issue")
def issue(
    dept: Annotated[str, typer.Option("--dept", help="部门 the department the key is for.")],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            help="事项 a matter the key may check (repeat; procurement or 政府采购 …; '*' every "
            "matter, never the default).",
        ),
    ],
    rate: Annotated[
        int | None,
        typer.Option(
            "--rate", help="Calls per minute (default: settings api.default_rate_per_minute)."
        ),
    ] = None,
    lang: LangOption = Lang.zh,
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """Issue an API key for a department; the key is shown this once. 签发接口密钥。"""
    from app.api.keys import ALL_MATTERS, issue_key
    from scoring.measures.vocabulary import MATTERS

    scopes = [s if s.strip() == ALL_MATTERS else _choice(s, MATTERS, "--scope") for s in scope]
    per_minute = rate if rate is not None else settings().api.default_rate_per_minute
    with open_store(store) as st:
        key, token = _run(issue_key, st, dept, scopes, per_minute, by or login_name())
    _print(
        _say(
            lang,
            f"已签发接口密钥 {key.key_id}：部门 {key.department}；可核查事项 "
            f"{_scope_text(key.scopes, lang)}；每分钟 {key.rate_per_minute} 次",
            f"API key {key.key_id} issued: department {key.department}; may check "
            f"{_scope_text(key.scopes, lang)}; {key.rate_per_minute} calls per minute",
        )
    )
    _print(
        _say(
            lang,
            "密钥（仅显示这一次，平台不保存，请立即交给该部门）：",
            "The key (shown this once and not kept by the platform; hand it over now):",
        )
    )
    _print(token)


@keys_cli.command("list")
def list_(lang: LangOption = Lang.zh, store: StoreOption = None) -> None:
    """List every API key issued (never the keys themselves). 列出接口密钥。"""
    from rich.table import Table

    from app.api.keys import list_keys
    from app.cli_root import console

    with open_store(store) as st:
        keys = list_keys(st)
    if not keys:
        _print(_say(lang, "尚未签发接口密钥", "no API keys issued"))
        return
    heads = (
        ("密钥编号", "部门", "可核查事项", "每分钟限额", "签发", "状态")
        if lang is Lang.zh
        else ("Key", "Department", "Scopes", "Per minute", "Issued", "Status")
    )
    view = Table(title=_say(lang, "接口密钥", "API keys"))
    for h in heads:
        view.add_column(h, overflow="fold")
    for k in keys:
        status = (
            _say(lang, "有效", "active")
            if k.active
            else _say(
                lang,
                f"已吊销 {k.revoked_at:%Y-%m-%d %H:%M}",
                f"revoked {k.revoked_at:%Y-%m-%d %H:%M}",
            )
        )
        view.add_row(
            k.key_id,
            k.department,
            _scope_text(k.scopes, lang),
            str(k.rate_per_minute),
            f"{k.issued_at:%Y-%m-%d %H:%M} {k.issued_by}",
            status,
            style=None if k.active else "dim",
        )
    console.print(view, markup=False, highlight=False)


@keys_cli.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (xinping api-keys list).")],
    reason: Annotated[str, typer.Option("--reason", help="吊销理由 why it is revoked.")],
    lang: LangOption = Lang.zh,
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """Revoke an API key from now on. 吊销接口密钥。"""
    from app.api.keys import revoke_key

    with open_store(store) as st:
        key = _run(revoke_key, st, key_id, by or login_name(), reason)
    _print(
        _say(
            lang,
            f"已吊销接口密钥 {key.key_id}（{key.department}）",
            f"API key {key.key_id} ({key.department}) revoked",
        )
    )


@cli.command("serve")
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Address (default: settings api.host).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", min=1, max=65535, help="Port (default: settings api.port)."),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Run the departments' HTTP API (OpenAPI page at /docs). 启动部门核查接口服务。"""
    from app.api.server import serve as run

    cfg = settings()
    with open_store(store) as st:
        where = st.path
    run(cfg, str(where), host or cfg.api.host, port or cfg.api.port)
