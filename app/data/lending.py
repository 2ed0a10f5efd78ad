"""信易贷: the search, an uploaded applicants file read, a decision's items in words.

Decisions come from :mod:`scoring.lending_decision` (:func:`lending_decisions`,
:func:`applicant_decisions`) on the SME ratings in force on the date, exactly as
``xinping lending`` gives them; the SME's rating is the rating in force
(:func:`scoring.history.ratings_on`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from features.store.base import Store
from features.subjects import search_subjects
from scoring.history import decode

SEARCH_LIMIT = 50


def search_smes(store: Store, text: str, limit: int = SEARCH_LIMIT) -> pd.DataFrame:
    """Enterprises whose name contains ``text`` or whose USCC starts with it (6+ characters),
    rated SMEs first: :func:`features.subjects.search_subjects`."""
    hits = search_subjects(store, text, subject_type="enterprise", rated_scheme="sme", limit=limit)
    return hits[["subject_id", "name", "rated"]]


def decision_items(row: pd.Series, lang: str) -> tuple[list[str], list[str]]:
    """The knock-outs and the decline reasons of one decision, in words."""
    key = "reason_zh" if lang == "zh" else "reason_en"
    knockouts = [k[key] for k in decode(row["knockouts"]) or []]
    declines = [d[key] for d in decode(row["decline_reasons"]) or []]
    return knockouts, declines


def reasons(row: pd.Series) -> dict[str, Any]:
    """The rating's reasons JSON as a dict (``raise`` and ``lower`` always present)."""
    data = decode(row.get("reasons")) or {}
    data.setdefault("raise", [])
    data.setdefault("lower", [])
    return data
