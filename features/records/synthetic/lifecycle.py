"""Objections and credit repairs on generated negative records.

A few percent of negative records are disputed (some objections upheld, some
resolved after the 20-day cap, some still open at the end); some penalties and
listings are repaired after their minimum window, and a few repairs are asked
for too early and rejected.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from features.records.synthetic.calendar import END_DAY
from features.records.windows import WindowPolicy, add_months

DISPUTABLE = (
    "administrative_penalty",
    "abnormal_operations_list",
    "serious_violation_list",
    "dishonest_judgment_debtor",
    "court_judgment",
    "tax_arrears",
    "social_insurance_arrears",
    "wage_arrears",
    "bidding_misconduct",
    "utility_arrears",
    "loan_overdue",
    "traffic_violation",
    "traffic_accident",
    "passenger_complaint",
)
REPAIRABLE = (
    "administrative_penalty",
    "serious_violation_list",
    "bidding_misconduct",
)
REASONS = (
    "处罚决定已被行政复议撤销",
    "记录主体有误，非本企业",
    "金额与决定书不一致",
    "已按期履行，应及时移出",
    "信息重复报送",
    "公示期限已满未撤下",
)
STAFF = ("信用办张敏", "信用办李强", "信用办王芳", "市场监管局赵磊")


def _days(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]")


def objections_and_repairs(
    rng: np.random.Generator,
    records: pa.Table,
    windows: WindowPolicy,
    disputed: tuple[str, ...] = (),
    repaired: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Objection rows and repair rows (append-only: one row per status) for ``records``.

    ``disputed`` and ``repaired`` add a declared scheme's own kinds (its
    ``generator.toml`` ``[lifecycle]``) to the built-in :data:`DISPUTABLE` and
    :data:`REPAIRABLE`, so that a new scheme never edits this module.
    """
    cols = [
        "record_id",
        "subject_id",
        "kind",
        "severity",
        "value_text",
        "decided_on",
        "published_on",
        "event_date",
    ]
    frame = records.select(cols).to_pandas()
    frame = frame[frame["kind"].isin(DISPUTABLE + disputed)].reset_index(drop=True)
    return _objections(rng, frame), _repairs(rng, frame, windows, REPAIRABLE + repaired)


def _objections(rng: np.random.Generator, f: pd.DataFrame) -> pd.DataFrame:
    chosen = f[rng.random(len(f)) < 0.04].reset_index(drop=True)
    n = len(chosen)
    opened = _days(chosen["published_on"]) + rng.integers(1, 91, n).astype("timedelta64[D]")
    keep = opened <= END_DAY
    chosen, opened = chosen[keep].reset_index(drop=True), opened[keep]
    n = len(chosen)
    resolved = opened + rng.integers(3, 31, n).astype("timedelta64[D]")
    upheld = rng.random(n) < 0.25
    oid = "YY" + chosen["record_id"].astype(str)
    reason = rng.choice(np.array(REASONS, dtype=object), n)
    handler = rng.choice(np.array(STAFF, dtype=object), n)
    opened_rows = pd.DataFrame(
        {
            "objection_id": oid,
            "record_id": chosen["record_id"],
            "subject_id": chosen["subject_id"],
            "status": "open",
            "opened_on": opened,
            "resolved_on": pd.NaT,
            "reason": reason,
            "handled_by": handler,
            "recorded_at": opened.astype("datetime64[s]"),
        }
    )
    done = resolved <= END_DAY
    closed_rows = opened_rows[done].copy()
    closed_rows["status"] = np.where(upheld[done], "upheld", "rejected")
    closed_rows["resolved_on"] = resolved[done]
    closed_rows["recorded_at"] = resolved[done].astype("datetime64[s]")
    return pd.concat([opened_rows, closed_rows], ignore_index=True)


def _repairs(
    rng: np.random.Generator, f: pd.DataFrame, windows: WindowPolicy, kinds: tuple[str, ...]
) -> pd.DataFrame:
    f = f[f["kind"].isin(kinds) & f["severity"].isin(["general", "serious"])]
    f = f.reset_index(drop=True)
    n = len(f)
    decided = _days(f["decided_on"].fillna(f["event_date"]))
    legacy = decided < np.datetime64(windows.legacy_before.isoformat(), "D")
    min_months = np.array(
        [
            windows.min_months(k, s, dt.date(2020, 1, 1) if old else windows.legacy_before, v or "")
            for k, s, old, v in zip(f["kind"], f["severity"], legacy, f["value_text"], strict=True)
        ],
        dtype=int,
    )
    earliest = add_months(decided, min_months)
    u = rng.random(n)
    on_time = u < 0.12
    too_early = (u >= 0.12) & (u < 0.15)
    applied = np.where(
        on_time,
        earliest + rng.integers(0, 121, n).astype("timedelta64[D]"),
        decided + rng.integers(10, 60, n).astype("timedelta64[D]"),
    )
    # an early application must really fall before the minimum
    too_early &= applied < earliest
    chosen = (on_time | too_early) & (applied <= END_DAY)
    f, applied = f[chosen].reset_index(drop=True), applied[chosen]
    too_early = too_early[chosen]
    n = len(f)
    decided_on = applied + rng.integers(5, 31, n).astype("timedelta64[D]")
    approved = ~too_early & (rng.random(n) < 0.85)
    rid = "XF" + f["record_id"].astype(str)
    handler = rng.choice(np.array(STAFF, dtype=object), n)
    applied_rows = pd.DataFrame(
        {
            "repair_id": rid,
            "record_id": f["record_id"],
            "subject_id": f["subject_id"],
            "status": "applied",
            "applied_on": applied,
            "approved_on": pd.NaT,
            "handled_by": handler,
            "recorded_at": applied.astype("datetime64[s]"),
        }
    )
    done = decided_on <= END_DAY
    decided_rows = applied_rows[done].copy()
    decided_rows["status"] = np.where(approved[done], "approved", "rejected")
    decided_rows["approved_on"] = decided_on[done]
    decided_rows["recorded_at"] = decided_on[done].astype("datetime64[s]")
    return pd.concat([applied_rows, decided_rows], ignore_index=True)
