"""The 双公示 deadline: licences and penalties published within 7 working days of decision.

The use case behind ``xinping disclosure late`` and the steward's view on the 异议与修复
page (:func:`late_disclosures`). A record of a 双公示 kind decided on day D is due by D
plus :attr:`~scoring.disclosure.DisclosureConfig.deadline_workdays` working days
(Monday–Friday minus the configured holidays, counted as :mod:`scoring.objections`
counts them: a decision on a rest day starts counting on the next working day); it is
late when its first publication (``published_on`` of its first stored version: a
correction does not move it) is after that day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from features.store.base import Store
from scoring.disclosure import DisclosureConfig

#: columns of the per-record frame of :func:`late_disclosures`
DETAIL_COLUMNS: tuple[str, ...] = (
    "record_id",
    "subject_id",
    "kind",
    "source_dept",
    "decided_on",
    "due_by",
    "published_on",
    "workdays_late",
)
#: columns of the per-department and month summary
SUMMARY_COLUMNS: tuple[str, ...] = (
    "source_dept",
    "month",
    "decided",
    "late",
    "late_share",
    "max_workdays_late",
)


def due_by(decided: dt.date, workdays: int, holidays: tuple[dt.date, ...]) -> dt.date:
    """The last day a record decided on ``decided`` may be published on time.

    >>> due_by(dt.date(2026, 9, 30), 7, (dt.date(2026, 10, 1), dt.date(2026, 10, 2)))
    datetime.date(2026, 10, 13)
    """
    out = np.busday_offset(
        np.datetime64(decided, "D"), workdays, roll="forward", holidays=list(holidays)
    )
    return pd.Timestamp(out).date()


def late_disclosures(
    store: Store, start: dt.date, end: dt.date, cfg: DisclosureConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records of 双公示 kinds decided in ``[start, end]`` and whether each was late.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The late records (:data:`DETAIL_COLUMNS`, latest first) and, per source
        department and month of decision, how many were decided, how many were late,
        the late share and the largest delay in working days (:data:`SUMMARY_COLUMNS`).

    Raises
    ------
    ValueError
        When ``end`` is before ``start``.
    """
    if end < start:
        raise ValueError(f"--to {end} 早于 --from {start} / --to {end} is before --from {start}")
    kinds = ", ".join(f"'{k}'" for k in cfg.kinds)
    recs = store.query(
        f"""SELECT record_id, any_value(subject_id) AS subject_id, any_value(kind) AS kind,
                  arg_min(source_dept, recorded_at) AS source_dept,
                  arg_min(coalesce(decided_on, event_date), recorded_at) AS decided_on,
                  min(published_on) AS published_on
           FROM records WHERE kind IN ({kinds})
           GROUP BY record_id
           HAVING arg_min(coalesce(decided_on, event_date), recorded_at) BETWEEN ? AND ?""",
        [start, end],
    )
    if recs.empty:
        return pd.DataFrame(columns=list(DETAIL_COLUMNS)), pd.DataFrame(
            columns=list(SUMMARY_COLUMNS)
        )
    decided = np.asarray(pd.to_datetime(recs["decided_on"]).values, dtype="datetime64[D]")
    published = np.asarray(pd.to_datetime(recs["published_on"]).values, dtype="datetime64[D]")
    hol = list(cfg.holidays)
    due = np.busday_offset(decided, cfg.deadline_workdays, roll="forward", holidays=hol)
    # working days in [due, published): the due day is a working day, so a late record
    # is at least 1 working day late (one published on the next Saturday too)
    late_days = np.where(published > due, np.busday_count(due, published, holidays=hol), 0)
    out = recs.assign(
        decided_on=[pd.Timestamp(d).date() for d in decided],
        due_by=[pd.Timestamp(d).date() for d in due],
        published_on=[pd.Timestamp(d).date() for d in published],
        workdays_late=late_days.astype(int),
    )
    out["month"] = [d.replace(day=1) for d in out["decided_on"]]
    out["late"] = out["workdays_late"] > 0
    summary = (
        out.groupby(["source_dept", "month"], sort=True)
        .agg(
            decided=("record_id", "size"),
            late=("late", "sum"),
            max_workdays_late=("workdays_late", "max"),
        )
        .reset_index()
    )
    summary["late"] = summary["late"].astype(int)
    summary["late_share"] = summary["late"] / summary["decided"]
    detail = (
        out[out["late"]]
        .sort_values(["decided_on", "record_id"], ascending=[False, True])
        .reset_index(drop=True)
    )
    return detail[list(DETAIL_COLUMNS)], summary[list(SUMMARY_COLUMNS)]
