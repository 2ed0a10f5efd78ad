"""A hand-made city for the public-disclosure tests (scoring, the page, the API).

On ``T`` = 2026-10-31 (penalty windows: general 3–12 months, serious 12–36):

* ``FIRM`` 曲靖甲建材有限公司 (legal representative ``REP``):
  ``L1`` licence (no valid_until: shown); ``P1`` general penalty (shown);
  ``P2`` general penalty decided 2025-05-01 with valid_until 2027-05-01 (past the tier
  maximum of 12 months: hidden); ``P3`` minor penalty (hidden unless publish_minor);
  ``P4`` published after T (hidden); ``P5`` revoked (hidden); ``P6`` published late
  (decided Wed 2026-07-01, due Fri 07-10, published Wed 07-15: 3 working days late);
  ``P7`` decided 2026-09-30, published 10-13 (on time only with the 10-01..10-07 holiday);
  ``TAX`` a tax-level record (counts, never public).
* ``PERSON`` driver 张三丰 (居民身份证号码 ``PERSON``): ``PD1`` general penalty (shown masked).
* ``BLACK`` 曲靖乙物流有限公司: ``SV1`` serious-violation-list record → black list by rule.
* ``BLACK2`` 曲靖丙化工有限公司: ``SV2`` likewise, but under an open objection on T → suspended.
* ``OLD`` 曲靖丁商贸有限公司: ``SV3`` decided 2022 → its black listing expired.
* ``RED`` 曲靖戊食品有限公司: ``RL1`` red-list record → red list by rule.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from features.records.ids import uscc_check_char
from features.records.schema import TABLES
from features.records.windows import WindowPolicy
from features.store.base import Store
from scoring.lists import ListRule, ListsConfig

T = dt.date(2026, 10, 31)
FIRM, BLACK, BLACK2, OLD, RED = (
    f"9153030072200000{n}" + uscc_check_char(f"9153030072200000{n}")
    for n in ("1", "2", "3", "4", "5")
)
FIRM_NAME = "曲靖甲建材有限公司"
REP = "110105194912310038"
PERSON = "11010519491231002X"
PERSON_NAME = "张三丰"
HOLIDAYS = tuple(dt.date(2026, 10, d) for d in range(1, 8))
LISTS = ListsConfig(
    rules=(
        ListRule("black-serious-list", "black", "严重违法失信名单", ("serious_violation_list",)),
        ListRule("red-red-list", "red", "红名单记录", ("red_list",)),
    )
)
POLICY = WindowPolicy()


def _subject(sid: str, name: str, stype: str = "enterprise", rep: str | None = None) -> dict:
    return {
        "subject_id": sid,
        "subject_type": stype,
        "name": name,
        "region_code": "530302",
        "industry": "C" if stype == "enterprise" else None,
        "scale": "small" if stype == "enterprise" else None,
        "established_on": dt.date(2015, 3, 1),
        "legal_rep_id": rep,
        "household_size": None,
        "status": "active",
        "recorded_at": pd.Timestamp("2026-01-01"),
    }


def _record(
    rid: str,
    sid: str,
    kind: str,
    decided: str,
    published: str,
    severity: str | None = None,
    valid_until: str | None = None,
    revoked: str | None = None,
    polarity: str = "negative",
    value_text: str | None = None,
    dept: str = "samr",
    amount: float | None = None,
) -> dict:
    d = dt.date.fromisoformat
    return {
        "record_id": rid,
        "subject_id": sid,
        "kind": kind,
        "domain": "supervision",
        "severity": severity,
        "polarity": polarity,
        "value_num": None,
        "value_text": value_text,
        "amount": amount,
        "event_date": d(decided),
        "decided_on": d(decided),
        "published_on": d(published),
        "valid_until": d(valid_until) if valid_until else None,
        "revoked_on": d(revoked) if revoked else None,
        "source_dept": dept,
        "detail": "现场检查发现问题（经办人 110105194912310038）",
        "recorded_at": pd.Timestamp("2026-11-01"),
    }


def _frame(rows: list[dict], table: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for col in TABLES[table].columns:
        if col.name in frame and col.dtype == "date":
            frame[col.name] = pd.to_datetime(frame[col.name]).dt.date
    return frame


PEN = "administrative_penalty"


def build_public_city(store: Store) -> Store:
    """Fill ``store`` with the city of the module docstring (lists applied on ``T``)."""
    from scoring.list_rules import apply_rules
    from scoring.objections import open_objection

    store.append(
        "subjects",
        _frame(
            [
                _subject(FIRM, FIRM_NAME, rep=REP),
                _subject(PERSON, PERSON_NAME, "driver"),
                _subject(BLACK, "曲靖乙物流有限公司"),
                _subject(BLACK2, "曲靖丙化工有限公司"),
                _subject(OLD, "曲靖丁商贸有限公司"),
                _subject(RED, "曲靖戊食品有限公司"),
            ],
            "subjects",
        ),
    )
    g = "general"
    rows = [
        _record(
            "L1", FIRM, "administrative_licence", "2026-09-01", "2026-09-03", polarity="neutral"
        ),
        _record("P1", FIRM, PEN, "2026-06-01", "2026-06-05", g, "2027-06-01", value_text="food",
                amount=5000.0),
        _record("P2", FIRM, PEN, "2025-05-01", "2025-05-05", g, "2027-05-01", value_text="other"),
        _record("P3", FIRM, PEN, "2026-10-01", "2026-10-09", "minor", "2027-01-01",
                value_text="other"),
        _record("P4", FIRM, PEN, "2026-10-20", "2026-11-05", "serious", "2029-10-20",
                value_text="other"),
        _record("P5", FIRM, PEN, "2026-08-01", "2026-08-04", g, "2027-08-01", revoked="2026-10-10",
                value_text="other"),
        _record("P6", FIRM, PEN, "2026-07-01", "2026-07-15", g, "2027-07-01", value_text="price"),
        _record("P7", FIRM, PEN, "2026-09-30", "2026-10-13", g, "2027-09-30", value_text="price"),
        _record("TAX", FIRM, "tax_credit_level", "2026-04-30", "2026-05-02", polarity="neutral",
                value_text="B", dept="tax"),
        _record("PD1", PERSON, PEN, "2026-08-03", "2026-08-04", g, "2027-08-03",
                value_text="transport", dept="transport"),
        _record("SV1", BLACK, "serious_violation_list", "2026-03-10", "2026-03-12", "serious",
                "2029-03-10"),
        _record("SV2", BLACK2, "serious_violation_list", "2026-04-10", "2026-04-12", "serious",
                "2029-04-10"),
        _record("SV3", OLD, "serious_violation_list", "2022-03-10", "2022-03-12", "serious",
                "2025-03-10"),
        _record("RL1", RED, "red_list", "2026-02-01", "2026-02-02", polarity="positive",
                value_text="contract_honouring", dept="ndrc"),
    ]  # fmt: skip
    store.append("records", _frame(rows, "records"))
    apply_rules(store, dt.date(2025, 1, 1), LISTS, POLICY, "tester")
    apply_rules(store, T, LISTS, POLICY, "tester")
    open_objection(store, "SV2", "名单依据有误", "tester", dt.date(2026, 10, 20))
    return store
