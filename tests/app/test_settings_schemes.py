"""``[schemes] folders``: the command line registers a city's scheme folders at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from declared_types import write_types

from app.settings import load_settings
from features import registry

ROOT = Path(__file__).resolve().parents[2]


def _run(settings_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XINPING_SETTINGS": str(settings_file)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_name_folders_and_activate_them(tmp_path) -> None:
    folder = write_types(tmp_path / "schemes")
    path = tmp_path / "settings.toml"
    path.write_text(f'[schemes]\nfolders = ["{folder}"]\n', encoding="utf-8")
    cfg = load_settings(path)
    assert cfg.schemes.folders == (folder,)
    before = registry.active()
    try:
        cfg.activate_schemes()
        assert "tour_guide" in registry.active().subject_types()
        load_settings().activate_schemes()
        # the shipped settings name no folder: activating them drops the folder again
        assert "tour_guide" not in registry.active().subject_types()
    finally:
        registry.activate(before)


def test_the_command_line_reads_the_configured_folders(tmp_path) -> None:
    folder = write_types(tmp_path / "schemes")
    path = tmp_path / "settings.toml"
    path.write_text(f'[schemes]\nfolders = ["{folder}"]\n', encoding="utf-8")
    done = _run(path, "schema")
    assert done.returncode == 0, done.stderr
    assert "tour_guide" in done.stdout and "foundation" in done.stdout


def test_a_refused_declaration_stops_the_command_in_one_line(tmp_path) -> None:
    folder = tmp_path / "schemes" / "bad"
    folder.mkdir(parents=True)
    (folder / "declaration.py").write_text("import scoring.batch\n", encoding="utf-8")
    path = tmp_path / "settings.toml"
    path.write_text(f'[schemes]\nfolders = ["{folder.parent}"]\n', encoding="utf-8")
    done = _run(path, "schema")
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert str(folder) in lines[0] and "scoring.batch" in lines[0]
    assert "Traceback" not in done.stderr


def test_xinping_ingest_stores_a_declared_type_and_its_attribute(tmp_path) -> None:
    from features.store.duckdb_store import DuckDBStore

    folder = write_types(tmp_path / "schemes")
    path = tmp_path / "settings.toml"
    path.write_text(f'[schemes]\nfolders = ["{folder}"]\n', encoding="utf-8")
    data = tmp_path / "guides.csv"
    data.write_text(
        "subject_id,subject_type,name,region_code,status,profession\n"
        "11010519491231002X,导游,导游甲,530302,active,tour_guide\n"
        "11010519491231002,导游,导游乙,530302,active,tour_guide\n",
        encoding="utf-8",
    )
    store = tmp_path / "xp.duckdb"
    done = _run(path, "ingest", str(data), "--table", "subjects", "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert "stored 1" in done.stdout and "quarantined 1" in done.stdout, done.stdout
    with DuckDBStore(store) as st:
        assert st.query("SELECT subject_type FROM subjects")["subject_type"].tolist() == [
            "tour_guide"
        ]
        attrs = st.query("SELECT subject_id, name, value_text FROM subject_attributes")
        assert attrs.values.tolist() == [["11010519491231002X", "profession", "tour_guide"]]
        reasons = st.scalar("SELECT reasons FROM quarantine")
        assert "主体类型：导游" in reasons and "subject type tour_guide" in reasons
