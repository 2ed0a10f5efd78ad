"""Seeded department files for the validation, reader and ingestion tests.

Rows are built as strings, the way a department exports them, from the
identifier generators in features/records/ids.py and a seeded Generator.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from features.records.ids import generate_id_numbers, generate_uscc
from features.store.duckdb_store import DuckDBStore

TODAY = dt.date(2026, 11, 22)
COUNTIES = np.array(["530302", "530303", "530322", "530326"])
RECORD_COLUMNS = [
    "record_id",
    "subject_id",
    "kind",
    "severity",
    "value_num",
    "value_text",
    "amount",
    "event_date",
    "decided_on",
    "published_on",
    "valid_until",
    "source_dept",
    "detail",
]
SECTORS = ["food", "work_safety", "price", "quality", "other"]


def uscc_codes(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` valid 统一社会信用代码."""
    return list(generate_uscc(rng, rng.choice(COUNTIES, n)))


def id_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` valid 居民身份证号码 of people born 1950–2000."""
    births = np.datetime64("1950-01-01") + rng.integers(0, 18_000, n).astype("timedelta64[D]")
    return list(generate_id_numbers(rng, rng.choice(COUNTIES, n), births, rng.random(n) < 0.5))


def _day(base: dt.date, days: int) -> str:
    return (base + dt.timedelta(days=int(days))).isoformat()


def make_records(n: int, seed: int = 0, prefix: str = "R") -> pd.DataFrame:
    """``n`` valid records as strings, as a department would export them.

    Kinds cycle through an enterprise penalty (severity, sector, fine), tax paid,
    a tax credit level, a person's traffic violation (points) and a loan to a
    person whose maturity (valid_until) lies in the future. Dates lie in
    2021–2026, before :data:`TODAY`.
    """
    rng = np.random.default_rng(seed)
    firms = uscc_codes(rng, n)
    people = id_numbers(rng, n)
    start = dt.date(2021, 1, 1)
    rows = []
    for i in range(n):
        event = start + dt.timedelta(days=int(rng.integers(0, 2000)))
        published = _day(event, rng.integers(0, 60))
        row = dict.fromkeys(RECORD_COLUMNS, "")
        row.update(
            record_id=f"{prefix}{seed}-{i:06d}",
            event_date=event.isoformat(),
            published_on=published,
        )
        variant = i % 5
        if variant == 0:
            row.update(
                subject_id=firms[i],
                kind="administrative_penalty",
                severity=str(rng.choice(["minor", "general", "serious"])),
                value_text=str(rng.choice(SECTORS)),
                amount=str(int(rng.integers(1, 50)) * 1000),
                decided_on=_day(event, rng.integers(0, 20)),
                valid_until=_day(event, 1095),
                source_dept="samr",
                detail="罚款；责令改正",
            )
        elif variant == 1:
            row.update(
                subject_id=firms[i],
                kind="tax_paid",
                amount=f"{rng.uniform(100, 1e6):.2f}",
                source_dept="tax",
            )
        elif variant == 2:
            row.update(
                subject_id=firms[i],
                kind="tax_credit_level",
                value_text=str(rng.choice(list("ABMCD"))),
                source_dept="tax",
                detail="年度纳税信用评价",
            )
        elif variant == 3:
            row.update(
                subject_id=people[i],
                kind="traffic_violation",
                severity="minor",
                value_num=str(int(rng.choice([1, 3, 6]))),
                source_dept="traffic_police",
                detail="闯红灯",
            )
        else:
            row.update(
                subject_id=people[i],
                kind="loan",
                value_num="36",
                amount=str(int(rng.integers(1, 30)) * 10_000),
                valid_until=_day(event, 3 * 365 + 1000),
                source_dept="bank",
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=RECORD_COLUMNS, dtype=str)


SUBJECT_COLUMNS = [
    "subject_id",
    "subject_type",
    "name",
    "region_code",
    "township_code",
    "village_code",
    "industry",
    "scale",
    "registered_capital",
    "established_on",
    "legal_rep_id",
    "household_size",
    "labour_count",
    "land_mu",
    "licence_class",
    "employer_id",
    "status",
]


def make_subjects(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` valid subjects as strings: enterprises, households and drivers in turn."""
    rng = np.random.default_rng(seed)
    firms = uscc_codes(rng, n)
    people = id_numbers(rng, 2 * n)
    rows = []
    for i in range(n):
        row = dict.fromkeys(SUBJECT_COLUMNS, "")
        county = str(COUNTIES[i % len(COUNTIES)])
        row.update(region_code=county, status="active")
        if i % 3 == 0:
            row.update(
                subject_id=firms[i],
                subject_type="enterprise",
                name=f"曲靖市测试企业{i}有限公司",
                industry=str(rng.choice(list("CFGI"))),
                scale=str(rng.choice(["small", "micro"])),
                registered_capital=str(int(rng.integers(10, 500))),
                established_on=_day(dt.date(2005, 1, 1), rng.integers(0, 6000)),
                legal_rep_id=people[n + i],
            )
        elif i % 3 == 1:
            township = f"{county}{100 + i % 50:03d}"
            row.update(
                subject_id=people[i],
                subject_type="household",
                name=f"农户{i}",
                township_code=township,
                village_code=f"{township}{200 + i % 90:03d}",
                household_size=str(int(rng.integers(1, 7))),
                labour_count="2",
                land_mu=f"{rng.uniform(1, 30):.1f}",
            )
        else:
            row.update(
                subject_id=people[i],
                subject_type="driver",
                name=f"驾驶员{i}",
                licence_class="A2",
                employer_id=firms[i],
                established_on=_day(dt.date(2000, 1, 1), rng.integers(0, 8000)),
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=SUBJECT_COLUMNS, dtype=str)


@pytest.fixture
def store(tmp_path):
    """An empty DuckDB store in the test's folder."""
    with DuckDBStore(tmp_path / "xp.duckdb") as st:
        yield st


def table_counts(st: DuckDBStore) -> dict[str, int]:
    """Row counts of the tables ingestion writes."""
    return {t: st.count(t) for t in ("records", "subjects", "quarantine", "ingest_log")}
