"""Movers on a generated city: every grade change driven by records is explained by records."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from features.build import build_features
from features.schemes import SCHEMES
from scoring.history import migration, movers

D0, D1 = dt.date(2025, 12, 31), dt.date(2026, 6, 30)
RULES = (
    ("serious_list_now", "D"),
    ("abnormal_list_now", "C"),
    ("dishonest_now", "C"),
    ("penalties_24m", "B"),
)


def _ratings(generated, day: dt.date) -> pd.DataFrame:
    """Rule-based grades from record indicators, with those indicators as reasons."""
    scheme = SCHEMES["enterprise"]
    frame = build_features(generated, "enterprise", day)
    rows = []
    for rec in frame.to_dict("records"):
        grade, cited = "A", []
        for name, worse in RULES:
            if rec[name] > 0:
                cited.append(name)
                grade = max(grade, worse)
        reasons = {
            "unit": "log-odds",
            "base": 0.0,
            "output": float(len(cited)),
            "rest": 0.0,
            "raise": [
                {
                    "indicator": n,
                    "value": rec[n],
                    "contribution": 1.0,
                    "risk": 1.0,
                    "label_zh": scheme.indicator(n).label_zh,
                    "label_en": scheme.indicator(n).label_en,
                    "text_zh": "",
                    "text_en": "",
                }
                for n in cited
            ],
            "lower": [
                {
                    "indicator": n,
                    "value": 0,
                    "contribution": -0.1,
                    "risk": -0.1,
                    "label_zh": "",
                    "label_en": "",
                    "text_zh": "",
                    "text_en": "",
                }
                for n, _ in RULES
                if n not in cited
            ][:3],
        }
        rows.append(
            {
                "subject_id": rec["subject_id"],
                "scheme": "enterprise",
                "as_of": day,
                "model_name": "rules",
                "model_version": "1",
                "pd": np.nan,
                "final_grade": grade,
                "model_grade": grade,
                "overrides": "[]",
                "reasons": json.dumps(reasons),
                "scored_at": pd.Timestamp(day),
            }
        )
    return pd.DataFrame(rows)


def test_every_mover_has_the_records_that_moved_it(generated) -> None:
    ratings = pd.concat([_ratings(generated, D0), _ratings(generated, D1)])
    from features.store.duckdb_store import DuckDBStore

    store = DuckDBStore(":memory:")
    try:
        for table in ("subjects", "records", "objections", "repairs"):
            store.append(table, generated.query(f"SELECT * FROM {table}"))
        store.append("ratings", ratings)
        m = migration(store, "enterprise", D0, D1)
        out = movers(store, "enterprise", D0, D1)
        assert len(out) == m.upgrades + m.downgrades > 5
        assert (out["n_records"] > 0).all(), out[out["n_records"] == 0]
        changes = {r["change"] for recs in out["records"] for r in recs}
        assert "published" in changes and len(changes) >= 3, changes
        ups = out[out["direction"] == "up"]
        assert all(
            not r["started"] or r["change"] == "window"
            for recs in ups["records"]
            for r in recs
            if r["kind"] == "serious_violation_list"
        )
    finally:
        store.close()
