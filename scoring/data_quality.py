"""Department data quality (数据质量考核): what each department pushed, measured per period.

Seeds 001 §九(四) (严格考核问责: 考核数据管理评价模型, a yearly performance assessment) and 004
§五(三) (强化督查考核: 信用信息的征集、管理及应用 under a strict assessment) make the quality and
timeliness of each department's submissions part of its yearly assessment (考核). Six metrics,
each a defect rate over counts, so a month and a year are the same sums over other rows:

- **timeliness** (及时性): records with a decision date published later than the 双公示
  deadline (``[disclosure] deadline_workdays`` working days after the decision; holidays are
  ``[objections] holidays``), and the median lag in working days;
- **completeness** (完整性): stored rows missing a field their kind requires
  (:func:`scoring.data_quality_metrics.required_fields`);
- **validity** (有效性): rows the ingest validation quarantined over rows pushed (stored plus
  quarantined), overall and per reason (the column the problem is in);
- **duplicates** (重复性): the same decision pushed twice under another record ID
  (:data:`scoring.data_quality_metrics.DUPLICATE_KEY`);
- **accuracy** (准确性): objections against its records that were upheld, over those resolved
  (latest row per objection);
- **volume** (报送量): months whose rows fall outside ``[low, high]`` times the department's
  usual level (the same calendar month of earlier years, or its previous months).

The rules are :class:`scoring.data_quality_config.QualityConfig`, the metrics
:mod:`scoring.data_quality_metrics`.

Each defect rate ``d`` becomes a goodness ``max(0, 1 - d / zero_at)`` and the score is
``100 ×`` the weighted mean of the goodness of the metrics the department has rows for (a
department that decides nothing has no timeliness; the other weights are rescaled).

Pure functions over frames; :func:`department_quality` is the one use case and reads the
store at its edge (SQL over ``records``, ``quarantine``, ``ingest_log`` and ``objections``;
a store without quarantine rows works: validity is then 0 % for everyone).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.records.kinds import all_departments, all_kinds
from features.store.base import Store
from scoring.data_quality_config import METRICS, QualityConfig
from scoring.data_quality_metrics import (
    DUPLICATE_KEY,
    accuracy,
    completeness,
    duplicates,
    required_fields,
    timeliness,
    validity,
    volume,
)

__all__ = [
    "METRICS",
    "SCORE_COLUMNS",
    "UNKNOWN_DEPT",
    "QualityConfig",
    "QualityReport",
    "assess",
    "department_quality",
    "score",
]

SCORE_COLUMNS: tuple[str, ...] = (
    "period",
    "source_dept",
    "rows",
    "decided",
    "late",
    "late_share",
    "median_lag_workdays",
    "incomplete",
    "incomplete_share",
    "pushed",
    "quarantined",
    "quarantine_rate",
    "duplicates",
    "duplicate_share",
    "resolved",
    "upheld",
    "upheld_share",
    "volume_months",
    "volume_off",
    "volume_ratio",
    "volume_flag",
    "score",
    "rank",
)
#: where a department's rows cannot be placed (a quarantined row naming no known one)
UNKNOWN_DEPT = "unknown"


@dataclass(frozen=True)
class QualityReport:
    """One assessment: the scores per department and the details behind them.

    Attributes
    ----------
    scores
        One row per department and period (:data:`SCORE_COLUMNS`), best first per period.
    reasons
        Quarantined rows per department, period and reason (the column of the problem):
        ``period, source_dept, reason, rows, pushed, rate``.
    trend
        ``period, source_dept, score`` for every month up to the last assessed one (the
        trend chart), from the first month with data or 12 months back.
    periods
        The periods assessed (``YYYY-MM`` or ``YYYY``).
    """

    scores: pd.DataFrame
    reasons: pd.DataFrame
    trend: pd.DataFrame
    periods: tuple[str, ...]


def goodness(rate: pd.Series, zero_at: float) -> pd.Series:
    """A defect rate as a 0–1 goodness: 1 without defects, 0 at ``zero_at`` or more."""
    return (1 - rate / zero_at).clip(lower=0, upper=1)


def score(frame: pd.DataFrame, cfg: QualityConfig) -> pd.Series:
    """The 0–100 score of each row from its defect rates (``late_share``,
    ``incomplete_share``, ``quarantine_rate``, ``duplicate_share``, ``upheld_share``,
    ``volume_off_share``): the weighted mean of the metrics' goodness, over the metrics the
    row has (NaN rate: left out, the other weights rescaled)."""
    rates = {
        "timeliness": "late_share",
        "completeness": "incomplete_share",
        "validity": "quarantine_rate",
        "duplicates": "duplicate_share",
        "accuracy": "upheld_share",
        "volume": "volume_off_share",
    }
    total = pd.Series(0.0, index=frame.index)
    weight = pd.Series(0.0, index=frame.index)
    for metric, col in rates.items():
        w = float(cfg.weights[metric])
        g = goodness(frame[col].astype(float), float(cfg.zero_at[metric]))
        has = g.notna()
        total = total + np.where(has, w * g.fillna(0), 0.0)
        weight = weight + np.where(has, w, 0.0)
    return (100 * total / weight.where(weight > 0)).round(1)


def _share(num: pd.Series, den: pd.Series, least: int = 1) -> pd.Series:
    return num.astype(float) / den.astype(float).where(den >= max(least, 1))


def assess(
    records: pd.DataFrame,
    stored_monthly: pd.DataFrame,
    quarantined: pd.DataFrame,
    objections: pd.DataFrame,
    periods: tuple[str, ...],
    cfg: QualityConfig,
) -> QualityReport:
    """Score every department for each of ``periods`` (all ``YYYY-MM`` or all ``YYYY``).

    Parameters
    ----------
    records
        Stored records published in the periods, either one row each (``record_id,
        source_dept, month, kind, subject_id, severity, value_text, value_num, amount,
        event_date, decided_on, published_on`` and the columns ``cfg.required`` names)
        or counted as :func:`read_inputs` gives them (``source_dept, month, kind,
        decided_on, published_on, incomplete, duplicate, n``).
    stored_monthly
        ``source_dept, month, rows`` for every month with data (the usual level needs
        the months before the periods).
    quarantined
        ``source_dept, month, reasons``, one row per quarantined row.
    objections
        Latest row per objection: ``source_dept, month, status`` (month of resolution).
    periods
        The periods to assess.
    cfg
        The rules.
    """
    yearly = bool(periods) and len(periods[0]) == 4

    def period(frame: pd.DataFrame) -> pd.DataFrame:
        p = frame["month"].astype(str).str[:4] if yearly else frame["month"].astype(str)
        return frame.assign(period=p)[lambda f: f["period"].isin(periods)]

    recs = period(records)
    vol = volume(stored_monthly, cfg)
    vol_p = period(vol)
    vol_p = vol_p[vol_p["usual"].notna()]
    vol_agg = (
        vol_p.assign(off=vol_p["flag"].ne(""))
        .groupby(["source_dept", "period"])
        .agg(
            volume_months=("off", "size"),
            volume_off=("off", "sum"),
            volume_ratio=("ratio", "median"),
            volume_flag=("flag", lambda f: "、".join(sorted(set(f) - {""}))),
        )
        .reset_index()
    )
    stored = period(stored_monthly).groupby(["source_dept", "period"])["rows"].sum().reset_index()
    valid, reasons = validity(stored, period(quarantined))
    keys = ["source_dept", "period"]
    frame = valid.copy()
    for part in (
        completeness(recs, cfg),
        timeliness(recs, cfg),
        duplicates(recs),
        accuracy(period(objections)),
        vol_agg,
    ):
        frame = frame.merge(part, on=keys, how="outer")
    counts = ["rows", "incomplete", "decided", "late", "duplicates", "resolved", "upheld"]
    counts += ["pushed", "quarantined", "volume_months", "volume_off"]
    for c in counts:
        frame[c] = frame[c].fillna(0).astype(int)
    least = cfg.min_count  # fewer rows than this: the metric is not judged (NaN)
    frame["late_share"] = _share(frame["late"], frame["decided"], least)
    frame["median_lag_workdays"] = frame.pop("median_lag").astype(float)
    frame["incomplete_share"] = _share(frame["incomplete"], frame["rows"], least)
    frame["quarantine_rate"] = _share(frame["quarantined"], frame["pushed"], least)
    frame["duplicate_share"] = _share(frame["duplicates"], frame["rows"], least)
    frame["upheld_share"] = _share(frame["upheld"], frame["resolved"], least)
    frame["volume_off_share"] = _share(frame["volume_off"], frame["volume_months"])
    frame["volume_flag"] = frame["volume_flag"].fillna("")
    # a department that pushed fewer rows than min_count is not scored: its volume flag or a
    # single quarantined row would be its whole score
    frame["score"] = score(frame, cfg).where(frame["pushed"] >= least)
    frame["rank"] = frame.groupby("period")["score"].rank(ascending=False, method="min")
    frame["rank"] = frame["rank"].astype("Int64")
    frame = frame.sort_values(["period", "rank", "source_dept"], kind="stable")
    return QualityReport(
        scores=frame[[*SCORE_COLUMNS]].reset_index(drop=True),
        reasons=reasons.sort_values(
            ["period", "source_dept", "rows"], ascending=[True, True, False]
        ).reset_index(drop=True),
        trend=pd.DataFrame(columns=["period", "source_dept", "score"]),
        periods=periods,
    )


# --- the store edge and the use case ------------------------------------------------------


def _required_columns(cfg: QualityConfig) -> list[str]:
    from features.records.schema import TABLES

    known = set(TABLES["records"].column_names)
    extra = {c for cols in cfg.required.values() for c in cols}
    unknown = extra - known
    if unknown:
        raise ValueError(f"quality required: no records column {', '.join(sorted(unknown))}")
    return sorted(extra)


def _blank_sql(column: str) -> str:
    """SQL: ``column`` is missing (NULL, NaN or an empty text: :func:`incomplete_mask`)."""
    from features.records.schema import TABLES

    sql = f"{column} IS NULL OR CAST({column} AS VARCHAR) = ''"
    if TABLES["records"].column(column).sql_type == "DOUBLE":
        sql += f" OR isnan({column})"
    return f"({sql})"


def _incomplete_sql(cfg: QualityConfig) -> str:
    """SQL: the row misses a field its kind requires (:func:`required_fields`, per kind)."""

    def missing(kind: str) -> str:
        fields = required_fields(kind, cfg)
        return " OR ".join(_blank_sql(c) for c in fields) if fields else "false"

    kinds = sorted((set(all_kinds()) | set(cfg.required)) - {"*"})
    whens = " ".join(f"WHEN {_literal(k)} THEN {missing(k)}" for k in kinds)
    return f"CASE kind {whens} ELSE {missing('')} END"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _month_range(periods: tuple[str, ...]) -> tuple[dt.date, dt.date]:
    first, last = min(periods), max(periods)
    start = dt.date(int(first[:4]), int(first[5:7]) if len(first) > 4 else 1, 1)
    end_month = dt.date(int(last[:4]), int(last[5:7]) if len(last) > 4 else 12, 1)
    end = (pd.Timestamp(end_month) + pd.offsets.MonthEnd(0)).date()
    return start, end


def read_inputs(
    store: Store, periods: tuple[str, ...], cfg: QualityConfig
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The frames :func:`assess` takes, read from ``store``.

    Records count by their first stored version, in the month they were published (i.e.
    pushed). They come counted, not one row each: the engine works out each record's
    flags and groups the records by what the metrics read (``source_dept, month, kind``,
    the ``incomplete`` and ``duplicate`` flags, and the decision and publication dates of
    the deadline kinds), so memory holds thousands of groups, not a year of records. A
    duplicate repeats a decision published earlier in the months read (the trend's).
    """
    start, end = _month_range(periods)
    _required_columns(cfg)  # refuses a required column records do not have
    deadline = ", ".join(_literal(k) for k in cfg.deadline_kinds) or "NULL"
    timed = f"kind IN ({deadline}) AND decided_on IS NOT NULL"
    decided = "coalesce(decided_on, event_date)"  # duplicate_mask's "decided"
    key = ", ".join(decided if c == "decided" else c for c in DUPLICATE_KEY)
    records = store.query(
        f"""WITH first AS (
              SELECT * FROM records WHERE published_on BETWEEN ? AND ?
              QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY recorded_at) = 1),
            flagged AS (
              SELECT source_dept, strftime(published_on, '%Y-%m') AS month, kind,
                     CASE WHEN {timed} THEN decided_on END AS decided_on,
                     CASE WHEN {timed} THEN published_on END AS published_on,
                     {_incomplete_sql(cfg)} AS incomplete,
                     row_number() OVER (PARTITION BY {key}
                                        ORDER BY published_on, record_id) > 1 AS duplicate
              FROM first)
            SELECT source_dept, month, kind, decided_on, published_on, incomplete, duplicate,
                   count(*) AS n
            FROM flagged GROUP BY ALL ORDER BY ALL""",
        [start, end],
    )
    monthly = store.query(
        """SELECT source_dept, strftime(published_on, '%Y-%m') AS month, count(*) AS rows
           FROM records WHERE published_on <= ? GROUP BY ALL""",
        [end],
    )
    quarantined = _quarantined(store)
    objections = store.query(
        """WITH o AS (
             SELECT record_id, status, resolved_on FROM objections
             QUALIFY row_number() OVER (PARTITION BY objection_id ORDER BY recorded_at DESC) = 1),
           r AS (SELECT record_id, any_value(source_dept) AS source_dept FROM records
                 WHERE record_id IN (SELECT record_id FROM o) GROUP BY record_id)
           SELECT r.source_dept, strftime(o.resolved_on, '%Y-%m') AS month, o.status
           FROM o JOIN r USING (record_id) WHERE o.resolved_on IS NOT NULL"""
    )
    return records, monthly, quarantined, objections


def _quarantined(store: Store) -> pd.DataFrame:
    """Quarantined ``records`` rows with their department (the row's own ``source_dept``
    when it names a known one, else the file's) and month (the row's ``published_on``, else
    its ``event_date``, else the month it was quarantined)."""
    rows = store.query(
        """SELECT q.raw, q.reasons, l.source_dept AS file_dept,
                  strftime(q.quarantined_at, '%Y-%m') AS at_month
           FROM quarantine q LEFT JOIN ingest_log l USING (ingest_id)
           WHERE q.target_table = 'records'"""
    )
    if rows.empty:
        return pd.DataFrame(columns=["source_dept", "month", "reasons"])
    from features.records.spellings import canonical_codes
    from features.records.validate import parse_dates

    raw = pd.DataFrame([_loads(r) for r in rows["raw"]], index=rows.index)
    for c in ("source_dept", "published_on", "event_date"):
        if c not in raw:
            raw[c] = ""
    raw = raw.fillna("").astype(str)
    known = set(all_departments())
    named = canonical_codes(raw["source_dept"], "records", "source_dept")
    dept = named.where(named.isin(known), rows["file_dept"].where(rows["file_dept"].isin(known)))
    month = parse_dates(raw["published_on"]).fillna(parse_dates(raw["event_date"]))
    month = month.dt.strftime("%Y-%m").fillna(rows["at_month"])
    return pd.DataFrame(
        {"source_dept": dept.fillna(UNKNOWN_DEPT), "month": month, "reasons": rows["reasons"]}
    )


def _loads(text: str) -> dict:
    try:
        out = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return out if isinstance(out, dict) else {}


def month_periods(month: str) -> tuple[str, ...]:
    """``("YYYY-MM",)`` after checking the form."""
    dt.datetime.strptime(month, "%Y-%m")
    return (month,)


def department_quality(
    store: Store,
    cfg: QualityConfig,
    *,
    month: str | None = None,
    year: int | None = None,
    trend_months: int = 12,
) -> QualityReport:
    """Score every department for one month (``YYYY-MM``) or one year (the 考核 year).

    Returns
    -------
    QualityReport
        The scores and ranking, the quarantine reasons, and the monthly scores of the
        ``trend_months`` months up to the month (or up to the year's December) for the
        trend chart.

    Raises
    ------
    ValueError
        Neither or both of ``month`` and ``year``, a month not ``YYYY-MM``.
    """
    if (month is None) == (year is None):
        raise ValueError("give a month (YYYY-MM) or a year, not both")
    periods = month_periods(month) if month else (f"{int(year):04d}",)
    last = month or f"{int(year):04d}-12"
    months = tuple(
        str(p) for p in pd.period_range(end=pd.Period(last, "M"), periods=trend_months, freq="M")
    )
    records, monthly, quarantined, objections = read_inputs(store, months + periods, cfg)
    report = assess(records, monthly, quarantined, objections, periods, cfg)
    trend = assess(records, monthly, quarantined, objections, months, cfg).scores
    trend = trend[trend["rows"] > 0][["period", "source_dept", "score"]].reset_index(drop=True)
    return QualityReport(report.scores, report.reasons, trend, periods)
