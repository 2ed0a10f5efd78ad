"""Policy overrides: caps on the grade, worst wins, every applicable reason kept."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from models.overrides import Override, apply_overrides, overrides_json, parse_overrides
from models.rating import load_scale

GRADES = ("A", "B", "C", "D")
SERIOUS = Override("serious", ">", 0, "D", "严重违法失信", "serious violation")
DISHONEST = Override("dishonest", ">", 0, "C", "失信被执行人", "dishonest debtor")
TAX_D = Override("tax_level", "==", "D", "C", "纳税D级", "tax level D")
RULES = (SERIOUS, DISHONEST, TAX_D)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "serious": [0.0, 0.0, 1.0, 1.0, np.nan, 0.0, 0.0],
            "dishonest": [0.0, 2.0, 1.0, 0.0, np.nan, np.nan, 1.0],
            "tax_level": pd.Series(["A", "B", "D", "A", None, "D", "B"], dtype="str"),
        }
    )


def test_overrides_cap_grades_and_keep_reasons_per_row() -> None:
    model = np.array(["A", "A", "B", "A", "A", "B", "D"], dtype=object)
    final, applied = apply_overrides(model, _frame(), RULES, GRADES)
    assert list(final) == ["A", "C", "D", "D", "A", "C", "D"]
    assert applied == [
        [],
        [DISHONEST],  # capped at C
        [SERIOUS, DISHONEST, TAX_D],  # worst wins: D; every reason reported, in rule order
        [SERIOUS],
        [],  # all missing: nothing applies
        [TAX_D],
        [DISHONEST],  # already D: not improved, reason still reported
    ]
    assert len(applied) == len(model)


def test_overrides_never_improve_a_grade() -> None:
    frame = _frame()
    rng = np.random.default_rng(0)
    for _ in range(20):
        model = rng.choice(GRADES, len(frame))
        final, _ = apply_overrides(model, frame, RULES, GRADES)
        rank = {g: i for i, g in enumerate(GRADES)}
        assert all(rank[f] >= rank[m] for f, m in zip(final, model, strict=True))


def test_worst_wins_whatever_the_rule_order() -> None:
    frame = _frame().iloc[[2]]
    for rules in (RULES, RULES[::-1], (DISHONEST, SERIOUS)):
        final, applied = apply_overrides(np.array(["A"]), frame, rules, GRADES)
        assert list(final) == ["D"]
        assert {r.indicator for r in applied[0]} >= {"serious", "dishonest"}


@pytest.mark.parametrize("op", [">", ">=", "<", "<=", "==", "!="])
def test_missing_values_never_match(op: str) -> None:
    frame = pd.DataFrame(
        {
            "x": [np.nan, np.nan],
            "n": pd.array([None, None], dtype="Int64"),
            "s": pd.Series([None, None], dtype="str"),
            "o": pd.Series([None, np.nan], dtype=object),
        }
    )
    for col, value in (("x", 0), ("n", 0), ("s", "D"), ("o", "D")):
        if op in ("==", "!=") or col in ("x", "n"):
            rule = Override(col, op, value, "D", "r", "r")
            assert not rule.applies(frame).any(), (col, op)
            final, applied = apply_overrides(np.array(["A", "B"]), frame, [rule], GRADES)
            assert list(final) == ["A", "B"] and applied == [[], []]


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        (">", [False, False, True]),
        (">=", [False, True, True]),
        ("<", [True, False, False]),
        ("<=", [True, True, False]),
        ("==", [False, True, False]),
        ("!=", [True, False, True]),
    ],
)
def test_operators(op: str, expected: list[bool]) -> None:
    frame = pd.DataFrame({"v": [0.0, 1.0, 2.0]})
    assert list(Override("v", op, 1, "C", "r", "r").applies(frame)) == expected


def test_unknown_indicator_is_an_error() -> None:
    with pytest.raises(KeyError, match="no_such"):
        Override("no_such", ">", 0, "D", "r", "r").applies(_frame())


def test_no_overrides_keep_the_model_grade() -> None:
    model = np.array(["B", "D", "A"], dtype=object)
    final, applied = apply_overrides(model, _frame().head(3), (), GRADES)
    assert list(final) == list(model) and applied == [[], [], []]


def _item(**over) -> dict:
    item = {
        "when": {"indicator": "x", "op": ">", "value": 0},
        "grade": "C",
        "reason_zh": "原因",
        "reason_en": "reason",
    }
    item.update(over)
    return item


def test_parse_overrides() -> None:
    (rule,) = parse_overrides([_item()], GRADES, "here.toml")
    assert rule == Override("x", ">", 0, "C", "原因", "reason")


@pytest.mark.parametrize(
    ("item", "match"),
    [
        (_item(grade="E"), "unknown grade 'E'"),
        (_item(when={"indicator": "x", "op": "in", "value": 0}), "op"),
        (_item(when={"indicator": "x", "op": ">"}), "indicator, op"),
        ({k: v for k, v in _item().items() if k != "reason_en"}, "needs exactly"),
        (_item(extra=1), "needs exactly"),
    ],
    ids=["grade", "op", "no value", "no reason", "extra key"],
)
def test_parse_overrides_rejects(item: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match) as err:
        parse_overrides([item], GRADES, "here.toml")
    assert "here.toml" in str(err.value)


def test_shipped_sme_overrides_apply_to_an_indicator_frame() -> None:
    scale = load_scale("sme")
    frame = pd.DataFrame(
        {
            "serious_list_now": [0, 1, 0, np.nan],
            "dishonest_now": [0, 0, 1, np.nan],
            "tax_level": pd.Series(["A", "B", "D", None], dtype="str"),
        }
    )
    final, applied = apply_overrides(np.array(["AAA"] * 4), frame, scale.overrides, scale.keys)
    assert final[0] == "AAA" and final[3] == "AAA"
    assert final[1] == "C"
    assert final[2] == "CCC"
    assert [len(a) for a in applied] == [0, 1, 2, 0]


def test_overrides_json_lists_each_rows_rules_in_order() -> None:
    _, applied = apply_overrides(
        np.array(["A", "A", "B", "A", "A", "B", "D"], dtype=object), _frame(), RULES, GRADES
    )
    texts = overrides_json(applied)
    assert len(texts) == len(applied)
    for text, rules in zip(texts, applied, strict=True):
        assert json.loads(text) == [
            {
                "grade": r.grade,
                "indicator": r.indicator,
                "reason_zh": r.reason_zh,
                "reason_en": r.reason_en,
            }
            for r in rules
        ]
    assert texts[0] == texts[4] == "[]"
    assert "失信被执行人" in texts[1]  # Chinese as it is, not escaped
    assert texts[1] == texts[6] != texts[3]  # one set of rules, one text
