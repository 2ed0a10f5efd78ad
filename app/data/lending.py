"""信易贷: the search, an uploaded applicants file read, a decision's items in words.

Decisions come from :mod:`scoring.lending_decision` (:func:`lending_decisions`,
:func:`applicant_decisions`) on the SME ratings in force on the date, exactly as
``xinping lending`` gives them; the SME's rating is the rating in force
(:func:`scoring.history.ratings_on`).
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from features.store.base import Store
from features.subjects import current_subjects_sql
from scoring.history import decode

#: columns an applicants file may name the SMEs by (first found wins; an English page asks
#: for a USCC column)
ID_COLUMNS = ("subject_id", "统一社会信用代码", "USCC")
SEARCH_LIMIT = 50


def search_smes(store: Store, text: str, limit: int = SEARCH_LIMIT) -> pd.DataFrame:
    """Enterprises whose name contains ``text`` or whose USCC starts with it (6+ characters).

    Rated SMEs come first.
    """
    text = text.strip()
    if not text:
        return pd.DataFrame(columns=["subject_id", "name", "rated"])
    code = text.upper()
    by_code = "OR s.subject_id LIKE ?" if len(code) >= 6 else ""
    params: list[Any] = [f"%{text}%"] + ([code + "%"] if by_code else [])
    current = current_subjects_sql("enterprise", ("subject_id", "name"))
    return store.query(
        f"""
        SELECT DISTINCT s.subject_id, s.name,
               s.subject_id IN (SELECT subject_id FROM ratings WHERE scheme = 'sme') AS rated
        FROM ({current}) s WHERE (s.name LIKE ? {by_code})
        ORDER BY s.subject_id = ? DESC, rated DESC, s.name LIMIT {int(limit)}""",
        [*params, code],
    )


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


class ApplicantsError(ValueError):
    """The uploaded applicants file cannot be read."""


def read_applicants(content: bytes) -> list[str]:
    """The SME IDs of an uploaded CSV (column ``subject_id`` or ``统一社会信用代码``).

    Empty cells stay as empty strings so every row of the file gets a result.

    Raises
    ------
    ApplicantsError
        When the file is not a CSV or has neither column.
    """
    try:
        frame = pd.read_csv(
            io.BytesIO(content), dtype=str, encoding="utf-8-sig", keep_default_na=False
        )
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        # no columns to name: the page says the file cannot be read at all
        raise ApplicantsError("") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    column = next((c for c in ID_COLUMNS if c in frame.columns), None)
    if column is None:
        raise ApplicantsError(", ".join(frame.columns))
    return [str(v).strip().upper() for v in frame[column]]
