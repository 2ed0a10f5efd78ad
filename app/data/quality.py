"""数据质量: ingestion log, quarantined rows with their reasons, record counts."""

from __future__ import annotations

import json

import pandas as pd

from features.records.kinds import DEPARTMENTS, KINDS
from features.store.base import Store


def ingest_log(store: Store) -> pd.DataFrame:
    """Every ingested file or generated batch, newest first."""
    return store.query("""
        SELECT ingest_id, file_name, target_table, source_dept, file_format, encoding,
               rows_read, rows_stored, rows_unchanged, rows_quarantined, message,
               started_at, finished_at
        FROM ingest_log ORDER BY started_at DESC""")


def _reason_text(value: str) -> str:
    try:
        items = json.loads(value)
    except (TypeError, ValueError):
        return str(value)
    if not isinstance(items, list):
        return str(items)
    return "; ".join(f"{i.get('column', '')}={i.get('value', '')!s}: {i.get('problem', '')}"
                     if isinstance(i, dict) else str(i) for i in items)


def quarantine(store: Store, limit: int = 1000) -> pd.DataFrame:
    """Quarantined rows (newest first) with their reasons in words."""
    frame = store.query(f"""
        SELECT ingest_id, file_name, row_number, target_table, key, reasons, raw,
               quarantined_at
        FROM quarantine ORDER BY quarantined_at DESC, ingest_id, row_number
        LIMIT {int(limit)}""")
    frame["reason_text"] = [_reason_text(v) for v in frame["reasons"]]
    return frame


def record_counts(store: Store, lang: str = "zh") -> pd.DataFrame:
    """Records per source department and kind, with both in words."""
    frame = store.query("""
        SELECT source_dept, kind, count(*) AS n FROM records
        GROUP BY source_dept, kind ORDER BY n DESC""")
    zh = lang == "zh"
    frame["department"] = [
        (DEPARTMENTS[d].label_zh if zh else DEPARTMENTS[d].label_en) if d in DEPARTMENTS else d
        for d in frame["source_dept"]]
    frame["kind_label"] = [
        (KINDS[k].label_zh if zh else KINDS[k].label_en) if k in KINDS else k
        for k in frame["kind"]]
    return frame
