"""``[schemes] folders``: the command line registers a city's scheme folders at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
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


# --- every door activates the configured folders ------------------------------------


def _bad_settings(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "schemes" / "bad"
    folder.mkdir(parents=True)
    (folder / "declaration.py").write_text("import scoring.batch\n", encoding="utf-8")
    path = tmp_path / "settings.toml"
    path.write_text(f'[schemes]\nfolders = ["{folder.parent}"]\n', encoding="utf-8")
    return path, folder


@pytest.fixture()
def restored(monkeypatch):
    """Settings read afresh, and this process's registry put back after the test."""
    from app.settings import settings

    before = registry.active()
    settings.cache_clear()
    yield monkeypatch
    settings.cache_clear()
    registry.activate(before)


def test_the_app_router_says_a_bad_folder_in_one_line(tmp_path, restored) -> None:
    from streamlit.testing.v1 import AppTest

    path, folder = _bad_settings(tmp_path)
    restored.setenv("XINPING_SETTINGS", str(path))
    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and "\n" not in at.error[0].value
    assert str(folder) in at.error[0].value and "scoring.batch" in at.error[0].value
    assert not at.text_input  # stopped before the sign-in form


def test_the_app_router_registers_the_folders(tmp_path, restored) -> None:
    from streamlit.testing.v1 import AppTest

    folder = write_types(tmp_path / "schemes")
    path = tmp_path / "settings.toml"
    path.write_text(f'[schemes]\nfolders = ["{folder}"]\n', encoding="utf-8")
    restored.setenv("XINPING_SETTINGS", str(path))
    restored.setenv("XINPING_STORE", str(tmp_path / "xp.duckdb"))
    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "tour_guide" in registry.active().subject_types()
    assert registry.active().folders == (folder,)


def test_the_http_api_registers_the_folders_or_refuses(tmp_path, restored) -> None:
    from app.api.server import create_app
    from features.store.duckdb_store import DuckDBStore

    bad, _ = _bad_settings(tmp_path / "bad")
    good = write_types(tmp_path / "schemes")
    with DuckDBStore(tmp_path / "xp.duckdb") as store:
        with pytest.raises(registry.RegistryError, match=r"scoring\.batch"):
            create_app(load_settings(bad), store)
        path = tmp_path / "settings.toml"
        path.write_text(f'[schemes]\nfolders = ["{good}"]\n', encoding="utf-8")
        create_app(load_settings(path), store)
        assert "social_org" in registry.active().subject_types()


def test_the_spark_job_takes_schemes_from_the_folders(tmp_path, restored, capsys) -> None:
    """The job registers the folders before it reads ``--scheme``: the folder's scheme is
    accepted (an unknown one stops the parser) and its champion is then looked up (and
    missing); a bad folder is one line."""
    from scheme_folder import KEY, write_scheme_folder

    from app import spark_job

    args = ["--lake", str(tmp_path), "--mlflow-home", str(tmp_path / "mlruns")]
    args += ["--scheme", KEY, "--as-of", "2026-10-31"]
    path = tmp_path / "settings.toml"
    path.write_text(
        f'[schemes]\nfolders = ["{write_scheme_folder(tmp_path / "schemes")}"]\n',
        encoding="utf-8",
    )
    restored.setenv("XINPING_SETTINGS", str(path))
    assert spark_job.main(args) == 2
    missing = capsys.readouterr().err
    assert KEY in missing and "Traceback" not in missing, missing

    bad, folder = _bad_settings(tmp_path / "bad")
    restored.setenv("XINPING_SETTINGS", str(bad))
    from app.settings import settings

    settings.cache_clear()
    assert spark_job.main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(folder) in err[0] and "Traceback" not in err[0]
