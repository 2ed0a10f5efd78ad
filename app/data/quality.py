"""数据质量: ingestion log, quarantined rows with their reasons, record counts."""

from __future__ import annotations

import json
import re
from typing import Any

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
    if not isinstance(key, str) or not key:  # a file of several departments' rows
        return "—"
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
_SCALES = {
    "tiny": ("测试", "test"),
    "small": ("演示", "demo"),
    "city": ("全市", "city"),
    "city3": ("三倍城市", "three cities"),
}


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
    # problem_zh: the Chinese text the ingest writes beside the English one (older rows: none)
    if lang == "zh":
        return "；".join(
            f"{_column_label(table, i.get('column', ''), lang)}={i.get('value', '')!s}："
            f"{next((i[k] for k in ('problem_zh', 'problem') if i.get(k)), '')}"
            if isinstance(i, dict)
            else str(i)
            for i in items
        )
    return "; ".join(
        f"{_column_label(table, i.get('column', ''), lang)} '{i.get('value', '')!s}': "
        f"{_english_problem(str(i.get('problem') or ''), table)}"
        if isinstance(i, dict)
        else str(i)
        for i in items
    )


#: the identifiers' Chinese names in the ingest's English messages, in English words
_ID_NAMES = (("统一社会信用代码", "USCC"), ("居民身份证号码", "resident ID number"))
#: an accepted Chinese spelling in an English message (``minor=轻微``): data, quoted
_SPELLING = re.compile(r"=([\u3400-\u9fff]+)")


def _english_problem(text: str, table: str) -> str:
    """The ingest's English message as an English page shows it: a column by its label (the
    message names the file's column, ``published_on``), the identifiers in English words,
    the accepted Chinese spellings quoted as the values they are."""
    try:
        columns = TABLES[table].column_names
    except (KeyError, AttributeError):
        columns = ()
    for column in sorted(columns, key=len, reverse=True):
        if "_" in column:
            text = re.sub(rf"\b{column}\b", _column_label(table, column, "en"), text)
    for zh, en in _ID_NAMES:
        text = text.replace(zh, en)
    return _SPELLING.sub(r" '\1'", text)


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


# --- 部门数据质量 (issue 19): the scores of scoring.data_quality in words ----------------

#: the score frame's columns → the page's and the workbook's (``col.dq_*`` headers)
_DQ_NAMES = {
    "period": "dq_period",
    "rank": "dq_rank",
    "score": "dq_score",
    "rows": "dq_rows",
    "decided": "dq_decided",
    "late": "dq_late",
    "late_share": "dq_late_share",
    "median_lag_workdays": "dq_median_lag",
    "incomplete": "dq_incomplete",
    "incomplete_share": "dq_incomplete_share",
    "pushed": "dq_pushed",
    "quarantined": "dq_quarantined",
    "quarantine_rate": "dq_quarantine_rate",
    "duplicates": "dq_duplicates",
    "duplicate_share": "dq_duplicate_share",
    "resolved": "dq_resolved",
    "upheld": "dq_upheld",
    "upheld_share": "dq_upheld_share",
    "volume_ratio": "dq_volume_ratio",
}
#: what the ranking table shows, in reading order
SCORE_VIEW: tuple[str, ...] = (
    "dq_rank",
    "dq_dept",
    "dq_score",
    "dq_late_share",
    "dq_median_lag",
    "dq_incomplete_share",
    "dq_quarantine_rate",
    "dq_duplicate_share",
    "dq_upheld_share",
    "dq_volume_ratio",
    "dq_volume_flag",
    "dq_pushed",
    "dq_rows",
    "dq_decided",
    "dq_late",
    "dq_incomplete",
    "dq_quarantined",
    "dq_duplicates",
    "dq_resolved",
    "dq_upheld",
)
REASON_VIEW: tuple[str, ...] = (
    "dq_dept",
    "dq_reason",
    "dq_reason_rows",
    "dq_pushed",
    "dq_reason_rate",
)
_FLAGS = {"drop": ("骤减", "drop"), "surge": ("激增", "surge")}


def dept_text(key: str | None, lang: str = "zh") -> str:
    """A department's name (未知部门 for rows that name none the platform knows)."""
    from scoring.data_quality import UNKNOWN_DEPT

    if key == UNKNOWN_DEPT:
        return "未知部门" if lang == "zh" else "unknown department"
    return _dept(key, lang)


def _flag_text(value: str | None, lang: str) -> str:
    if not isinstance(value, str) or not value:
        return "—"
    pick = 0 if lang == "zh" else 1
    return ("、" if lang == "zh" else ", ").join(
        _FLAGS[f][pick] if f in _FLAGS else f for f in value.split("、")
    )


def score_rows(scores: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The scores (:data:`scoring.data_quality.SCORE_COLUMNS`) with the page's column names,
    the department and the volume flags in words."""
    out = scores.rename(columns=_DQ_NAMES)
    out["dq_dept"] = [dept_text(d, lang) for d in scores["source_dept"]]
    out["dq_volume_flag"] = [_flag_text(f, lang) for f in scores["volume_flag"]]
    return out


def reason_rows(reasons: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Quarantine reasons per department: the column named by its label."""
    out = reasons.rename(
        columns={
            "period": "dq_period",
            "rows": "dq_reason_rows",
            "pushed": "dq_pushed",
            "rate": "dq_reason_rate",
        }
    )
    out["dq_dept"] = [dept_text(d, lang) for d in reasons["source_dept"]]
    out["dq_reason"] = [
        _column_label("records", c, lang) if c else ("未注明" if lang == "zh" else "not given")
        for c in reasons["reason"]
    ]
    return out


def trend_rows(trend: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Monthly scores for the trend chart: ``dq_period``, ``dq_dept``, ``dq_score``."""
    return pd.DataFrame(
        {
            "dq_period": trend["period"].to_numpy(),
            "dq_dept": [dept_text(d, lang) for d in trend["source_dept"]],
            "dq_score": trend["score"].to_numpy(),
        }
    )


def _header(column: str, lang: str) -> str:
    from app.i18n_quality import QUALITY_COLUMNS

    pair = QUALITY_COLUMNS[column]
    return pair[0] if lang == "zh" else pair[1]


def _sheet(frame: pd.DataFrame, columns: tuple[str, ...], lang: str) -> pd.DataFrame:
    """``columns`` of ``frame`` with headers in ``lang``; shares as percentages (numbers)."""
    out = pd.DataFrame(index=frame.index)
    for c in columns:
        values = frame[c]
        if c.endswith(("_share", "_rate")):
            values = (values.astype(float) * 100).round(2)
        out[_header(c, lang) + ("（%）" if c.endswith(("_share", "_rate")) else "")] = values
    return out.reset_index(drop=True)


def assessment_sheets(report: Any, cfg: Any, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The yearly assessment (考核) workbook's sheets: scores and ranking, quarantine
    reasons, monthly scores and the rules the scores used (weights, deadline, sources).

    ``report`` is a :class:`scoring.data_quality.QualityReport`, ``cfg`` its
    :class:`scoring.data_quality.QualityConfig`. Write it with
    :func:`features.exports.excel_bytes` (inert: no formulas).
    """
    from scoring.data_quality import METRICS

    zh = lang == "zh"
    pick = 0 if zh else 1
    from app.i18n_quality import QUALITY_STRINGS as words

    scores = score_rows(report.scores, lang)
    reasons = reason_rows(report.reasons, lang)
    trend = trend_rows(report.trend, lang)
    rules = [
        (
            words[f"dq.{m}"][pick] + ("权重" if zh else " weight"),
            float(cfg.weights[m]),
            "001 §九(四)；004 §五(三)（建议值）" if zh else "001 §9(4); 004 §5(3) (proposal)",
        )
        for m in METRICS
    ]
    rules.append(
        (
            "双公示公示时限（工作日）"
            if zh
            else "publication deadline of licences and penalties (working days)",
            float(cfg.deadline_workdays),
            "001 §七(一)；002 第14条" if zh else "001 §7(1); 002 #14",
        )
    )
    item, value, source = (
        words[k][pick] for k in ("dq.rule_item", "dq.rule_value", "dq.rule_source")
    )
    return {
        words["dq.sheet_scores"][pick]: _sheet(scores, ("dq_period", *SCORE_VIEW), lang),
        words["dq.sheet_reasons"][pick]: _sheet(reasons, ("dq_period", *REASON_VIEW), lang),
        words["dq.sheet_trend"][pick]: _sheet(trend, ("dq_period", "dq_dept", "dq_score"), lang),
        words["dq.sheet_rules"][pick]: pd.DataFrame(rules, columns=[item, value, source]),
    }


def pushed_months(store: Store, limit: int = 36) -> list[str]:
    """The latest ``limit`` months (``YYYY-MM``) with records published, newest first."""
    frame = store.query(
        f"""SELECT DISTINCT strftime(published_on, '%Y-%m') AS month FROM records
            ORDER BY month DESC LIMIT {int(limit)}"""
    )
    return [str(m) for m in frame["month"]]
