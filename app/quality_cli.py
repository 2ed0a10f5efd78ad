"""``xinping quality``: department data quality (数据质量考核, issue 19).

``score --month YYYY-MM | --year YYYY`` prints every department's score and rank with the
metrics behind it; ``export --year YYYY --out F.xlsx`` writes the yearly assessment (考核)
workbook (inert: no formulas). Registered on the root command line (:mod:`app.cli_root`)
when :mod:`app.cli` imports this module. Thin: parse options, read ``[quality]`` (with the
``[disclosure]`` deadline and ``[objections]`` holidays), call
:func:`scoring.data_quality.department_quality`, print or write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli_root import StoreOption, checked, cli, console, fail, open_store, writing
from app.measures_cli import Lang, LangOption, _say
from app.settings import settings

quality_cli = typer.Typer(
    help="数据质量 department data quality: scores, ranking and the yearly assessment.",
    no_args_is_help=True,
)
cli.add_typer(quality_cli, name="quality")

MonthOption = Annotated[
    str | None, typer.Option("--month", help="The month to score, YYYY-MM.", show_default=False)
]
YearOption = Annotated[
    int | None,
    typer.Option("--year", help="The assessment year, YYYY.", show_default=False, min=2000),
]


def _report(store: Path | None, month: str | None, year: int | None):
    from scoring.data_quality import department_quality

    if (month is None) == (year is None):
        fail("give --month YYYY-MM or --year YYYY (one of them) / 请给出 --month 或 --year 之一")
    cfg = settings().quality_config()
    with open_store(store, read_only=True) as st:
        try:
            return department_quality(st, cfg, month=month, year=year), cfg
        except ValueError as exc:
            fail(f"--month {month}: expected YYYY-MM ({exc}) / 月份应为 YYYY-MM")


def _cell(value: object) -> str:
    from app.components import formats

    if formats.missing(value) or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


@quality_cli.command("score")
def score(
    month: MonthOption = None,
    year: YearOption = None,
    store: StoreOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Every department's data-quality score and rank for a month or a year. 数据质量评分。"""
    from app.data.quality import score_rows

    report, cfg = _report(store, month, year)
    period = month or str(year)
    title = _say(
        lang,
        f"部门数据质量评分与排名：{period}",
        f"Departments' data-quality scores and ranking: {period}",
    )
    if report.scores.empty:
        console.print(_say(lang, "该期间没有部门报送数据。", "No department pushed data."))
        return
    view = score_rows(report.scores, lang.value)
    percent = ("dq_late_share", "dq_incomplete_share", "dq_quarantine_rate")
    percent += ("dq_duplicate_share", "dq_upheld_share")
    columns = {
        "dq_rank": ("排名", "Rank"),
        "dq_dept": ("部门", "Department"),
        "dq_score": ("得分", "Score"),
        "dq_late_share": ("超期公示率", "Late"),
        "dq_median_lag": ("时滞中位数（工作日）", "Median lag (wd)"),
        "dq_incomplete_share": ("缺失率", "Incomplete"),
        "dq_quarantine_rate": ("隔离率", "Quarantined"),
        "dq_duplicate_share": ("重复率", "Duplicates"),
        "dq_upheld_share": ("异议成立率", "Upheld"),
        "dq_volume_flag": ("报送量异常", "Volume"),
        "dq_pushed": ("报送条数", "Pushed"),
    }
    i = 0 if lang is Lang.zh else 1
    table = Table(title=title)
    for zh_en in columns.values():
        table.add_column(zh_en[i], overflow="fold", no_wrap=zh_en[1] == "Department")
    for row in view.to_dict("records"):
        cells = []
        for c in columns:
            v = row[c]
            if c in percent:
                cells.append("—" if v != v or v is None else f"{100 * float(v):.1f}%")
            else:
                cells.append(_cell(v))
        table.add_row(*cells)
    console.print(table)
    from app.i18n_quality import QUALITY_STRINGS

    sep = "、" if lang is Lang.zh else ", "
    weights = sep.join(f"{QUALITY_STRINGS[f'dq.{k}'][i]} {v:g}" for k, v in cfg.weights.items())
    console.print(
        _say(
            lang,
            f"双公示时限：决定后 {cfg.deadline_workdays} 个工作日内公示；权重：{weights}；"
            f"某项不足 {cfg.min_count} 条不参与评分。",
            f"licences and penalties published within {cfg.deadline_workdays} working days; "
            f"weights: {weights}; "
            f"a metric with fewer than {cfg.min_count} rows is left out.",
        ),
        soft_wrap=True,
    )


@quality_cli.command("export")
def export(
    year: Annotated[int, typer.Option("--year", help="The assessment year, YYYY.", min=2000)],
    out: Annotated[Path, typer.Option("--out", help="The workbook to write (.xlsx).")],
    store: StoreOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """The yearly assessment (考核) workbook: scores, ranking, reasons, monthly scores, rules."""
    from app.data.quality import assessment_sheets
    from app.paths import output_file
    from features.exports import excel_bytes

    target = checked(output_file, out, "--out")
    report, cfg = _report(store, None, year)
    data = excel_bytes(assessment_sheets(report, cfg, lang.value))
    with writing(target, "--out"):
        target.write_bytes(data)
    console.print(
        _say(
            lang,
            f"已写入 {target}：{len(report.scores)} 个部门的 {year} 年度数据质量考核表。",
            f"Wrote {target}: the {year} data-quality assessment of {len(report.scores)} "
            "departments.",
        ),
        soft_wrap=True,
    )
