"""`xinping inspections draw` and `xinping inspections list` on the tiny city."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import settings
from features.records.synthetic.city import generate_city
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()
AS_OF = "2026-10-31"


def _ratings(ids: list[str], grades, version: str, scored_at: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject_id": ids,
            "scheme": "enterprise",
            "as_of": pd.Timestamp(AS_OF),
            "model_name": "xinping-enterprise",
            "model_version": version,
            "run_id": "r" + version,
            "final_grade": grades,
            "scored_at": pd.Timestamp(scored_at),
        }
    )


@pytest.fixture(scope="module")
def city_file(tmp_path_factory: pytest.TempPathFactory):
    """The tiny city with an enterprise rating batch at AS_OF (a stand-in for `xinping score`).

    An older batch of another model version, all D, must be ignored.
    """
    path = tmp_path_factory.mktemp("inspections") / "tiny.duckdb"
    with DuckDBStore(path, threads=2) as store:
        generate_city(store, scale="tiny", seed=5)
        ids = sorted(
            store.query(
                "SELECT DISTINCT subject_id FROM subjects WHERE subject_type = 'enterprise'"
            )["subject_id"]
        )
        rng = np.random.default_rng(3)
        grades = rng.choice(list("ABCD"), len(ids), p=[0.654, 0.253, 0.077, 0.016])
        store.append("ratings", _ratings(ids, "D", "1", "2026-11-01 08:00:00"))
        store.append("ratings", _ratings(ids, grades, "2", "2026-11-02 08:00:00"))
    return path


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def _draw(path, *args: str):
    return runner.invoke(
        cli, ["inspections", "draw", "--as-of", AS_OF, "--store", str(path), "--by", "张三", *args]
    )


def _draw_id(output: str) -> str:
    """The draw id a `draw` command printed."""
    return re.search(r"INS-\d{8}-[0-9a-f]{8}", output).group(0)


def _stored(path) -> pd.DataFrame:
    with DuckDBStore(path, read_only=True) as store:
        return store.query("SELECT * FROM inspections ORDER BY drawn_at, draw_id, subject_id")


def test_same_seed_same_list_stored_and_exported(city_file, tmp_path) -> None:
    csv1, csv2 = tmp_path / "a.csv", tmp_path / "b.csv"
    first = _draw(city_file, "--seed", "7", "--out", str(csv1))
    second = _draw(city_file, "--seed", "7", "--out", str(csv2))
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "抽查汇总" in first.output and "seed 7" in flat(first.output)
    rows = _stored(city_file)
    a = rows[rows["draw_id"] == _draw_id(first.output)]
    b = rows[rows["draw_id"] == _draw_id(second.output)]
    assert _draw_id(first.output) != _draw_id(second.output)
    assert list(a["subject_id"]) == list(b["subject_id"]) and len(a) > 0
    # CSV: UTF-8 with BOM, Chinese headers, same list
    raw = csv1.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    one = pd.read_csv(csv1, encoding="utf-8-sig", dtype=str)
    two = pd.read_csv(csv2, encoding="utf-8-sig", dtype=str)
    assert list(one.columns[:4]) == ["抽查批次", "分类基准日", "统一社会信用代码", "企业名称"]
    pd.testing.assert_frame_equal(one.drop(columns="抽查批次"), two.drop(columns="抽查批次"))
    assert set(one["统一社会信用代码"]) == set(a["subject_id"])
    # the latest rating batch (version 2) was used, not the all-D version 1
    params = json.loads(a["parameters"].iloc[0])
    assert params["ratings"]["model_version"] == "2"
    assert params["seed"] == 7 and a["seed"].iloc[0] == 7 and a["drawn_by"].iloc[0] == "张三"
    assert params["classes"]["A"]["ratio"] == 0.02 and params["floor"] == 0.03
    assert set(a["credit_class"]) <= set("ABCD") and len(set(a["credit_class"])) > 1


def test_floor_region_and_excel(city_file, tmp_path) -> None:
    out = tmp_path / "list.xlsx"
    result = _draw(city_file, "--seed", "11", "--region", "530302", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = _stored(city_file)
    latest = rows[rows["draw_id"] == _draw_id(result.output)]
    params = json.loads(latest["parameters"].iloc[0])
    assert params["region"] == "530302" and set(latest["region_code"]) == {"530302"}
    assert len(latest) >= params["floor_required"] == np.ceil(0.03 * params["population"])
    sheets = pd.read_excel(out, sheet_name=None, dtype=str)
    assert list(sheets) == ["抽查名单", "抽查汇总"]
    assert len(sheets["抽查名单"]) == len(latest)
    assert "信用风险分类" in sheets["抽查名单"].columns


def test_list_commands(city_file) -> None:
    _draw(city_file, "--seed", "3")
    listing = runner.invoke(cli, ["inspections", "list", "--store", str(city_file)])
    assert listing.exit_code == 0, listing.output
    assert "抽查批次" in listing.output and "INS-20261031-" in listing.output
    draw_id = _stored(city_file)["draw_id"].iloc[0]
    one = runner.invoke(cli, ["inspections", "list", "--draw", draw_id, "--store", str(city_file)])
    assert one.exit_code == 0 and "统一社会信用代码" in one.output
    missing = runner.invoke(
        cli, ["inspections", "list", "--draw", "nope", "--store", str(city_file)]
    )
    assert missing.exit_code == 2 and "no draw" in flat(missing.output)


def test_errors_are_clear(city_file, tmp_path) -> None:
    none = runner.invoke(
        cli, ["inspections", "draw", "--as-of", "2026-09-30", "--store", str(city_file)]
    )
    assert none.exit_code == 2 and "no enterprise ratings at 2026-09-30" in flat(none.output)
    assert "rated dates: 2026-10-31" in flat(none.output)  # the dates that were rated
    bad_out = _draw(city_file, "--out", str(tmp_path / "x.pdf"))
    assert bad_out.exit_code == 2 and ".xlsx" in flat(bad_out.output)
    bad_region = _draw(city_file, "--region", "5303")
    assert bad_region.exit_code == 2 and "6-digit" in flat(bad_region.output)
    empty = _draw(city_file, "--region", "110101")
    assert empty.exit_code == 2 and "no classified enterprise" in flat(empty.output)
    DuckDBStore(city_file.parent / "empty.duckdb").close()  # a store with no ratings
    assert _draw(city_file.parent / "empty.duckdb").exit_code == 2
    missing = _draw(city_file.parent / "missing.duckdb")  # no store at all: none is made
    assert missing.exit_code == 2 and "no store there" in flat(missing.output)
    assert not (city_file.parent / "missing.duckdb").exists()


@pytest.fixture()
def up_to_today(tmp_path, monkeypatch):
    """Settings dating draws up to today, after the city's last data ([dates] latest)."""
    overlay = tmp_path / "settings.toml"
    overlay.write_text('[dates]\nlatest = "today"\n', encoding="utf-8")
    monkeypatch.setenv("XINPING_SETTINGS", str(overlay))
    settings.cache_clear()
    yield
    settings.cache_clear()


def test_a_later_draw_respects_the_caps(city_file, up_to_today) -> None:
    """Drawn at one date, A and B enterprises reach their cap for the calendar year."""
    # a month after the city's last data (2026-10-31): allowed by [dates] latest = "today"
    assert _draw(city_file, "--seed", "5").exit_code == 0
    with DuckDBStore(city_file, read_only=True) as store:
        before = store.query("SELECT DISTINCT subject_id, credit_class FROM inspections")
    assert not before.empty
    later = dt.date(2026, 11, 30)
    with DuckDBStore(city_file) as store:
        ratings = store.query("SELECT * FROM ratings WHERE model_version = '2'")
        store.append("ratings", ratings.assign(as_of=pd.Timestamp(later)))
    result = runner.invoke(
        cli,
        [
            "inspections",
            "draw",
            "--as-of",
            later.isoformat(),
            "--seed",
            "7",
            "--store",
            str(city_file),
            "--by",
            "李四",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = _stored(city_file)
    new = rows[rows["draw_id"] == _draw_id(result.output)]
    # A (once in 24 months) and B (once a year) drawn before are not drawn again
    ab_before = set(before.loc[before["credit_class"].isin(["A", "B"]), "subject_id"])
    assert not ab_before & set(new["subject_id"])
    counts = json.loads(new["parameters"].iloc[0])["counts"]
    assert counts["A"]["capped"] > 0 and counts["B"]["capped"] > 0


def _subject_csv(path, row: dict) -> None:
    keep = {k: v for k, v in row.items() if k not in ("ingest_id", "recorded_at")}
    pd.DataFrame([keep]).to_csv(path, index=False)


def test_a_corrected_name_a_re_rating_and_a_closure(city_file, tmp_path) -> None:
    """A department corrects a firm's name (a new subject version), another firm is
    re-rated at the date after an objection (a second rating row at AS_OF), a third
    is closed before the date: the draw still lists each open firm once, by its
    current name, and leaves the closed one out."""
    import shutil

    path = tmp_path / "city.duckdb"
    shutil.copy(city_file, path)
    with DuckDBStore(path, read_only=True) as store:
        firms = store.query(
            "SELECT * FROM subjects WHERE subject_type = 'enterprise' ORDER BY subject_id LIMIT 3"
        ).to_dict("records")
    renamed, rerated, closed = firms
    fixed = {**renamed, "name": renamed["name"] + "（名称更正）"}
    _subject_csv(tmp_path / "fix.csv", fixed)
    shut = {**closed, "status": "closed", "closed_on": "2026-10-15"}
    _subject_csv(tmp_path / "shut.csv", shut)
    for name in ("fix.csv", "shut.csv"):
        done = runner.invoke(
            cli, ["ingest", str(tmp_path / name), "--table", "subjects", "--store", str(path)]
        )
        assert done.exit_code == 0, done.output
    with DuckDBStore(path) as store:
        assert (
            store.scalar(
                "SELECT count(*) FROM subjects WHERE subject_id = ?", [renamed["subject_id"]]
            )
            == 2
        )
        # an event re-rating of the same model version at the same date (an objection)
        store.append("ratings", _ratings([rerated["subject_id"]], "D", "2", "2026-11-05 08:00:00"))
    out = tmp_path / "list.csv"
    result = _draw(path, "--seed", "5", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = _stored(path)
    drawn = rows[rows["draw_id"] == _draw_id(result.output)]
    assert not drawn["subject_id"].duplicated().any()
    assert closed["subject_id"] not in set(drawn["subject_id"])
    params = json.loads(drawn["parameters"].iloc[0])
    # every rated firm still open at the date is in the classified population, once
    with DuckDBStore(path, read_only=True) as store:
        open_firms = store.scalar("""
            SELECT count(*) FROM (SELECT DISTINCT subject_id FROM ratings
                                  WHERE model_version = '2') r
            WHERE NOT EXISTS (SELECT 1 FROM subjects s WHERE s.subject_id = r.subject_id
                              AND s.closed_on <= DATE '2026-10-31'
                              AND s.recorded_at = (SELECT max(recorded_at) FROM subjects x
                                                   WHERE x.subject_id = s.subject_id))""")
        from scoring.policies.inspection_store import enterprise_classes

        classes, _ = enterprise_classes(store, dt.date(2026, 10, 31))
    assert params["population"] == open_firms == len(classes)
    assert open_firms < 2000  # the city has firms closed before the date, and ours
    by_id = classes.set_index("subject_id")
    assert by_id.loc[renamed["subject_id"], "name"] == fixed["name"]
    assert by_id.loc[rerated["subject_id"], "credit_class"] == "D"  # the rating in force
    exported = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    if renamed["subject_id"] in set(exported["统一社会信用代码"]):
        name = exported.loc[exported["统一社会信用代码"] == renamed["subject_id"], "企业名称"]
        assert list(name) == [fixed["name"]]
