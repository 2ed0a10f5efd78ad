"""The rated businesses of a village (信用村 sees its co-operatives and family farms).

Seed 001 §七(三) builds the rural credit database around 农民专业合作社, 家庭农场 and
the other new agricultural businesses beside the 信用户 / 信用村 / 信用乡镇 work, so the
village assessment shows the rated businesses farming in the village with their
rating in force. DOMAIN.md's 信用村 criteria say nothing about them: the per-village
counts here are shown beside the criteria (a proposal), never counted in the verdict.

Which businesses: every rated scheme whose subjects carry a ``village_code``
(besides the households the village is made of) — today the ``agri_business``
scheme; a declared scheme of another rural type joins without an edit here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from features.schemes import get_scheme, rated
from features.store.base import Store
from features.subjects import current_subjects_sql
from models.rating import load_scale
from scoring.history import ratings_on

#: the village's own members and the aggregates: not businesses of the village
_NOT_BUSINESSES = ("household", "village", "township")
COLUMNS = (
    "subject_id",
    "name",
    "scheme",
    "village_code",
    "township_code",
    "final_grade",
    "grade_label_zh",
    "grade_label_en",
    "worst_grade",
    "pd",
    "as_of",
)


def business_schemes(store: Store) -> tuple[str, ...]:
    """The rated schemes whose subjects are placed in villages (other than households)."""
    placed = store.query(
        "SELECT DISTINCT subject_type FROM subjects WHERE village_code IS NOT NULL"
    )["subject_type"]
    types = set(placed) - set(_NOT_BUSINESSES)
    return tuple(k for k in rated() if get_scheme(k).population.subject_type in types)


def village_businesses(store: Store, on: dt.date) -> pd.DataFrame:
    """Each placed business with its rating in force on ``on`` (:func:`ratings_on`).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, one row per rated business, by village then riskiest first;
        ``worst_grade``: the business is in its scale's worst grade.
    """
    parts = []
    for key in business_schemes(store):
        ratings = ratings_on(store, key, on)
        if ratings.empty:
            continue
        stype = get_scheme(key).population.subject_type
        cols = ("subject_id", "name", "village_code", "township_code")
        places = store.query(current_subjects_sql(stype, cols))
        scale = load_scale(key)
        zh = {g.key: g.label_zh for g in scale.grades}
        en = {g.key: g.label_en for g in scale.grades}
        frame = ratings[["subject_id", "final_grade", "pd", "as_of"]].merge(
            places[places["village_code"].notna()], on="subject_id"
        )
        frame["scheme"] = key
        frame["grade_label_zh"] = frame["final_grade"].map(zh)
        frame["grade_label_en"] = frame["final_grade"].map(en)
        frame["worst_grade"] = frame["final_grade"] == scale.keys[-1]
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=list(COLUMNS))
    out = pd.concat(parts, ignore_index=True)[list(COLUMNS)]
    return out.sort_values(["village_code", "pd"], ascending=[True, False]).reset_index(drop=True)


def per_village(businesses: pd.DataFrame) -> pd.DataFrame:
    """Per village: rated businesses and those in their worst grade (shown, not a criterion)."""
    if businesses.empty:
        return pd.DataFrame(columns=["village_code", "businesses", "businesses_worst"])
    g = businesses.groupby("village_code")
    return pd.DataFrame(
        {"businesses": g.size(), "businesses_worst": g["worst_grade"].sum().astype(int)}
    ).reset_index()
