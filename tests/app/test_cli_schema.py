"""``xinping schema`` prints the bilingual table documentation."""

from __future__ import annotations

from typer.testing import CliRunner

import app.data_cli
from app.cli import cli
from features.records.schema import TABLES

runner = CliRunner()


def test_schema_prints_every_table_as_markdown() -> None:
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "| column | 中文 | English | type | null | description |" in out
    assert "|---|---|---|---|---|---|" in out
    for name, tbl in TABLES.items():
        assert f"## `{name}`" in out, name
        assert tbl.label_zh in out, name
    for label in ("信用记录", "主体标识", "信用主体", "记录编号", "失信程度", "公示/报送日期"):
        assert label in out, label
    assert "| `subject_id` | 主体标识 | Subject ID | VARCHAR | no |" in out
    assert "| `severity` | 失信程度 | Severity tier | VARCHAR | yes |" in out


def test_schema_needs_no_store(monkeypatch) -> None:
    # Printing the schema must not open (or create) the store.
    def no_store(*args: object, **kwargs: object) -> None:
        raise AssertionError("schema opened the store")

    monkeypatch.setattr(app.data_cli, "open_store", no_store)
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output


def test_help_lists_the_schema_command() -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "schema" in result.output
