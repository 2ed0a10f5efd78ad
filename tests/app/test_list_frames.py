"""The supervisor's class table and the lists column (app/data/lists.py): counts per class
of the firms on each list, and a firm's lists in words (a suspended listing says so)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from app.data.lists import class_list_counts, lists_column, lists_text
from scoring.lists import ListState

DAY = dt.date(2026, 6, 1)


def _states(**on: str) -> dict[str, ListState]:
    """A subject's lists: ``black="in"`` a member, ``"suspended"`` under verification."""
    return {
        key: ListState(key, key in on, on.get(key) == "suspended", DAY if key in on else None,
                       None, ())
        for key in ("red", "black", "watch")
    }  # fmt: skip


def test_the_class_table_counts_the_members_of_each_list_per_class() -> None:
    frame = pd.DataFrame(
        {"subject_id": ["a", "b", "c", "d", "e"], "credit_class": ["A", "A", "C", "D", "D"]}
    )
    members = {
        "a": _states(red="in"),
        "c": _states(watch="in"),
        "d": _states(black="in", watch="in"),
        "e": _states(black="suspended"),
        "z": _states(black="in"),  # not classified: not counted
    }
    counts = class_list_counts(frame, members, ("A", "B", "C", "D")).set_index("credit_class")
    assert counts.loc["A"].tolist() == [2, 1, 0, 0]
    assert counts.loc["B"].tolist() == [0, 0, 0, 0]
    assert counts.loc["C"].tolist() == [1, 0, 0, 1]
    assert counts.loc["D"].tolist() == [2, 0, 2, 1]  # a suspended listing is still a listing


def test_a_firms_lists_in_words() -> None:
    members = {"d": _states(black="in", watch="in"), "e": _states(black="suspended")}
    assert lists_column(["d", "e", "x"], members) == ["黑名单、重点关注名单", "黑名单（暂停）", "—"]
    assert lists_text(members["d"], "en") == "black list, watch list"
    assert lists_text(_states(), "zh") == "—"
