"""The ingest fuzz corpus: 240 seeded broken department files, ingested.

Each variant (tests/app/department_files.py) holds GBK, a BOM, UTF-16, ragged
rows, huge fields, wrong types, formula-looking text, control characters, NUL
bytes, repeated headers, several sheets, nothing at all or random bytes. Every
variant goes through the ingest use case (:func:`features.records.ingest.ingest_file`,
what ``xinping ingest`` calls), and every eighth also through the real command
line in process. Each is either read, accounting for exactly its data rows
(stored + unchanged + quarantined, checked against the store's tables), or
refused (an :class:`UnreadableFileError`; exit 2 with one error line) writing
nothing; nothing else is ever raised, so no traceback reaches a user. Variants
share one store (every record id carries the variant's seed): the checks compare
table counts before and after.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from department_files import FORMULAS, variant
from typer.testing import CliRunner

from app.cli import cli
from features.records.ingest import UnreadableFileError, ingest_file
from features.store.duckdb_store import DuckDBStore

SEEDS = range(240)
CLI_SEEDS = range(0, 240, 8)
TABLES = ("records", "subjects", "quarantine", "ingest_log")
runner = CliRunner()


def _counts(st: DuckDBStore) -> dict[str, int]:
    return {t: st.count(t) for t in TABLES}


def _outcome(st: DuckDBStore, v, before: dict[str, int], exit_code: int, output: str) -> dict:
    log = st.query("SELECT * FROM ingest_log ORDER BY ingest_id DESC LIMIT 1")
    last = int(log["ingest_id"].iloc[0]) if len(log) else -1
    reasons = st.query("SELECT reasons FROM quarantine WHERE ingest_id = ?", [last])["reasons"]
    names = set(st.query("SELECT name FROM subjects")["name"]) if v.formulas else set()
    return {
        "variant": v,
        "exit": exit_code,
        "output": output,
        "before": before,
        "after": _counts(st),
        "log": log,
        "reasons": list(reasons),
        "names": names,
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[dict]:
    """Every variant through ingest_file, in turn into one store, with what each did."""
    folder = tmp_path_factory.mktemp("fuzz")
    outcomes = []
    with DuckDBStore(folder / "xp.duckdb") as st:
        for seed in SEEDS:
            v = variant(seed)
            path = folder / v.name
            path.write_bytes(v.data)
            before = _counts(st)
            try:
                result = ingest_file(st, path, v.table)
            except UnreadableFileError as exc:  # anything else fails the test, as it should
                exit_code, output = 2, f"错误 / error: {exc}"
            else:
                exit_code, output = 0, result.summary()
            outcomes.append(_outcome(st, v, before, exit_code, output))
    return outcomes


@pytest.fixture(scope="module")
def cli_corpus(tmp_path_factory) -> list[dict]:
    """Every eighth variant through ``xinping ingest`` (in process), into one store."""
    folder = tmp_path_factory.mktemp("fuzz-cli")
    db = folder / "xp.duckdb"
    DuckDBStore(db).close()
    outcomes = []
    for seed in CLI_SEEDS:
        v = variant(seed)
        path = folder / v.name
        path.write_bytes(v.data)
        with DuckDBStore(db) as st:
            before = _counts(st)
        args = ["ingest", str(path), "--table", v.table, "--store", str(db)]
        result = runner.invoke(cli, args, env={"COLUMNS": "200"})
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            v.name,
            v.mutations,
            repr(result.exception),
        )
        with DuckDBStore(db) as st:
            outcomes.append(_outcome(st, v, before, result.exit_code, result.output))
    return outcomes


def test_the_corpus_covers_every_kind_of_damage(corpus) -> None:
    seen = Counter(m.split(" ")[0] for o in corpus for m in o["variant"].mutations)
    for kind in (
        "chinese", "huge", "wrong", "formulas", "control", "repeated", "short", "header",
        "binary", "empty", "utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le",
        "blank", "extra", "instructions",
    ):  # fmt: skip
        assert seen[kind] >= 2, (kind, seen)
    assert sum(m.endswith("sheets") for o in corpus for m in o["variant"].mutations) >= 5
    names = [o["variant"].name for o in corpus]
    assert len(names) == len(set(names)) >= 200
    assert sum(o["variant"].clean and o["variant"].rows > 0 for o in corpus) >= 60
    exits = Counter(o["exit"] for o in corpus)
    assert exits[0] >= 100 and exits[2] >= 20, exits


def _check(outcomes: list[dict]) -> None:
    for o in outcomes:
        v, before, after = o["variant"], o["before"], o["after"]
        where = f"{v.name} {v.mutations}: {o['output'][-600:]}"
        assert "Traceback" not in o["output"], where
        assert o["exit"] in (0, 2), where
        if v.expect == "ok":
            assert o["exit"] == 0, where
        elif v.expect == "refused":
            assert o["exit"] == 2, where
        if o["exit"] == 2:
            assert after == before, where  # nothing written
            assert o["output"].count("错误 / error") == 1, where
            message = o["output"].replace("\n", "")
            assert v.name in message, where  # the message names the file…
            assert re.search(r"[\u4e00-\u9fff].* / [A-Za-z]", message), where  # …Chinese first
            continue
        entry = o["log"].iloc[0]
        assert after["ingest_log"] == before["ingest_log"] + 1, where
        assert entry["file_name"] == v.name and entry["rows_read"] == v.rows, where
        stored = after[v.table] - before[v.table]
        quarantined = after["quarantine"] - before["quarantine"]
        assert (stored, quarantined) == (entry["rows_stored"], entry["rows_quarantined"]), where
        assert stored + entry["rows_unchanged"] + quarantined == v.rows, where
        assert entry["rows_unchanged"] == 0, where  # every row of the corpus is new
        if "extra field" in v.mutations and v.rows:  # that row alone is quarantined
            assert any("_extra_fields" in text for text in o["reasons"]), where
        if v.clean:  # Chinese values, GBK, a BOM, sheets…: nothing to quarantine
            assert (stored, quarantined) == (v.rows, 0), (where, o["reasons"][:3])
        if v.rows == 0:
            assert "0 rows stored" in o["output"].replace("\n", " "), where
        for text in o["reasons"]:  # each reason names its column and reads in Chinese
            for r in json.loads(text):
                assert r["column"] and r["problem"] and r["problem_zh"], (where, r)


def test_every_variant_is_read_exactly_or_refused_writing_nothing(corpus) -> None:
    _check(corpus)


def test_through_the_command_line_without_a_traceback(cli_corpus) -> None:
    assert len(cli_corpus) == 30
    _check(cli_corpus)
    assert {o["exit"] for o in cli_corpus} == {0, 2}


def test_formula_looking_names_are_stored_as_text(corpus) -> None:
    checked = 0
    for o in corpus:
        v = o["variant"]
        for text in o["reasons"]:  # never quarantined for looking like a formula
            assert not any(
                r["column"] == "name" and r["value"] in FORMULAS for r in json.loads(text)
            ), (v.name, text)
        if v.formulas and o["exit"] == 0:
            assert set(v.formulas) <= o["names"], (v.name, v.mutations, v.formulas)
            checked += 1
    assert checked >= 3
