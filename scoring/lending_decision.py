"""信易贷 decisions from the SME ratings and the supervision classes in force on a date.

The use cases behind ``xinping lending`` and the 信易贷 page: the decisions of
rated SMEs (:func:`lending_decisions`) and of a list of applicants, row by row
(:func:`applicant_decisions`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from features.build import build_features
from features.compile import BuildConfig
from features.store.base import Store
from features.subjects import current_subjects_sql
from scoring.history import decode, ratings_on
from scoring.policies.lending import LendingConfig, decide, lending_frame


def lending_decisions(
    store: Store,
    on: dt.date,
    cfg: LendingConfig,
    build: BuildConfig,
    subject_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Decision, knock-outs, credit line and rate tier of rated SMEs on ``on``.

    The use case behind ``xinping lending`` and the 信易贷 page.

    Parameters
    ----------
    store
        The store holding ratings and records.
    on
        The date: each SME's rating and supervision class in force then
        (:func:`scoring.history.ratings_on`), and its indicators (tax paid in
        12 months…) as of that date.
    cfg
        The 信易贷 policy in force (settings ``[lending]``).
    build
        The indicator build in force (publication windows, severity weights).
    subject_ids
        Only these SMEs (default: every rated SME).
    """
    ids = None if subject_ids is None else list(dict.fromkeys(subject_ids))
    ratings = ratings_on(store, "sme", on, ids)
    enterprise = ratings_on(store, "enterprise", on, ids)
    if ratings.empty:
        return decide(
            lending_frame(ratings, build_features(store, "sme", on, cfg=build, subjects=[])), cfg
        )
    features = build_features(
        store, "sme", on, cfg=build, subjects=ratings["subject_id"].tolist() if ids else None
    )
    frame = lending_frame(ratings, features, enterprise[["subject_id", "final_grade"]])
    return decide(frame, cfg)


def applicant_decisions(
    store: Store, on: dt.date, ids: Sequence[str], cfg: LendingConfig, build: BuildConfig
) -> pd.DataFrame:
    """One row per applicant, in the given order, with its decision or why there is none.

    Parameters
    ----------
    store, on, cfg, build
        As :func:`lending_decisions`.
    ids
        The applicants' USCCs as given (an uploaded file's rows, the command
        line's arguments); an empty string is an empty row.

    Returns
    -------
    DataFrame
        ``row_number`` (1 = the first applicant), ``subject_id``, ``name``,
        ``status`` (``ok``, ``empty``, ``unknown`` subject, ``unrated`` as an SME
        on ``on``), ``grade``, ``decision``, ``decision_zh``, ``credit_line``,
        ``rate_tier_zh``, ``rate_tier_en``, ``reasons_zh``, ``reasons_en``
        (knock-outs or why no line).
    """
    wanted = sorted({i for i in ids if i})
    frames = {"_xp_ids": pd.DataFrame({"subject_id": wanted or [""]}, dtype=object)}
    current = current_subjects_sql(columns=("subject_id", "name"))
    names = store.query(
        f"""SELECT subject_id, name FROM ({current}) s
                            WHERE subject_id IN (SELECT subject_id FROM _xp_ids)""",
        frames=frames,
    )
    name_of = dict(zip(names["subject_id"], names["name"], strict=True))
    known = [i for i in wanted if i in name_of]
    done = (
        lending_decisions(store, on, cfg, build, known)
        if known
        else pd.DataFrame(columns=["subject_id"])
    )
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
            row.update(
                status="ok",
                grade=d["grade"],
                decision_zh=d["decision_zh"],
                decision=d["decision"],
                credit_line=float(d["credit_line"]),
                rate_tier_zh=d["rate_tier_zh"],
                rate_tier_en=d["rate_tier_en"],
                reasons_zh="；".join(w["reason_zh"] for w in why),
                reasons_en="; ".join(w["reason_en"] for w in why),
            )
        rows.append(row)
    cols = [
        "row_number",
        "subject_id",
        "name",
        "status",
        "grade",
        "decision",
        "decision_zh",
        "credit_line",
        "rate_tier_zh",
        "rate_tier_en",
        "reasons_zh",
        "reasons_en",
    ]
    return pd.DataFrame(rows).reindex(columns=cols)
