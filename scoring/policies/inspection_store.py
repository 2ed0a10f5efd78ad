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
from features.subjects import closed_subjects_sql, current_subjects_sql
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
    """Enterprise credit-risk classes rated at ``as_of``, from the latest rating batch.

    When several model versions rated the date, the batch scored last wins. Each
    enterprise counts once, with its rating in force at ``as_of`` (a re-rating
    after an objection supersedes its batch row); enterprises closed or
    deregistered by ``as_of`` (:mod:`features.subjects`) are left out, and names
    and regions are the current version's.

    Parameters
    ----------
    store
        The record store.
    as_of
        Classification date (the ratings' ``as_of``).

    Returns
    -------
    tuple
        A frame ``subject_id``, ``credit_class`` (the final grade), ``region_code``,
        ``name``, and the batch ``{model_name, model_version, scored_at}``.

    Raises
    ------
    NoRatingsError
        When no enterprise was rated at ``as_of``; the message lists the dates
        that were.
    """
    t = lit(as_of)
    batch = store.query(f"""
        SELECT model_name, model_version, max(scored_at) AS scored_at FROM ratings
        WHERE scheme = '{SCHEME}' AND as_of = {t}
        GROUP BY model_name, model_version ORDER BY scored_at DESC, model_version DESC LIMIT 1
    """)
    if batch.empty:
        dates = store.query(f"SELECT DISTINCT as_of FROM ratings WHERE scheme = '{SCHEME}' "
                            "ORDER BY as_of DESC LIMIT 12")["as_of"]
        known = ", ".join(str(pd.Timestamp(d).date()) for d in dates) or "none"
        raise NoRatingsError(
            f"没有 {as_of} 的企业信用风险分类结果 / no enterprise ratings at {as_of} in the "
            f"ratings table (rated dates: {known}); run `xinping score --subject enterprise "
            f"--as-of {as_of}` first"
        )
    name, version = batch["model_name"].iloc[0], batch["model_version"].iloc[0]
    frame = store.query(
        f"""SELECT r.subject_id, r.final_grade AS credit_class, s.region_code, s.name
        FROM (SELECT *, row_number() OVER (PARTITION BY subject_id ORDER BY scored_at DESC)
                AS rn
              FROM ratings WHERE scheme = '{SCHEME}' AND as_of = {t}
                AND model_name = $name AND model_version = $version) r
        LEFT JOIN ({_LATEST_SUBJECTS}) s ON s.subject_id = r.subject_id
        WHERE r.rn = 1 AND r.subject_id NOT IN ({closed_subjects_sql(as_of)})
        ORDER BY r.subject_id""",
        {"name": name, "version": version},
    )
    info = {"model_name": name, "model_version": str(version),
            "scored_at": str(pd.Timestamp(batch["scored_at"].iloc[0]))}
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
    rows = pd.DataFrame({
        "draw_id": draw_id,
        "as_of": pd.Timestamp(as_of),
        "region_code": result.drawn["region_code"].astype("string"),
        "seed": result.seed,
        "parameters": json.dumps(params, ensure_ascii=False, sort_keys=True),
        "subject_id": result.drawn["subject_id"].astype("string"),
        "credit_class": result.drawn["credit_class"].astype("string"),
        "drawn_by": drawn_by,
        "drawn_at": pd.Timestamp(drawn_at or dt.datetime.now().replace(microsecond=0)),
    })
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
    out = pd.DataFrame({
        "draw_id": draw_id,
        "as_of": as_of.isoformat(),
        "subject_id": d["subject_id"],
        "name": d.get("name"),
        "region_code": d["region_code"],
        "credit_class": d["credit_class"],
        "class_label": d["credit_class"].map(lambda k: CLASS_LABELS.get(k, (k, k))[0]),
        "selected_by": d["selected_by"].map(lambda k: SELECTED_BY[k][0]),
        "seed": result.seed,
    })
    return out.rename(columns=EXPORT_HEADERS)
