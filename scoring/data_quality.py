"""Department data quality (数据质量考核): what each department pushed, measured per period.

Seeds 001 §九(四) (严格考核问责: 考核数据管理评价模型, a yearly performance assessment) and 004
§五(三) (强化督查考核: 信用信息的征集、管理及应用 under a strict assessment) make the quality and
timeliness of each department's submissions part of its yearly assessment (考核). Six metrics,
each a defect rate over counts, so a month and a year are the same sums over other rows:

- **timeliness** (及时性): records with a decision date published later than the 双公示
  deadline (``[disclosure] deadline_workdays`` working days after the decision; holidays are
  ``[objections] holidays``), and the median lag in working days;
- **completeness** (完整性): stored rows missing a field their kind requires
  (:func:`required_fields`);
- **validity** (有效性): rows the ingest validation quarantined over rows pushed (stored plus
  quarantined), overall and per reason (the column the problem is in);
- **duplicates** (重复性): the same decision pushed twice under another record ID
  (:data:`DUPLICATE_KEY`);
- **accuracy** (准确性): objections against its records that were upheld, over those resolved
  (latest row per objection);
- **volume** (报送量): months whose rows fall outside ``[low, high]`` times the median of the
  department's previous months (its usual level).

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
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.records.kinds import all_departments, all_kinds
from features.store.base import Store

#: the metrics, in the order pages and exports show them
METRICS: tuple[str, ...] = (
    "timeliness",
    "completeness",
    "validity",
    "duplicates",
    "accuracy",
    "volume",
)
#: What makes two stored rows the same decision. The record ID is left out on purpose: a
#: department's system that pushes a decision again issues a new one (an ID seen before is
#: caught by the ingest as unchanged or conflicting). ``published_on`` is left out because a
#: re-push is published later, ``detail`` because it may be reworded; the rest — who, what
#: kind, the decision's date, its amount, its text and numeric value and its tier — is the
#: decision itself: two real decisions rarely agree on all of them.
DUPLICATE_KEY: tuple[str, ...] = (
    "subject_id",
    "kind",
    "decided",
    "amount",
    "value_text",
    "value_num",
    "severity",
)
#: the columns of :func:`department_quality`'s per-department frame
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
class QualityConfig:
    """The data-quality rules (settings ``[quality]``; the deadline from ``[disclosure]``).

    Attributes
    ----------
    deadline_workdays
        双公示: published within this many working days of the decision (7).
    holidays
        Public holidays that are not working days (``[objections] holidays``).
    deadline_kinds
        The kinds the deadline applies to: the 双公示 kinds (``[disclosure]``'s licences and
        penalties); other kinds' publication has no deadline to be late against.
    required
        Record kind → fields it requires beyond what its declaration implies
        (:func:`required_fields`); ``"*"`` applies to every kind.
    weights
        Metric → weight of its goodness in the score.
    zero_at
        Metric → the defect rate at which its goodness reaches 0.
    volume_months
        How many previous months make a department's usual level (their median).
    volume_low, volume_high
        A month below ``low`` or above ``high`` times the usual level is flagged.
    volume_basis, volume_years
        ``same_month``: the usual level of a month is the median of the same calendar month
        of the previous ``volume_years`` years (a seasonal department is compared with its
        own season), the previous months' median before a year of history;
        ``previous_months``: always the median of the previous ``volume_months`` months.
    volume_min_usual
        Below this usual level (rows a month) a month is not judged: a department that
        pushes a handful of rows a month doubles or halves by chance.
    min_count
        A metric is judged on at least this many rows (decisions, objections…) in the
        period; on fewer it is left out of the score (two late decisions of three say
        little).
    """

    deadline_workdays: int = 7
    holidays: tuple[dt.date, ...] = ()
    deadline_kinds: tuple[str, ...] = ("administrative_licence", "administrative_penalty")
    required: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "timeliness": 0.25,
            "completeness": 0.20,
            "validity": 0.20,
            "duplicates": 0.10,
            "accuracy": 0.15,
            "volume": 0.10,
        }
    )
    zero_at: Mapping[str, float] = field(
        default_factory=lambda: {
            "timeliness": 0.5,
            "completeness": 0.2,
            "validity": 0.05,
            "duplicates": 0.05,
            "accuracy": 0.5,
            "volume": 1.0,
        }
    )
    volume_months: int = 12
    volume_low: float = 0.5
    volume_high: float = 2.0
    volume_min_usual: int = 30
    min_count: int = 20
    volume_basis: str = "same_month"
    volume_years: int = 3

    def __post_init__(self) -> None:
        for name, table in (("weights", self.weights), ("zero_at", self.zero_at)):
            if set(table) != set(METRICS):
                raise ValueError(f"quality {name}: expected exactly {', '.join(METRICS)}")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ValueError("quality weights: none negative, at least one above 0")
        if any(not 0 < z <= 1 for z in self.zero_at.values()):
            raise ValueError("quality zero_at: each in (0, 1]")
        if not 0 <= self.volume_low < 1 < self.volume_high:
            raise ValueError("quality volume bounds: 0 <= volume_low < 1 < volume_high")
        if self.volume_basis not in ("same_month", "previous_months") or self.volume_years < 1:
            raise ValueError("quality volume_basis: same_month or previous_months; years >= 1")
        if self.volume_months < 1 or self.deadline_workdays < 0:
            raise ValueError("quality: volume_months >= 1 and deadline_workdays >= 0")


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


# --- the metrics, each on a frame -------------------------------------------------------


def required_fields(kind: str, cfg: QualityConfig) -> tuple[str, ...]:
    """The fields a row of ``kind`` must fill to be complete.

    From the kind's declaration (:class:`features.records.kinds.RecordKind`): a severity
    when it requires one, a text value when it declares values, a numeric value when
    it declares what that measures; plus ``cfg.required`` for the kind and for ``"*"``
    (a choice: e.g. the decision date and amount of a penalty). The schema's non-null
    columns are always filled (the ingest refuses a row without them).
    """
    rk = all_kinds().get(kind)
    out: list[str] = []
    if rk is not None:
        if rk.severity_required:
            out.append("severity")
        if rk.values:
            out.append("value_text")
        if rk.value_num_unit or rk.value_num_labels:
            out.append("value_num")
    out += [*cfg.required.get("*", ()), *cfg.required.get(kind, ())]
    return tuple(dict.fromkeys(out))


def _days(values: pd.Series) -> np.ndarray:
    return np.asarray(pd.to_datetime(values).values, dtype="datetime64[D]")


def lag_workdays(
    decided: pd.Series, published: pd.Series, holidays: tuple[dt.date, ...] = ()
) -> np.ndarray:
    """Working days from each decision to its publication (a decision on a rest day counts
    from the next working day; publication on the day of decision is 0)."""
    hol = list(holidays)
    start = np.busday_offset(_days(decided), 0, roll="forward", holidays=hol)
    pub = _days(published)
    return np.where(pub > start, np.busday_count(start, pub, holidays=hol), 0)


def timeliness(records: pd.DataFrame, cfg: QualityConfig) -> pd.DataFrame:
    """Per ``source_dept, period``: ``decided`` rows of the deadline kinds with a decision
    date, ``late`` ones (published after the deadline) and the median lag in working days.

    ``records`` has ``source_dept, period, kind, decided_on, published_on``.
    """
    rows = records[records["decided_on"].notna() & records["kind"].isin(cfg.deadline_kinds)]
    if rows.empty:
        return pd.DataFrame(columns=["source_dept", "period", "decided", "late", "median_lag"])
    hol = list(cfg.holidays)
    due = np.busday_offset(
        _days(rows["decided_on"]), cfg.deadline_workdays, "forward", holidays=hol
    )
    frame = pd.DataFrame(
        {
            "source_dept": rows["source_dept"].to_numpy(),
            "period": rows["period"].to_numpy(),
            "late": _days(rows["published_on"]) > due,
            "lag": lag_workdays(rows["decided_on"], rows["published_on"], cfg.holidays),
        }
    )
    return (
        frame.groupby(["source_dept", "period"])
        .agg(decided=("late", "size"), late=("late", "sum"), median_lag=("lag", "median"))
        .reset_index()
    )


def incomplete_mask(records: pd.DataFrame, cfg: QualityConfig) -> pd.Series:
    """Whether each row misses a field its kind requires (:func:`required_fields`)."""
    missing = pd.Series(False, index=records.index)
    for kind, idx in records.groupby("kind").groups.items():
        need = [c for c in required_fields(str(kind), cfg) if c in records.columns]
        if need:
            part = records.loc[idx, need]
            blank = part.isna() | part.astype("string").eq("")
            missing.loc[idx] = blank.any(axis=1).to_numpy()
    return missing


def completeness(records: pd.DataFrame, cfg: QualityConfig) -> pd.DataFrame:
    """Per ``source_dept, period``: ``rows`` stored and ``incomplete`` ones."""
    frame = records[["source_dept", "period"]].assign(incomplete=incomplete_mask(records, cfg))
    return (
        frame.groupby(["source_dept", "period"])
        .agg(rows=("incomplete", "size"), incomplete=("incomplete", "sum"))
        .reset_index()
    )


def duplicate_mask(records: pd.DataFrame) -> pd.Series:
    """Whether each row repeats an earlier-published row's decision (:data:`DUPLICATE_KEY`;
    ``decided`` is the decision date, else the event date). The first push is not a
    duplicate; every later one is."""
    frame = records.assign(decided=records["decided_on"].fillna(records["event_date"]))
    order = frame.sort_values(["published_on", "record_id"], kind="stable")
    return order.duplicated(list(DUPLICATE_KEY), keep="first").reindex(records.index)


def duplicates(records: pd.DataFrame) -> pd.DataFrame:
    """Per ``source_dept, period``: ``duplicates`` (rows that repeat a decision)."""
    frame = records[["source_dept", "period"]].assign(duplicates=duplicate_mask(records))
    return (
        frame.groupby(["source_dept", "period"]).agg(duplicates=("duplicates", "sum")).reset_index()
    )


def reason_rows(quarantined: pd.DataFrame) -> pd.DataFrame:
    """One row per quarantined row and reason (the column of each problem, once per row).

    ``quarantined`` has ``source_dept, period, reasons`` (the JSON list the ingest writes).
    """
    out: list[tuple[str, str, str]] = []
    for dept, period, reasons in quarantined[["source_dept", "period", "reasons"]].itertuples(
        index=False
    ):
        try:
            items = json.loads(reasons)
        except (TypeError, ValueError):
            items = []
        cols = {i.get("column", "") for i in items if isinstance(i, dict)} or {""}
        out += [(dept, period, c) for c in sorted(cols)]
    return pd.DataFrame(out, columns=["source_dept", "period", "reason"])


def validity(stored: pd.DataFrame, quarantined: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quarantine rates: overall and per reason.

    Parameters
    ----------
    stored
        ``source_dept, period, rows`` stored.
    quarantined
        One row per quarantined row: ``source_dept, period, reasons``.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``source_dept, period, pushed, quarantined`` (pushed = stored + quarantined) and
        ``source_dept, period, reason, rows, pushed, rate``.
    """
    q = quarantined.groupby(["source_dept", "period"]).size().rename("quarantined")
    both = stored.set_index(["source_dept", "period"])["rows"].to_frame().join(q, how="outer")
    both = both.fillna(0).astype(int)
    both["pushed"] = both["rows"] + both["quarantined"]
    overall = both.reset_index()[["source_dept", "period", "pushed", "quarantined"]]
    per = reason_rows(quarantined).groupby(["source_dept", "period", "reason"]).size()
    per = per.rename("rows").reset_index()
    per = per.merge(overall[["source_dept", "period", "pushed"]], on=["source_dept", "period"])
    per["rate"] = per["rows"] / per["pushed"]
    return overall, per


def accuracy(objections: pd.DataFrame) -> pd.DataFrame:
    """Per ``source_dept, period``: objections ``resolved`` and ``upheld``.

    ``objections`` holds the latest row of each objection against a department's record:
    ``source_dept, period, status`` (open ones are not yet decided and not counted).
    """
    done = objections[objections["status"].isin(["upheld", "rejected"])]
    return (
        done.assign(upheld=done["status"].eq("upheld"))
        .groupby(["source_dept", "period"])
        .agg(resolved=("upheld", "size"), upheld=("upheld", "sum"))
        .reset_index()
    )


def volume(monthly: pd.DataFrame, cfg: QualityConfig) -> pd.DataFrame:
    """Each month's rows against the department's usual level.

    ``monthly`` has ``source_dept, month (YYYY-MM), rows``; months without rows count as 0
    between a department's first and last month. Returns ``source_dept, month, rows,
    usual`` (``volume_basis`` ``same_month``: the median of the same calendar month of the
    previous ``volume_years`` years, where there is one; else, or with ``previous_months``,
    the median of the previous ``volume_months`` months, NaN with fewer than 3; NaN below
    ``volume_min_usual``),
    ``ratio`` and ``flag`` (``drop``, ``surge`` or empty).
    """
    out = []
    for dept, part in monthly.groupby("source_dept"):
        idx = pd.period_range(part["month"].min(), part["month"].max(), freq="M")
        rows = part.set_index(pd.PeriodIndex(part["month"], freq="M"))["rows"]
        rows = rows.groupby(level=0).sum().reindex(idx, fill_value=0)
        usual = rows.shift(1).rolling(cfg.volume_months, min_periods=3).median()
        if cfg.volume_basis == "same_month":
            # the same calendar month of up to volume_years earlier years: a department that
            # pushes quarterly or once a year is compared with its own season
            earlier = pd.concat(
                [rows.shift(12 * k) for k in range(1, cfg.volume_years + 1)], axis=1
            )
            seasonal = earlier.median(axis=1, skipna=True)
            usual = seasonal.where(earlier.notna().any(axis=1), usual)
        usual = usual.where(usual >= cfg.volume_min_usual)
        out.append(
            pd.DataFrame(
                {
                    "source_dept": dept,
                    "month": idx.strftime("%Y-%m"),
                    "rows": rows.to_numpy(),
                    "usual": usual.to_numpy(),
                }
            )
        )
    if not out:
        return pd.DataFrame(columns=["source_dept", "month", "rows", "usual", "ratio", "flag"])
    frame = pd.concat(out, ignore_index=True)
    frame["ratio"] = frame["rows"] / frame["usual"].where(frame["usual"] > 0)
    frame["flag"] = np.select(
        [frame["ratio"] < cfg.volume_low, frame["ratio"] > cfg.volume_high], ["drop", "surge"], ""
    )
    return frame


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
        Stored rows published in the periods: ``record_id, source_dept, month, kind,
        subject_id, severity, value_text, value_num, amount, event_date, decided_on,
        published_on`` and the columns ``cfg.required`` names.
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


_RECORD_COLUMNS = (
    "record_id",
    "source_dept",
    "kind",
    "subject_id",
    "severity",
    "value_text",
    "value_num",
    "amount",
    "event_date",
    "decided_on",
    "published_on",
)


def _month_range(periods: tuple[str, ...]) -> tuple[dt.date, dt.date]:
    first, last = min(periods), max(periods)
    start = dt.date(int(first[:4]), int(first[5:7]) if len(first) > 4 else 1, 1)
    end_month = dt.date(int(last[:4]), int(last[5:7]) if len(last) > 4 else 12, 1)
    end = (pd.Timestamp(end_month) + pd.offsets.MonthEnd(0)).date()
    return start, end


def read_inputs(
    store: Store, periods: tuple[str, ...], cfg: QualityConfig
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The frames :func:`assess` takes, read from ``store`` (each record's first stored
    version; its month is the month it was published, i.e. pushed)."""
    start, end = _month_range(periods)
    cols = list(dict.fromkeys([*_RECORD_COLUMNS, *_required_columns(cfg)]))
    records = store.query(
        f"""SELECT {", ".join(cols)}, strftime(published_on, '%Y-%m') AS month FROM records
            WHERE published_on BETWEEN ? AND ?
            QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY recorded_at) = 1""",
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
