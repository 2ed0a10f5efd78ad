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


def test_a_type_declared_in_a_folder_is_documented_without_editing_the_package(tmp_path) -> None:
    from declared_types import write_types

    from features import registry

    with registry.using([write_types(tmp_path)]):
        out = runner.invoke(cli, ["schema"]).output
    # the subject_type column lists the declared types; subject_id says how each is identified
    (types_row,) = [line for line in out.splitlines() if line.startswith("| `subject_type` |")]
    assert "tour_guide" in types_row and "foundation" in types_row and "enterprise" in types_row
    subjects = out.split("## `subjects`")[1].split("\n## ")[0]
    (id_row,) = [line for line in subjects.splitlines() if line.startswith("| `subject_id` |")]
    assert "beginning with 5 (social_org)" in id_row
    assert "(practitioner, household, driver, tour_guide)" in id_row
    assert "## `subject_attributes`" in out
    after = runner.invoke(cli, ["schema"]).output
    assert "tour_guide" not in after
