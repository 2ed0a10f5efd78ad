"""``xinping measures …``: the measures catalogue (措施清单) — list, show, validate, save, history.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli`
imports this module. Thin: parse options, call :mod:`scoring.measures`, print
(Chinese by default, English with ``--lang en``). Saving a version is audited
(``measures_saved`` in ``audit_log``, written by
:func:`scoring.measures.versions.save_version`).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.cli_root import StoreOption, checked, cli, console, err_console, fail, login_name
from app.settings import settings

measures_cli = typer.Typer(
    help="措施清单 measures catalogue: list, show, validate, save a version, history.",
    no_args_is_help=True,
)
cli.add_typer(measures_cli, name="measures")


class Lang(StrEnum):
    zh = "zh"
    en = "en"


LangOption = Annotated[Lang, typer.Option("--lang", help="zh (default) or en.")]


def _say(lang: Lang, zh: str, en: str) -> str:
    return zh if lang is Lang.zh else en


def _print(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _in_force(store: Path | None, lang: Lang):
    """The catalogue in force in the store, or the shipped one when there is no store yet."""
    from scoring.measures.checks import CatalogueError
    from scoring.measures.versions import catalogue_in_force, shipped_in_force

    where = Path(store or settings().store.path)
    try:
        if not where.exists():
            err_console.print(
                _say(
                    lang,
                    f"未找到数据库 {where}：显示随平台发布的措施清单",
                    f"no store at {where}: showing the shipped catalogue",
                ),
                markup=False,
                highlight=False,
            )
            return shipped_in_force()
        from app.cli_root import open_store

        # opened for writing: a store made before ``measure_versions`` existed gets the
        # (empty) table on opening, which a read-only open cannot do
        with open_store(where) as st:
            return catalogue_in_force(st)
    except CatalogueError as exc:
        fail("; ".join(p.text(lang.value) for p in exc.problems))


def _choice(value: str | None, table: dict, option: str) -> str | None:
    """A vocabulary key given as the key or as its Chinese or English label."""
    if value is None:
        return None
    v = value.strip()
    for key, (zh, en) in table.items():
        if v in (key, zh) or v.lower() == en.lower():
            return key
    fail(
        f"{option} {value!r}: expected one of "
        + ", ".join(f"{k} ({z})" for k, (z, _) in table.items())
    )


def _duration(months: int | None, lang: Lang) -> str:
    if months is None:
        return _say(lang, "期限：触发条件存续期间", "while the trigger holds")
    return _say(lang, f"期限：{months} 个月", f"for {months} months")


@measures_cli.command("list")
def list_(
    matter: Annotated[
        str | None, typer.Option("--matter", help="事项 matter: procurement or 政府采购 …")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--type", help="reward (守信激励) or punishment (失信惩戒).")
    ] = None,
    lang: LangOption = Lang.zh,
    store: StoreOption = None,
) -> None:
    """The measures in force, by matter and type. 措施清单。"""
    from scoring.measures.matching import select
    from scoring.measures.vocabulary import FORCES, MATTERS, MEASURE_TYPES, label, trigger_short

    m_key = _choice(matter, MATTERS, "--matter")
    k_key = _choice(kind, MEASURE_TYPES, "--type")
    now = _in_force(store, lang)
    rows = select(now.catalogue, m_key, k_key)
    sep = "、" if lang is Lang.zh else ", "
    _print(
        _say(lang, "措施清单", "Measures")
        + f" {now.version_id}: "
        + _say(lang, f"{len(rows)} 项", f"{len(rows)} measure(s)")
    )
    for m in rows:
        head = sep.join(
            (
                label(MEASURE_TYPES, m.type, lang.value),
                label(FORCES, m.force, lang.value),
                _duration(m.duration_months, lang),
            )
        )
        _print(
            f"{m.id}  {m.name(lang.value)}（{head}）"
            if lang is Lang.zh
            else f"{m.id}  {m.name(lang.value)} ({head})"
        )
        matters = sep.join(label(MATTERS, x, lang.value) for x in m.matters)
        triggers = sep.join(trigger_short(t, lang.value) for t in m.triggers)
        _print(
            "    "
            + _say(
                lang,
                f"事项：{matters}；触发条件（任一）：{triggers}",
                f"matters: {matters}; triggers (any of): {triggers}",
            )
        )
    if not rows:
        _print(_say(lang, "没有符合条件的措施。", "No measure matches."))


@measures_cli.command()
def show(
    measure_id: Annotated[str, typer.Argument(metavar="ID", help="Measure ID, e.g. P-PROC-01.")],
    lang: LangOption = Lang.zh,
    store: StoreOption = None,
) -> None:
    """One measure in full: basis, departments, triggers, matters, whom it reaches. 措施详情。"""
    from scoring.measures.vocabulary import (
        FORCES,
        MATTERS,
        MEASURE_TYPES,
        REACHES,
        label,
        trigger_label,
    )

    now = _in_force(store, lang)
    m = now.catalogue.get(measure_id.strip().upper())
    if m is None:
        known = ", ".join(x.id for x in now.catalogue.measures)
        fail(f"measure {measure_id!r} is not in {now.version_id}; known: {known}")
    lv = lang.value
    sep = "、" if lang is Lang.zh else ", "

    def row(zh: str, en: str, value: str) -> str:
        return f"{zh}：{value}" if lang is Lang.zh else f"{en}: {value}"

    if m.duration_months is None:
        duration = _say(
            lang,
            "触发条件存续期间（在名单内、记录或等级有效期间）",
            "while the trigger holds (listed, record or grade in force)",
        )
    else:
        duration = _say(lang, f"{m.duration_months} 个月", f"{m.duration_months} months")
    lines = [
        f"{m.id} {m.name(lv)}（{now.version_id}）"
        if lang is Lang.zh
        else f"{m.id} {m.name(lv)} ({now.version_id})",
        row("类型", "Type", label(MEASURE_TYPES, m.type, lv))
        + " · "
        + row("效力", "Force", label(FORCES, m.force, lv)),
        row(
            "触发条件（任一）",
            "Triggers (any of)",
            ("；" if lang is Lang.zh else "; ").join(trigger_label(t, lv) for t in m.triggers),
        ),
        row("适用事项", "Matters", sep.join(label(MATTERS, x, lv) for x in m.matters)),
        row("惩戒/激励对象", "Reaches", sep.join(label(REACHES, x, lv) for x in m.reaches)),
        row("期限", "Duration", duration),
        row("发起部门", "Initiating departments", "、".join(m.initiating)),
        row("实施部门", "Implementing departments", "、".join(m.implementing)),
        row("设定依据", "Basis", m.basis.document or _say(lang, "（无）", "(none)")),
        f"  {m.basis.text}",
        row("出处", "Source", m.basis.source),
    ]
    note = m.note_zh if lang is Lang.zh else (m.note_en or m.note_zh)
    if note:
        lines.append(row("说明", "Note", note))
    for line in lines:
        _print(line)


@measures_cli.command()
def validate(
    file: Annotated[
        Path | None,
        typer.Argument(help="A catalogue file (.toml or .json); default: the shipped one."),
    ] = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Check a catalogue file; every problem names the entry, field, value and what is
    expected. 校验措施清单。"""
    from app.paths import input_file
    from scoring.measures.checks import CatalogueError, read_catalogue, shipped_catalogue

    try:
        if file is None:
            cat, name = shipped_catalogue(), "scoring/measures/catalogue.toml"
        else:
            checked(input_file, file, "FILE")
            cat, name = read_catalogue(file), str(file)
    except CatalogueError as exc:
        for p in exc.problems:
            err_console.print(
                f"✗ {p.text(lang.value)}", markup=False, highlight=False, soft_wrap=True
            )
        fail(
            _say(
                lang,
                f"{len(exc.problems)} 处问题，措施清单不可用",
                f"{len(exc.problems)} problem(s): the catalogue cannot be used",
            )
        )
    rewards = sum(m.type == "reward" for m in cat.measures)
    _print(
        _say(
            lang,
            f"✓ {name}: {len(cat.measures)} 项措施（激励 {rewards}，惩戒 "
            f"{len(cat.measures) - rewards}），SHA-256 {cat.sha256()[:12]}",
            f"✓ {name}: {len(cat.measures)} measures ({rewards} rewards, "
            f"{len(cat.measures) - rewards} punishments), SHA-256 {cat.sha256()[:12]}",
        )
    )


@measures_cli.command()
def save(
    file: Annotated[Path, typer.Argument(help="The new catalogue (.toml or .json).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it changes (修订理由).")],
    by: Annotated[str | None, typer.Option("--by", help="Who (default: login name).")] = None,
    lang: LangOption = Lang.zh,
    store: StoreOption = None,
) -> None:
    """Save a catalogue as the next version (append-only; the latest is in force). 保存新版本。"""
    from app.cli_root import open_store
    from app.paths import input_file
    from scoring.measures.checks import CatalogueError, read_catalogue
    from scoring.measures.versions import catalogue_in_force, save_version

    checked(input_file, file, "FILE")
    try:
        cat = read_catalogue(file)
    except CatalogueError as exc:
        for p in exc.problems:
            err_console.print(
                f"✗ {p.text(lang.value)}", markup=False, highlight=False, soft_wrap=True
            )
        fail(_say(lang, "措施清单未保存", "the catalogue was not saved"))
    with open_store(store) as st:
        try:
            before = catalogue_in_force(st)
            after = save_version(st, cat, by or login_name(), reason)
        except CatalogueError as exc:
            fail("; ".join(p.text(lang.value) for p in exc.problems))
    old = {m.id: m for m in before.catalogue.measures}
    new = {m.id: m for m in after.catalogue.measures}
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = sorted(i for i in set(old) & set(new) if old[i] != new[i])
    _print(
        _say(
            lang,
            f"已保存 {after.version_id}（取代 {before.version_id}），现行有效",
            f"saved {after.version_id} (replaces {before.version_id}), now in force",
        )
    )
    for zh, en, ids in (
        ("新增", "added", added),
        ("删除", "removed", removed),
        ("修改", "changed", changed),
    ):
        _print("  " + _say(lang, zh + "：", en + ": ") + (", ".join(ids) or "—"))


@measures_cli.command()
def history(lang: LangOption = Lang.zh, store: StoreOption = None) -> None:
    """Every saved version, newest first, and which one is in force. 版本历史。"""
    from app.cli_root import open_store
    from scoring.measures.versions import shipped_in_force, version_history

    with open_store(store) as st:  # writable: see _in_force
        rows = version_history(st)
    shipped = shipped_in_force()
    _print(_say(lang, "措施清单版本（最新在前）", "Measures catalogue versions (newest first)"))
    for i, r in rows.iterrows():
        mark = _say(lang, "【现行】", " [in force]") if i == 0 else ""
        _print(
            f"{r['version_id']}{mark}  {str(r['saved_at'])[:19]}  {r['saved_by']}  "
            + _say(lang, f"{r['measures']} 项", f"{r['measures']} measures")
            + f"  SHA-256 {str(r['sha256'])[:12]}"
        )
        _print("    " + _say(lang, "修订理由：", "reason: ") + str(r["reason"]))
    mark = "" if len(rows) else _say(lang, "【现行】", " [in force]")
    _print(
        f"{shipped.version_id}{mark}  "
        + _say(lang, "随平台发布", "shipped")
        + "  "
        + _say(
            lang,
            f"{len(shipped.catalogue.measures)} 项",
            f"{len(shipped.catalogue.measures)} measures",
        )
        + "  scoring/measures/catalogue.toml"
    )
