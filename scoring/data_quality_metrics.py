"""The six data-quality metrics of :mod:`scoring.data_quality`, each a pure function over a
frame of a department's rows: counts per ``source_dept, period`` that a month and a year sum
alike (seeds 001 §九(四), 004 §五(三))."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from features.records.kinds import all_kinds
from scoring.data_quality_config import QualityConfig

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


def weights(frame: pd.DataFrame) -> pd.Series:
    """How many records each row stands for: ``n`` of a counted frame (rows grouped by
    what the metrics read, :func:`scoring.data_quality.read_inputs`), else 1 each."""
    if "n" in frame.columns:
        return frame["n"].astype("int64")
    return pd.Series(1, index=frame.index, dtype="int64")


def weighted_median(values: np.ndarray, counts: np.ndarray) -> float:
    """The median of ``values`` each repeated ``counts`` times (pandas' median of the
    expanded values: the mean of the two middle ones for an even total)."""
    order = np.argsort(values, kind="stable")
    values, cum = values[order], np.cumsum(counts[order])
    total = int(cum[-1]) if len(cum) else 0
    if total == 0:
        return float("nan")
    lo, hi = np.searchsorted(cum, [(total - 1) // 2 + 1, total // 2 + 1])
    return (float(values[lo]) + float(values[hi])) / 2


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

    ``records`` has ``source_dept, period, kind, decided_on, published_on`` (and ``n``
    when each row stands for ``n`` records, :func:`weights`).
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
            "n": weights(rows).to_numpy(),
        }
    )
    frame["late"] = frame["late"] * frame["n"]
    grouped = frame.groupby(["source_dept", "period"])
    out = grouped.agg(decided=("n", "sum"), late=("late", "sum"))
    out["median_lag"] = [
        weighted_median(g["lag"].to_numpy(), g["n"].to_numpy()) for _, g in grouped
    ]
    return out.reset_index()


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
    """Per ``source_dept, period``: ``rows`` stored and ``incomplete`` ones (a counted
    frame carries its ``incomplete`` flag and ``n``, see :func:`weights`)."""
    flag = records["incomplete"] if "incomplete" in records else incomplete_mask(records, cfg)
    n = weights(records)
    frame = records[["source_dept", "period"]].assign(rows=n, incomplete=flag.astype(int) * n)
    return frame.groupby(["source_dept", "period"])[["rows", "incomplete"]].sum().reset_index()


def duplicate_mask(records: pd.DataFrame) -> pd.Series:
    """Whether each row repeats an earlier-published row's decision (:data:`DUPLICATE_KEY`;
    ``decided`` is the decision date, else the event date). The first push is not a
    duplicate; every later one is."""
    frame = records.assign(decided=records["decided_on"].fillna(records["event_date"]))
    order = frame.sort_values(["published_on", "record_id"], kind="stable")
    return order.duplicated(list(DUPLICATE_KEY), keep="first").reindex(records.index)


def duplicates(records: pd.DataFrame) -> pd.DataFrame:
    """Per ``source_dept, period``: ``duplicates`` (rows that repeat a decision; a counted
    frame carries its ``duplicate`` flag and ``n``, see :func:`weights`)."""
    flag = records["duplicate"] if "duplicate" in records else duplicate_mask(records)
    frame = records[["source_dept", "period"]].assign(
        duplicates=flag.astype(int) * weights(records)
    )
    return frame.groupby(["source_dept", "period"])[["duplicates"]].sum().reset_index()


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
