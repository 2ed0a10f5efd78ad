"""`xinping repair plan`: Chinese and English, no code or empty value, the subject's
personal ID masked, nothing written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import settings
from features.records.ids import mask_id
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()
ON = "2026-10-31"
CODES = re.compile(r"\b(None|nan|NaT|administrative_penalty|serious|general|minor)\b")


@pytest.fixture()
def env(tmp_path: Path, scoring_city_file: Path, mlflow_home: Path, monkeypatch):
    """A city copy and settings pointing at the test registry (enterprise and driver)."""
    store = tmp_path / "city.duckdb"
    shutil.copy(scoring_city_file, store)
    cfg = tmp_path / "settings.toml"
    cfg.write_text(f'[mlflow]\nhome = "{mlflow_home}"\n', encoding="utf-8")
    monkeypatch.setenv("XINPING_SETTINGS", str(cfg))
    monkeypatch.setenv("XINPING_STORE", str(store))
    monkeypatch.setenv("COLUMNS", "400")
    settings.cache_clear()
    yield store
    settings.cache_clear()


def _subject(store: Path, kind: str, person: bool) -> str:
    with DuckDBStore(store, read_only=True) as st:
        return st.scalar(
            f"""SELECT min(subject_id) FROM records WHERE kind = ? AND polarity = 'negative'
                AND published_on <= DATE '{ON}' AND (valid_until IS NULL
                OR valid_until > DATE '{ON}') AND subject_id {"NOT " if person else ""}
                LIKE '91%'""",
            [kind],
        )


def test_plan_in_chinese_and_english_writes_nothing(env: Path) -> None:
    firm = _subject(env, "administrative_penalty", person=False)
    with DuckDBStore(env, read_only=True) as st:
        before = (st.count("ratings"), st.count("repairs"))
    zh = runner.invoke(cli, ["repair", "plan", firm, "--as-of", ON, "--months", "12"])
    assert zh.exit_code == 0, zh.output
    assert "信用修复指引" in zh.output and "预测" in zh.output and "计入的失信记录" in zh.output
    assert not CODES.search(zh.output), CODES.search(zh.output)
    en = runner.invoke(cli, ["repair", "plan", firm, "--as-of", ON, "--lang", "en"])
    assert en.exit_code == 0, en.output
    assert "Repair guidance" in en.output and "projection" in en.output
    with DuckDBStore(env, read_only=True) as st:
        assert (st.count("ratings"), st.count("repairs")) == before


def test_a_person_is_masked_and_an_unknown_subject_refused(env: Path) -> None:
    driver = _subject(env, "traffic_violation", person=True)
    out = runner.invoke(cli, ["repair", "plan", driver, "--as-of", ON, "--months", "3"])
    assert out.exit_code == 0, out.output
    assert driver not in out.output and mask_id(driver) in out.output
    bad = runner.invoke(cli, ["repair", "plan", "91110000600037341L", "--as-of", ON])
    assert bad.exit_code != 0 and "没有主体" in bad.output
