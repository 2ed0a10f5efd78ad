"""总览: grade distributions by scheme, region and industry, and movements between dates.

Distributions come from the ``ratings`` table: only batch rows count (event
re-ratings carry a ``cause`` and rate a few subjects on odd days). Movements are
:func:`scoring.history.migration` (the current rating of each date).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandas as pd

from features.store.base import Store
from features.subjects import current_subjects_sql
from models.rating import load_scale
from scoring.history import migration

BATCH = "json_extract(reasons, '$.cause') IS NULL"


@lru_cache(maxsize=16)
def grade_order(scheme: str) -> tuple[str, ...]:
    """A scheme's grades, best first (from its scale file)."""
    try:
        return load_scale(scheme).keys
    except FileNotFoundError:
        return ()


def grade_label(scheme: str, grade: str, lang: str) -> str:
    """The grade's label from the scheme's scale (the key itself when unknown)."""
    try:
        return load_scale(scheme).label(grade, lang)
    except (FileNotFoundError, KeyError, ValueError):
        return grade


def batch_dates(store: Store, scheme: str | None = None) -> list[dt.date]:
    """As-of dates with a batch of ratings (newest first), for one scheme or any."""
    cond, params = ("AND scheme = ?", [scheme]) if scheme else ("", [])
    frame = store.query(f"SELECT DISTINCT as_of FROM ratings WHERE {BATCH} {cond} "
                        "ORDER BY as_of DESC", params)
    return [pd.Timestamp(d).date() for d in frame["as_of"]]


def batch_ratings(store: Store, as_of: dt.date, scheme: str | None = None) -> pd.DataFrame:
    """Each subject's latest batch rating at ``as_of`` with its region and industry."""
    cond, params = ("AND scheme = ?", [as_of, scheme]) if scheme else ("", [as_of])
    return store.query(f"""
        SELECT r.subject_id, r.scheme, r.as_of, r.final_grade, r.pd, r.score,
               s.region_code, s.industry, s.subject_type
        FROM (SELECT *, row_number() OVER (PARTITION BY scheme, subject_id
                                           ORDER BY scored_at DESC) AS rn
              FROM ratings WHERE as_of = ? AND {BATCH} {cond}) r
        LEFT JOIN ({current_subjects_sql()}) s USING (subject_id)
        WHERE r.rn = 1""", params)


def distribution(ratings: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Counts and shares of each grade per scheme (and per ``by`` group).

    Returns
    -------
    DataFrame
        ``scheme, [by,] final_grade, n, share, order`` where ``order`` is the
        grade's rank in its scale (0 = best).
    """
    keys = ["scheme", *([by] if by else []), "final_grade"]
    frame = ratings.assign(**({by: ratings[by].fillna("—")} if by else {}))
    out = frame.groupby(keys, dropna=False).size().rename("n").reset_index()
    group = ["scheme", *([by] if by else [])]
    out["share"] = out["n"] / out.groupby(group)["n"].transform("sum")
    out["order"] = [grade_order(s).index(g) if g in grade_order(s) else 99
                    for s, g in zip(out["scheme"], out["final_grade"], strict=True)]
    return out.sort_values([*group, "order"]).reset_index(drop=True)


def movements(store: Store, scheme: str, as_of: dt.date, previous: dt.date
              ) -> tuple[pd.DataFrame, dict[str, int]]:
    """Migration between two dates (:func:`scoring.history.migration`).

    Returns
    -------
    (DataFrame, dict)
        ``from_grade, to_grade, n, move`` for the subjects rated at both dates
        (``move``: ``up`` to a better grade, ``down`` or ``same``), and the
        subjects per kind of move: ``up``, ``down``, ``same``, ``new`` (not rated
        at ``previous``) and ``gone`` (not rated at ``as_of``).
    """
    m = migration(store, scheme, previous, as_of)
    rank = {g: i for i, g in enumerate(m.grades)}
    counts = m.counts.rename_axis(index="from_grade", columns="to_grade")
    out = counts.stack().rename("n").reset_index()
    out = out[out["n"] > 0].reset_index(drop=True)
    out["move"] = ["same" if rank[a] == rank[b] else ("up" if rank[b] < rank[a] else "down")
                   for a, b in zip(out["from_grade"], out["to_grade"], strict=True)]
    summary = {"up": m.upgrades, "down": m.downgrades, "same": m.stable, "new": m.entered,
               "gone": m.exited}
    return out, summary
