"""Comparing ratings from two engines: same rows, grades and reasons; numbers to 1e-9.

Used by the Spark parity tests (test_spark_batch.py, test_spark_job.py) and by
hand (bench or a shell) on a bigger city.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

#: Columns that must be exactly equal.
EXACT = (
    "subject_id",
    "scheme",
    "as_of",
    "model_name",
    "model_version",
    "run_id",
    "model_grade",
    "final_grade",
    "green_channel",
    "scored_at",
)
#: Numbers compared to a relative (and absolute) tolerance.
NUMERIC = ("score", "pd")
#: JSON columns compared structurally, their numbers to the tolerance.
JSON = ("overrides", "reasons")


def same_json(a: Any, b: Any, tol: float = 1e-9) -> bool:
    """``a`` and ``b`` equal, floats within ``tol`` (relative and absolute)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y, tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, int | float) and isinstance(b, int | float):
            return math.isclose(a, b, rel_tol=tol, abs_tol=tol)
        return False
    return a == b


def rating_differences(duck: pd.DataFrame, spark: pd.DataFrame, tol: float = 1e-9) -> list[str]:
    """What differs between two engines' ratings of one batch (empty: identical).

    Rows are matched by ``subject_id``; scores and PDs to ``tol``; grades,
    green channel and identifiers exactly; reasons and overrides as JSON with
    numbers to ``tol`` (the engines' indicators agree to 1e-9, not bit for bit).
    """
    a = duck.sort_values("subject_id").reset_index(drop=True)
    b = spark.sort_values("subject_id").reset_index(drop=True)
    if list(a["subject_id"]) != list(b["subject_id"]):
        return [
            f"subjects differ: {len(a)} vs {len(b)} rows, "
            f"{len(set(a['subject_id']) ^ set(b['subject_id']))} not in both"
        ]
    problems = []
    for col in EXACT:
        x, y = a[col].astype(object), b[col].astype(object)
        same = (x.isna() & y.isna()) | (x == y).fillna(False).astype(bool)
        if not same.all():
            i = int((~same).to_numpy().argmax())
            problems.append(f"{col}: {int((~same).sum())} differ, e.g. {x[i]!r} vs {y[i]!r}")
    for col in NUMERIC:
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        ok = [
            (math.isnan(p) and math.isnan(q)) or math.isclose(p, q, rel_tol=tol, abs_tol=tol)
            for p, q in zip(x, y, strict=True)
        ]
        if not all(ok):
            problems.append(f"{col}: {ok.count(False)} differ beyond {tol}")
    for col in JSON:
        bad = [
            (sid, p, q)
            for sid, p, q in zip(a["subject_id"], a[col], b[col], strict=True)
            if not same_json(
                None if p is None else json.loads(p), None if q is None else json.loads(q), tol
            )
        ]
        if bad:
            sid, p, q = bad[0]
            problems.append(f"{col}: {len(bad)} differ, e.g. {sid}:\n{p}\nvs\n{q}")
    return problems
