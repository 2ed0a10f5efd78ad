"""The steward's editor text: a catalogue written as TOML reads back as the same catalogue."""

from __future__ import annotations

import dataclasses

from scoring.measures.checks import parse_text, shipped_catalogue
from scoring.measures.toml_text import catalogue_toml


def test_the_shipped_catalogue_round_trips_through_its_toml_text() -> None:
    cat = shipped_catalogue()
    again = parse_text(catalogue_toml(cat), "editor.toml")
    assert again == cat and again.sha256() == cat.sha256()


def test_quotes_backslashes_and_new_lines_survive() -> None:
    cat = shipped_catalogue()
    first = cat.measures[0]
    odd = dataclasses.replace(first, name_zh='“引号” "quoted" \\ 反斜杠\n第二行', note_en="a\tb")
    cat = dataclasses.replace(cat, measures=(odd, *cat.measures[1:]))
    assert parse_text(catalogue_toml(cat), "editor.toml") == cat
