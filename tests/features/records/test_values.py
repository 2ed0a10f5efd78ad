"""Every coded value the store can hold has a label in both languages."""

from __future__ import annotations

import pytest

from features.records import schema
from features.records.kinds import KINDS
from features.records.values import (
    COLUMN_VALUES,
    KIND_VALUES,
    OBJECTION_STATUSES,
    REPAIR_STATUSES,
    SUBJECT_STATUSES,
    kind_value_label,
    value_label,
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
