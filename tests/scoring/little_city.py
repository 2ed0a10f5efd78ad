"""A hand-made little city for the rating-history and report tests (see conftest.py).

Enterprise scheme, as-of dates 2026-06-30 (``D0``) and 2026-09-30 (``D1``):

* ``E1`` A → D: put on the serious violation list (published 2026-07-15); an
  unrelated tax record published in between must not be listed as a cause.
* ``E2`` B → B; at D0 an older model version said C, a later batch says B.
* ``E3`` C → B: its abnormal-operations listing expired on 2026-08-01 and a
  2024 penalty left the 24-month window.
* ``E4`` rated only at D1 (entered); ``E5`` only at D0 (exited).
* ``E6`` A → D in the D1 batch, then re-rated A after an upheld objection
  (same as-of date, later ``scored_at``): not a mover.
* ``DRV`` a driver (personal ID) with a traffic violation, rated at D1.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from features.records.ids import uscc_check_char
from features.schemes import SCHEMES
from features.store.duckdb_store import DuckDBStore

D0, D1 = dt.date(2026, 6, 30), dt.date(2026, 9, 30)
E1, E2 = "91110000600037341L", "91350100M000100Y43"
# valid USCCs (a code that fails its check and looks like an ID number is masked as one)
E3, E4, E5, E6, UNRATED = (
    f"9153030072000000{n}" + uscc_check_char(f"9153030072000000{n}")
    for n in ("1", "2", "3", "4", "5")
)
DRV = "11010519491231002X"
REP = "110105194912310038"


def reasons(
    scheme: str,
    raise_: list[tuple[str, Any, float]],
    lower: list[tuple[str, Any, float]] = (),
    cause: dict | None = None,
    unit: str = "log-odds",
) -> str:
    """A reasons JSON in the batch-scoring contract."""
    sch = SCHEMES[scheme]

    def item(name: str, value: Any, contribution: float) -> dict:
        ind = sch.indicator(name)
        return {
            "indicator": name,
            "value": value,
            "contribution": contribution,
            "risk": contribution if unit == "log-odds" else -contribution,
            "label_zh": ind.label_zh,
            "label_en": ind.label_en,
            "text_zh": ind.reason(value, "zh"),
            "text_en": ind.reason(value, "en"),
        }

    ups = [item(*r) for r in raise_]
    downs = [item(*r) for r in lower]
    total = sum(i["contribution"] for i in ups + downs)
    data = {
        "unit": unit,
        "base": -3.0,
        "output": -3.0 + total + 0.1,
        "rest": 0.1,
        "raise": ups,
        "lower": downs,
    }
    if cause:
        data["cause"] = cause
    return json.dumps(data, ensure_ascii=False)


def override(scheme: str, indicator: str, grade: str) -> str:
    from models.rating import load_scale

    for o in load_scale(scheme).overrides:
        if o.indicator == indicator:
            return json.dumps(
                [
                    {
                        "grade": grade,
                        "indicator": indicator,
                        "reason_zh": o.reason_zh,
                        "reason_en": o.reason_en,
                    }
                ],
                ensure_ascii=False,
            )
    raise KeyError(indicator)


def rating(
    subject: str,
    as_of: dt.date,
    grade: str,
    scored_at: str,
    *,
    scheme: str = "enterprise",
    version: str = "2",
    pd_: float = 0.02,
    score: float | None = None,
    reasons_json: str | None = None,
    overrides_json: str = "[]",
    model_grade: str | None = None,
) -> dict:
    return {
        "subject_id": subject,
        "scheme": scheme,
        "as_of": as_of,
        "model_name": f"xinping-{scheme}",
        "model_version": version,
        "run_id": f"run{version}",
        "score": score,
        "pd": pd_,
        "model_grade": model_grade or grade,
        "final_grade": grade,
        "overrides": overrides_json,
        "reasons": reasons_json or reasons(scheme, [("penalties_24m", 0, 0.01)]),
        "green_channel": False,
        "scored_at": pd.Timestamp(scored_at),
    }


def subject(sid: str, name: str, stype: str = "enterprise", **kw: Any) -> dict:
    return {
        "subject_id": sid,
        "subject_type": stype,
        "name": name,
        "region_code": "530302",
        "industry": kw.get("industry", "C" if stype == "enterprise" else None),
        "scale": kw.get("scale", "small" if stype == "enterprise" else None),
        "established_on": dt.date(2015, 3, 1),
        "legal_rep_id": kw.get("legal_rep_id"),
        "employer_id": kw.get("employer_id"),
        "status": "active",
    }


def record(
    rid: str,
    sid: str,
    kind: str,
    *,
    event: str,
    published: str,
    dept: str = "samr",
    polarity: str = "negative",
    severity: str | None = None,
    value_text: str | None = None,
    value_num: float | None = None,
    valid_until: str | None = None,
    revoked: str | None = None,
    detail: str | None = None,
    domain: str = "supervision",
    amount: float | None = None,
) -> dict:
    d = dt.date.fromisoformat
    return {
        "record_id": rid,
        "subject_id": sid,
        "kind": kind,
        "domain": domain,
        "severity": severity,
        "polarity": polarity,
        "value_num": value_num,
        "value_text": value_text,
        "amount": amount,
        "event_date": d(event),
        "decided_on": d(event),
        "published_on": d(published),
        "valid_until": d(valid_until) if valid_until else None,
        "revoked_on": d(revoked) if revoked else None,
        "source_dept": dept,
        "detail": detail,
    }


def table_frame(rows: list[dict], table: str) -> pd.DataFrame:
    from features.records.schema import TABLES

    frame = pd.DataFrame(rows)
    for col in TABLES[table].columns:
        if col.name in frame and col.dtype == "date":
            frame[col.name] = pd.to_datetime(frame[col.name]).dt.date
    return frame


def build_city(store: DuckDBStore) -> DuckDBStore:
    """Fill ``store`` with the little city described in the module docstring."""
    store.append(
        "subjects",
        table_frame(
            [
                subject(E1, "曲靖甲商贸有限公司", legal_rep_id=REP),
                subject(E2, "曲靖乙制造有限公司"),
                subject(E3, "曲靖丙食品有限公司"),
                subject(E4, "曲靖丁物流有限公司"),
                subject(E5, "曲靖戊建材有限公司"),
                subject(E6, "曲靖己餐饮有限公司"),
                subject(DRV, "张三", "driver", employer_id=E2),
            ],
            "subjects",
        ),
    )
    store.append(
        "records",
        table_frame(
            [
                record(
                    "R-E1-LIST",
                    E1,
                    "serious_violation_list",
                    event="2026-07-10",
                    published="2026-07-15",
                    severity="serious",
                    valid_until="2029-07-10",
                    detail="<b>严重违法</b>",
                ),
                record(
                    "R-E1-TAX",
                    E1,
                    "tax_paid",
                    event="2026-07-31",
                    published="2026-08-05",
                    dept="tax",
                    polarity="neutral",
                    domain="tax",
                    amount=12000.0,
                ),
                record(
                    "R-E1-PEN",
                    E1,
                    "administrative_penalty",
                    event="2026-03-01",
                    published="2026-03-05",
                    severity="general",
                    value_text="price",
                    valid_until="2027-03-01",
                    amount=5000.0,
                ),
                record(
                    "R-E3-ABN",
                    E3,
                    "abnormal_operations_list",
                    event="2026-02-01",
                    published="2026-02-03",
                    severity="general",
                    value_text="annual_report",
                    valid_until="2026-08-01",
                ),
                record(
                    "R-E3-PEN",
                    E3,
                    "administrative_penalty",
                    event="2024-07-15",
                    published="2024-07-20",
                    severity="serious",
                    value_text="food",
                    valid_until="2027-07-15",
                ),
                record(
                    "R-E6-LIST",
                    E6,
                    "serious_violation_list",
                    event="2026-07-01",
                    published="2026-07-02",
                    severity="serious",
                    valid_until="2029-07-01",
                ),
                record(
                    "R-DRV-V",
                    DRV,
                    "traffic_violation",
                    event="2026-05-01",
                    published="2026-05-03",
                    dept="traffic_police",
                    severity="general",
                    value_num=6.0,
                    domain="transport",
                    valid_until="2027-05-01",
                ),
                record(
                    "R-REP-DJD",
                    REP,
                    "dishonest_judgment_debtor",
                    event="2026-01-10",
                    published="2026-01-12",
                    dept="court",
                    severity="serious",
                    domain="judicial",
                ),
            ],
            "records",
        ),
    )
    store.append(
        "objections",
        table_frame(
            [
                {
                    "objection_id": "OBJ-1",
                    "record_id": "R-E6-LIST",
                    "subject_id": E6,
                    "status": "open",
                    "opened_on": dt.date(2026, 8, 1),
                    "reason": "名单认定有误",
                    "recorded_at": pd.Timestamp("2026-08-01 09:00"),
                },
                {
                    "objection_id": "OBJ-1",
                    "record_id": "R-E6-LIST",
                    "subject_id": E6,
                    "status": "upheld",
                    "opened_on": dt.date(2026, 8, 1),
                    "resolved_on": dt.date(2026, 8, 10),
                    "reason": "名单认定有误",
                    "handled_by": "steward",
                    "recorded_at": pd.Timestamp("2026-08-10 09:00"),
                },
                {
                    "objection_id": "OBJ-2",
                    "record_id": "R-E1-PEN",
                    "subject_id": E1,
                    "status": "open",
                    "opened_on": dt.date(2026, 10, 2),
                    "reason": "处罚已撤销",
                    "recorded_at": pd.Timestamp("2026-10-02 09:00"),
                },
            ],
            "objections",
        ),
    )
    store.append(
        "repairs",
        table_frame(
            [
                {
                    "repair_id": "REP-1",
                    "record_id": "R-E3-PEN",
                    "subject_id": E3,
                    "status": "applied",
                    "applied_on": dt.date(2026, 9, 1),
                    "recorded_at": pd.Timestamp("2026-09-01 09:00"),
                },
            ],
            "repairs",
        ),
    )
    e = "enterprise"
    store.append(
        "ratings",
        table_frame(
            [
                # D0: an older model version, then the current batch
                rating(E2, D0, "C", "2026-07-01 08:00", version="1", pd_=0.08),
                rating(E1, D0, "A", "2026-07-02 08:00", pd_=0.01),
                rating(E2, D0, "B", "2026-07-02 08:00", pd_=0.04),
                rating(
                    E3,
                    D0,
                    "C",
                    "2026-07-02 08:00",
                    pd_=0.09,
                    overrides_json=override(e, "abnormal_list_now", "C"),
                    reasons_json=reasons(
                        e, [("abnormal_list_now", 1, 0.9), ("penalties_24m", 1, 0.4)]
                    ),
                ),
                rating(E5, D0, "B", "2026-07-02 08:00"),
                rating(E6, D0, "A", "2026-07-02 08:00", pd_=0.01),
                # D1 batch
                rating(
                    E1,
                    D1,
                    "D",
                    "2026-10-01 08:00",
                    pd_=0.05,
                    model_grade="B",
                    overrides_json=override(e, "serious_list_now", "D"),
                    reasons_json=reasons(
                        e,
                        [
                            ("serious_list_now", 1, 1.2),
                            ("penalties_24m", 1, 0.3),
                            ("rep_dishonest_now", 1, 0.2),
                        ],
                        [("age_years", 11.3, -0.2)],
                    ),
                ),
                rating(E2, D1, "B", "2026-10-01 08:00", pd_=0.04),
                rating(
                    E3,
                    D1,
                    "B",
                    "2026-10-01 08:00",
                    pd_=0.03,
                    reasons_json=reasons(e, [("penalties_24m", 0, 0.0)]),
                ),
                rating(E4, D1, "A", "2026-10-01 08:00"),
                rating(
                    E6,
                    D1,
                    "D",
                    "2026-10-01 08:00",
                    pd_=0.05,
                    overrides_json=override(e, "serious_list_now", "D"),
                    reasons_json=reasons(e, [("serious_list_now", 1, 1.2)]),
                ),
                # E6 re-rated after the upheld objection
                rating(
                    E6,
                    D1,
                    "A",
                    "2026-10-02 09:30",
                    pd_=0.01,
                    reasons_json=reasons(
                        e,
                        [("penalties_24m", 0, 0.0)],
                        cause={"kind": "objection", "id": "OBJ-1", "record_id": "R-E6-LIST"},
                    ),
                ),
                # the driver
                rating(
                    DRV,
                    D1,
                    "AA",
                    "2026-10-01 08:00",
                    scheme="driver",
                    pd_=0.03,
                    score=None,
                    reasons_json=reasons("driver", [("points_12m", 6.0, 0.5)]),
                ),
                rating(
                    DRV,
                    D0,
                    "AAA",
                    "2026-07-02 08:00",
                    scheme="driver",
                    pd_=0.01,
                    reasons_json=reasons("driver", [("points_12m", 0.0, 0.0)]),
                ),
            ],
            "ratings",
        ),
    )
    return store
