"""名单 on the pages: memberships, the measures that apply, the list trail, a person's reach,
and the supervisor's class table — frames with the pages' column names.

Every read is :mod:`scoring.list_view` (the credit check's state and matching, the
catalogue in force, the shared list reads); this module only names columns and
counts for the grid. Personal IDs are masked unless ``masked`` is False.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import pandas as pd

from scoring.check_state import CheckConfig
from scoring.list_view import (
    Standing,
    class_measures,
    measure_rows,
    membership_rows,
    person_reach_rows,
    trail_rows,
)
from scoring.lists import LIST_LABELS, ListsConfig, ListState
from scoring.measures.catalogue import Catalogue

DASH = "—"
#: the display rows' keys → the pages' column names (``col.<name>`` headers)
MEMBER_COLUMNS = {
    "list": "list_name",
    "status": "list_status",
    "basis": "list_basis",
    "entered_on": "entered_on",
    "expires_on": "expires_on",
    "evidence": "list_evidence",
    "persons": "list_persons",
}
#: the basis (a long document title) last: what and why are read first at 1440 px
MEASURE_COLUMNS = {
    "measure": "measure",
    "type": "measure_type",
    "force": "measure_force",
    "triggers": "measure_triggers",
    "duration": "measure_duration",
    "basis": "measure_basis",
}
TRAIL_COLUMNS = {
    "effective_on": "effective_on",
    "list": "list_name",
    "event": "list_event",
    "basis": "list_basis",
    "expires_on": "expires_on",
    "reason": "list_reason",
    "persons": "list_persons",
    "listing_id": "listing_id",
}
REACH_COLUMNS = {
    "firm": "firm",
    "firm_id": "firm_id",
    "role": "reach_role",
    "through": "reach_through",
    "measures": "reach_measures",
}


def catalogue_text(version: str, lang: str = "zh") -> str:
    """The catalogue version as a person reads it: ``MV-0003``, or the shipped catalogue."""
    if version.startswith("shipped"):
        return "系统预置措施清单" if lang == "zh" else "the shipped catalogue"
    return version


def _frame(rows: list[dict[str, str]], names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=list(names)).rename(columns=names)


def memberships(s: Standing, lang: str = "zh", masked: bool = True) -> pd.DataFrame:
    """The subject's listings in force (or suspended) and 失信被执行人 / 经营异常名录 records
    in force, with entry date, basis, expiry, evidence and the persons named."""
    return _frame(membership_rows(s, lang, masked), MEMBER_COLUMNS)


def measures(s: Standing, lang: str = "zh") -> pd.DataFrame:
    """The measures of the standing's matter that apply (punishments first, mandatory first)."""
    return _frame(measure_rows(s.measures, lang), MEASURE_COLUMNS)


def trail(store, subject_id: str, lang: str = "zh", masked: bool = True) -> pd.DataFrame:
    """The whole list trail, newest first (entries, suspensions, exits, revocations)."""
    return _frame(trail_rows(store, subject_id, lang, masked), TRAIL_COLUMNS).iloc[::-1]


def reach(
    store, person_id: str, on: dt.date, lists: ListsConfig, checks: CheckConfig, lang: str = "zh"
) -> pd.DataFrame:
    """The firms whose serious listing names the person, and the measures reaching it."""
    return _frame(person_reach_rows(store, person_id, on, lists, checks, lang), REACH_COLUMNS)


def lists_text(states: Mapping[str, ListState] | None, lang: str = "zh") -> str:
    """A subject's lists in a few words: ``黑名单、重点关注名单`` (``—`` for none); a listing
    under an objection's verification says so (暂停)."""
    if not states:
        return DASH
    parts = []
    for key, s in states.items():
        if not s.member:
            continue
        name = LIST_LABELS[key][0 if lang == "zh" else 1].split("（")[0].split(" (")[0]
        if s.suspended:
            name += "（暂停）" if lang == "zh" else " (suspended)"
        parts.append(name)
    return ("、" if lang == "zh" else ", ").join(parts) or DASH


def lists_column(
    ids: Iterable[str], members: Mapping[str, Mapping[str, ListState]], lang: str = "zh"
) -> list[str]:
    """:func:`lists_text` for each subject of ``ids``."""
    return [lists_text(members.get(i), lang) for i in ids]


def class_list_counts(
    frame: pd.DataFrame, members: Mapping[str, Mapping[str, ListState]], classes: Iterable[str]
) -> pd.DataFrame:
    """Firms per class and how many of them are on the red, black and watch lists:
    ``credit_class, firms, on_red, on_black, on_watch`` (a class with no firm: zeros)."""
    rows = []
    for c in classes:
        ids = frame.loc[frame["credit_class"] == c, "subject_id"]
        row = {"credit_class": c, "firms": len(ids)}
        for key in LIST_LABELS:
            row[f"on_{key}"] = sum(1 for i in ids if i in members and members[i][key].member)
        rows.append(row)
    return pd.DataFrame(rows, columns=["credit_class", "firms", *(f"on_{k}" for k in LIST_LABELS)])


def supervision_measures(catalogue: Catalogue, classes: tuple[str, ...], lang: str) -> pd.DataFrame:
    """Beside each class the ``supervision`` measures of the catalogue in force, then those
    that lists, tiers or records trigger whatever the class (class ``*``)."""
    return class_measures(catalogue, classes, lang).rename(
        columns={k: v for k, v in MEASURE_COLUMNS.items() if k != "measure"}
    )
