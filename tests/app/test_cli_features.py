"""`xinping features catalog` and `xinping features build`."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import cli
from features.records.synthetic.city import generate_city
from features.schemes import SCHEMES
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()


@pytest.fixture(scope="module")
def city_file(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("cli") / "tiny.duckdb"
    with DuckDBStore(path, threads=2) as store:
        generate_city(store, scale="tiny", seed=5)
    return path


def test_catalog_lists_every_indicator_with_both_labels() -> None:
    result = runner.invoke(cli, ["features", "catalog"])
    assert result.exit_code == 0, result.output
    for scheme in SCHEMES.values():
        assert f"`{scheme.key}`" in result.output
        for ind in scheme.indicators:
            assert f"`{ind.name}` | {ind.label_zh} | {ind.label_en} |" in result.output


def test_catalog_of_one_scheme_and_of_an_unknown_one() -> None:
    one = runner.invoke(cli, ["features", "catalog", "--subject", "driver"])
    assert one.exit_code == 0 and "`points_12m`" in one.output and "`tax_level`" not in one.output
    bad = runner.invoke(cli, ["features", "catalog", "--subject", "nope"])
    assert bad.exit_code == 2 and "unknown scheme" in bad.output


def test_build_writes_the_frame(city_file, tmp_path) -> None:
    out = tmp_path / "sme.parquet"
    result = runner.invoke(
        cli,
        [
            "features",
            "build",
            "--subject",
            "sme",
            "--as-of",
            "2026-10-31",
            "--store",
            str(city_file),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    names = [i.name for i in SCHEMES["sme"].indicators]
    assert list(frame.columns) == ["subject_id", "as_of", *names]
    with DuckDBStore(city_file, read_only=True) as store:
        borrowers = store.scalar("""
            SELECT count(DISTINCT s.subject_id) FROM subjects s JOIN records r USING (subject_id)
            WHERE s.subject_type = 'enterprise' AND s.scale <> 'large' AND r.kind = 'loan'
              AND r.published_on <= DATE '2026-10-31'
              AND (s.closed_on IS NULL OR s.closed_on > DATE '2026-10-31')
        """)
    assert len(frame) == borrowers > 0


def test_build_rejects_bad_input(city_file) -> None:
    bad_date = runner.invoke(
        cli,
        [
            "features",
            "build",
            "--subject",
            "driver",
            "--as-of",
            "2026-13-01",
            "--store",
            str(city_file),
        ],
    )
    assert bad_date.exit_code == 2 and "not a date" in bad_date.output
    bad_scheme = runner.invoke(
        cli,
        [
            "features",
            "build",
            "--subject",
            "pilot",
            "--as-of",
            "2026-10-31",
            "--store",
            str(city_file),
        ],
    )
    assert bad_scheme.exit_code == 2 and "unknown scheme" in bad_scheme.output


def test_the_catalogue_shows_each_subject_type_and_a_declared_one(tmp_path) -> None:
    from declared_types import write_types

    from features import registry

    shipped = runner.invoke(cli, ["features", "catalog"]).output
    assert "### `driver` — 驾驶员 / Driver" in shipped
    # (the shipped practitioner type has a tour_guide profession, not a tour_guide type)
    assert "12位统计用区划代码（村）" in shipped and "### `tour_guide`" not in shipped
    with registry.using([write_types(tmp_path)]):
        out = runner.invoke(cli, ["features", "catalog"]).output
    assert "### `tour_guide` — 导游 / Tour guide" in out
    assert "| `profession` | 职业 | Profession | string | tour_guide, tour_leader |" in out
    assert "统一社会信用代码（GB 32100，18位），以 5 开头" in out
