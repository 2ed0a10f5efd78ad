"""`xinping lending`, `xinping rural` and `xinping migration` on the rated tiny city: the
same use cases as the pages, the authorisation reference logged."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import settings
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()


@pytest.fixture(scope="module")
def city(rated_city: dict, tmp_path_factory: pytest.TempPathFactory):
    """A writable copy of the rated tiny city (the CLI appends audit rows)."""
    folder = tmp_path_factory.mktemp("cli-policies")
    path = folder / "city.duckdb"
    shutil.copy(rated_city["path"], path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_STORE", str(path))
        mp.delenv("XINPING_SETTINGS", raising=False)
        settings.cache_clear()
        yield {**rated_city, "store": path}
    settings.cache_clear()


def _audit(path) -> list[dict]:
    with DuckDBStore(path, read_only=True) as st:
        rows = st.query("SELECT * FROM audit_log ORDER BY logged_at")
    return rows.to_dict("records")


def test_lending_decides_named_smes_and_logs_the_reference(city: dict) -> None:
    from scoring.history import ratings_on

    with DuckDBStore(city["store"], read_only=True) as st:
        sme = ratings_on(st, "sme", city["as_of"])["subject_id"].iloc[0]
    result = runner.invoke(
        cli, ["lending", sme, "NO-SUCH-ID", "--user", "li", "--auth-ref", "SQ-2026-0042"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith(sme) and "元" in line for line in lines)
    assert any(line.startswith("NO-SUCH-ID") and "unknown subject" in line for line in lines)
    assert "{" not in result.output  # reasons in words, not JSON
    logged = [r for r in _audit(city["store"]) if r["action"] == "lending_lookup"]
    assert [r["subject_id"] for r in logged] == [sme, "NO-SUCH-ID"]
    assert all(json.loads(r["detail"])["authorisation"] == "SQ-2026-0042" for r in logged)
    assert {r["user_name"] for r in logged} == {"li"}


def test_lending_summary_and_rural_verdicts(city: dict) -> None:
    summary = runner.invoke(cli, ["lending"])
    assert summary.exit_code == 0, summary.output
    assert f"信易贷 {city['as_of']}" in summary.output
    rural = runner.invoke(cli, ["rural"])
    assert rural.exit_code == 0, rural.output
    assert f"{city['as_of']}: 信用村 credit villages" in rural.output
    # the co-operatives and family farms farming in the villages, shown beside the verdict
    from scoring.village_businesses import village_businesses

    with DuckDBStore(city["store"], read_only=True) as st:
        firms = village_businesses(st, city["as_of"])
    assert not firms.empty, "the rated tiny city rates agricultural businesses"
    assert f"rated co-operatives and family farms: {len(firms)} in" in rural.output
    one = firms.iloc[0]
    village = runner.invoke(cli, ["rural", "--village", one["village_code"]])
    assert village.exit_code == 0, village.output
    listed = [line for line in village.output.splitlines() if one["subject_id"] in line]
    assert len(listed) == 1 and one["name"] in listed[0]
    assert f"{one['final_grade']}（{one['grade_label_zh']}）" in listed[0]


def test_migration_between_the_two_dates(city: dict) -> None:
    result = runner.invoke(
        cli,
        [
            "migration",
            "--subject",
            "enterprise",
            "--from",
            city["previous"].isoformat(),
            "--to",
            city["as_of"].isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "upgrades" in result.output and "downgrades" in result.output
