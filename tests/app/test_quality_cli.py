"""``xinping quality score`` and ``export`` (issue 19) on the tiny city, the ``[quality]``
settings checked at start, and the generator's defects matching what the rules require."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from app.cli import cli
from app.settings import QualitySettings, settings
from features.records.kinds import all_departments, all_kinds
from features.records.synthetic.quality import AMOUNT_KINDS, blankable
from scoring.data_quality_metrics import required_fields

runner = CliRunner()
#: department keys a Chinese page or sheet may not show (labels only)
KEYS = sorted(all_departments(), key=len, reverse=True)


def _no_codes(text: str) -> None:
    assert "None" not in text and "nan" not in text.lower().split()
    shown = [k for k in KEYS if k in text]
    assert not shown, shown


def test_score_of_a_year_names_departments_in_chinese(scoring_city_file: Path) -> None:
    result = runner.invoke(
        cli,
        ["quality", "score", "--year", "2025", "--store", str(scoring_city_file)],
        terminal_width=400,
    )
    assert result.exit_code == 0, result.output
    assert "部门数据质量评分与排名：2025" in result.output
    assert "市场监督管理局" in result.output and "税务局" in result.output
    assert "7 个工作日" in result.output
    _no_codes(result.output)


def test_score_of_a_month_in_english(scoring_city_file: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "quality",
            "score",
            "--month",
            "2026-09",
            "--lang",
            "en",
            "--store",
            str(scoring_city_file),
        ],
        terminal_width=400,
    )
    assert result.exit_code == 0, result.output
    assert "Market Regulation" in result.output and "2026-09" in result.output


@pytest.mark.parametrize(
    "args",
    [[], ["--month", "2026-09", "--year", "2026"], ["--month", "2026-13"], ["--month", "202609"]],
)
def test_score_refuses_a_missing_double_or_malformed_period(
    scoring_city_file: Path, args: list[str]
) -> None:
    result = runner.invoke(
        cli, ["quality", "score", *args, "--store", str(scoring_city_file)], terminal_width=400
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_the_export_is_inert_and_in_chinese(scoring_city_file: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "考核.xlsx"
    result = runner.invoke(
        cli,
        [
            "quality",
            "export",
            "--year",
            "2025",
            "--out",
            str(out),
            "--store",
            str(scoring_city_file),
        ],
        terminal_width=400,
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["评分与排名", "隔离原因", "月度评分", "评分规则"]
    texts = []
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    joined = "\n".join(texts)
    _no_codes(joined)
    scores = book["评分与排名"]
    header = [c.value for c in scores[1]]
    assert header[:4] == ["期间", "排名", "部门", "质量得分"]
    first = [c.value for c in scores[2]]
    assert first[1] == 1 and isinstance(first[3], float)
    rules = {r[0].value: r[1].value for r in book["评分规则"].iter_rows(min_row=2)}
    assert rules["及时性权重"] == settings().quality.weights["timeliness"]
    assert "001 §九(四)" in joined and "004 §五(三)" in joined


def test_quality_settings_are_checked_at_start() -> None:
    with pytest.raises(ValidationError, match="weights"):
        QualitySettings(weights={"timeliness": 1.0})
    with pytest.raises(ValidationError, match="unknown record kind"):
        QualitySettings(required={"no_such_kind": ["amount"]})
    with pytest.raises(ValidationError, match="no records column"):
        QualitySettings(required={"loan": ["amonut"]})
    cfg = settings().quality_config()
    assert cfg.deadline_workdays == settings().disclosure.deadline_workdays == 7


def test_what_the_generator_leaves_empty_the_shipped_rules_require() -> None:
    """A generated incomplete row must count as incomplete: the fields the generator
    empties (features/records/synthetic/quality.py) are required by the shipped settings."""
    cfg = settings().quality_config()
    for kind in all_kinds():
        assert set(blankable(kind)) <= set(required_fields(kind, cfg)), kind
    assert set(AMOUNT_KINDS) <= set(cfg.required)


def test_the_generated_defects_show_personal_ids_masked(scoring_city_file: Path) -> None:
    """The demo city's refused rows (a mistyped check character among them) reach the
    quarantine tab: a masked role (the modeller) reads no personal ID in them."""
    import re

    from app.data.quality import quarantine
    from features.store.duckdb_store import DuckDBStore

    with DuckDBStore(scoring_city_file, read_only=True) as store:
        rows = quarantine(store, limit=100_000, masked=True)
    assert len(rows) > 1000 and "raw" not in rows.columns
    text = "\n".join([*rows["reason_text"], *rows["file_name"]])
    assert "主体标识" in text
    assert not re.search(r"\d{10,}", text), re.search(r".{20}\d{10,}.{5}", text)
