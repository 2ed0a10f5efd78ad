"""Accepted spellings of coded values (features/records/spellings.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from features.records.kinds import KINDS
from features.records.spellings import (
    canonical_codes,
    canonical_kind_values,
    choices_text,
    coded_columns,
)
from features.records.values import KIND_VALUES, SEVERITIES


@pytest.mark.parametrize(("table", "column"), list(coded_columns()))
def test_every_label_spells_exactly_one_code(table, column) -> None:
    labels = coded_columns()[(table, column)]
    codes = list(labels)
    # the code, the Chinese label and the English label all give the code
    for spelling_of in (lambda c: c, lambda c: labels[c][0], lambda c: labels[c][1]):
        got = canonical_codes(pd.Series([spelling_of(c) for c in codes]), table, column)
        assert got.tolist() == codes


@pytest.mark.parametrize("kind", list(KIND_VALUES))
def test_every_kind_value_label_spells_its_code(kind) -> None:
    labels = KIND_VALUES[kind]
    assert set(KINDS[kind].values) <= set(labels)  # every declared value has its words
    values = pd.Series([zh for zh, _ in labels.values()])
    got = canonical_kind_values(values, pd.Series([kind] * len(values)))
    assert got.tolist() == list(labels)


def test_unknown_and_empty_values_are_left_as_written() -> None:
    values = pd.Series(["", "较重", "一般", " 严重 ", "Serious"])
    got = canonical_codes(values, "records", "severity")
    assert got.tolist() == ["", "较重", "general", "serious", "serious"]
    assert canonical_codes(values, "records", "detail") is values  # not a coded column
    # a kind's value is only read in that kind: 食品 is no court judgment's value
    got = canonical_kind_values(
        pd.Series(["食品", "食品", "其他"]),
        pd.Series(["administrative_penalty", "court_judgment", "court_judgment"]),
    )
    assert got.tolist() == ["food", "食品", "其他"]


def test_choices_are_listed_in_both_languages() -> None:
    assert choices_text(SEVERITIES) == (
        "轻微、一般、严重",
        "minor=轻微, general=一般, serious=严重",
    )
    assert choices_text(SEVERITIES, ("serious",)) == ("严重", "serious=严重")


def test_every_domain_of_the_catalogue_has_words() -> None:
    from features.records.validate import domains
    from features.records.values import DOMAINS

    assert set(domains()) == set(DOMAINS)
    got = canonical_codes(pd.Series(["市场监管", "rural", "税务"]), "records", "domain")
    assert got.tolist() == ["supervision", "rural", "tax"]
