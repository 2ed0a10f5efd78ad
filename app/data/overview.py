"""总览: grade distributions by scheme, region and industry, and movements between dates.

Distributions count each subject's rating of the date
(:func:`scoring.history.current_ratings`: its batch row, or a re-rating of
that date after an objection); the dates offered are the batch dates
(:func:`scoring.history.batch_dates`: event re-ratings rate a few subjects on odd
days and make no date of their own). Movements are
:func:`scoring.history.migration` (the same rating of each date).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandas as pd

from features import registry
from features.schemes import modelled
from features.store.base import Store
from features.subjects import current_subjects_sql
from models.rating import load_scale
from scoring.history import current_ratings, migration


@lru_cache(maxsize=16)
def grade_order(scheme: str) -> tuple[str, ...]:
    """A scheme's grades, best first (from its scale file)."""
    try:
        return load_scale(scheme, path=registry.scale_file(scheme)).keys
    except FileNotFoundError:
        return ()


registry.on_change(grade_order.cache_clear)  # a folder scheme's scale comes and goes with it


def grade_label(scheme: str, grade: str, lang: str) -> str:
    """The grade's label from the scheme's scale (the key itself when unknown)."""
    try:
        return load_scale(scheme, path=registry.scale_file(scheme)).label(grade, lang)
    except (FileNotFoundError, KeyError, ValueError):
        return grade


def batch_ratings(store: Store, as_of: dt.date, scheme: str | None = None) -> pd.DataFrame:
    """Each subject's rating of ``as_of`` (every modelled scheme, or one) with its region,
    industry and type (from the subject's latest version)."""
    cols = ["subject_id", "scheme", "as_of", "final_grade", "pd", "score"]
    parts = [
        current_ratings(store, key, as_of)[cols] for key in ((scheme,) if scheme else modelled())
    ]
    ratings = pd.concat(parts, ignore_index=True)
    attributes = store.query(
        current_subjects_sql(columns=("subject_id", "region_code", "industry", "subject_type"))
    )
    return ratings.merge(attributes, on="subject_id", how="left")


def grade_counts(ratings: pd.DataFrame) -> pd.DataFrame:
    """Subjects per scheme, region, industry and grade: all the overview draws.

    Returns
    -------
    DataFrame
        ``scheme, region_code, industry, final_grade, n`` (missing keys kept as a
        group of their own). Its size follows the number of regions, industries and
        grades, not the number of subjects; :func:`distribution` reads it with
        ``weight="n"``.
    """
    keys = ["scheme", "region_code", "industry", "final_grade"]
    return ratings.groupby(keys, dropna=False).size().rename("n").reset_index()


def distribution(
    ratings: pd.DataFrame, by: str | None = None, weight: str | None = None
) -> pd.DataFrame:
    """Counts and shares of each grade per scheme (and per ``by`` group).

    ``ratings`` has a row per subject, or per group with its number of subjects in the
    column ``weight`` (:func:`grade_counts`).

    Returns
    -------
    DataFrame
        ``scheme, [by,] final_grade, n, share, order`` where ``order`` is the
        grade's rank in its scale (0 = best).
    """
    keys = ["scheme", *([by] if by else []), "final_grade"]
    frame = ratings.assign(**({by: ratings[by].fillna("—")} if by else {}))
    grouped = frame.groupby(keys, dropna=False)
    out = (grouped[weight].sum() if weight else grouped.size()).rename("n").reset_index()
    group = ["scheme", *([by] if by else [])]
    out["share"] = out["n"] / out.groupby(group)["n"].transform("sum")
    out["order"] = [
        grade_order(s).index(g) if g in grade_order(s) else 99
        for s, g in zip(out["scheme"], out["final_grade"], strict=True)
    ]
    return out.sort_values([*group, "order"]).reset_index(drop=True)


def movements(
    store: Store, scheme: str, as_of: dt.date, previous: dt.date
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
    out["move"] = [
        "same" if rank[a] == rank[b] else ("up" if rank[b] < rank[a] else "down")
        for a, b in zip(out["from_grade"], out["to_grade"], strict=True)
    ]
    summary = {
        "up": m.upgrades,
        "down": m.downgrades,
        "same": m.stable,
        "new": m.entered,
        "gone": m.exited,
    }
    return out, summary
