"""One use case behind every door: the same objection from ``xinping objection open`` and
from the 异议与修复 page, under changed ``[driver]`` and ``[green_channel]`` settings, gives
the same re-rating — and not the one of the default settings.

The city is the tiny rated city of the app tests (four champions). The objection is
made on a record of an employer whose re-rating touches both changed settings:

* its driver has 3–9 integrity points, which the shipped ``[driver.grades]`` grade AA
  and the test's (``B`` from 3 points) grade B;
* its only negative records that count are 1–3 years old, so the shipped
  ``[green_channel] years = 3`` withholds the green channel and the test's ``years = 1``
  grants it.

Each door works on its own copy of the store; the re-rating rows they write are
compared column by column (grades, PD, score, green channel, reasons with the points
rule and the cause), ``scored_at`` aside.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from app.settings import load_settings, settings
from features.store.duckdb_store import DuckDBStore

PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"
CHANGED = """
[driver.grades]
AAA = 0
AA = 1
A = 2
B = 3

[green_channel]
years = 1
"""
COMPARED = [
    "subject_id",
    "scheme",
    "as_of",
    "model_name",
    "model_version",
    "score",
    "pd",
    "model_grade",
    "final_grade",
    "overrides",
    "reasons",
    "green_channel",
]


def _overlay(folder: Path, home: Path, changed: bool) -> Path:
    path = folder / ("changed.toml" if changed else "shipped.toml")
    text = f'[store]\nmemory_limit = ""\n\n[mlflow]\nhome = "{home.as_posix()}"\n'
    # the objection is dated 4 days after the city's last data: allowed up to today
    text += '\n[dates]\nlatest = "today"\n'
    path.write_text(text + (CHANGED if changed else ""), encoding="utf-8")
    return path


def _pick(store_path: Path, day: dt.date, changed: Path, shipped: Path) -> tuple[str, str, str]:
    """An employer whose green channel the two settings decide differently, with a driver
    they grade differently, and one of its records that is not negative (objecting to it
    changes neither rule by itself). Returns (employer, driver, record_id)."""
    from scoring.policies.driver import driver_grades
    from scoring.policies.green_channel import green_channel

    new, old = load_settings(changed), load_settings(shipped)
    windows = old.windows.policy()
    with DuckDBStore(store_path) as store:  # the app may hold it: same configuration
        drivers = store.query(
            "SELECT DISTINCT subject_id, employer_id FROM subjects "
            "WHERE subject_type = 'driver' AND employer_id IS NOT NULL"
        )
        employers = sorted(set(drivers["employer_id"]))
        green_new = green_channel(store, employers, day, new.green_channel.config(), windows)
        green_old = green_channel(store, employers, day, old.green_channel.config(), windows)
        grade_new = driver_grades(store, day, new.driver.config(), windows).set_index("subject_id")[
            "grade"
        ]
        grade_old = driver_grades(store, day, old.driver.config(), windows).set_index("subject_id")[
            "grade"
        ]
        for employer in employers:
            if not green_new[employer] or green_old[employer]:
                continue
            mine = drivers.loc[drivers["employer_id"] == employer, "subject_id"]
            moved = [
                d for d in sorted(mine) if d in grade_new.index and grade_new[d] != grade_old[d]
            ]
            record = store.scalar(
                "SELECT record_id FROM records WHERE subject_id = ? AND polarity <> 'negative' "
                "AND published_on <= ? ORDER BY record_id LIMIT 1",
                [employer, day],
            )
            if moved and record:
                return employer, moved[0], record
    pytest.skip("no employer of the tiny city shows both settings")


def _rerated(store_path: Path) -> pd.DataFrame:
    """The re-rating rows an objection wrote (the rows carrying its cause)."""
    with DuckDBStore(store_path) as store:  # the app may hold it: same configuration
        rows = store.query(
            "SELECT * FROM ratings WHERE json_extract_string(reasons, "
            "'$.cause.kind') = 'objection_open' ORDER BY scheme, subject_id"
        )
    return rows[COMPARED].reset_index(drop=True)


def _points_rule(rows: pd.DataFrame, driver: str) -> dict:
    row = rows[(rows["scheme"] == "driver") & (rows["subject_id"] == driver)].iloc[0]
    return json.loads(row["reasons"])["points_rule"]


def _green(rows: pd.DataFrame, employer: str) -> bool:
    return bool(
        rows.loc[
            (rows["scheme"] == "enterprise") & (rows["subject_id"] == employer), "green_channel"
        ].iloc[0]
    )


@pytest.fixture()
def doors(rated_city: dict, tmp_path: Path, monkeypatch):
    """Three copies of the rated city (CLI, page, CLI under the shipped settings), the two
    settings overlays and the objection to make."""
    import streamlit as st

    day = rated_city["as_of"] + dt.timedelta(days=4)
    copies = {}
    for name in ("cli", "page", "shipped"):
        copies[name] = tmp_path / f"{name}.duckdb"
        shutil.copy(rated_city["path"], copies[name])
    changed = _overlay(tmp_path, rated_city["home"], changed=True)
    shipped = _overlay(tmp_path, rated_city["home"], changed=False)
    employer, driver, record = _pick(copies["cli"], day, changed, shipped)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    yield {
        "day": day,
        "copies": copies,
        "changed": changed,
        "shipped": shipped,
        "employer": employer,
        "driver": driver,
        "record": record,
    }
    st.cache_resource.clear()
    settings.cache_clear()


def _use(monkeypatch, overlay: Path, store_path: Path) -> None:
    monkeypatch.setenv("XINPING_SETTINGS", str(overlay))
    monkeypatch.setenv("XINPING_STORE", str(store_path))
    settings.cache_clear()


def _cli_objection(doors: dict, overlay: Path, store_path: Path, monkeypatch) -> None:
    from app.cli import cli

    _use(monkeypatch, overlay, store_path)
    result = CliRunner().invoke(
        cli,
        [
            "objection",
            "open",
            doors["record"],
            "--reason",
            "记录有误",
            "--on",
            doors["day"].isoformat(),
            "--by",
            "tester",
        ],
    )
    assert result.exit_code == 0, result.output


def test_cli_and_page_re_rate_an_objection_alike_under_the_settings_in_force(
    doors: dict, monkeypatch
) -> None:
    # the command line, under the changed settings
    _cli_objection(doors, doors["changed"], doors["copies"]["cli"], monkeypatch)
    # the 异议与修复 page, under the same settings, on its own copy
    _use(monkeypatch, doors["changed"], doors["copies"]["page"])
    at = AppTest.from_file(str(PAGES / "objections_page.py"), default_timeout=240)
    at.session_state["lang"] = "zh"
    at.session_state["user"] = {
        "username": "tester",
        "role": "admin",
        "display_name": "测试",
        "region_code": None,
    }
    at.run()
    at.date_input(key="on").set_value(doors["day"])
    # the steward works from the subject: its records listed (this one is not negative)
    at.text_input(key="obj_subject").input(doors["employer"]).run()
    at.checkbox(key="obj_all").check().run()
    at.selectbox(key="obj_record").set_value(doors["record"])
    at.text_area(key="obj_reason").input("记录有误")
    at.button(key="open_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已受理" in s.value for s in at.success), [e.value for e in at.error]
    # the shipped settings, for contrast
    _cli_objection(doors, doors["shipped"], doors["copies"]["shipped"], monkeypatch)

    cli_rows = _rerated(doors["copies"]["cli"])
    page_rows = _rerated(doors["copies"]["page"])
    shipped_rows = _rerated(doors["copies"]["shipped"])
    employer, driver = doors["employer"], doors["driver"]
    assert {employer, driver} <= set(cli_rows["subject_id"])
    assert {"enterprise", "driver"} <= set(cli_rows["scheme"])
    # the same re-rating from both doors: every subject, grade, PD, flag, reason, rule
    pd.testing.assert_frame_equal(cli_rows, page_rows)
    # ... under the changed settings, which the shipped ones do not give
    assert _points_rule(cli_rows, driver)["grade"] == "B"
    assert _points_rule(shipped_rows, driver)["grade"] != "B"
    assert _points_rule(cli_rows, driver)["points"] == _points_rule(shipped_rows, driver)["points"]
    assert _green(cli_rows, employer) and not _green(shipped_rows, employer)
    assert not cli_rows.equals(shipped_rows)
