"""信易贷: an SME's decision (knock-outs, line, rate tier), its reasons, applicants in bulk.

Decisions come from :func:`scoring.lending_decision.lending_decisions` on the
SME ratings in force on the date, exactly as ``xinping lending`` gives them.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd

from features.compile import BuildConfig
from features.store.base import Store
from features.subjects import current_subjects_sql
from scoring.history import as_date, decode, ratings_on
from scoring.lending_decision import lending_decisions
from scoring.policies.lending import LendingConfig

#: columns an applicants file may name the SMEs by (first found wins)
ID_COLUMNS = ("subject_id", "统一社会信用代码")
SEARCH_LIMIT = 50


def latest_date(store: Store) -> dt.date | None:
    """The latest as-of date of the SME ratings (``None`` when none)."""
    value = store.scalar("SELECT max(as_of) FROM ratings WHERE scheme = 'sme'")
    return None if value is None else as_date(value)


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
    return store.query(f"""
        SELECT DISTINCT s.subject_id, s.name,
               s.subject_id IN (SELECT subject_id FROM ratings WHERE scheme = 'sme') AS rated
        FROM ({current}) s WHERE (s.name LIKE ? {by_code})
        ORDER BY s.subject_id = ? DESC, rated DESC, s.name LIMIT {int(limit)}""",
                       [*params, code])


def sme_rating(store: Store, subject_id: str, on: dt.date) -> pd.Series | None:
    """The SME rating in force on ``on`` (:func:`scoring.history.ratings_on`: latest as-of
    date not after it; none once the firm is closed), or ``None``."""
    rows = ratings_on(store, "sme", on, [subject_id])
    return None if rows.empty else rows.iloc[0]


def decisions(store: Store, on: dt.date, subject_ids: list[str], cfg: LendingConfig,
              build: BuildConfig) -> pd.DataFrame:
    """The 信易贷 decision of each rated SME of ``subject_ids`` on ``on``."""
    return lending_decisions(store, on, cfg, subject_ids, build)


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
        frame = pd.read_csv(io.BytesIO(content), dtype=str, encoding="utf-8-sig",
                            keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ApplicantsError(str(exc)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    column = next((c for c in ID_COLUMNS if c in frame.columns), None)
    if column is None:
        raise ApplicantsError(", ".join(frame.columns))
    return [str(v).strip().upper() for v in frame[column]]


def applicant_decisions(store: Store, on: dt.date, ids: list[str], cfg: LendingConfig,
                        build: BuildConfig) -> pd.DataFrame:
    """One row per uploaded applicant, in file order, with its decision or why there is none.

    Returns
    -------
    DataFrame
        ``row_number`` (1 = first data row), ``subject_id``, ``name``, ``status``
        (``ok``, ``empty``, ``unknown`` subject, ``unrated`` as an SME on
        ``on``), ``grade``, ``decision_zh``, ``credit_line``, ``rate_tier_zh``,
        ``rate_tier_en``, ``reasons_zh``, ``reasons_en`` (knock-outs or why
        no line).
    """
    wanted = sorted({i for i in ids if i})
    frames = {"_xp_ids": pd.DataFrame({"subject_id": wanted or [""]}, dtype=object)}
    current = current_subjects_sql(columns=("subject_id", "name"))
    names = store.query(f"""SELECT subject_id, name FROM ({current}) s
                           WHERE subject_id IN (SELECT subject_id FROM _xp_ids)""",
                        frames=frames)
    name_of = dict(zip(names["subject_id"], names["name"], strict=True))
    known = [i for i in wanted if i in name_of]
    done = (decisions(store, on, known, cfg, build) if known
            else pd.DataFrame(columns=["subject_id"]))
    by_id = done.set_index("subject_id") if not done.empty else None
    rows = []
    for n, sid in enumerate(ids, start=1):
        row: dict[str, Any] = {"row_number": n, "subject_id": sid, "name": name_of.get(sid)}
        if not sid:
            row["status"] = "empty"
        elif sid not in name_of:
            row["status"] = "unknown"
        elif by_id is None or sid not in by_id.index:
            row["status"] = "unrated"
        else:
            d = by_id.loc[sid]
            why = decode(d["decline_reasons"]) or []
            row.update(status="ok", grade=d["grade"], decision_zh=d["decision_zh"],
                       decision=d["decision"], credit_line=float(d["credit_line"]),
                       rate_tier_zh=d["rate_tier_zh"], rate_tier_en=d["rate_tier_en"],
                       reasons_zh="；".join(w["reason_zh"] for w in why),
                       reasons_en="; ".join(w["reason_en"] for w in why))
        rows.append(row)
    cols = ["row_number", "subject_id", "name", "status", "grade", "decision", "decision_zh",
            "credit_line", "rate_tier_zh", "rate_tier_en", "reasons_zh", "reasons_en"]
    return pd.DataFrame(rows).reindex(columns=cols)

