"""Inspection draws and the store: classes from ``ratings``, history and results in ``inspections``.

The draw itself is pure (:mod:`scoring.policies.inspection`); this module reads
the enterprise credit-risk classes a draw starts from, the previous draws its
yearly caps count, writes a draw with its parameters, and shapes the exported
list with Chinese headers.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pandas as pd

from features.compile import add_months, lit
from features.store.base import Store
from features.subjects import current_subjects_sql
from scoring.history import BATCH, ratings_on
from scoring.policies.inspection import CLASS_LABELS, SELECTED_BY, DrawResult, InspectionConfig

SCHEME = "enterprise"

#: Headers of the exported list (Chinese first, for Excel users).
EXPORT_HEADERS: dict[str, str] = {
    "draw_id": "抽查批次",
    "as_of": "分类基准日",
    "subject_id": "统一社会信用代码",
    "name": "企业名称",
    "region_code": "行政区划代码",
    "credit_class": "信用风险分类",
    "class_label": "风险等级",
    "selected_by": "抽取方式",
    "seed": "随机种子",
}


class NoRatingsError(LookupError):
    """No enterprise ratings at the requested as-of date."""


_LATEST_SUBJECTS = current_subjects_sql("enterprise", ("subject_id", "name", "region_code"))


def enterprise_classes(store: Store, as_of: dt.date) -> tuple[pd.DataFrame, dict]:
    """Enterprise credit-risk classes in force on ``as_of``.

    Each enterprise's class is its final grade in the rating in force
    (:func:`scoring.history.ratings_on`, the one definition: latest as-of date
    not after ``as_of``, then the latest scoring, then the highest model
    version), so a re-rating after an objection counts and an older batch of
    another model version does not.

    Parameters
    ----------
    store
        The record store.
    as_of
        Classification date.

    Returns
    -------
    tuple
        A frame ``subject_id``, ``credit_class`` (the final grade), ``region_code``,
        ``name``, and the ratings used ``{model_name, model_version, scored_at,
        as_of}`` (the latest batch among them: its model and as-of date).

    Raises
    ------
    NoRatingsError
        When no enterprise has a rating on or before ``as_of``; the message lists
        the dates that were rated.
    """
    rated = ratings_on(store, SCHEME, as_of)
    if rated.empty:
        dates = store.query(
            f"SELECT DISTINCT as_of FROM ratings WHERE scheme = '{SCHEME}' "
            "ORDER BY as_of DESC LIMIT 12"
        )["as_of"]
        known = ", ".join(str(pd.Timestamp(d).date()) for d in dates) or "none"
        raise NoRatingsError(
            f"没有 {as_of} 的企业信用风险分类结果 / no enterprise ratings at {as_of} in the "
            f"ratings table (rated dates: {known}); run `xinping score --subject enterprise "
            f"--as-of {as_of}` first"
        )
    names = store.query(_LATEST_SUBJECTS)
    frame = (
        rated[["subject_id", "final_grade"]]
        .rename(columns={"final_grade": "credit_class"})
        .merge(names, on="subject_id", how="left")[
            ["subject_id", "credit_class", "region_code", "name"]
        ]
        .sort_values("subject_id")
        .reset_index(drop=True)
    )
    batch = store.query(f"""
        SELECT model_name, model_version, as_of, max(scored_at) AS scored_at FROM ratings
        WHERE scheme = '{SCHEME}' AND as_of <= {lit(as_of)} AND {BATCH}
        GROUP BY model_name, model_version, as_of
        ORDER BY as_of DESC, scored_at DESC, length(model_version) DESC,
                 model_version DESC LIMIT 1""")
    top = batch.iloc[0] if not batch.empty else rated.sort_values("scored_at").iloc[-1]
    info = {
        "model_name": top["model_name"],
        "model_version": str(top["model_version"]),
        "scored_at": str(pd.Timestamp(top["scored_at"])),
        "as_of": str(pd.Timestamp(top["as_of"]).date()),
    }
    return frame, info


def draw_history(store: Store, as_of: dt.date, cfg: InspectionConfig) -> pd.DataFrame:
    """Previous draws (``subject_id``, ``as_of``) the yearly caps of ``cfg`` may count."""
    starts = [w[0] for c in cfg.classes if (w := c.cap_window(as_of)) is not None]
    start = min(starts, default=as_of)
    start = min(start, add_months(as_of, -12))
    return store.query(f"""
        SELECT DISTINCT subject_id, as_of FROM inspections
        WHERE as_of >= {lit(start)} AND as_of < {lit(as_of)}
    """)


def new_draw_id(as_of: dt.date) -> str:
    """A fresh draw identifier, e.g. ``INS-20261031-1a2b3c4d``."""
    return f"INS-{as_of:%Y%m%d}-{uuid.uuid4().hex[:8]}"


def store_draw(
    store: Store,
    result: DrawResult,
    as_of: dt.date,
    *,
    drawn_by: str | None = None,
    batch: dict | None = None,
    draw_id: str | None = None,
    drawn_at: dt.datetime | None = None,
) -> str:
    """Append a draw to ``inspections`` (one row per enterprise) and return its id.

    Parameters
    ----------
    store
        The record store.
    result
        The draw.
    as_of
        Classification date.
    drawn_by
        Who drew it.
    batch
        The ratings batch the classes came from (stored in the parameters).
    draw_id, drawn_at
        Defaults: a fresh id and now.
    """
    draw_id = draw_id or new_draw_id(as_of)
    params = {**result.parameters(), "as_of": as_of.isoformat()}
    if batch:
        params["ratings"] = batch
    rows = pd.DataFrame(
        {
            "draw_id": draw_id,
            "as_of": pd.Timestamp(as_of),
            "region_code": result.drawn["region_code"].astype("string"),
            "seed": result.seed,
            "parameters": json.dumps(params, ensure_ascii=False, sort_keys=True),
            "subject_id": result.drawn["subject_id"].astype("string"),
            "credit_class": result.drawn["credit_class"].astype("string"),
            "drawn_by": drawn_by,
            "drawn_at": pd.Timestamp(drawn_at or dt.datetime.now().replace(microsecond=0)),
        }
    )
    if not rows.empty:
        with store.transaction() as tx:
            tx.append("inspections", rows)
    return draw_id


def load_draw(store: Store, draw_id: str) -> pd.DataFrame:
    """Rows of one stored draw with enterprise names, in stored order of class and id."""
    return store.query(
        f"""SELECT i.draw_id, i.as_of, i.subject_id, s.name, i.region_code, i.credit_class,
               i.seed, i.drawn_by, i.drawn_at, i.parameters
        FROM inspections i LEFT JOIN ({_LATEST_SUBJECTS}) s ON s.subject_id = i.subject_id
        WHERE i.draw_id = $draw_id ORDER BY i.credit_class, i.subject_id""",
        {"draw_id": draw_id},
    )


def list_draws(store: Store) -> pd.DataFrame:
    """One row per stored draw: id, as-of date, seed, drawn_by, drawn_at, enterprises."""
    return store.query("""
        SELECT draw_id, min(as_of) AS as_of, min(seed) AS seed, min(drawn_by) AS drawn_by,
               min(drawn_at) AS drawn_at, count(*) AS enterprises
        FROM inspections GROUP BY draw_id ORDER BY drawn_at DESC, draw_id
    """)


def export_frame(result: DrawResult, draw_id: str, as_of: dt.date) -> pd.DataFrame:
    """The drawn list with Chinese headers, ready for CSV or Excel."""
    d = result.drawn
    out = pd.DataFrame(
        {
            "draw_id": draw_id,
            "as_of": as_of.isoformat(),
            "subject_id": d["subject_id"],
            "name": d.get("name"),
            "region_code": d["region_code"],
            "credit_class": d["credit_class"],
            "class_label": d["credit_class"].map(lambda k: CLASS_LABELS.get(k, (k, k))[0]),
            "selected_by": d["selected_by"].map(lambda k: SELECTED_BY[k][0]),
            "seed": result.seed,
        }
    )
    return out.rename(columns=EXPORT_HEADERS)
