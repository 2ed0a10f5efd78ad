"""The monthly region × industry risk report (月度信用风险分析) for the supervisors' meeting.

For a month, over the enterprises with a rating in force at its last day
(:func:`scoring.history.ratings_on`, the one definition), per county (``region_code``)
and industry (GB/T 4754 section):

* the credit-risk class shares (A/B/C/D) at the month's end;
* the migration of classes against the previous month's end (subjects in force at both);
* the new serious records (negative, of a serious tier) published in the month;
* the top movers: the largest PD rises and grade drops.

:func:`report_frames` is pure (frames in, frames out); :func:`risk_report` reads the
store; :func:`report_sheets` shapes the Excel export with Chinese headers (the doors
write it through :func:`features.exports.excel_bytes`, inert: no cell is a formula).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from features.compile import add_months
from features.records.regions import county_name
from features.records.values import INDUSTRY_SECTIONS, value_label
from features.store.base import Store
from features.subjects import current_subjects_sql
from scoring.history import ratings_on

CLASSES = ("A", "B", "C", "D")
SCHEME = "enterprise"


@dataclass(frozen=True)
class RiskReport:
    """The frames of one month's report.

    Attributes
    ----------
    month
        ``YYYY-MM``.
    as_of, previous
        The month's last day and the previous month's last day.
    shares
        ``region_code, industry, n, n_A … n_D, share_A … share_D`` (shares of ``n``).
    migration
        ``region_code, industry, class_from, class_to, n`` (subjects in force at both dates).
    serious
        ``region_code, industry, serious_records, subjects``: new serious records in the month.
    movers
        ``subject_id, name, region_code, industry, class_from, class_to, steps, pd_from,
        pd_to, pd_rise`` — the ``top`` largest PD rises and the ``top`` largest grade drops.
    """

    month: str
    as_of: dt.date
    previous: dt.date
    shares: pd.DataFrame
    migration: pd.DataFrame
    serious: pd.DataFrame
    movers: pd.DataFrame


def month_end(month: str) -> dt.date:
    """The last day of ``YYYY-MM`` (a ValueError names the expected form)."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        return dt.date(year, mon, calendar.monthrange(year, mon)[1])
    except (ValueError, calendar.IllegalMonthError):
        raise ValueError(f"month {month!r} is not YYYY-MM") from None


def report_frames(
    month: str,
    cur: pd.DataFrame,
    prev: pd.DataFrame,
    firms: pd.DataFrame,
    serious: pd.DataFrame,
    top: int = 20,
) -> RiskReport:
    """The report from the ratings in force at the month's end (``cur``) and the previous
    month's end (``prev``), the firms (``subject_id, name, region_code, industry``) and the
    serious records published in the month (``record_id, subject_id``)."""
    as_of = month_end(month)
    previous = add_months(as_of.replace(day=1), -1)
    previous = previous.replace(day=calendar.monthrange(previous.year, previous.month)[1])
    keys = ["region_code", "industry"]
    now = cur[["subject_id", "final_grade", "pd"]].merge(firms, on="subject_id", how="left")
    now = now[now["final_grade"].isin(CLASSES)]
    counts = pd.crosstab([now["region_code"], now["industry"]], now["final_grade"])
    counts = counts.reindex(columns=list(CLASSES), fill_value=0)
    shares = counts.add_prefix("n_")
    shares.insert(0, "n", counts.sum(axis=1))
    for c in CLASSES:
        shares[f"share_{c}"] = shares[f"n_{c}"] / shares["n"]
    shares = shares.reset_index()
    shares.columns.name = None
    both = now.merge(
        prev[["subject_id", "final_grade", "pd"]], on="subject_id", suffixes=("_to", "_from")
    )
    both = both[both["final_grade_from"].isin(CLASSES)]
    migration = (
        both.groupby([*keys, "final_grade_from", "final_grade_to"])
        .size()
        .rename("n")
        .reset_index()
        .rename(columns={"final_grade_from": "class_from", "final_grade_to": "class_to"})
    )
    found = serious.merge(firms, on="subject_id")
    serious_out = (
        found.groupby(keys)
        .agg(serious_records=("record_id", "nunique"), subjects=("subject_id", "nunique"))
        .reset_index()
    )
    rank = {c: i for i, c in enumerate(CLASSES)}
    both = both.assign(
        steps=[
            rank[b] - rank[a]
            for a, b in zip(both["final_grade_from"], both["final_grade_to"], strict=True)
        ],
        pd_rise=both["pd_to"] - both["pd_from"],
    )
    rises = both[both["pd_rise"] > 0].sort_values(
        ["pd_rise", "subject_id"], ascending=[False, True]
    )
    drops = both[both["steps"] > 0].sort_values(["steps", "subject_id"], ascending=[False, True])
    movers = pd.concat([rises.head(top), drops.head(top)]).drop_duplicates("subject_id")
    movers = movers.rename(columns={"final_grade_from": "class_from", "final_grade_to": "class_to"})
    movers = movers.sort_values(["steps", "pd_rise"], ascending=False)[
        [
            "subject_id",
            "name",
            "region_code",
            "industry",
            "class_from",
            "class_to",
            "steps",
            "pd_from",
            "pd_to",
            "pd_rise",
        ]
    ].reset_index(drop=True)
    return RiskReport(month, as_of, previous, shares, migration, serious_out, movers)


def risk_report(store: Store, month: str, top: int = 20) -> RiskReport:
    """The month's report read from the store (enterprise ratings in force, records)."""
    as_of = month_end(month)
    first = as_of.replace(day=1)
    previous = first - dt.timedelta(days=1)
    firms = store.query(
        current_subjects_sql(SCHEME, ("subject_id", "name", "region_code", "industry"))
    )
    serious = store.query(
        """SELECT DISTINCT record_id, subject_id FROM records
           WHERE polarity = 'negative' AND severity = 'serious'
             AND published_on >= ? AND published_on <= ?
             AND (revoked_on IS NULL OR revoked_on > ?)""",
        [first, as_of, as_of],
    )
    cur = ratings_on(store, SCHEME, as_of)
    prev = ratings_on(store, SCHEME, previous)
    return report_frames(month, cur, prev, firms, serious, top)


def _labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = frame.copy()
    if "region_code" in out:
        out["region_code"] = [county_name(str(c), lang) for c in out["region_code"]]
    if "industry" in out:
        out["industry"] = [value_label(INDUSTRY_SECTIONS, c, lang) for c in out["industry"]]
    return out


#: export headers (Chinese, English)
HEADERS: dict[str, tuple[str, str]] = {
    "region_code": ("区县", "County"),
    "industry": ("行业", "Industry"),
    "n": ("企业数", "Firms"),
    **{f"n_{c}": (f"{c}类企业数", f"Class {c} firms") for c in CLASSES},
    **{f"share_{c}": (f"{c}类占比", f"Class {c} share") for c in CLASSES},
    "class_from": ("上月分类", "Class last month"),
    "class_to": ("本月分类", "Class this month"),
    "serious_records": ("新增严重失信记录数", "New serious records"),
    "subjects": ("涉及企业数", "Firms concerned"),
    "subject_id": ("统一社会信用代码", "USCC"),
    "name": ("企业名称", "Name"),
    "steps": ("下降级数", "Classes dropped"),
    "pd_from": ("上月违约概率", "PD last month"),
    "pd_to": ("本月违约概率", "PD this month"),
    "pd_rise": ("违约概率上升", "PD rise"),
}
SHEETS: dict[str, tuple[str, str]] = {
    "shares": ("分类占比", "Class shares"),
    "migration": ("分类迁移", "Migration"),
    "serious": ("新增严重失信", "New serious records"),
    "movers": ("变动最大企业", "Top movers"),
}


def report_sheets(report: RiskReport, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The report's sheets with county and industry names and headers in ``lang``."""
    i = 0 if lang == "zh" else 1
    out = {}
    for key, (zh, en) in SHEETS.items():
        frame = _labelled(getattr(report, key), lang)
        out[(zh, en)[i]] = frame.rename(columns={c: HEADERS[c][i] for c in frame.columns})
    return out
