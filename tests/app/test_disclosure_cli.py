"""`xinping disclosure late` on the public city: per department and month in Chinese, the
holidays of [objections] counted, a bad range refused in one line, the look-up audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from public_city import build_public_city
from typer.testing import CliRunner

from app.cli import cli
from app.settings import settings
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    path = tmp_path / "public.duckdb"
    with DuckDBStore(path) as st:
        build_public_city(st)
    return path


def _run(store: Path, tmp_path: Path, *args: str, overlay: str = "") -> object:
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text('[store]\nmemory_limit = ""\n' + overlay, encoding="utf-8")
    settings.cache_clear()
    try:
        return runner.invoke(
            cli,
            ["disclosure", "late", "--store", str(store), *args],
            env={"XINPING_SETTINGS": str(settings_file), "COLUMNS": "200"},
        )
    finally:
        settings.cache_clear()


def test_late_disclosures_per_department_and_month(store: Path, tmp_path: Path) -> None:
    out = _run(store, tmp_path, "--from", "2026-01-01", "--to", "2026-10-31")
    assert out.exit_code == 0, out.output
    assert "市场监督管理局 │ 2026-07  │ 1      │ 1      │ 100.0%" in out.output
    for rid in ("P4", "P6", "P7"):
        assert f"│ {rid} " in out.output
    # the national holiday moves P7's deadline past its publication
    holidays = (
        "\n[objections]\nholidays = [" + ", ".join(f"2026-10-0{d}" for d in range(1, 8)) + "]\n"
    )
    later = _run(store, tmp_path, "--from", "2026-01-01", "--to", "2026-10-31", overlay=holidays)
    assert later.exit_code == 0, later.output
    assert "│ P7 " not in later.output and "│ P6 " in later.output
    with DuckDBStore(store, read_only=True) as st:
        assert st.count("audit_log") >= 2
        assert "disclosure_late" in set(st.query("SELECT action FROM audit_log")["action"])


def test_a_reversed_range_is_one_line_in_chinese_and_english(store: Path, tmp_path: Path) -> None:
    out = _run(store, tmp_path, "--from", "2026-12-01", "--to", "2026-01-01")
    assert out.exit_code == 2
    assert "--to 2026-01-01 早于 --from 2026-12-01" in out.output
    assert "Traceback" not in out.output
