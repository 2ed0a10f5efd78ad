"""The table declarations (features/records/schema.py) and the record kinds catalogue."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pyarrow as pa
import pytest

from features import registry
from features.records import schema
from features.records.kinds import DEPARTMENTS, KINDS, PARTY_ANY, PARTY_ENTERPRISE, PARTY_PERSON
from features.records.kinds import kind as get_kind
from features.records.schema import (
    DUCKDB_TYPES,
    POLARITIES,
    SEVERITIES,
    TABLES,
    WORKFLOW_TABLES,
    Column,
    schema_markdown,
)
from features.store.duckdb_store import DuckDBStore

# DESIGN.md §4, in its words (``by`` of objections is stored as ``handled_by``).
DESIGN_TABLES = (
    "subjects",
    "records",
    "objections",
    "repairs",
    "ratings",
    "inspections",
    "audit_log",
    "ingest_log",
    "quarantine",
    "synthetic_truth",
)
DESIGN_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(columns.split())
    for table, columns in {
        "subjects": """
            subject_id subject_type name region_code township_code village_code industry scale
            registered_capital established_on legal_rep_id household_size labour_count land_mu
            licence_class employer_id status closed_on
        """,
        "records": """
            record_id subject_id kind domain severity polarity value_num value_text amount
            event_date decided_on published_on valid_until revoked_on source_dept detail
        """,
        "objections": "record_id opened_on reason status resolved_on handled_by",
        "repairs": "record_id applied_on approved_on status",
        "ratings": """
            subject_id scheme as_of model_name model_version run_id score pd model_grade
            final_grade overrides reasons scored_at
        """,
        "synthetic_truth": "subject_id latent",
    }.items()
}

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_design_table_is_declared() -> None:
    assert set(DESIGN_TABLES) <= set(TABLES)
    for name, tbl in TABLES.items():
        assert tbl.name == name
        assert schema.table(name) is tbl


def test_unknown_table_is_a_key_error_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="records"):
        schema.table("recrods")


@pytest.mark.parametrize("table_name", sorted(DESIGN_COLUMNS))
def test_design_columns_are_declared(table_name: str) -> None:
    declared = TABLES[table_name].column_names
    missing = [c for c in DESIGN_COLUMNS[table_name] if c not in declared]
    assert missing == []


def test_records_required_columns() -> None:
    records = TABLES["records"]
    for name in ("record_id", "subject_id", "kind", "event_date", "published_on", "source_dept"):
        assert not records.column(name).nullable, name
    for name in ("severity", "decided_on", "valid_until", "revoked_on", "value_num", "amount"):
        assert records.column(name).nullable, name
    assert records.column("severity").choices == SEVERITIES
    assert records.column("polarity").choices == POLARITIES
    # the subject types are the declared ones, read when asked
    assert TABLES["subjects"].column("subject_type").allowed() == tuple(
        registry.active().subject_types()
    )
    assert "enterprise" in TABLES["subjects"].column("subject_type").allowed()
    with pytest.raises(KeyError, match="no column"):
        records.column("nope")


@pytest.mark.parametrize("table_name", sorted(TABLES))
def test_every_column_is_documented(table_name: str) -> None:
    tbl = TABLES[table_name]
    assert tbl.label_en.strip() and CJK.search(tbl.label_zh), tbl.name
    assert tbl.description.strip()
    names = tbl.column_names
    assert len(names) == len(set(names)), "duplicate column names"
    for col in tbl.columns:
        where = f"{tbl.name}.{col.name}"
        assert re.fullmatch(r"[a-z][a-z0-9_]*", col.name), where
        assert col.dtype in DUCKDB_TYPES, where
        assert isinstance(col.nullable, bool), where
        assert col.label_en.strip(), where
        assert not CJK.search(col.label_en), where
        assert CJK.search(col.label_zh), where
        if col.allowed() is not None:
            assert col.dtype == "string" and len(col.allowed()) > 0, where
    assert tbl.required == tuple(c.name for c in tbl.columns if not c.nullable)


def test_unknown_dtype_is_rejected() -> None:
    with pytest.raises(ValueError, match="dtype"):
        Column("x", "decimal", True, "X", "某")


# --- DDL round trip -------------------------------------------------------


@pytest.fixture
def store():
    st = DuckDBStore(":memory:")
    yield st
    st.close()


@pytest.mark.parametrize("table_name", sorted(set(TABLES) - WORKFLOW_TABLES))
def test_describe_matches_declaration(store: DuckDBStore, table_name: str) -> None:
    described = store.query(f"DESCRIBE {table_name}")
    tbl = TABLES[table_name]
    assert list(described["column_name"]) == list(tbl.column_names)
    assert list(described["column_type"]) == [c.sql_type for c in tbl.columns]
    assert list(described["null"]) == ["YES" if c.nullable else "NO" for c in tbl.columns]


def test_create_schema_is_idempotent(store: DuckDBStore) -> None:
    store.create_schema()
    store.create_schema()
    tables = set(store.query("SELECT table_name FROM information_schema.tables")["table_name"])
    assert tables == set(TABLES) - WORKFLOW_TABLES  # those live in the workflow store


@pytest.mark.parametrize("table_name", sorted(WORKFLOW_TABLES))
def test_workflow_tables_take_every_declared_column(store: DuckDBStore, table_name: str) -> None:
    row = store.workflow.query(f"SELECT * FROM {table_name} LIMIT 0")
    assert list(row.columns) == list(TABLES[table_name].column_names)


RECORD_ROW: dict[str, object] = {
    "record_id": "SAMR-2024-000123",
    "subject_id": "91110000600037341L",
    "kind": "administrative_penalty",
    "domain": "supervision",
    "severity": "general",
    "polarity": "negative",
    "value_num": 3.25,
    "value_text": "food",
    "amount": 50_000.5,
    "event_date": dt.date(2024, 2, 29),
    "decided_on": dt.date(2024, 3, 15),
    "published_on": dt.date(2024, 3, 20),
    "valid_until": dt.date(2025, 3, 15),
    "revoked_on": dt.date(2024, 6, 1),
    "source_dept": "samr",
    "detail": "未按规定公示年度报告；罚款五万元",
    "ingest_id": 42,
    "recorded_at": dt.datetime(2024, 3, 21, 8, 30, 15, 123456),
}


def test_records_row_round_trip(store: DuckDBStore) -> None:
    assert set(RECORD_ROW) == set(TABLES["records"].column_names)
    assert store.append("records", pd.DataFrame([RECORD_ROW])) == 1
    back = store.query_arrow("SELECT * FROM records").to_pylist()
    assert back == [RECORD_ROW]
    frame = store.query("SELECT * FROM records")
    assert list(frame.columns) == list(TABLES["records"].column_names)
    assert frame.loc[0, "detail"] == RECORD_ROW["detail"]
    assert pd.Timestamp(frame.loc[0, "event_date"]).date() == RECORD_ROW["event_date"]


def test_records_nulls_and_default_recorded_at(store: DuckDBStore) -> None:
    row = {k: v for k, v in RECORD_ROW.items() if k != "recorded_at"}
    for name in ("severity", "value_num", "decided_on", "valid_until", "revoked_on", "detail"):
        row[name] = None
    store.append("records", pa.Table.from_pylist([row]))
    back = store.query_arrow("SELECT * FROM records").to_pylist()[0]
    for name in ("severity", "value_num", "decided_on", "valid_until", "revoked_on", "detail"):
        assert back[name] is None, name
    assert isinstance(back["recorded_at"], dt.datetime)


def test_records_not_null_is_enforced(store: DuckDBStore) -> None:
    row = dict(RECORD_ROW, published_on=None)
    with pytest.raises(Exception, match=r"(?i)not null|constraint"):
        store.append("records", pa.Table.from_pylist([row], schema=_arrow_schema("records")))
    assert store.count("records") == 0


_SAMPLE = {
    "string": "值 value",
    "date": dt.date(2023, 12, 31),
    "timestamp": dt.datetime(2024, 1, 1, 23, 59, 59),
    "float": 0.125,
    "int": 7,
    "bool": True,
}
_ARROW = {
    "string": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
}


def _arrow_schema(table_name: str) -> pa.Schema:
    return pa.schema([(c.name, _ARROW[c.dtype]) for c in TABLES[table_name].columns])


@pytest.mark.parametrize("table_name", sorted(TABLES))
def test_every_table_round_trips_one_row(store: DuckDBStore, table_name: str) -> None:
    tbl = TABLES[table_name]
    row = {c.name: (c.allowed()[0] if c.allowed() else _SAMPLE[c.dtype]) for c in tbl.columns}
    store.append(table_name, pa.Table.from_pylist([row], schema=_arrow_schema(table_name)))
    assert store.query_arrow(f"SELECT * FROM {table_name}").to_pylist() == [row]


# --- documentation --------------------------------------------------------


def test_schema_markdown_lists_every_table_and_column() -> None:
    text = schema_markdown()
    lines = text.splitlines()
    for tbl in TABLES.values():
        heading = [ln for ln in lines if ln.startswith("#") and f"`{tbl.name}`" in ln]
        assert len(heading) == 1, tbl.name
        assert tbl.label_zh in heading[0] and tbl.label_en in heading[0]
        for col in tbl.columns:
            row = [ln for ln in lines if ln.startswith(f"| `{col.name}` |")]
            cells = [[cell.strip() for cell in ln.strip("|").split("|")] for ln in row]
            assert any(
                c[1] == col.label_zh and c[2] == col.label_en and c[3] == col.sql_type
                for c in cells
            ), f"{tbl.name}.{col.name}"


def test_schema_markdown_column_rows_stay_in_table_order() -> None:
    text = schema_markdown({"records": TABLES["records"]})
    names = re.findall(r"^\| `([a-z_0-9]+)` \|", text, flags=re.MULTILINE)
    assert names == list(TABLES["records"].column_names)
    assert "Values: minor, general, serious." in text


# --- record kinds ---------------------------------------------------------

# DESIGN.md §4: "Kinds cover at least …"
_DESIGN_KINDS_TEXT = """
    administrative_licence administrative_penalty abnormal_operations_list
    serious_violation_list red_list honour dishonest_judgment_debtor court_judgment
    tax_credit_level tax_paid tax_arrears social_insurance_arrears utility_arrears wage_arrears
    social_insurance_headcount housing_fund utility_consumption loan loan_overdue
    credit_commitment environmental_rating safety_rating bidding_misconduct traffic_violation
    traffic_accident passenger_complaint overloading village_assessment agricultural_insurance
    agricultural_subsidy
"""
DESIGN_KINDS = tuple(_DESIGN_KINDS_TEXT.split())


def test_design_kinds_are_catalogued() -> None:
    assert [k for k in DESIGN_KINDS if k not in KINDS] == []
    assert set(KINDS["tax_credit_level"].values) == set("ABMCD")
    assert set(KINDS["credit_commitment"].values) == {"made", "kept", "broken"}


@pytest.mark.parametrize("key", sorted(KINDS))
def test_kind_is_consistent(key: str) -> None:
    k = KINDS[key]
    assert k.key == key
    assert get_kind(key) is k
    assert k.dept in DEPARTMENTS, k.dept
    assert k.polarity in POLARITIES
    assert k.party in (PARTY_ENTERPRISE, PARTY_PERSON, PARTY_ANY)
    assert set(k.severities) <= set(SEVERITIES), k.severities
    assert len(set(k.severities)) == len(k.severities)
    if k.severity_required:
        assert k.severities, "a required severity needs allowed tiers"
    assert len(set(k.values)) == len(k.values)
    assert set(k.polarity_by_value) <= set(k.values), k.polarity_by_value
    assert set(k.polarity_by_value.values()) <= set(POLARITIES)
    assert k.label_en.strip() and CJK.search(k.label_zh)
    assert k.domain.strip()
    for value in k.values:
        assert k.polarity_for(value) == k.polarity_by_value.get(value, k.polarity)
    assert k.polarity_for(None) == k.polarity


def test_departments_are_labelled() -> None:
    for key, dept in DEPARTMENTS.items():
        assert dept.key == key
        assert dept.label_en.strip() and CJK.search(dept.label_zh)


def test_polarity_by_value_examples() -> None:
    assert KINDS["tax_credit_level"].polarity_for("D") == "negative"
    assert KINDS["tax_credit_level"].polarity_for("A") == "positive"
    assert KINDS["tax_credit_level"].polarity_for("B") == "neutral"
    assert KINDS["credit_commitment"].polarity_for("broken") == "negative"


def test_unknown_kind_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="unknown record kind"):
        get_kind("nope")
