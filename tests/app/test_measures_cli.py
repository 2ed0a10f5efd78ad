"""`xinping measures list|show|validate|save|history` on a temporary store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()
SHIPPED = Path(__file__).resolve().parents[2] / "scoring" / "measures" / "catalogue.toml"


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    DuckDBStore(path).close()
    return path


def run(*args: str):
    result = runner.invoke(cli, ["measures", *args])
    assert "Traceback" not in result.output
    return result


def test_list_filters_by_matter_in_chinese_or_key(store: Path) -> None:
    zh = run("list", "--matter", "政府采购", "--store", str(store))
    assert zh.exit_code == 0, zh.output
    assert "措施清单 shipped-" in zh.output
    ids = [line.split()[0] for line in zh.output.splitlines() if line[:2] in ("R-", "P-")]
    assert ids == ["R-PROC-01", "P-PROC-01", "P-BID-01"]
    assert "依法限制参加政府采购（失信惩戒、强制性、期限：36 个月）" in zh.output
    en = run("list", "--matter", "procurement", "--type", "reward", "--lang", "en")
    assert en.exit_code == 0, en.output
    assert "R-PROC-01  Credit bonus points in public-resource trading (reward, recommended" in (
        en.output
    )
    assert "P-PROC-01" not in en.output and "政府采购" not in en.output
    bad = run("list", "--matter", "tax", "--store", str(store))
    assert bad.exit_code == 2 and "--matter 'tax': expected one of licensing (行政许可)" in (
        " ".join(bad.output.split())
    )


def test_show_names_basis_departments_and_people(store: Path) -> None:
    out = run("show", "p-mkt-01", "--store", str(store))
    assert out.exit_code == 0, out.output
    text = out.output
    assert "P-MKT-01 市场和行业禁入" in text
    assert "惩戒/激励对象：主体本身、法定代表人、主要负责人、负有直接责任的人员" in text
    assert "设定依据：国发〔2016〕33号" in text and "出处：seed 002 第8条、第12条" in text
    missing = run("show", "P-NONE-01", "--store", str(store))
    assert missing.exit_code == 2 and "'P-NONE-01' is not in shipped-" in missing.output


def test_validate_names_each_problem(tmp_path: Path) -> None:
    ok = run("validate")
    assert ok.exit_code == 0 and "✓ scoring/measures/catalogue.toml: 25 项措施" in ok.output
    text = SHIPPED.read_text(encoding="utf-8").replace("duration = 36", "duration = 0")
    text = text.replace('matters = ["consumption"]', 'matters = ["shopping"]', 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    out = run("validate", str(bad))
    assert out.exit_code == 2
    flat = " ".join(out.output.split())
    assert f"✗ {bad}：措施 P-PROC-01：字段 duration = 0：应为正整数月数" in flat
    assert f"✗ {bad}：措施 P-CONS-01：字段 matters = 'shopping'：应为以下之一：licensing" in flat
    assert "2 处问题，措施清单不可用" in flat
    en = " ".join(run("validate", str(bad), "--lang", "en").output.split())
    assert f"✗ {bad}: measure P-PROC-01: duration = 0: expected a positive number" in en
    assert f"✗ {bad}: measure P-CONS-01: matters = 'shopping': expected one of licensing" in en
    assert "2 problem(s): the catalogue cannot be used" in en


def test_save_makes_a_version_in_force_and_keeps_the_earlier(store: Path, tmp_path: Path) -> None:
    v1 = tmp_path / "v1.toml"
    v1.write_text(
        SHIPPED.read_text(encoding="utf-8").replace("duration = 36", "duration = 24"),
        encoding="utf-8",
    )
    saved = run(
        "save", str(v1), "--reason", "本市规定24个月", "--by", "王五", "--store", str(store)
    )
    assert saved.exit_code == 0, saved.output
    assert "已保存 MV-0001（取代 shipped-" in saved.output and "修改：P-PROC-01" in saved.output
    shown = run("show", "P-PROC-01", "--store", str(store))
    assert "（MV-0001）" in shown.output and "期限：24 个月" in shown.output
    again = run("save", str(v1), "--reason", "again", "--store", str(store))
    assert again.exit_code == 2 and "与现行版本 MV-0001 相同" in " ".join(again.output.split())
    v2 = tmp_path / "v2.json"
    from scoring.measures.checks import read_catalogue

    data = read_catalogue(v1).to_data()
    data["measures"] = [m for m in data["measures"] if m["id"] != "R-AWD-01"]
    import json

    v2.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    second = run("save", str(v2), "--reason", "删除表彰", "--by", "王五", "--store", str(store))
    assert second.exit_code == 0 and "删除：R-AWD-01" in second.output
    hist = run("history", "--store", str(store))
    lines = hist.output.splitlines()
    assert lines[1].startswith("MV-0002【现行】") and "24 项" in lines[1]
    assert lines[3].startswith("MV-0001  ") and "修订理由：本市规定24个月" in lines[4]
    assert lines[5].startswith("shipped-") and "【现行】" not in lines[5]
    with DuckDBStore(store, read_only=True) as st:
        assert st.count("measure_versions") == 2
        audit = st.query(
            "SELECT user_name, detail FROM audit_log WHERE action = 'measures_saved' "
            "ORDER BY logged_at"
        )
    assert list(audit["user_name"]) == ["王五", "王五"] and "MV-0001" in audit["detail"][0]


def test_save_refuses_a_bad_file_and_history_needs_a_store(store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("title = ", encoding="utf-8")
    out = run("save", str(bad), "--reason", "x", "--store", str(store))
    assert out.exit_code == 2 and "应为合法的 TOML" in out.output and "措施清单未保存" in out.output
    with DuckDBStore(store, read_only=True) as st:
        assert st.count("measure_versions") == 0
    nothing = run("history", "--store", str(tmp_path / "none.duckdb"))
    assert nothing.exit_code == 2 and "no store there" in nothing.output
