"""`xinping score`, `xinping objection …` and `xinping repair approve` end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import settings
from features.schemes import rule_only
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()


@pytest.fixture()
def env(tmp_path: Path, scoring_city_file: Path, mlflow_home: Path, monkeypatch):
    """A writable city copy and settings pointing at the test registry."""
    store = tmp_path / "city.duckdb"
    shutil.copy(scoring_city_file, store)
    cfg = tmp_path / "settings.toml"
    # casework a few days after the city's last data (2026-11-04 after 2026-10-31), as on a
    # platform whose departments push daily: dated up to today ([dates] latest = "today")
    cfg.write_text(
        f'[mlflow]\nhome = "{mlflow_home}"\n\n[dates]\nlatest = "today"\n', encoding="utf-8"
    )
    monkeypatch.setenv("XINPING_SETTINGS", str(cfg))
    monkeypatch.setenv("XINPING_STORE", str(store))
    settings.cache_clear()
    yield store
    settings.cache_clear()


def test_score_writes_ratings_for_each_champion(env: Path) -> None:
    result = runner.invoke(
        cli, ["score", "--subject", "all", "--as-of", "2026-09-30", "--as-of", "2026-10-31"]
    )
    assert result.exit_code == 0, result.output
    assert "enterprise 2026-10-31 scored" in result.output
    assert "sme" in result.output and "skipped" in result.output  # no sme champion here
    with DuckDBStore(env, read_only=True) as st:
        counts = st.query("SELECT scheme, as_of, count(*) AS n FROM ratings GROUP BY ALL")
    # the champions' schemes, and those rated by a published rule alone (no champion)
    assert set(counts["scheme"]) == {"enterprise", "driver", *rule_only()}
    assert len(counts) == 2 * (2 + len(rule_only()))
    again = runner.invoke(cli, ["score", "--subject", "driver", "--as-of", "2026-10-31"])
    assert again.exit_code == 0 and "replaced" in again.output
    with DuckDBStore(env, read_only=True) as st:
        assert st.count("ratings") == counts["n"].sum()


def test_score_refuses_an_unknown_scheme(env: Path) -> None:
    result = runner.invoke(cli, ["score", "--subject", "village"])
    assert result.exit_code == 2 and "not a rated scheme" in result.output


def test_objection_open_resolve_and_list(env: Path) -> None:
    assert (
        runner.invoke(cli, ["score", "--subject", "enterprise", "--as-of", "2026-10-31"]).exit_code
        == 0
    )
    with DuckDBStore(env, read_only=True) as st:
        rid = st.scalar("""SELECT r.record_id FROM records r JOIN ratings g USING (subject_id)
                           WHERE r.kind = 'serious_violation_list' AND g.final_grade = 'D'
                           AND r.published_on <= DATE '2026-10-31' AND r.revoked_on IS NULL
                           AND (r.valid_until IS NULL OR r.valid_until > DATE '2026-10-31')
                           ORDER BY r.record_id LIMIT 1""")
    opened = runner.invoke(
        cli,
        [
            "objection",
            "open",
            rid,
            "--reason",
            "处罚已撤销",
            "--on",
            "2026-11-04",
            "--by",
            "tester",
        ],
    )
    assert opened.exit_code == 0, opened.output
    assert "re-rated in" in opened.output and "D" in opened.output
    listed = runner.invoke(cli, ["objection", "list", "--today", "2026-12-01"])
    assert listed.exit_code == 0 and "逾期" in listed.output
    with DuckDBStore(env, read_only=True) as st:
        oid = st.scalar("SELECT objection_id FROM objections WHERE record_id = ?", [rid])
        cause = st.query("SELECT reasons FROM ratings WHERE as_of = DATE '2026-11-04'")
    assert any(json.loads(r).get("cause", {}).get("id") == oid for r in cause["reasons"])
    twice = runner.invoke(cli, ["objection", "open", rid, "--reason", "again"])
    assert twice.exit_code == 2 and "already has open objection" in twice.output
    resolved = runner.invoke(cli, ["objection", "resolve", oid, "--rejected", "--on", "2026-11-10"])
    assert resolved.exit_code == 0, resolved.output
    assert "rejected" in resolved.output


def test_repair_approve(env: Path) -> None:
    with DuckDBStore(env, read_only=True) as st:
        rid = st.scalar("""SELECT record_id FROM records WHERE kind = 'administrative_penalty'
                           AND severity = 'general' ORDER BY record_id LIMIT 1""")
    result = runner.invoke(cli, ["repair", "approve", rid, "--on", "2026-11-05"])
    assert result.exit_code == 0, result.output
    assert "已批准 approved" in result.output
    bad = runner.invoke(cli, ["repair", "approve", "no-such-record"])
    assert bad.exit_code == 2 and "not in the store" in bad.output


def test_subject_id_finds_the_record_among_its_subject_s_records(env: Path) -> None:
    with DuckDBStore(env, read_only=True) as st:
        sid, rid = st.query("""SELECT subject_id, record_id FROM records
                               WHERE kind = 'administrative_penalty' AND severity = 'general'
                               ORDER BY record_id LIMIT 1""").iloc[0]
        other = st.scalar("SELECT min(subject_id) FROM subjects WHERE subject_id <> ?", [sid])
        before = (st.count("objections"), st.count("repairs"))
    wrong = runner.invoke(cli, ["repair", "approve", rid, "--subject-id", other])
    assert wrong.exit_code == 2 and f"has no record '{rid}'" in wrong.output, wrong.output
    wrong = runner.invoke(
        cli, ["objection", "open", rid, "--reason", "x", "--subject-id", other.lower()]
    )
    assert wrong.exit_code == 2 and f"has no record '{rid}'" in wrong.output, wrong.output
    with DuckDBStore(env, read_only=True) as st:
        assert (st.count("objections"), st.count("repairs")) == before  # nothing written
    # typed in lower case with spaces: the subject as stored
    opened = runner.invoke(
        cli,
        ["objection", "open", rid, "--reason", "处罚已撤销", "--subject-id", f" {sid.lower()} "],
    )
    assert opened.exit_code == 0, opened.output
    fixed = runner.invoke(
        cli, ["repair", "approve", rid, "--subject-id", sid, "--on", "2026-11-05"]
    )
    assert fixed.exit_code == 0 and "已批准 approved" in fixed.output, fixed.output
    with DuckDBStore(env, read_only=True) as st:
        mine = st.query("SELECT status FROM repairs WHERE record_id = ?", [rid])
        assert st.count("objections") == before[0] + 1
        assert sorted(mine["status"]) == ["applied", "approved"]


def test_a_scheme_rated_by_its_points_alone_shows_no_pd(capsys) -> None:
    import datetime as dt

    from app.scoring_cli import print_outcome
    from scoring.casework import Outcome
    from scoring.rerating import Change

    ruled = Change(
        "travel_agency",
        "91530300MA0000000X",
        "B",
        "A",
        float("nan"),
        float("nan"),
        dt.date(2026, 10, 31),
        "rule",
    )
    modelled = Change("enterprise", "91530300MA0000001X", None, "B", None, 0.0123, None, "3")
    print_outcome(Outcome("XF-1", (ruled, modelled), 0.2))
    out = capsys.readouterr().out
    assert "nan" not in out.lower()
    assert "— → —" in out and "— → 1.23%" in out


def test_nothing_re_rated_is_said_in_words(capsys) -> None:
    from app.scoring_cli import print_outcome
    from scoring.casework import Outcome

    print_outcome(Outcome("XF-2", (), 0.05))
    out = capsys.readouterr().out
    assert "没有需要重新评价的主体" in out and "no subject to re-rate" in out
    assert "变更后 after" not in out  # no empty table
