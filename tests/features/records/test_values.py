"""Every coded value the store can hold has a label in both languages."""

from __future__ import annotations

import pytest

from features.records import schema
from features.records.kinds import KINDS
from features.records.values import (
    COLUMN_VALUES,
    FILE_FORMATS,
    INGEST_TABLES,
    KIND_VALUES,
    OBJECTION_STATUSES,
    REPAIR_STATUSES,
    SOURCES,
    SUBJECT_STATUSES,
    kind_value_label,
    value_label,
    value_num_unit,
)


@pytest.mark.parametrize("key", [k for k, spec in KINDS.items() if spec.values])
def test_every_kind_value_has_labels(key: str) -> None:
    missing = set(KINDS[key].values) - set(KIND_VALUES.get(key, {}))
    assert not missing, f"{key}: no label for {sorted(missing)}"


@pytest.mark.parametrize(
    ("labels", "codes"),
    [
        (COLUMN_VALUES["industry"], schema.INDUSTRY_SECTIONS),
        (COLUMN_VALUES["scale"], schema.SCALES),
        (COLUMN_VALUES["licence_class"], schema.LICENCE_CLASSES),
        (COLUMN_VALUES["subject_type"], schema.SUBJECT_TYPES),
        (COLUMN_VALUES["severity"], schema.SEVERITIES),
        (COLUMN_VALUES["polarity"], schema.POLARITIES),
        (SUBJECT_STATUSES, schema.SUBJECT_STATUSES),
        (OBJECTION_STATUSES, schema.OBJECTION_STATUSES),
        (REPAIR_STATUSES, schema.REPAIR_STATUSES),
    ],
)
def test_every_column_code_has_labels(labels, codes) -> None:
    assert set(codes) == set(labels)
    for zh, en in labels.values():
        assert zh and en
        assert any("\u4e00" <= c <= "\u9fff" for c in zh), zh  # Chinese, not the code


def test_labels_read_as_people_do() -> None:
    assert value_label(COLUMN_VALUES["scale"], "small") == "小型"
    assert value_label(COLUMN_VALUES["industry"], "I", "zh") == "信息传输、软件和信息技术服务业"
    assert kind_value_label("environmental_rating", "black", "en").startswith("black")
    assert value_label(COLUMN_VALUES["scale"], "giant") == "giant"  # unknown: shown, not hidden
    assert value_label(COLUMN_VALUES["scale"], None) == ""


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def test_every_value_text_the_city_holds_reads_as_words(tiny_city) -> None:
    """A ``value_text`` is either a labelled code or already free Chinese text (a licence's
    name, a subsidy's name): nothing a page shows stays an English code."""
    seen = tiny_city.query(
        "SELECT DISTINCT kind, value_text FROM records WHERE value_text IS NOT NULL"
    )
    raw = sorted(
        {
            (k, v)
            for k, v in zip(seen["kind"], seen["value_text"], strict=True)
            if not _has_chinese(kind_value_label(k, v, "zh"))
        }
    )
    assert not raw, f"value_text codes without a label in KIND_VALUES: {raw}"


@pytest.mark.parametrize("key", [k for k, spec in KINDS.items() if spec.value_num_unit])
def test_every_measured_kind_has_a_unit_in_both_languages(key: str) -> None:
    zh = value_num_unit(key, KINDS[key].values[0] if KINDS[key].values else None, "zh")
    en = value_num_unit(key, KINDS[key].values[0] if KINDS[key].values else None, "en")
    assert zh and en, key
    assert zh == "%" or _has_chinese(zh), zh


def test_utility_units_follow_the_utility() -> None:
    assert value_num_unit("utility_consumption", "electricity", "zh") == "千瓦时"
    assert value_num_unit("utility_consumption", "water", "en") == "t"
    assert value_num_unit("tax_paid") == ""


@pytest.mark.parametrize("labels", [INGEST_TABLES, FILE_FORMATS, SOURCES])
def test_ingest_log_codes_have_labels(labels) -> None:
    for zh, en in labels.values():
        assert zh and en
