"""数据质量: ingestion log, quarantined rows with their reasons, record counts."""

from __future__ import annotations

import json
import re

import pandas as pd

from features.records.csv_files import EXTRA_FIELDS
from features.records.kinds import all_departments, all_kinds
from features.records.personal import mask_text
from features.records.schema import TABLES
from features.records.values import FILE_FORMATS, INGEST_TABLES, SOURCES, value_label
from features.store.base import Store

#: messages the ingest writes (English in the store) → the page's words
_MESSAGES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"demo city: (?P<s>[\d,]+) subjects, (?P<r>[\d,]+) records"),
        "模拟城市：{s} 个主体，{r} 条信用记录",
        "demo city: {s} subjects, {r} records",
    ),
    (re.compile(r"ignored columns: (?P<c>.*)"), "未使用的列：{c}", "ignored columns: {c}"),
    (
        re.compile(r"no data rows: the file has a header only"),
        "文件只有表头，没有数据行",
        "no data rows: the file has a header only",
    ),
    (re.compile(r"sheets read: (?P<s>.*)"), "已读取工作表：{s}", "sheets read: {s}"),
    (re.compile(r"sheets skipped: (?P<s>.*)"), "未读取的工作表：{s}", "sheets skipped: {s}"),
)
_SHEET_WORDS = {
    "rows": "行",
    "no known column headers": "没有可识别的列名",
    "empty sheet": "空工作表",
}


def ingest_log(store: Store) -> pd.DataFrame:
    """Every ingested file or generated batch, newest first."""
    return store.query("""
        SELECT ingest_id, file_name, target_table, source_dept, file_format, encoding,
               rows_read, rows_stored, rows_unchanged, rows_quarantined, message,
               started_at, finished_at
        FROM ingest_log ORDER BY started_at DESC""")


def _dept(key: str | None, lang: str) -> str:
    departments = all_departments()  # read now: declared departments join with the registry
    if key in departments:
        return departments[key].label_zh if lang == "zh" else departments[key].label_en
    return value_label(SOURCES, key, lang) or "—"


def message_text(message: str | None, lang: str = "zh") -> str:
    """An ingest message in ``lang`` (messages it does not know are shown as stored)."""
    if not isinstance(message, str) or not message:  # a file stored clean has none (NaN)
        return "—"
    if "; " in message:  # several notes (ingest joins them with "; "): each in words
        sep = "；" if lang == "zh" else "; "
        return sep.join(message_text(part, lang) for part in message.split("; "))
    for pattern, zh, en in _MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            words = found.groupdict()
            if lang == "zh" and "s" in words:  # sheet notes: "一月 (3 rows)" → "一月（3 行）"
                words["s"] = re.sub(
                    r" \((?P<w>[^()]*)\)(?=, |$)",
                    lambda m: "（" + _sheet_words(m["w"]) + "）",
                    words["s"],
                ).replace(", ", "、")
            return (zh if lang == "zh" else en).format(**words)
    return message


def _sheet_words(text: str) -> str:
    for en, zh in _SHEET_WORDS.items():
        text = text.replace(en, zh)
    return text


_GENERATED = re.compile(r"synthetic:(?P<city>\w+) scale=(?P<scale>\w+) seed=(?P<seed>\d+)")
_CITIES = {"qujing": ("曲靖", "Qujing")}
_SCALES = {"tiny": ("测试", "test"), "small": ("演示", "demo"), "city": ("全市", "city")}


def file_text(name: str | None, lang: str = "zh") -> str:
    """A batch's file name; a generated city's batch in words (``模拟城市数据（曲靖…）``)."""
    found = _GENERATED.fullmatch(name or "")
    if not found:
        return name or "—"
    g = found.groupdict()
    pick = 0 if lang == "zh" else 1
    city = _CITIES.get(g["city"], (g["city"],) * 2)[pick]
    scale = _SCALES.get(g["scale"], (g["scale"],) * 2)[pick]
    if lang == "zh":
        return f"模拟城市数据（{city}，{scale}规模，随机种子 {g['seed']}）"
    return f"generated city ({city}, {scale} scale, seed {g['seed']})"


def log_words(log: pd.DataFrame, lang: str = "zh", masked: bool = False) -> pd.DataFrame:
    """The ingest log with its codes in words: table, format, department, message.

    ``masked``: personal IDs in file names and messages masked
    (:func:`features.records.personal.mask_text`), for roles that see IDs masked.
    """
    hide = mask_text if masked else _same
    return log.assign(
        file_name=log["file_name"].map(lambda v: hide(file_text(v, lang))),
        table_shown=log["target_table"].map(lambda v: value_label(INGEST_TABLES, v, lang)),
        format_shown=log["file_format"].map(lambda v: value_label(FILE_FORMATS, v, lang)),
        dept_label=log["source_dept"].map(lambda v: _dept(v, lang)),
        message=log["message"].map(lambda v: hide(message_text(v, lang))),
    )


def _same(text: str | None) -> str | None:
    return text


def _column_label(table: str, column: str, lang: str) -> str:
    if column == EXTRA_FIELDS:  # a ragged row's fields beyond the header
        return "多余字段" if lang == "zh" else "extra fields"
    try:
        col = TABLES[table].column(column)
    except (KeyError, ValueError, AttributeError):
        return column
    return col.label_zh if lang == "zh" else col.label_en


def _reason_text(value: str, table: str = "records", lang: str = "zh") -> str:
    try:
        items = json.loads(value)
    except (TypeError, ValueError):
        return str(value)
    if not isinstance(items, list):
        return str(items)
    sep = "；" if lang == "zh" else "; "
    # problem_zh: the Chinese text the ingest writes beside the English one (older rows: none)
    pick = ("problem_zh", "problem") if lang == "zh" else ("problem",)
    return sep.join(
        f"{_column_label(table, i.get('column', ''), lang)}={i.get('value', '')!s}："
        f"{next((i[k] for k in pick if i.get(k)), '')}"
        if isinstance(i, dict)
        else str(i)
        for i in items
    )


def quarantine(
    store: Store, limit: int = 1000, lang: str = "zh", masked: bool = False
) -> pd.DataFrame:
    """Quarantined rows (newest first) with their reasons in words (the column by its
    label; the problem as the validation wrote it).

    ``masked``: for roles that see IDs masked — personal IDs (and birth dates) in the
    reasons and file names masked, and no ``key`` or ``raw`` (the row as sent).
    """
    frame = store.query(f"""
        SELECT ingest_id, file_name, row_number, target_table, key, reasons, raw,
               quarantined_at
        FROM quarantine ORDER BY quarantined_at DESC, ingest_id, row_number
        LIMIT {int(limit)}""")
    frame["reason_text"] = [
        _reason_text(v, tb, lang)
        for v, tb in zip(frame["reasons"], frame["target_table"], strict=True)
    ]
    frame["table_shown"] = frame["target_table"].map(lambda v: value_label(INGEST_TABLES, v, lang))
    if masked:
        frame = frame.drop(columns=["key", "raw", "reasons"]).assign(
            reason_text=frame["reason_text"].map(mask_text),
            file_name=frame["file_name"].map(mask_text),
        )
    return frame


def record_counts(store: Store, lang: str = "zh") -> pd.DataFrame:
    """Records per source department and kind, with both in words."""
    frame = store.query("""
        SELECT source_dept, kind, count(*) AS n FROM records
        GROUP BY source_dept, kind ORDER BY n DESC""")
    zh, kinds = lang == "zh", all_kinds()
    frame["department"] = [_dept(d, lang) for d in frame["source_dept"]]
    frame["kind_label"] = [
        (kinds[k].label_zh if zh else kinds[k].label_en) if k in kinds else k for k in frame["kind"]
    ]
    return frame
