"""分级分类监管: enterprise credit-risk classes with reasons, filters, ratios, exports.

The classes are those in force on the date
(:func:`scoring.policies.inspection_store.enterprise_classes`, the same as
``xinping inspections draw``); the draw itself is
:func:`scoring.inspection_draw.draw_inspections`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from features.exports import csv_bytes, excel_bytes  # inert exports, as every door's
from features.store.base import Store
from features.subjects import current_subjects_sql
from scoring.history import decode, ratings_on
from scoring.policies.inspection import CLASS_LABELS, SELECTED_BY, DrawResult, InspectionConfig
from scoring.policies.inspection_store import NoRatingsError, enterprise_classes

CLASSES = ("A", "B", "C", "D")
TOP_REASONS = 2

__all__ = [
    "CLASSES",
    "NoRatingsError",
    "cap_text",
    "class_counts",
    "class_text",
    "classified",
    "csv_bytes",
    "draw_listing",
    "draw_summary",
    "excel_bytes",
    "filter_classes",
    "ratio_table",
]


def class_text(credit_class: str, lang: str = "zh") -> str:
    """A class with its meaning, as a person reads it: ``A（信用风险低）`` / ``A (low risk)``."""
    pair = CLASS_LABELS.get(credit_class)
    if pair is None:
        return str(credit_class)
    return f"{credit_class}（{pair[0]}）" if lang == "zh" else f"{credit_class} ({pair[1]})"


def cap_text(cap: float | None, lang: str = "zh") -> str:
    """A yearly inspection cap in words: ``每2年1次``, ``每年2次``, ``不限``."""
    zh = lang == "zh"
    if cap is None:
        return "不限" if zh else "no cap"
    if cap >= 1:
        n = f"{cap:g}"
        return f"每年{n}次" if zh else f"{n} a year"
    years = f"{1 / cap:g}"
    return f"每{years}年1次" if zh else f"once every {years} years"


def _top_reasons(text: object, lang: str, n: int = TOP_REASONS) -> str:
    """The ``n`` factors raising the risk most, in words, from a reasons JSON."""
    data = decode(text) or {}
    key = "text_zh" if lang == "zh" else "text_en"
    items = [str(i.get(key) or i.get("indicator")) for i in data.get("raise", [])[:n]]
    return "；".join(items) if lang == "zh" else "; ".join(items)


def classified(store: Store, as_of: dt.date, lang: str = "zh") -> tuple[pd.DataFrame, dict]:
    """Every enterprise classified at ``as_of`` with its industry and top reasons.

    Returns
    -------
    (DataFrame, dict)
        ``subject_id, name, region_code, industry, credit_class, class_label,
        top_reasons`` and the rating batch the classes come from.

    Raises
    ------
    NoRatingsError
        When no enterprise was rated at ``as_of``.
    """
    classes, batch = enterprise_classes(store, as_of)
    ids = classes["subject_id"].tolist()
    # the reasons of the very ratings the classes come from (the rating in force)
    rated = ratings_on(store, "enterprise", as_of, ids)[["subject_id", "reasons"]]
    industry = store.query(current_subjects_sql("enterprise", ("subject_id", "industry")))
    out = classes.merge(industry, on="subject_id", how="left").merge(
        rated, on="subject_id", how="left"
    )
    pick = 0 if lang == "zh" else 1
    out["class_label"] = out["credit_class"].map(lambda k: CLASS_LABELS.get(k, (k, k))[pick])
    out["class_shown"] = out["credit_class"].map(lambda k: class_text(k, lang))
    out["top_reasons"] = [_top_reasons(r, lang) for r in out["reasons"]]
    cols = [
        "subject_id",
        "name",
        "region_code",
        "industry",
        "credit_class",
        "class_label",
        "class_shown",
        "top_reasons",
    ]
    return out[cols], batch


def filter_classes(
    frame: pd.DataFrame, regions: list[str], industries: list[str], classes: list[str]
) -> pd.DataFrame:
    """The enterprises in any of ``regions``, ``industries`` and ``classes`` (empty: all)."""
    keep = pd.Series(True, index=frame.index)
    for column, values in (
        ("region_code", regions),
        ("industry", industries),
        ("credit_class", classes),
    ):
        if values:
            keep &= frame[column].isin(values)
    return frame[keep]


def class_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Enterprises per class: ``credit_class, class_label, n, share`` (A to D)."""
    counts = frame.groupby(["credit_class", "class_label"]).size().rename("n").reset_index()
    counts["share"] = counts["n"] / max(int(counts["n"].sum()), 1)
    return counts.sort_values("credit_class").reset_index(drop=True)


def ratio_table(cfg: InspectionConfig, lang: str = "zh") -> pd.DataFrame:
    """The sampling policy in force: ratio, allowed range and yearly cap per class."""
    pick = 0 if lang == "zh" else 1
    return pd.DataFrame(
        [
            {
                "credit_class": c.credit_class,
                "class_label": CLASS_LABELS.get(c.credit_class, (c.credit_class,) * 2)[pick],
                "class_shown": class_text(c.credit_class, lang),
                "ratio": f"{c.ratio:.0%}",
                "allowed": f"{c.allowed[0]:.0%} – {c.allowed[1]:.0%}",
                "cap_per_year": cap_text(c.cap_per_year, lang),
            }
            for c in cfg.classes
        ]
    )


def draw_summary(result: DrawResult, lang: str = "zh") -> pd.DataFrame:
    """The per-class summary of a draw for the page, with a total row (``合计``)."""
    s = result.summary
    rows = pd.DataFrame(
        {
            "class_shown": s["credit_class"].map(lambda k: class_text(k, lang)),
            "population": s["population"],
            "capped": s["capped"],
            "eligible": s["eligible"],
            "ratio": s["ratio"].map(lambda r: f"{r:.0%}"),
            "target": s["target"],
            "drawn_by_ratio": s["drawn_ratio"],
            "drawn_floor": s["drawn_floor"],
            "drawn": s["drawn"],
            "drawn_share": s["drawn_share"],
        }
    )
    total = {
        "class_shown": "合计" if lang == "zh" else "Total",
        "ratio": "",
        **{
            c: rows[c].sum()
            for c in (
                "population",
                "capped",
                "eligible",
                "target",
                "drawn_by_ratio",
                "drawn_floor",
                "drawn",
            )
        },
        "drawn_share": (s["drawn"].sum() / result.population) if result.population else None,
    }
    return pd.concat([rows, pd.DataFrame([total])], ignore_index=True)


def draw_listing(result: DrawResult, lang: str = "zh") -> pd.DataFrame:
    """The drawn enterprises for the page: name, USCC, class, how each was drawn."""
    d = result.drawn
    pick = 0 if lang == "zh" else 1
    return pd.DataFrame(
        {
            "name": d.get("name"),
            "subject_id": d["subject_id"],
            "class_shown": d["credit_class"].map(lambda k: class_text(k, lang)),
            "selected_by": d["selected_by"].map(lambda k: SELECTED_BY.get(k, (k, k))[pick]),
            "region_code": d["region_code"],
        }
    )
