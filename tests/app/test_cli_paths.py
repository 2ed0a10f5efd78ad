"""Every path argument of the command line: a bad path is one line on stderr, exit 2, no
traceback, nothing created; and user text is never read as rich markup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.settings import settings
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()
MARKUP = ("[/bold]", "[red]x[/red]", "[link=http://x]y[/link]")


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("paths")
    (root / "a-file").write_text("not a store", encoding="utf-8")
    (root / "a-folder").mkdir()
    return {
        "file": root / "a-file",  # a file where a folder or a store belongs
        "folder": root / "a-folder",
        "under_file": root / "a-file" / "x.out",  # its parent is a file
        "missing": root / "missing" / "x.duckdb",  # in a folder that does not exist
        "unwritable": Path("/proc/xinping-test/x.out"),  # no one writes under /proc
    }


@pytest.fixture()
def env(tmp_path: Path, scoring_city_file: Path, mlflow_home: Path, monkeypatch) -> Path:
    store = tmp_path / "city.duckdb"
    shutil.copy(scoring_city_file, store)
    cfg = tmp_path / "settings.toml"
    cfg.write_text(f'[mlflow]\nhome = "{mlflow_home}"\n', encoding="utf-8")
    monkeypatch.setenv("XINPING_SETTINGS", str(cfg))
    monkeypatch.setenv("XINPING_STORE", str(store))
    settings.cache_clear()
    yield store
    settings.cache_clear()


def _subject(store: Path) -> str:
    """A driver rated as of 2026-10-31 (scored here: the city file has no ratings)."""
    scored = runner.invoke(cli, ["score", "--subject", "driver", "--as-of", "2026-10-31"])
    assert scored.exit_code == 0, scored.output
    with DuckDBStore(store, read_only=True) as st:
        return st.scalar(
            "SELECT subject_id FROM ratings WHERE scheme = 'driver' ORDER BY 1 LIMIT 1"
        )


#: every command that opens an existing store (each must refuse a bad --store)
STORE_COMMANDS = {
    "score": ["score", "--subject", "driver"],
    "objection open": ["objection", "open", "R1", "--reason", "x"],
    "objection resolve": ["objection", "resolve", "O1", "--upheld"],
    "objection list": ["objection", "list"],
    "repair approve": ["repair", "approve", "R1"],
    "report": ["report", "X"],
    "inspections draw": ["inspections", "draw", "--as-of", "2026-10-31"],
    "inspections list": ["inspections", "list"],
    "rural": ["rural"],
    "lending": ["lending"],
    "migration": ["migration", "--subject", "driver", "--from", "2026-09-30", "--to", "2026-10-31"],
    "train": ["train", "--subject", "driver"],
    "promote": ["promote", "--subject", "driver"],
    "export-lake": ["export-lake", "LAKE"],
    "features build": ["features", "build", "--subject", "driver", "--as-of", "2026-10-31"],
}
#: the commands that create a store (a missing folder is fine, a file on the way is not)
CREATING = {"ingest": ["ingest", "FILE"], "demo-data": ["demo-data"]}


def _args(args: list[str], places: dict[str, Path], tmp_path: Path) -> list[str]:
    swap = {"LAKE": str(tmp_path / "lake"), "FILE": str(places["file"])}
    return [swap.get(a, a) for a in args]


def _one_line_refusal(result, *needles: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output and "Error:" not in result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("kind", ["missing", "folder", "file"])
@pytest.mark.parametrize("name", list(STORE_COMMANDS))
def test_a_bad_store_is_one_line(name, kind, places, tmp_path, env) -> None:
    bad = places[kind]
    result = runner.invoke(
        cli, [*_args(STORE_COMMANDS[name], places, tmp_path), "--store", str(bad)]
    )
    _one_line_refusal(result, "--store", str(bad))
    assert not bad.parent.exists() if kind == "missing" else True  # nothing created


@pytest.mark.parametrize("name", list(CREATING))
def test_a_new_store_under_a_file_is_one_line(name, places, tmp_path, env) -> None:
    bad = places["under_file"]
    result = runner.invoke(cli, [*_args(CREATING[name], places, tmp_path), "--store", str(bad)])
    _one_line_refusal(result, "--store", "is a file, not a folder")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["ingest", "{missing}"], "no such file"),
        (["ingest", "{folder}"], "is a folder, not a file"),
        (["export-lake", "{file}"], "is a file, not a folder"),
        (["export-lake", "{under_file}"], "is a file, not a folder"),
        (["export-lake", "{unwritable}"], "export-lake"),
        (["inspections", "list", "--out", "{under_file}.csv"], "is a file, not a folder"),
        (["inspections", "draw", "--as-of", "2026-10-31", "--out", "{folder}"], "--out"),
        (["inspections", "draw", "--as-of", "2026-10-31", "--out", "{under_file}.xlsx"], "file"),
        (
            [
                "features",
                "build",
                "--subject",
                "driver",
                "--as-of",
                "2026-10-31",
                "--out",
                "{under_file}",
            ],
            "is a file, not a folder",
        ),
        (
            [
                "features",
                "build",
                "--subject",
                "driver",
                "--as-of",
                "2026-10-31",
                "--out",
                "{folder}",
            ],
            "is a folder: give a file name",
        ),
        (
            [
                "features",
                "build",
                "--subject",
                "driver",
                "--as-of",
                "2026-10-31",
                "--engine",
                "spark",
                "--lake",
                "{missing}",
            ],
            "no such folder",
        ),
        (["score", "--subject", "driver", "--engine", "spark", "--lake", "{missing}"], "no lake"),
        (
            [
                "score",
                "--subject",
                "driver",
                "--engine",
                "spark",
                "--lake",
                "{folder}",
                "--out",
                "{file}",
            ],
            "is a file, not a folder",
        ),
        (["report", "{subject}", "--out", "{under_file}"], "is a file, not a folder"),
        (["report", "{subject}", "--out", "{unwritable}"], "cannot write"),
    ],
    ids=lambda v: v if isinstance(v, str) else " ".join(v)[:60],
)
def test_a_bad_path_argument_is_one_line(args, needle, places, env) -> None:
    values = {k: str(v) for k, v in places.items()}
    if "{subject}" in args:
        values["subject"] = _subject(env)
    result = runner.invoke(cli, [a.format(**values) for a in args])
    _one_line_refusal(result, needle)


def test_report_out_a_folder_writes_the_report_inside_it(places, env, tmp_path) -> None:
    folder = tmp_path / "reports-here"
    folder.mkdir()
    sid = _subject(env)
    result = runner.invoke(cli, ["report", sid, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    # a personal ID is masked in the file name, as in the default one
    assert [p.name for p in folder.iterdir()] == [f"{sid[:6]}{'_' * 10}{sid[16:]}.html"]


@pytest.mark.parametrize("text", MARKUP)
def test_user_text_is_printed_literally(text: str, env) -> None:
    """Reasons, record and subject IDs, scheme and table names, file names: as typed."""
    with DuckDBStore(env, read_only=True) as st:
        rid = st.scalar(
            "SELECT record_id FROM records WHERE polarity = 'negative' ORDER BY 1 LIMIT 1"
        )
    # (arguments, exit code, whether the message or output repeats the text)
    runs = [
        (["objection", "open", rid, "--reason", text], 0, False),
        (["objection", "open", text, "--reason", text], 2, True),
        (["objection", "resolve", text, "--upheld"], 2, True),
        (["repair", "approve", text], 2, True),
        (["report", text], 2, True),
        (["lending", text, "--on", "2026-10-31"], 0, True),
        (["migration", "--subject", text, "--from", "2026-09-30", "--to", "2026-10-31"], 2, True),
        (["rural", "--on", "2026-10-31", "--village", text], 2, False),  # no household ratings
        (["inspections", "list", "--draw", text], 2, True),
        (["inspections", "draw", "--as-of", "2026-10-31", "--region", text], 2, True),
        (["export-lake", "lake", "--table", text], 2, True),
        (["features", "catalog", "--subject", text], 2, True),
        (["ingest", f"{text}.csv"], 2, False),  # named as a path (// becomes /)
        (["train", "--subject", text], 2, True),
    ]
    for args, code, echoed in runs:
        result = runner.invoke(cli, args)
        assert result.exit_code == code, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert "Traceback" not in result.output and "MarkupError" not in result.output
        if echoed:
            shown = " ".join(result.output.split())
            assert text in shown or text.upper() in shown, (args, result.output)
    # the objection opened with the markup reason lists it literally
    listed = runner.invoke(cli, ["objection", "list"])
    assert listed.exit_code == 0 and "Traceback" not in listed.output


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "No such file or directory"),
        ("[dates\n", "not valid TOML"),
        ('[dates]\nlatest = "tomorrow"\n', "dates.latest"),
    ],
)
def test_a_missing_or_broken_settings_file_is_one_line(content, needle, tmp_path) -> None:
    import os
    import subprocess
    import sys

    path = tmp_path / "settings.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    env = {**os.environ, "XINPING_SETTINGS": str(path)}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "objection", "list"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0] and str(path) in lines[0], done.stderr
    assert "Traceback" not in done.stderr
