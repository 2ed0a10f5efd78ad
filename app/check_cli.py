"""``xinping check`` and ``xinping check-batch``: credit checks (信用核查) for a matter.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli`
imports this module. Thin: parse options, read the ``[lists]``, ``[checks]`` and
``[windows]`` settings, call :func:`scoring.credit_check.credit_check` or
:func:`scoring.credit_check_batch.check_file`, print (Chinese by default, English
with ``--lang en``). Personal IDs are always shown masked; every check is stored
in ``credit_checks`` and written to the audit log by the use case.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from app.cli_root import (
    StoreOption,
    checked,
    cli,
    console,
    day_option,
    fail,
    login_name,
    not_after_today,
    open_store,
    writing,
)
from app.measures_cli import Lang, LangOption, _choice, _duration, _print, _say
from app.settings import settings

MatterOption = Annotated[
    str,
    typer.Option("--matter", help="事项 matter: procurement or 政府采购, licensing or 行政许可 …"),
]
DeptOption = Annotated[
    str, typer.Option("--dept", help="核查部门 checking department (default: the login name).")
]
PurposeOption = Annotated[str, typer.Option("--purpose", help="核查事由 purpose of the check.")]
AsOfOption = Annotated[
    dt.date | None, day_option("--as-of", "Date of the state checked (default: today).")
]
ByOption = Annotated[str | None, typer.Option("--by", help="Who (default: login name).")]


def _inputs(matter: str, as_of: dt.date | None):
    from scoring.measures.vocabulary import MATTERS

    key = _choice(matter, MATTERS, "--matter")
    day = not_after_today(as_of, "--as-of") if as_of else dt.date.today()
    s = settings()
    return key, day, s.lists.config(), s.checks.config(s.windows.policy())


def _run(use_case, *args, **kwargs):
    """Run a check; its refusal is one error line in Chinese and English."""
    from scoring.credit_check import CheckError
    from scoring.credit_check_batch import BatchFileError

    try:
        return use_case(*args, **kwargs)
    except (CheckError, BatchFileError) as exc:
        fail(f"{exc.zh} / {exc}")


def _evidence(e, lang: Lang) -> str:
    what = {
        "record": ("记录", "record"),
        "listing": ("名单", "listing"),
        "rating": ("评级", "rating"),
    }
    word = what[e.source][0 if lang is Lang.zh else 1]
    until = f"–{e.until}" if e.until else ""
    return (
        f"{word} {e.id}（{e.on}{until}）" if lang is Lang.zh else f"{word} {e.id} ({e.on}{until})"
    )


@cli.command("check")
def check(
    subject_id: Annotated[str, typer.Argument(help="统一社会信用代码 or 居民身份证号码.")],
    matter: MatterOption,
    as_of: AsOfOption = None,
    dept: DeptOption = "",
    purpose: PurposeOption = "信用核查",
    lang: LangOption = Lang.zh,
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """Credit check of a subject for a matter: the measures that apply. 信用核查。"""
    from scoring.credit_check import credit_check
    from scoring.lists import LIST_LABELS
    from scoring.measures.vocabulary import (
        FORCES,
        MATTERS,
        MEASURE_TYPES,
        REACHES,
        TIERS,
        label,
        trigger_short,
    )

    key, day, lists, cfg = _inputs(matter, as_of)
    who = by or login_name()
    with open_store(store) as st:
        r = _run(credit_check, st, subject_id, key, day, lists, cfg, dept or who, purpose, who)
    i = 0 if lang is Lang.zh else 1
    sep = "、" if lang is Lang.zh else ", "
    none = _say(lang, "无", "none")
    name = r.name or (
        _say(lang, "（自然人）", "(natural person)") if r.subject_type == "person" else ""
    )
    _print(
        _say(
            lang,
            f"信用核查 {r.check_id}：{r.subject_shown} {name}；事项 {label(MATTERS, key)}；"
            f"基准日 {day}；措施清单 {r.catalogue_version}",
            f"Credit check {r.check_id}: {r.subject_shown} {name}; matter "
            f"{label(MATTERS, key, 'en')}; as of {day}; catalogue {r.catalogue_version}",
        )
    )
    lists_text = sep.join(
        f"{LIST_LABELS[k][i]}（{', '.join(v)}）"
        if lang is Lang.zh
        else f"{LIST_LABELS[k][i]} ({', '.join(v)})"
        for k, v in r.lists.items()
    )
    grades = sep.join(trigger_short(f"grade:{s}:{g}", lang.value) for s, g in r.grades.items())
    tiers = sep.join(label(TIERS, t, lang.value) for t in r.tiers)
    green = _say(lang, "是", "yes") if r.green_channel else _say(lang, "否", "no")
    _print(
        _say(
            lang,
            f"名单：{lists_text or none}；等级：{grades or none}；"
            f"失信程度：{tiers or none}；绿色通道：{green}",
            f"lists: {lists_text or none}; grades: {grades or none}; breach tiers: "
            f"{tiers or none}; green channel: {green}",
        )
    )
    if not r.measures:
        _print(_say(lang, "没有适用的奖惩措施", "no measure applies"))
        return
    for m in r.measures:
        head = sep.join(
            (
                label(MEASURE_TYPES, m.type, lang.value),
                label(FORCES, m.force, lang.value),
                _duration(m.duration_months, lang),
            )
        )
        name = m.name_zh if lang is Lang.zh else m.name_en
        _print(
            f"{m.measure_id}  {name}（{head}）"
            if lang is Lang.zh
            else f"{m.measure_id}  {name} ({head})"
        )
        triggers = sep.join(trigger_short(t, lang.value) for t in m.matched)
        _print(
            "    "
            + _say(lang, "依据：", "basis: ")
            + m.basis_document
            + _say(lang, "；实施部门：", "; implementing: ")
            + sep.join(m.implementing)
        )
        _print(
            "    "
            + _say(lang, f"触发：{triggers}；证据：", f"triggered by: {triggers}; evidence: ")
            + (sep.join(_evidence(e, lang) for e in m.evidence) or none)
        )
        if m.through:  # a person reached through a firm (seed 002 #12)
            firm = next((f for f in r.reached_through if f["firm_id"] == m.through), {})
            role = label(REACHES, m.reached_as, lang.value)
            _print(
                "    "
                + _say(
                    lang,
                    f"经由：{m.through} {firm.get('firm_name', '')}（本人为该主体的{role}）",
                    f"through: {m.through} {firm.get('firm_name', '')} (as its {role})",
                )
            )


@cli.command("check-batch")
def check_batch(
    file: Annotated[Path, typer.Argument(help="CSV or Excel with a subject_id column.")],
    matter: MatterOption,
    out: Annotated[Path, typer.Option("--out", help="Result file (.csv or .xlsx).")],
    as_of: AsOfOption = None,
    dept: DeptOption = "",
    purpose: PurposeOption = "信用核查",
    lang: LangOption = Lang.zh,
    by: ByOption = None,
    store: StoreOption = None,
) -> None:
    """Credit checks of every row of an applicant file. 批量信用核查。"""
    from app.paths import input_file, output_file
    from scoring.credit_check_batch import check_file

    key, day, lists, cfg = _inputs(matter, as_of)
    who = by or login_name()
    source = checked(input_file, file, "FILE")
    target = checked(output_file, out, "--out")
    with open_store(store) as st, writing(target, "--out"):
        report = _run(
            check_file, st, source, key, day, lists, cfg, dept or who, purpose, who, target
        )
    ok, bad = report.count("ok"), report.count("error")
    _print(
        _say(
            lang,
            f"已核查 {ok} 行，{bad} 行有错误；结果写入 {target}",
            f"{ok} row(s) checked, {bad} with errors; result written to {target}",
        )
    )
    for text in report.frame.loc[report.frame["status"] == "error", "error"]:
        console.print(text, markup=False, highlight=False, soft_wrap=True)
