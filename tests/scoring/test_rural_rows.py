"""Where a household's, village's and township's rows are in a rural result
(scoring/rural_rows.py): the rows a text match of every row finds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.rural_rows import RowIndex


def _frame(n: int = 500, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = sorted({f"5303{rng.integers(10**13, 10**14)}" for _ in range(n)})
    villages = rng.choice([f"V{i:03d}" for i in range(20)] + [None], len(ids))
    return pd.DataFrame(
        {
            "subject_id": pd.array(ids, dtype="str"),
            "village_code": pd.array(villages, dtype="str"),
            "township_code": pd.array([None if v is None else v[:3] for v in villages], "str"),
        }
    )


def test_positions_are_those_a_match_of_every_row_finds() -> None:
    frame = _frame()
    index = RowIndex(frame).prime()
    ids = list(frame["subject_id"].iloc[[3, 40, 41, 499 if len(frame) > 499 else -1]])
    wanted = [*ids, "not-a-household", ids[0]]
    expected = np.flatnonzero(frame["subject_id"].isin(wanted).to_numpy())
    np.testing.assert_array_equal(index.of_subjects(wanted), expected)
    for column, codes in (
        ("village_code", {"V001", "V007", "nowhere"}),
        ("township_code", {"V00"}),
    ):
        expected = np.flatnonzero(frame[column].isin(list(codes)).to_numpy())
        np.testing.assert_array_equal(index.of(column, codes), expected)
    assert len(index.of("village_code", ["nowhere"])) == 0 and len(index.of_subjects([])) == 0


def test_a_frame_not_sorted_by_subject_is_matched_row_by_row() -> None:
    frame = _frame().iloc[::-1].reset_index(drop=True)
    ids = list(frame["subject_id"].iloc[[0, 10, 77]])
    np.testing.assert_array_equal(
        RowIndex(frame).of_subjects(ids), np.flatnonzero(frame["subject_id"].isin(ids))
    )


def test_the_index_holds_only_while_no_household_moves() -> None:
    frame = _frame()
    index = RowIndex(frame)
    before = frame.iloc[[5, 9]]
    assert index.still_holds(frame, before.copy(), before)
    moved = before.assign(village_code="V999")
    assert not index.still_holds(frame, moved, before)
    assert not index.still_holds(frame.iloc[1:], before.copy(), before)  # one left
